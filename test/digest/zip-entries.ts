import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ZipEntryHandler } from '../../src/digest/model.js';

/** Every entry of a zip, uncompressed by yauzl (which checks sizes and CRCs), in the zip's order. */
export function unzip(zip: Buffer): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (openError, archive) => {
      if (openError) return reject(openError);
      const entries: { name: string; data: Buffer }[] = [];
      archive.on('error', reject);
      archive.on('end', () => resolve(entries));
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          collect(stream).then((data) => {
            entries.push({ name: entry.fileName, data });
            archive.readEntry();
          }, reject);
        });
      });
      archive.readEntry();
    });
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * Feeds entries to a handler as the zip tap would: each entry's bytes in chunks of `chunkSize` (or of the sizes
 * `chunkSize` returns in turn), copied into one reused buffer so a reader that keeps a view of it is caught.
 */
export function feed(
  handler: ZipEntryHandler,
  entries: readonly { name: string; data: Uint8Array; complete?: boolean }[],
  chunkSize: number | ((index: number) => number) = 65_536,
): void {
  const sizeAt = typeof chunkSize === 'number' ? () => chunkSize : chunkSize;
  let scratch = new Uint8Array(65_536);
  for (const { name, data, complete = true } of entries) {
    const sink = handler(name);
    if (!sink) continue;
    let index = 0;
    for (let offset = 0; offset < data.length; index++) {
      const size = Math.max(1, Math.min(sizeAt(index), data.length - offset));
      if (scratch.length < size) scratch = new Uint8Array(size);
      const chunk = scratch.subarray(0, size);
      chunk.set(data.subarray(offset, offset + size));
      sink.write(chunk);
      chunk.fill(0x7e);
      offset += size;
    }
    sink.end(complete);
  }
}
