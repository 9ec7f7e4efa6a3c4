import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import { captureFormatOf } from '../digest/capture-file.js';
import type { ZipEntrySink } from '../digest/model.js';
import { captureFileDigester, PcapZipReader } from '../digest/pcap-zip.js';
import { WarpBundleReader } from '../digest/warp/reader.js';
import { ZipTap } from '../digest/zip-tap.js';
import { digestText, digestView } from '../slack/ui/digest.js';

const USAGE = `Usage: npm run digest -- [--json] FILE|FOLDER...

Reads a DEX packet-capture zip, a WARP diagnostics zip, a .pcap or a .pcapng (told apart by their first bytes,
not their names) and prints what is inside: the verdict first, then the figures. With --json, one JSON object per
capture file (JSON Lines): each capture of a PCAP zip on its own line, a WARP bundle as one. A folder stands for
the files in it, in name order (not its subfolders).`;

type Kind = 'zip' | 'capture' | null;

async function kindOf(file: string): Promise<Kind> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead < 4) return null;
    // A zip's local file header, else whatever the capture file reader reads.
    if (head.readUInt32LE(0) === 0x04034b50) return 'zip';
    return captureFormatOf(head.readUInt32BE(0)) ? 'capture' : null;
  } finally {
    await handle.close();
  }
}

/** A zip is a packet capture when it holds one of the captures, else a WARP bundle when it holds its files. */
async function digestZip(file: string): Promise<ArtifactDigest> {
  const name = basename(file);
  const pcap = new PcapZipReader(name, null);
  const warp = new WarpBundleReader(name);
  let pcapEntries = 0;
  let warpEntries = 0;
  const tap = new ZipTap((entry): ZipEntrySink | null => {
    const forPcap = pcap.entry(entry);
    if (forPcap) {
      if (!entry.endsWith('results.json')) pcapEntries++;
      return forPcap;
    }
    const forWarp = warp.entry(entry);
    if (forWarp) warpEntries++;
    return forWarp;
  });
  tap.resume();
  await pipeline(createReadStream(file), tap);
  return pcapEntries > 0 || warpEntries === 0 ? pcap.digest(tap.problems()) : warp.digest(tap.problems());
}

async function digestCapture(file: string): Promise<ArtifactDigest> {
  const digester = captureFileDigester(basename(file));
  for await (const chunk of createReadStream(file)) digester.write(chunk as Buffer);
  return digester.digest();
}

/** One JSON object per capture file. */
function jsonLines(digest: ArtifactDigest): string[] {
  if (digest.kind === 'warp-diag') return [JSON.stringify(digest)];
  return digest.captures.map((capture) => JSON.stringify(capture.digest));
}

/** The arguments, each folder replaced by the files directly in it, in name order. */
async function withFolderFiles(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    // Not a folder (a file, or nothing there): kept as given, and read or reported as such.
    const entries = await readdir(arg, { withFileTypes: true }).catch(() => null);
    if (!entries) files.push(arg);
    else
      files.push(
        ...entries
          .filter((entry) => entry.isFile())
          .map((entry) => join(arg, entry.name))
          .sort(),
      );
  }
  return files;
}

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const json = argv.includes('--json');
  const files = argv.filter((arg) => arg !== '--json');
  if (files.length === 0 || files.some((file) => file === '--help' || file === '-h' || file.startsWith('--'))) {
    err(USAGE);
    return 2;
  }
  let failed = 0;
  for (const file of await withFolderFiles(files)) {
    let digest: ArtifactDigest;
    try {
      const kind = await kindOf(file);
      if (kind === null) {
        err(`${file}: not a zip, a .pcap or a .pcapng (its first bytes are none of theirs); skipped.`);
        failed++;
        continue;
      }
      digest = kind === 'zip' ? await digestZip(file) : await digestCapture(file);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'a folder, not a file'
            : code === 'EACCES'
              ? 'not allowed to read it'
              : 'could not be read';
      err(`${file}: ${why}; skipped.`);
      failed++;
      continue;
    }
    if (json) for (const line of jsonLines(digest)) out(line);
    else out(`== ${file}\n${digestText(digestView(digest))}\n`);
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(
    process.argv.slice(2),
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
