import { Transform, type TransformCallback } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import type { InterfaceResult } from './descriptor.js';

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const MAX_RESULTS_BYTES = 1024 * 1024;

/**
 * Reads `results.json` out of a PCAP zip while its bytes stream past on their way to Slack, so the thread can
 * say which interfaces were captured without holding the zip. Walks local file headers from the start; stops
 * looking at the first entry whose size is not in its header (a data descriptor), so a zip with results.json
 * further on just yields no summary.
 */
export class PcapResultsReader extends Transform {
  #buffer: Buffer = Buffer.alloc(0);
  /** Offset in the zip of #buffer[0]. */
  #offset = 0;
  #nextHeader = 0;
  #done = false;
  #results: unknown = undefined;

  /** The parsed results.json, or undefined when it was not found or could not be read. */
  get results(): unknown {
    return this.#results;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.#done) this.#scan(chunk);
    callback(null, chunk);
  }

  #scan(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (!this.#done) {
      // Drop the bytes of entries already walked past: they are not needed and may be large.
      const skip = Math.min(Math.max(this.#nextHeader - this.#offset, 0), this.#buffer.length);
      this.#buffer = this.#buffer.subarray(skip);
      this.#offset += skip;
      if (this.#nextHeader > this.#offset || this.#buffer.length < LOCAL_HEADER_SIZE) break;
      const header = this.#buffer;
      if (header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
        this.#stop();
        break;
      }
      const flags = header.readUInt16LE(6);
      const method = header.readUInt16LE(8);
      const compressedSize = header.readUInt32LE(18);
      const nameLength = header.readUInt16LE(26);
      const extraLength = header.readUInt16LE(28);
      if (flags & 0x08) {
        this.#stop();
        break;
      }
      const dataStart = LOCAL_HEADER_SIZE + nameLength + extraLength;
      if (header.length < dataStart) break;
      const name = header.subarray(LOCAL_HEADER_SIZE, LOCAL_HEADER_SIZE + nameLength).toString('utf8');
      if (name.split('/').pop() === 'results.json') {
        if (compressedSize > MAX_RESULTS_BYTES) {
          this.#stop();
          break;
        }
        if (header.length < dataStart + compressedSize) break;
        const data = header.subarray(dataStart, dataStart + compressedSize);
        try {
          const text = method === 8 ? inflateRawSync(data).toString('utf8') : method === 0 ? data.toString('utf8') : '';
          this.#results = JSON.parse(text);
        } catch {
          this.#results = undefined;
        }
        this.#stop();
        break;
      }
      this.#nextHeader += dataStart + compressedSize;
    }
    if (this.#buffer.length > MAX_RESULTS_BYTES + 64 * 1024) this.#stop();
  }

  #stop(): void {
    this.#done = true;
    this.#buffer = Buffer.alloc(0);
  }
}

/** Each interface's result from a results.json (untrusted JSON with no published schema), or null when unreadable. */
export function interfaceResults(results: unknown): InterfaceResult[] | null {
  const captures = (results as { captures?: unknown } | null)?.captures;
  if (!Array.isArray(captures) || captures.length === 0) return null;
  const found = captures.slice(0, 16).flatMap((capture): InterfaceResult[] => {
    if (typeof capture !== 'object' || capture === null) return [];
    const { interface: name, status, error } = capture as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) return [];
    const ok = typeof status === 'string' && status.toLowerCase() === 'success';
    return [
      { name: name.slice(0, 64), ok, error: !ok && typeof error === 'string' && error ? error.slice(0, 300) : null },
    ];
  });
  return found.length ? found : null;
}
