import { request } from 'undici';
import { memory, readJob, report } from './job.js';

/*
 * The floor for the relay: undici streams the artifact from the simulator straight into the Slack stand-in's
 * upload URL, with nothing in between (no store, no resume, no zip reading, no Slack API calls).
 */
interface Job {
  downloadUrl: string;
  token: string;
  uploadUrl: string;
  bytes: number;
}

const job = readJob<Job>();
const before = memory();
const started = performance.now();
const download = await request(job.downloadUrl, { headers: { authorization: `Bearer ${job.token}` } });
if (download.statusCode !== 200) throw new Error(`download answered ${download.statusCode}`);
const upload = await request(job.uploadUrl, {
  method: 'POST',
  body: download.body,
  headers: { 'content-type': 'application/octet-stream', 'content-length': String(job.bytes) },
});
await upload.body.text();
if (upload.statusCode !== 200) throw new Error(`upload answered ${upload.statusCode}`);
report({ ms: performance.now() - started, peakGrowth: memory().peak - before.rss });
