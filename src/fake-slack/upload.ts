import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { boundaryOf, MultipartReader } from './multipart.js';

/** Bytes are kept for inspection only up to this declared length; above it, just the size and hash. */
export const KEEP_CONTENT_MAX_BYTES = 8 * 1024 * 1024;

export interface ReceivedUpload {
  bytes: number;
  sha256: string;
  content?: Buffer;
  /** 'raw' body or the multipart part that carried the file. */
  encoding: 'raw' | 'multipart';
  filename?: string;
}

/** Counts, hashes and (small files only) keeps what arrives, chunk by chunk: memory stays flat for any size. */
class Sink {
  private readonly hash = createHash('sha256');
  private readonly chunks: Buffer[] = [];
  bytes = 0;

  constructor(private readonly keepUpTo: number) {}

  write(chunk: Buffer): void {
    this.hash.update(chunk);
    // Copy what is kept: the chunk may be a view into a larger buffer that is about to be reused.
    if (this.bytes < this.keepUpTo) this.chunks.push(Buffer.from(chunk.subarray(0, this.keepUpTo - this.bytes)));
    this.bytes += chunk.length;
  }

  finish(encoding: ReceivedUpload['encoding'], keep: boolean, filename?: string): ReceivedUpload {
    return {
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      ...(keep && { content: Buffer.concat(this.chunks) }),
      encoding,
      ...(filename !== undefined && { filename }),
    };
  }
}

/**
 * Reads an upload POST: the raw bytes as the body (any content-type), or multipart/form-data where the file is
 * the part with a filename (web-api's filesUploadV2 sends one part named `body`, filename `Untitled`).
 */
export async function receiveUpload(req: IncomingMessage, declaredLength: number): Promise<ReceivedUpload> {
  const keep = declaredLength <= KEEP_CONTENT_MAX_BYTES;
  // One byte over the declared length is enough to know it is wrong; never hold more than that.
  const sink = new Sink(keep ? declaredLength + 1 : 0);
  const contentType = req.headers['content-type'];
  const boundary = contentType?.toLowerCase().startsWith('multipart/form-data') ? boundaryOf(contentType) : undefined;
  if (boundary === undefined) {
    for await (const chunk of req) sink.write(chunk as Buffer);
    return sink.finish('raw', keep);
  }
  let filePart: 'before' | 'inside' | 'after' = 'before';
  let filename: string | undefined;
  const reader = new MultipartReader(boundary, {
    onPart(headers) {
      const isFile = headers.filename !== undefined || headers.name === 'file' || headers.name === 'body';
      if (filePart === 'before' && isFile) {
        filePart = 'inside';
        filename = headers.filename;
      }
    },
    onData(chunk) {
      if (filePart === 'inside') sink.write(chunk);
    },
    onPartEnd() {
      if (filePart === 'inside') filePart = 'after';
    },
  });
  for await (const chunk of req) reader.write(chunk as Buffer);
  reader.end();
  if (filePart === 'before') throw new Error('multipart body has no file part');
  return sink.finish('multipart', keep, filename);
}
