import type { ErrorTally } from './error-tally.js';
import { codeEndAt, LineSplitter, NeedleCursor, readLogTimestamp } from './lines.js';

/** A daemon log line is read up to this many bytes; real ones run to a few KB (settings dumps, certificates). */
export const MAX_LOG_LINE_BYTES = 16 * 1024;
/** Codes named on one line are counted once each; a line naming more than this many is not a log line. */
const MAX_CODES_PER_LINE = 8;
/** Bytes at the start of a file looked at for NUL bytes (a log cut by a crash, or not a log at all). */
const SNIFF_BYTES = 4096;
/** A client version as WARP writes it, e.g. `2025.5.893.0`; bounded so a long run of digits is not one. */
const VERSION = /^\d{1,4}(?:\.\d{1,6}){1,3}$/;
const PLATFORM = /^[A-Za-z][A-Za-z0-9 ._-]{0,31}$/;

const CODE_PREFIX = Buffer.from('CF_', 'latin1');
const VERSION_NEEDLE = Buffer.from('Version: ', 'latin1');
const PLATFORM_NEEDLE = Buffer.from('client_platform: "', 'latin1');

/**
 * Reads one daemon log (daemon.log, daemon.1.log, …) as it streams: counts lines, the time span, every `CF_…` code
 * with the timestamp of its entry (a continuation line takes the time of the line that started the entry), and
 * the version and platform the daemon names. Memory: one MAX_LOG_LINE_BYTES line buffer.
 */
export class DaemonLogReader {
  lines = 0;
  firstAtMs: number | null = null;
  lastAtMs: number | null = null;
  /** The last `Version: …` the daemon logged (it logs one each time it starts). */
  version: string | null = null;
  platform: string | null = null;
  /** NUL bytes near the start: the file is not plain text. */
  binary = false;
  private readonly splitter = new LineSplitter((bytes, start, end) => this.line(bytes, start, end), MAX_LOG_LINE_BYTES);
  private readonly codes = new NeedleCursor(CODE_PREFIX);
  private readonly versions = new NeedleCursor(VERSION_NEEDLE);
  private readonly platforms = new NeedleCursor(PLATFORM_NEEDLE);
  private entryAtMs: number | null = null;
  private sniffed = 0;
  private readonly lineCodes: string[] = [];

  constructor(private readonly errors: ErrorTally) {}

  get cutLines(): number {
    return this.splitter.cutLines;
  }

  write(chunk: Uint8Array): void {
    if (this.sniffed < SNIFF_BYTES) {
      const look = Math.min(chunk.length, SNIFF_BYTES - this.sniffed);
      if (chunk.subarray(0, look).includes(0)) this.binary = true;
      this.sniffed += look;
    }
    this.splitter.write(chunk);
  }

  end(): void {
    this.splitter.end();
  }

  private line(bytes: Buffer, start: number, end: number): void {
    this.lines += 1;
    const at = readLogTimestamp(bytes, start, end);
    if (at !== null) {
      this.entryAtMs = at;
      if (this.firstAtMs === null || at < this.firstAtMs) this.firstAtMs = at;
      if (this.lastAtMs === null || at > this.lastAtMs) this.lastAtMs = at;
    }
    this.lineCodes.length = 0;
    for (let found = this.codes.find(bytes, start, end); found !== -1; ) {
      const codeEnd = codeEndAt(bytes, found, start, end);
      if (codeEnd !== -1) {
        const code = bytes.toString('latin1', found, codeEnd);
        if (!this.lineCodes.includes(code) && this.lineCodes.length < MAX_CODES_PER_LINE) {
          this.lineCodes.push(code);
          this.errors.add(code, this.entryAtMs);
        }
      }
      found = this.codes.find(bytes, codeEnd === -1 ? found + CODE_PREFIX.length : codeEnd, end);
    }
    const versionAt = this.versions.find(bytes, start, end);
    if (versionAt !== -1)
      this.version = tokenAfter(bytes, versionAt + VERSION_NEEDLE.length, end, VERSION) ?? this.version;
    const platformAt = this.platforms.find(bytes, start, end);
    if (platformAt !== -1) {
      this.platform = tokenAfter(bytes, platformAt + PLATFORM_NEEDLE.length, end, PLATFORM, 0x22) ?? this.platform;
    }
  }
}

/** The word at `from` (up to a space, or `stop`), if it matches `pattern`. */
function tokenAfter(bytes: Buffer, from: number, end: number, pattern: RegExp, stop = 0x20): string | null {
  let to = from;
  const limit = Math.min(end, from + 40);
  while (to < limit && bytes[to] !== stop && bytes[to] !== 0x20) to += 1;
  const token = bytes.toString('latin1', from, to);
  return pattern.test(token) ? token : null;
}
