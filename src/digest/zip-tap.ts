import { Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';
import type { ZipEntryHandler, ZipEntrySink } from './model.js';

/*
 * Reads a zip as it streams by, from its local file headers only (the central directory comes last, too late to
 * be of use). Every byte passes through untouched; each entry's uncompressed bytes go to the sink its handler gave.
 */

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
/** What may follow the last entry: central directory, its end records, or the records placed before it. */
const CENTRAL_SIGNATURES = new Set([0x02014b50, 0x06054b50, 0x06064b50, 0x05054b50, 0x08064b50]);
/** A single-segment "spanned" zip may open with one of these markers before its first local header. */
const OPENING_MARKERS = new Set([0x30304b50, DESCRIPTOR_SIGNATURE]);

const LOCAL_HEADER_SIZE = 30;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8_NAME = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_U32 = 0xffff_ffff;

/** Default for `maxEntryBytes`. */
export const DEFAULT_MAX_ENTRY_BYTES = 8 * 1024 ** 3;
/** At most this many problems are kept; the rest are only counted. */
const MAX_PROBLEMS = 20;
/** Entry names and error messages are cut to this many characters inside a problem. */
const MAX_TEXT_IN_PROBLEM = 120;
/** zlib's output piece size: fewer, larger pieces than its 16 KiB default. */
const INFLATE_CHUNK_SIZE = 64 * 1024;
/** The longest data descriptor (signature, CRC, two 8-byte sizes) and a following signature's 4 bytes. */
const DESCRIPTOR_WINDOW = 28;
/**
 * While searching for a data descriptor, the last bytes seen stay unconfirmed (not yet handed to the sink): a
 * descriptor without signature is found by the signature after it, and may start up to 20 bytes before that; a
 * signature needs up to 24 bytes after it to be checked. 44 bytes at most are held back.
 */
const SCAN_LOOK_BACK = 20;
const SCAN_LOOK_AHEAD = 24;
const SCAN_HOLD = SCAN_LOOK_BACK + SCAN_LOOK_AHEAD;
const PK = Buffer.from('PK', 'latin1');
const EMPTY = Buffer.alloc(0);
/** The upper half of code page 437, the zip format's name encoding when the UTF-8 flag is not set. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export interface ZipTapOptions {
  /** The most uncompressed bytes one entry may hand to its sink (default 8 GiB), so a zip bomb ends there. */
  maxEntryBytes?: number;
}

type Mode =
  /** Reading a local header (or what stands where one should). */
  | 'header'
  /** Entry data of a size the header gives: `#remaining` compressed bytes left. */
  | 'known'
  /** Deflated data of unknown size, into a sink: zlib says where it ends. */
  | 'inflate'
  /** Data of unknown size that is not inflated: searching for the data descriptor. */
  | 'scan'
  /** Reading the data descriptor after an entry's data. */
  | 'descriptor'
  /** Not walking any more (central directory, garbage, failure, destroyed): bytes only pass through. */
  | 'done';

/** One entry, from its local header until its sink has ended. */
class Entry {
  /** Uncompressed bytes handed to the sink, and their CRC-32. */
  handedOut = 0;
  crc = 0;
  /** Compressed size, once known. */
  compressed: number;
  constructor(
    readonly label: string,
    public sink: ZipEntrySink | null,
    readonly method: number,
    readonly flags: number,
    readonly zip64: boolean,
    readonly headerCrc: number,
    compressed: number,
    readonly headerUncompressed: number,
  ) {
    this.compressed = compressed;
  }

  get encrypted(): boolean {
    return (this.flags & FLAG_ENCRYPTED) !== 0;
  }

  /** The uncompressed size the data shows, when it can tell: stored bytes are their own size; inflated are counted. */
  observedUncompressed(inflated: boolean): number | null {
    if (this.method === METHOD_STORED && !this.encrypted) return this.compressed;
    return inflated && this.sink ? this.handedOut : null;
  }
}

/** A data descriptor as read: how many bytes it takes, and what it says. */
interface Descriptor {
  length: number;
  crc: number;
  uncompressed: number;
}

/** Reads bytes by position from wherever they are (a carried tail, then the current chunk). */
type ByteAt = (index: number) => number;

/**
 * A pass-through stream that hands each zip entry's uncompressed bytes to readers while the zip streams (see the
 * module comment). Never throws and never errors the pipe: what it cannot read becomes a problem. Pace: inflating
 * an entry that has a sink holds each chunk until zlib has taken it, so the pipe runs no faster than inflate;
 * entries without a sink are never inflated.
 */
export class ZipTap extends Transform {
  readonly #handler: ZipEntryHandler;
  readonly #maxEntryBytes: number;
  readonly #problems: string[] = [];
  #unlistedProblems = 0;

  #mode: Mode = 'header';
  #entries = 0;
  #entry: Entry | null = null;
  /** Zip offset of the current chunk's first byte. */
  #chunkStart = 0;

  /** A local header carried over chunk boundaries: at most 30 + 65535 + 65535 bytes. */
  #header: Buffer = Buffer.alloc(64);
  #headerLength = 0;

  #remaining = 0;
  #inflation: Inflation | null = null;
  /** Set while inflating when the sink was dropped (it threw or reached the cap): stop inflating. */
  #abandonInflation = false;

  /** A data descriptor being read (DESCRIPTOR_WINDOW bytes). */
  readonly #descriptor = Buffer.alloc(DESCRIPTOR_WINDOW);
  #descriptorLength = 0;
  /** Whether the entry before the descriptor was inflated (so its uncompressed size is known). */
  #descriptorInflated = false;

  /** Searching for a descriptor: the unconfirmed bytes (at most SCAN_HOLD, a fresh copy each time). */
  #scanTail: Buffer = EMPTY;
  /** Where in (tail + chunk) the search goes on. */
  #scanFrom = 0;
  /** The entry data offset of the tail's first byte. */
  #scanBase = 0;

  constructor(handler: ZipEntryHandler, options: ZipTapOptions = {}) {
    super();
    this.#handler = handler;
    this.#maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  }

  /** What could not be read, in order (the first MAX_PROBLEMS, then how many more). Complete once the stream ends. */
  problems(): string[] {
    const more = this.#unlistedProblems;
    return more ? [...this.#problems, `${more} more problem${more === 1 ? '' : 's'} not listed`] : [...this.#problems];
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // The bytes go on at once; the walk holds the next chunk back only while zlib works on this one.
    this.push(chunk);
    if (this.#mode === 'done') {
      callback();
      return;
    }
    const walking = this.#walk(chunk, 0);
    if (walking) {
      walking.then(() => {
        this.#chunkStart += chunk.length;
        callback();
      });
    } else {
      this.#chunkStart += chunk.length;
      callback();
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#finish();
    } catch (error) {
      this.#fail(error);
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#mode !== 'done' && this.#entry) this.#problem(`the stream stopped inside ${this.#entry.label}`);
    this.#stop();
    callback(error);
  }

  /** Walks `chunk` from `pos`; a promise when it has to wait for zlib (it never rejects). */
  #walk(chunk: Buffer, pos: number): Promise<void> | undefined {
    let at = pos;
    try {
      while (this.#mode !== 'done' && (at < chunk.length || (this.#mode === 'known' && this.#remaining === 0))) {
        const next = this.#step(chunk, at);
        if (typeof next !== 'number') {
          return next.then(
            (resumeAt) => this.#walk(chunk, resumeAt),
            (error: unknown) => this.#fail(error),
          );
        }
        at = next;
      }
    } catch (error) {
      this.#fail(error);
    }
    return undefined;
  }

  #step(chunk: Buffer, pos: number): number | Promise<number> {
    switch (this.#mode) {
      case 'header':
        return this.#readHeader(chunk, pos);
      case 'known':
        return this.#readKnown(chunk, pos);
      case 'inflate':
        return this.#inflateUntilEnd(chunk, pos);
      case 'scan':
        return this.#scan(chunk, pos, false);
      case 'descriptor':
        return this.#readDescriptor(chunk, pos);
      default:
        return chunk.length;
    }
  }

  // --- local headers ---

  #readHeader(chunk: Buffer, pos: number): number {
    // Most headers lie whole in one chunk: read them in place.
    if (this.#headerLength === 0 && chunk.length - pos >= LOCAL_HEADER_SIZE) {
      const signature = chunk.readUInt32LE(pos);
      if (signature !== LOCAL_HEADER_SIGNATURE) return this.#notAHeader(signature, this.#chunkStart + pos, pos + 4);
      const end = pos + LOCAL_HEADER_SIZE + chunk.readUInt16LE(pos + 26) + chunk.readUInt16LE(pos + 28);
      if (end <= chunk.length) {
        this.#beginEntry(chunk.subarray(pos, end));
        return end;
      }
    }
    let at = pos;
    for (;;) {
      const length = this.#headerLength;
      if (length >= 4) {
        const signature = this.#header.readUInt32LE(0);
        if (signature !== LOCAL_HEADER_SIGNATURE) {
          this.#headerLength = 0;
          return this.#notAHeader(signature, this.#chunkStart + at - length, at);
        }
      }
      const need = length < LOCAL_HEADER_SIZE ? LOCAL_HEADER_SIZE : this.#headerSize();
      if (length >= need) {
        this.#headerLength = 0;
        this.#beginEntry(this.#header.subarray(0, need));
        return at;
      }
      if (need > this.#header.length) {
        const grown = Buffer.alloc(need);
        this.#header.copy(grown, 0, 0, length);
        this.#header = grown;
      }
      if (at >= chunk.length) return at;
      // Signature first, alone: so that a zip ending in a short record (an empty zip is 22 bytes) is recognised.
      const want = length < 4 ? 4 - length : need - length;
      const n = Math.min(want, chunk.length - at);
      chunk.copy(this.#header, length, at, at + n);
      this.#headerLength += n;
      at += n;
    }
  }

  #headerSize(): number {
    return LOCAL_HEADER_SIZE + this.#header.readUInt16LE(26) + this.#header.readUInt16LE(28);
  }

  /** A signature where a local header should be: `after` is where walking resumes if it is an opening marker. */
  #notAHeader(signature: number, offset: number, after: number): number {
    if (offset === 0 && OPENING_MARKERS.has(signature)) return after;
    this.#mode = 'done';
    if (CENTRAL_SIGNATURES.has(signature)) return after;
    const hex = `0x${signature.toString(16).padStart(8, '0')}`;
    this.#problem(
      this.#entries === 0
        ? `not a zip: no local file header at the start (it begins with ${hex})`
        : `no local file header after entry ${this.#entries}, at byte ${offset} (${hex} there)`,
    );
    return after;
  }

  #beginEntry(header: Buffer): void {
    const index = ++this.#entries;
    const flags = header.readUInt16LE(6);
    const method = header.readUInt16LE(8);
    const nameLength = header.readUInt16LE(26);
    const name = decodeName(header.subarray(LOCAL_HEADER_SIZE, LOCAL_HEADER_SIZE + nameLength), flags);
    const label = `entry ${index} (${printable(name)})`;
    const sizes = readSizes(header, LOCAL_HEADER_SIZE + nameLength);
    if (!sizes) {
      this.#problem(`${label} has zip64 sizes that cannot be read`);
      this.#mode = 'done';
      return;
    }
    let sink: ZipEntrySink | null = null;
    try {
      sink = this.#handler(name);
    } catch (error) {
      this.#problem(`${label}: its handler failed (${message(error)})`);
    }
    const entry = new Entry(
      label,
      sink,
      method,
      flags,
      sizes.zip64,
      header.readUInt32LE(14),
      sizes.compressed,
      sizes.uncompressed,
    );
    this.#entry = entry;
    this.#abandonInflation = false;

    const readable = !entry.encrypted && (method === METHOD_STORED || method === METHOD_DEFLATED);
    if (entry.encrypted) this.#problem(`${label} is encrypted, not read`);
    else if (!readable) this.#problem(`${label} uses compression method ${method}, not read`);
    if (!readable) this.#endSink(entry, false);

    // With a data descriptor the header's sizes are 0 (some writers still give the compressed size: then use it).
    const sizeKnown = (flags & FLAG_DESCRIPTOR) === 0 || sizes.compressed !== 0;
    const inflating = readable && method === METHOD_DEFLATED && entry.sink !== null;
    if (inflating) this.#inflation = this.#startInflation(entry);
    if (sizeKnown) {
      this.#mode = 'known';
      this.#remaining = sizes.compressed;
    } else if (inflating) {
      this.#mode = 'inflate';
    } else {
      this.#startScan(0);
    }
  }

  // --- entry data ---

  #readKnown(chunk: Buffer, pos: number): number | Promise<number> {
    const entry = this.#current();
    const n = Math.min(this.#remaining, chunk.length - pos);
    const part = chunk.subarray(pos, pos + n);
    this.#remaining -= n;
    const inflation = this.#inflation;
    if (inflation) return this.#inflateKnown(inflation, part, pos + n);
    if (entry.method === METHOD_STORED && !entry.encrypted) this.#deliver(entry, part);
    if (this.#remaining === 0) this.#knownDataEnded(false);
    return pos + n;
  }

  async #inflateKnown(inflation: Inflation, part: Buffer, end: number): Promise<number> {
    // Bytes after the deflate stream's end, inside the entry's size, are ignored.
    if (part.length > 0 && inflation.running) await inflation.write(part);
    if (this.#stopped()) return end;
    if (this.#abandonInflation) this.#closeInflation();
    if (this.#remaining > 0) return end;
    if (this.#inflation) {
      await this.#inflation.finish();
      if (this.#stopped()) return end;
    }
    this.#knownDataEnded(true);
    return end;
  }

  /** The header's compressed size has been read. */
  #knownDataEnded(inflated: boolean): void {
    const entry = this.#current();
    if (entry.flags & FLAG_DESCRIPTOR) {
      this.#expectDescriptor(inflated);
      return;
    }
    this.#completeEntry(entry.headerCrc, entry.headerUncompressed, inflated);
  }

  async #inflateUntilEnd(chunk: Buffer, pos: number): Promise<number> {
    const entry = this.#current();
    const inflation = this.#inflation;
    if (!inflation) throw new Error('inflating without zlib');
    const before = inflation.written;
    await inflation.write(chunk.subarray(pos));
    if (this.#stopped()) return chunk.length;
    const failure = inflation.failure;
    if (this.#abandonInflation || failure) {
      // Its end is not known: look for its data descriptor instead, from the bytes zlib has just taken.
      if (failure) {
        this.#problem(`${entry.label}: its deflate data is damaged (${printable(failure)})`);
        this.#endSink(entry, false);
      }
      this.#closeInflation();
      this.#startScan(before);
      return pos;
    }
    if (inflation.consumed === inflation.written && !inflation.ended) return chunk.length;
    // The deflate stream ended inside what it was given: the entry's data ends there.
    await inflation.settled();
    if (this.#stopped()) return chunk.length;
    entry.compressed = inflation.consumed;
    this.#expectDescriptor(true);
    return pos + (inflation.consumed - before);
  }

  #startInflation(entry: Entry): Inflation {
    return new Inflation((piece) => {
      if (this.#abandonInflation || this.#entry !== entry) return;
      this.#deliver(entry, piece);
      if (!entry.sink) {
        this.#abandonInflation = true;
        this.#inflation?.close();
      }
    });
  }

  #closeInflation(): void {
    this.#inflation?.close();
    this.#inflation = null;
  }

  // --- data descriptors ---

  #expectDescriptor(inflated: boolean): void {
    this.#mode = 'descriptor';
    this.#descriptorLength = 0;
    this.#descriptorInflated = inflated;
  }

  #readDescriptor(chunk: Buffer, pos: number): number {
    const n = Math.min(DESCRIPTOR_WINDOW - this.#descriptorLength, chunk.length - pos);
    chunk.copy(this.#descriptor, this.#descriptorLength, pos, pos + n);
    this.#descriptorLength += n;
    if (this.#descriptorLength === DESCRIPTOR_WINDOW) this.#takeDescriptor(false);
    return pos + n;
  }

  /** Reads the collected descriptor bytes (`final`: the zip has ended, there are no more). */
  #takeDescriptor(final: boolean): void {
    const entry = this.#current();
    const bytes = this.#descriptor.subarray(0, this.#descriptorLength);
    const byteAt: ByteAt = (index) => bytes[index] ?? 0;
    const uncompressed = entry.observedUncompressed(this.#descriptorInflated);
    let found = descriptorAt(byteAt, bytes.length, 0, entry.compressed, uncompressed, entry.zip64, null);
    if (!found && !final) {
      // Sizes that do not match: still find the next header if a descriptor's length leads to one.
      for (const length of [16, 24, 12, 20]) {
        if (
          bytes.readUInt32LE(length) !== LOCAL_HEADER_SIGNATURE &&
          !CENTRAL_SIGNATURES.has(bytes.readUInt32LE(length))
        )
          continue;
        this.#problem(`${entry.label}: its data descriptor does not match its data`);
        this.#endSink(entry, false);
        found = { length, crc: entry.crc, uncompressed: entry.handedOut };
        break;
      }
    }
    if (!found) {
      this.#problem(
        final
          ? `the zip ends inside the data descriptor of ${entry.label}`
          : `${entry.label}: no data descriptor after its data`,
      );
      this.#endSink(entry, false);
      this.#stop();
      return;
    }
    // What follows the descriptor is the next header's start.
    bytes.copy(this.#header, 0, found.length);
    this.#headerLength = bytes.length - found.length;
    this.#completeEntry(found.crc, found.uncompressed, this.#descriptorInflated);
  }

  #startScan(dataOffset: number): void {
    this.#mode = 'scan';
    this.#scanTail = EMPTY;
    this.#scanFrom = 0;
    this.#scanBase = dataOffset;
  }

  /**
   * Searches (held-back tail + chunk from `pos`) for the data descriptor: its signature with a compressed size equal
   * to the bytes seen since the data start, or, without signature, such sizes just before the next header. Every
   * candidate contains "PK", so the search is Buffer.indexOf (native) and the checks run only at those places.
   */
  #scan(chunk: Buffer, pos: number, final: boolean): number {
    const entry = this.#current();
    const tail = this.#scanTail;
    const rest = chunk.subarray(pos);
    const tailLength = tail.length;
    const length = tailLength + rest.length;
    const byteAt: ByteAt = (index) => (index < tailLength ? (tail[index] ?? 0) : (rest[index - tailLength] ?? 0));
    const searchEnd = final ? length : length - SCAN_LOOK_AHEAD;
    const uncompressedIsCompressed = entry.method === METHOD_STORED && !entry.encrypted;

    for (
      let q = this.#nextPk(tail, rest, this.#scanFrom);
      q >= 0 && q < searchEnd;
      q = this.#nextPk(tail, rest, q + 1)
    ) {
      const found = this.#descriptorNear(byteAt, length, q, entry, uncompressedIsCompressed);
      if (!found) continue;
      const { start, descriptor } = found;
      this.#deliverScanned(entry, tail, rest, start);
      entry.compressed = this.#scanBase + start;
      const after = start + descriptor.length;
      this.#scanTail = EMPTY;
      if (after < tailLength) {
        tail.copy(this.#header, 0, after);
        this.#headerLength = tailLength - after;
      }
      this.#completeEntry(descriptor.crc, descriptor.uncompressed, false);
      return after < tailLength ? pos : pos + (after - tailLength);
    }
    if (final) {
      this.#problem(`the zip ends inside ${entry.label}`);
      this.#endSink(entry, false);
      this.#entry = null;
      return chunk.length;
    }
    // Nothing yet: all but the last SCAN_HOLD bytes are entry data.
    const keep = Math.min(length, SCAN_HOLD);
    const cut = length - keep;
    this.#deliverScanned(entry, tail, rest, cut);
    const kept = Buffer.allocUnsafe(keep);
    if (cut < tailLength) {
      tail.copy(kept, 0, cut);
      rest.copy(kept, tailLength - cut);
    } else {
      rest.copy(kept, 0, cut - tailLength);
    }
    this.#scanTail = kept;
    this.#scanFrom = Math.max(0, Math.max(this.#scanFrom, searchEnd) - cut);
    this.#scanBase += cut;
    return chunk.length;
  }

  /** The next "PK" at or after `from` in (tail + rest), or -1. */
  #nextPk(tail: Buffer, rest: Buffer, from: number): number {
    const tailLength = tail.length;
    if (from < tailLength) {
      const inTail = tail.indexOf(PK, from);
      if (inTail >= 0) return inTail;
      if (tail[tailLength - 1] === 0x50 && rest[0] === 0x4b) return tailLength - 1;
    }
    const inRest = rest.indexOf(PK, Math.max(0, from - tailLength));
    return inRest < 0 ? -1 : inRest + tailLength;
  }

  /** A descriptor whose signature is at `q`, or that ends where a header signature starts at `q`. */
  #descriptorNear(
    byteAt: ByteAt,
    length: number,
    q: number,
    entry: Entry,
    uncompressedIsCompressed: boolean,
  ): { start: number; descriptor: Descriptor } | null {
    if (q + 4 > length) return null;
    const kind = byteAt(q + 2) | (byteAt(q + 3) << 8);
    const base = this.#scanBase;
    const check = (start: number, endsAt: number | null) => {
      if (start < 0) return null;
      const size = base + start;
      const descriptor = descriptorAt(
        byteAt,
        length,
        start,
        size,
        uncompressedIsCompressed ? size : null,
        entry.zip64,
        endsAt,
      );
      return descriptor ? { start, descriptor } : null;
    };
    if (kind === 0x0807) return check(q, null);
    if (kind === 0x0403 || kind === 0x0201) {
      const [first, second] = entry.zip64 ? [20, 12] : [12, 20];
      return check(q - first, q) ?? check(q - second, q);
    }
    return null;
  }

  /** Hands (tail + rest)[0, end) to the entry's sink, as slices (the tail is a fresh copy, never reused). */
  #deliverScanned(entry: Entry, tail: Buffer, rest: Buffer, end: number): void {
    if (!entry.sink || end <= 0) return;
    if (tail.length > 0) this.#deliver(entry, tail.subarray(0, Math.min(end, tail.length)));
    if (end > tail.length) this.#deliver(entry, rest.subarray(0, end - tail.length));
  }

  // --- sinks ---

  /** Hands bytes to the sink, counting them against the cap; a sink that throws is dropped. */
  #deliver(entry: Entry, bytes: Buffer): void {
    const sink = entry.sink;
    if (!sink || bytes.length === 0) return;
    const room = this.#maxEntryBytes - entry.handedOut;
    const allowed = bytes.length > room ? bytes.subarray(0, Math.max(room, 0)) : bytes;
    if (allowed.length > 0) {
      entry.crc = crc32(allowed, entry.crc);
      entry.handedOut += allowed.length;
      try {
        sink.write(allowed);
      } catch (error) {
        this.#problem(`${entry.label}: its reader failed (${message(error)})`);
        this.#endSink(entry, false);
        return;
      }
    }
    if (allowed !== bytes) {
      this.#problem(`${entry.label} holds more than ${this.#maxEntryBytes} bytes uncompressed; read up to there`);
      this.#endSink(entry, false);
    }
  }

  /** Ends the entry's sink once (later calls do nothing); a sink that throws here is only noted. */
  #endSink(entry: Entry, complete: boolean): void {
    const sink = entry.sink;
    if (!sink) return;
    entry.sink = null;
    try {
      sink.end(complete);
    } catch (error) {
      this.#problem(`${entry.label}: its reader failed at the end (${message(error)})`);
    }
  }

  /** The entry's data and sizes are all read: its sink ends complete when size and CRC agree. */
  #completeEntry(crc: number, uncompressed: number, inflated: boolean): void {
    const entry = this.#current();
    if (entry.sink) {
      const failure = inflated ? this.#inflation?.failure : null;
      let complete = true;
      if (failure) {
        this.#problem(`${entry.label}: its deflate data is damaged (${printable(failure)})`);
        complete = false;
      } else if (entry.handedOut !== uncompressed) {
        this.#problem(`${entry.label} gave ${entry.handedOut} bytes, not the ${uncompressed} the zip records`);
        complete = false;
      } else if (entry.crc !== crc) {
        this.#problem(`${entry.label} fails its CRC-32 check`);
        complete = false;
      }
      this.#endSink(entry, complete);
    }
    this.#closeInflation();
    this.#entry = null;
    this.#mode = 'header';
  }

  // --- the end ---

  /** The zip has ended: settles the entry it was in, and says where the zip was cut if it was. */
  #finish(): void {
    // A descriptor or the end of a searched entry may still be among the last bytes held back.
    if (this.#in('scan')) this.#scan(EMPTY, 0, true);
    else if (this.#in('descriptor')) this.#takeDescriptor(true);
    if (this.#in('header')) {
      this.#readHeader(EMPTY, 0);
      if (this.#in('header')) {
        this.#problem(
          this.#entries === 0 && this.#headerLength < 4
            ? 'not a zip: it ends before any local file header'
            : this.#headerLength > 0
              ? `the zip ends inside the header of entry ${this.#entries + 1}`
              : `the zip ends after entry ${this.#entries}, before its central directory`,
        );
      }
    } else if ((this.#in('known') || this.#in('inflate')) && this.#entry) {
      this.#problem(`the zip ends inside ${this.#entry.label}`);
    }
    this.#stop();
  }

  /** Stops walking: ends an open sink incomplete and releases zlib. */
  #stop(): void {
    if (this.#entry) this.#endSink(this.#entry, false);
    this.#entry = null;
    this.#closeInflation();
    this.#mode = 'done';
  }

  #fail(error: unknown): void {
    this.#problem(`the zip reader stopped (${message(error)})`);
    this.#stop();
  }

  /** The mode now (a method, so that the checks after an await or a call are not narrowed away). */
  #in(mode: Mode): boolean {
    return this.#mode === mode;
  }

  #stopped(): boolean {
    return this.#in('done');
  }

  #current(): Entry {
    if (!this.#entry) throw new Error(`no entry while in ${this.#mode}`);
    return this.#entry;
  }

  #problem(text: string): void {
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(text);
    else this.#unlistedProblems++;
  }
}

/**
 * One entry's raw inflater. Each write resolves once zlib has taken all of it, or has reached the end of the
 * deflate stream (then `consumed` < `written`), failed, or been closed.
 */
class Inflation {
  readonly #zlib: InflateRaw;
  #written = 0;
  #ended = false;
  #failure: string | null = null;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(onOutput: (piece: Buffer) => void) {
    this.#zlib = createInflateRaw({ chunkSize: INFLATE_CHUNK_SIZE });
    this.#zlib.on('data', onOutput);
    this.#zlib.on('end', () => {
      this.#ended = true;
      this.#wakeUp();
    });
    this.#zlib.on('error', (error: Error) => {
      this.#failure = error.message;
      this.#wakeUp();
    });
    this.#zlib.on('close', () => {
      this.#closed = true;
      this.#wakeUp();
    });
  }

  get written(): number {
    return this.#written;
  }

  /** Compressed bytes the deflate stream took. */
  get consumed(): number {
    return this.#zlib.bytesWritten;
  }

  get failure(): string | null {
    return this.#failure;
  }

  /** The deflate stream's end was reached and all its output is out. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Neither ended, failed nor closed: it still takes bytes. */
  get running(): boolean {
    return !this.#ended && !this.#failure && !this.#closed;
  }

  write(bytes: Buffer): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.#written += bytes.length;
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#zlib.write(bytes, () => this.#wakeUp());
    });
  }

  /** No more input: resolves once all output is out (or it failed, e.g. a deflate stream cut short). */
  async finish(): Promise<void> {
    if (this.running) this.#zlib.end();
    await this.settled();
  }

  /** Resolves once ended, failed or closed. */
  async settled(): Promise<void> {
    while (this.running) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  close(): void {
    if (!this.#closed) this.#zlib.destroy();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/**
 * A data descriptor at `start` whose compressed size is `compressed` (and uncompressed size `uncompressed`, when
 * known), in any of its four layouts: with or without signature, 4- or 8-byte sizes (8 first for zip64 entries).
 * `endsAt`: it must end exactly there (a descriptor found by the signature after it).
 */
function descriptorAt(
  byteAt: ByteAt,
  length: number,
  start: number,
  compressed: number,
  uncompressed: number | null,
  zip64: boolean,
  endsAt: number | null,
): Descriptor | null {
  const signed = start + 4 <= length && readU32(byteAt, start) === DESCRIPTOR_SIGNATURE;
  for (const withSignature of signed ? [true, false] : [false]) {
    for (const width of zip64 ? [8, 4] : [4, 8]) {
      const fields = start + (withSignature ? 4 : 0);
      const end = fields + 4 + 2 * width;
      if (end > length || (endsAt !== null && end !== endsAt)) continue;
      const size = readSize(byteAt, fields + 4, width);
      const original = readSize(byteAt, fields + 4 + width, width);
      if (size !== compressed || (uncompressed !== null && original !== uncompressed)) continue;
      return { length: end - start, crc: readU32(byteAt, fields), uncompressed: original };
    }
  }
  return null;
}

function readU32(byteAt: ByteAt, at: number): number {
  return (byteAt(at) | (byteAt(at + 1) << 8) | (byteAt(at + 2) << 16)) + byteAt(at + 3) * 0x100_0000;
}

/** A little-endian size of 4 or 8 bytes; -1 beyond what a number holds exactly. */
function readSize(byteAt: ByteAt, at: number, width: number): number {
  const low = readU32(byteAt, at);
  if (width === 4) return low;
  const high = readU32(byteAt, at + 4);
  return high > 0x1f_ffff ? -1 : high * 0x1_0000_0000 + low;
}

/** The header's sizes, from its zip64 extra field where they are 0xFFFFFFFF; null when that field is unreadable. */
function readSizes(
  header: Buffer,
  extraStart: number,
): { compressed: number; uncompressed: number; zip64: boolean } | null {
  let compressed = header.readUInt32LE(18);
  let uncompressed = header.readUInt32LE(22);
  const extraEnd = extraStart + header.readUInt16LE(28);
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = header.readUInt16LE(at);
    const size = header.readUInt16LE(at + 2);
    const data = header.subarray(at + 4, Math.min(at + 4 + size, extraEnd));
    at += 4 + size;
    if (id !== ZIP64_EXTRA_ID) continue;
    const byteAt: ByteAt = (index) => data[index] ?? 0;
    // A local header's zip64 field holds both sizes (uncompressed first); a short one only those that overflowed.
    const both = data.length >= 16;
    const uncompressedOverflows = uncompressed === MAX_U32;
    if (uncompressedOverflows) {
      if (data.length < 8) return null;
      uncompressed = readSize(byteAt, 0, 8);
    }
    if (compressed === MAX_U32) {
      const offset = both || uncompressedOverflows ? 8 : 0;
      if (data.length < offset + 8) return null;
      compressed = readSize(byteAt, offset, 8);
    }
    if (compressed < 0 || uncompressed < 0) return null;
    return { compressed, uncompressed, zip64: true };
  }
  return { compressed, uncompressed, zip64: false };
}

/** UTF-8 when the header says so; otherwise ASCII as is, then UTF-8 if valid (as many writers do), else CP437. */
function decodeName(bytes: Buffer, flags: number): string {
  if (flags & FLAG_UTF8_NAME) return bytes.toString('utf8');
  let ascii = true;
  for (const byte of bytes) if (byte >= 0x80) ascii = false;
  if (ascii) return bytes.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let name = '';
    for (const byte of bytes) name += byte < 0x80 ? String.fromCharCode(byte) : (CP437_HIGH[byte - 0x80] ?? '?');
    return name;
  }
}

/** Text from the zip, safe to put in a problem: control characters replaced, cut to MAX_TEXT_IN_PROBLEM. */
function printable(text: string): string {
  let out = '';
  for (const char of text.slice(0, MAX_TEXT_IN_PROBLEM)) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f ? '?' : char;
  }
  return text.length > MAX_TEXT_IN_PROBLEM ? `${out}…` : out;
}

function message(error: unknown): string {
  return printable(error instanceof Error ? error.message : String(error));
}
