/*
 * A streaming multipart/form-data reader: feeds part bodies to callbacks chunk by chunk, holding back only
 * the few bytes that might be the start of the next boundary. It never buffers a part, so a 1 GB file part
 * costs the same memory as a 1 KB one.
 */

export interface PartHeaders {
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
}

export interface MultipartHandlers {
  onPart(headers: PartHeaders): void;
  onData(chunk: Buffer): void;
  onPartEnd(): void;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

export class MultipartReader {
  private readonly delimiter: Buffer;
  private state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  private pending: Buffer;

  constructor(
    boundary: string,
    private readonly handlers: MultipartHandlers,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The first boundary has no CRLF before it; pretend it does so one delimiter fits every boundary.
    this.pending = Buffer.from(CRLF);
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  write(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.state === 'done') {
        this.pending = Buffer.alloc(0); // the epilogue is ignored
        return;
      }
      if (!this.step()) return;
    }
  }

  /** Throws when the body ended before the closing boundary. */
  end(): void {
    if (this.state !== 'done') throw new Error('multipart body ended before its closing boundary');
  }

  /** Consumes what it can from `pending`; false when it needs more bytes. */
  private step(): boolean {
    if (this.state === 'headers') return this.readHeaders();
    const at = this.pending.indexOf(this.delimiter);
    if (at === -1) {
      // Keep a tail that could be the start of a delimiter split across chunks.
      const safe = this.pending.length - (this.delimiter.length - 1);
      if (safe > 0) {
        if (this.state === 'body') this.handlers.onData(this.pending.subarray(0, safe));
        this.pending = this.pending.subarray(safe);
      }
      return false;
    }
    // Need the two bytes after the delimiter: "--" (last boundary) or CRLF (another part follows).
    if (this.pending.length < at + this.delimiter.length + 2) {
      if (this.state === 'body' && at > 0) {
        this.handlers.onData(this.pending.subarray(0, at));
        this.pending = this.pending.subarray(at);
      }
      return false;
    }
    if (this.state === 'body') {
      if (at > 0) this.handlers.onData(this.pending.subarray(0, at));
      this.handlers.onPartEnd();
    }
    const after = this.pending.subarray(at + this.delimiter.length, at + this.delimiter.length + 2).toString('latin1');
    this.pending = this.pending.subarray(at + this.delimiter.length + 2);
    this.state = after === '--' ? 'done' : 'headers';
    return true;
  }

  private readHeaders(): boolean {
    if (this.pending.length < CRLF.length) return false;
    // A part with no headers at all: its body starts right after the blank line.
    const end = this.pending.subarray(0, CRLF.length).equals(CRLF) ? -CRLF.length : this.pending.indexOf(HEADER_END);
    if (end === -1) {
      if (this.pending.length > MAX_HEADER_BYTES) throw new Error('multipart part headers too large');
      return false;
    }
    const headers = parseHeaders(end < 0 ? '' : this.pending.subarray(0, end).toString('utf8'));
    this.pending = this.pending.subarray(end + HEADER_END.length);
    this.state = 'body';
    this.handlers.onPart(headers);
    return true;
  }
}

function parseHeaders(text: string): PartHeaders {
  const headers: PartHeaders = { name: undefined, filename: undefined, contentType: undefined };
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-type') headers.contentType = value;
    if (key === 'content-disposition') {
      headers.name = /\bname="([^"]*)"/i.exec(value)?.[1];
      headers.filename = /\bfilename="([^"]*)"/i.exec(value)?.[1];
    }
  }
  return headers;
}
