import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const PREFIX = 'dex-capture-spool-';

/** A download written to a private temporary file, so that its length is known before Slack is asked for a place. */
export interface Spooled {
  bytes: number;
  /** The file's bytes, as a new stream. */
  open(): Readable;
  /** Deletes the file; always called, whatever happened. */
  remove(): Promise<void>;
}

/**
 * Writes `source` to a temporary file readable only by this user. Why: Slack's upload needs the length first
 * (`files.getUploadURLExternal`), and a download sent without `Content-Length` gives none; holding it in memory
 * would grow with the file. The file lives only for one transfer and never outlasts it (see `sweepSpools` for a
 * process that was killed). At most `maxBytes`.
 */
export async function spool(source: Readable, { signal, maxBytes }: { signal: AbortSignal; maxBytes: number }) {
  const directory = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const path = join(directory, 'artifact.zip');
  const remove = () => rm(directory, { recursive: true, force: true });
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(new Error(`the download is larger than ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(source, limit, createWriteStream(path, { mode: 0o600 }), { signal });
  } catch (error) {
    await remove();
    throw error;
  }
  const spooled: Spooled = { bytes, open: () => createReadStream(path), remove };
  return spooled;
}

/** Removes spool files that a killed process left behind (those of processes no longer running). */
export async function sweepSpools(): Promise<void> {
  const base = tmpdir();
  for (const name of await readdir(base).catch(() => [])) {
    const pid = Number(/^dex-capture-spool-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    const path = join(base, name);
    if ((await stat(path).catch(() => null))?.isDirectory()) await rm(path, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
