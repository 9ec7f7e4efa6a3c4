/**
 * Byte-level tools for the bundle's text files: a bounded line splitter, a forward-only needle search over the
 * chunks, the log timestamp and `CF_…` code readers. They work on the caller's bytes in place (no copy except for a
 * line cut by a chunk boundary) and never allocate per byte.
 */

/** Hands over each line as `bytes[start, end)` (LF or CRLF stripped); the view is valid only during the call. */
export type LineHandler = (bytes: Buffer, start: number, end: number, cut: boolean) => void;

export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Splits a byte stream into lines. A line longer than `maxLineBytes` is handed over cut to its first
 * `maxLineBytes` bytes (`cut` true) and the rest of it skipped, so memory stays at `maxLineBytes` whatever the input.
 */
export class LineSplitter {
  /** Lines that were longer than the cap. */
  cutLines = 0;
  private readonly carry: Buffer;
  private carried = 0;
  private carryCut = false;
  private pending = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly maxLineBytes: number,
  ) {
    this.carry = Buffer.allocUnsafe(maxLineBytes);
  }

  write(chunk: Uint8Array): void {
    const bytes = asBuffer(chunk);
    let position = 0;
    if (this.pending) {
      const newline = bytes.indexOf(0x0a);
      if (newline < 0) {
        this.append(bytes, 0, bytes.length);
        return;
      }
      this.append(bytes, 0, newline);
      this.flushCarry();
      position = newline + 1;
    }
    const length = bytes.length;
    while (position < length) {
      const newline = bytes.indexOf(0x0a, position);
      if (newline < 0) {
        this.append(bytes, position, length);
        return;
      }
      this.emit(bytes, position, newline);
      position = newline + 1;
    }
  }

  /** The stream ended: a last line without its newline is handed over too. */
  end(): void {
    if (this.pending) this.flushCarry();
  }

  private emit(bytes: Buffer, start: number, newline: number): void {
    let end = newline > start && bytes[newline - 1] === 0x0d ? newline - 1 : newline;
    const cut = end - start > this.maxLineBytes;
    if (cut) {
      end = start + this.maxLineBytes;
      this.cutLines += 1;
    }
    this.onLine(bytes, start, end, cut);
  }

  private append(bytes: Buffer, start: number, end: number): void {
    this.pending = true;
    const room = this.maxLineBytes - this.carried;
    const take = Math.min(room, end - start);
    if (take > 0) {
      bytes.copy(this.carry, this.carried, start, start + take);
      this.carried += take;
    }
    if (end - start > take) this.carryCut = true;
  }

  private flushCarry(): void {
    let end = this.carried;
    if (!this.carryCut && end > 0 && this.carry[end - 1] === 0x0d) end -= 1;
    if (this.carryCut) this.cutLines += 1;
    this.onLine(this.carry, 0, end, this.carryCut);
    this.carried = 0;
    this.carryCut = false;
    this.pending = false;
  }
}

/**
 * Finds a needle in the lines of a stream, handed over in order: each buffer is searched forward once, not once per
 * line, so a chunk of many short lines without the needle costs one native search.
 */
export class NeedleCursor {
  private buffer: Buffer | null = null;
  private searchedFrom = 0;
  /** The first position of the needle at or after `searchedFrom` in `buffer`, or -1. */
  private foundAt = -1;

  constructor(private readonly needle: Buffer) {}

  /** The first position of the needle in `bytes[from, end)`, or -1. */
  find(bytes: Buffer, from: number, end: number): number {
    // Searching again from where it last started means new bytes in the same buffer (the splitter's carry).
    if (bytes !== this.buffer || from <= this.searchedFrom || (this.foundAt !== -1 && this.foundAt < from)) {
      this.buffer = bytes;
      this.searchedFrom = from;
      this.foundAt = bytes.indexOf(this.needle, from);
    }
    return this.foundAt !== -1 && this.foundAt + this.needle.length <= end ? this.foundAt : -1;
  }
}

const DIGIT_0 = 0x30;
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

function digits(bytes: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const digit = (bytes[at + i] ?? 0) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The timestamp that starts a daemon log line, `2025-06-01T10:00:00.123Z` (tracing's format; fractions of any
 * length, `T` or a space, `Z`, `+hh:mm`, `+hhmm` or no zone, read as UTC), as ms since the epoch; null if the line
 * does not start with one (a continuation line of a multi-line entry).
 */
export function readLogTimestamp(bytes: Buffer, start: number, end: number): number | null {
  if (end - start < 19) return null;
  const year = digits(bytes, start, 4);
  if (year < MIN_YEAR || year > MAX_YEAR || bytes[start + 4] !== 0x2d || bytes[start + 7] !== 0x2d) return null;
  const separator = bytes[start + 10];
  if (separator !== 0x54 && separator !== 0x20 && separator !== 0x74) return null;
  if (bytes[start + 13] !== 0x3a || bytes[start + 16] !== 0x3a) return null;
  const month = digits(bytes, start + 5, 2);
  const day = digits(bytes, start + 8, 2);
  const hour = digits(bytes, start + 11, 2);
  const minute = digits(bytes, start + 14, 2);
  const second = digits(bytes, start + 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return null;
  }
  if (second < 0 || second > 60) return null;
  let at = start + 19;
  let millis = 0;
  if (at < end && (bytes[at] === 0x2e || bytes[at] === 0x2c)) {
    at += 1;
    let scale = 100;
    while (at < end) {
      const digit = (bytes[at] ?? 0) - DIGIT_0;
      if (digit < 0 || digit > 9) break;
      millis += digit * scale;
      scale /= 10;
      at += 1;
    }
    millis = Math.floor(millis);
  }
  let offsetMinutes = 0;
  const zone = bytes[at];
  if ((zone === 0x2b || zone === 0x2d) && at + 3 <= end) {
    const hours = digits(bytes, at + 1, 2);
    const colon = bytes[at + 3] === 0x3a ? 1 : 0;
    const minutes = at + 3 + colon + 2 <= end ? digits(bytes, at + 3 + colon, 2) : 0;
    if (hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59) {
      offsetMinutes = (zone === 0x2d ? -1 : 1) * (hours * 60 + minutes);
    }
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : null;
}

/** `CF_` + up to this many characters: longer runs are not error codes. */
export const MAX_CODE_LENGTH = 64;

function isCodeByte(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f;
}

function isWordByte(byte: number): boolean {
  return isCodeByte(byte) || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * The end of the `CF_…` code that starts at `at` (where `C` is), or -1 when what is there is not one: a code is
 * `CF_` then an upper-case letter, then upper-case letters, digits or `_`, as a whole word of at most
 * MAX_CODE_LENGTH characters.
 */
export function codeEndAt(bytes: Buffer, at: number, start: number, end: number): number {
  if (at > start && isWordByte(bytes[at - 1] ?? 0)) return -1;
  const first = bytes[at + 3] ?? 0;
  if (at + 3 >= end || first < 0x41 || first > 0x5a) return -1;
  let position = at + 4;
  const limit = Math.min(end, at + MAX_CODE_LENGTH + 1);
  while (position < limit && isCodeByte(bytes[position] ?? 0)) position += 1;
  if (position < end && isWordByte(bytes[position] ?? 0)) return -1;
  return position;
}

// Bidirectional overrides and isolates could make a quoted value read backwards in a client; controls are noise.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Text from the bundle made safe to keep: controls and bidi marks removed, tabs as spaces, at most `max` chars. */
export function cleanText(text: string, max: number): string {
  let clean = text.replace(UNPRINTABLE, '').replace(/\t/g, ' ').trim();
  if (clean.length > max) {
    clean = clean.slice(0, max);
    const last = clean.charCodeAt(clean.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) clean = clean.slice(0, -1);
  }
  return clean;
}
