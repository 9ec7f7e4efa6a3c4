import { createReadStream } from 'node:fs';
import { CaptureFileReader } from '../../src/digest/capture-file.js';
import { PacketTally } from '../../src/digest/packets/index.js';
import { memory, readJob, report } from './job.js';

/*
 * The digest of one capture file, as the bot reads a zip entry: the file streamed in 64 KiB chunks (what a zip
 * stream hands over) through the capture file reader into the packet tally. Reports its time, its peak memory over
 * its RSS at the start, and the digest (for the comparison with tshark's figures).
 */
interface Job {
  file: string;
}

const job = readJob<Job>();
const before = memory();
const started = performance.now();
const tally = new PacketTally(job.file);
const reader = new CaptureFileReader(tally);
for await (const chunk of createReadStream(job.file, { highWaterMark: 64 * 1024 })) reader.write(chunk as Buffer);
reader.end();
const digest = tally.digest(reader.format);
const ms = performance.now() - started;
report({ ms, peakGrowth: memory().peak - before.rss, digest });
