import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/** Without ZIP64 every size and offset is a 32-bit field. */
export const MAX_ZIP_SIZE = 0xffff_ffff;

const CHUNK_SIZE = 64 * 1024;
const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const END_RECORD_SIZE = 22;
const DATA_DESCRIPTOR_SIZE = 16;
/** Info-ZIP "UT" extra field holding only the mtime: the DOS time has no time zone, this one is UTC. */
const TIMESTAMP_EXTRA_SIZE = 9;
const MAX_ENTRIES = 0xffff;

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_RECORD_SIGNATURE = 0x06054b50;
const TIMESTAMP_EXTRA_ID = 0x5455;

const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8_NAME = 0x0800;
const METHOD_STORED = 0;
const VERSION_NEEDED = 20;
/** Made by Unix (3), spec 2.0, so that the external attributes carry permissions. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
const REGULAR_FILE_MODE = 0o100644;

/** Small content known up front: its CRC goes in the local header. */
export interface ZipDataEntry {
  readonly name: string;
  readonly modifiedAt: Date;
  readonly data: Uint8Array;
}

/** Content produced on demand, exactly `size` bytes per call of `produce`; its CRC follows in a data descriptor. */
export interface ZipStreamedEntry {
  readonly name: string;
  readonly modifiedAt: Date;
  readonly size: number;
  readonly produce: () => Iterable<Uint8Array>;
}

export type ZipEntry = ZipDataEntry | ZipStreamedEntry;

/** What the size of an archive depends on. */
export interface ZipEntryShape {
  readonly name: string;
  readonly size: number;
  readonly streamed: boolean;
}

export interface ZipArchive {
  /** Exact byte length of the archive. */
  readonly size: number;
  readonly fileNames: readonly string[];
  /** The archive's bytes [start, endInclusive], generated as they are read. */
  open(start?: number, endInclusive?: number): Readable;
}

interface PlannedEntry {
  readonly entry: ZipEntry;
  readonly nameBytes: Buffer;
  readonly size: number;
  readonly localHeaderOffset: number;
  /** Known up front for data entries; streamed entries learn theirs while being read. */
  readonly crc: number | undefined;
  readonly dosTime: number;
  readonly dosDate: number;
  readonly unixTime: number;
}

interface ArchivePlan {
  readonly entries: readonly PlannedEntry[];
  readonly centralDirectoryOffset: number;
  readonly size: number;
}

/** The exact size of an archive of these entries; a RangeError when it would need ZIP64. */
export function measureZip(entries: readonly ZipEntryShape[]): number {
  let size = END_RECORD_SIZE;
  for (const { name, size: contentSize, streamed } of entries) {
    const nameLength = Buffer.byteLength(name, 'utf8');
    size += LOCAL_HEADER_SIZE + nameLength + TIMESTAMP_EXTRA_SIZE + contentSize;
    size += streamed ? DATA_DESCRIPTOR_SIZE : 0;
    size += CENTRAL_HEADER_SIZE + nameLength + TIMESTAMP_EXTRA_SIZE;
  }
  if (size > MAX_ZIP_SIZE) {
    throw new RangeError(
      `ZIP archive would be ${size} bytes, over the ${MAX_ZIP_SIZE}-byte (4 GiB - 1) limit of a ZIP without ZIP64`,
    );
  }
  return size;
}

/** A STORED (uncompressed) archive whose size is known before any byte is produced. */
export function createZip(entries: readonly ZipEntry[]): ZipArchive {
  const plan = planArchive(entries);
  return {
    size: plan.size,
    fileNames: entries.map((entry) => entry.name),
    open(start = 0, endInclusive = plan.size - 1) {
      if (
        !Number.isInteger(start) ||
        !Number.isInteger(endInclusive) ||
        start < 0 ||
        endInclusive < start ||
        endInclusive >= plan.size
      ) {
        throw new RangeError(`byte range ${start}-${endInclusive} is not within 0-${plan.size - 1}`);
      }
      return new PullStream(sliceChunks(archiveChunks(plan), start, endInclusive + 1));
    },
  };
}

function planArchive(entries: readonly ZipEntry[]): ArchivePlan {
  validateEntries(entries);
  const shapes = entries.map((entry) => ({ name: entry.name, size: entrySize(entry), streamed: isStreamed(entry) }));
  const size = measureZip(shapes);
  let offset = 0;
  const planned = entries.map((entry): PlannedEntry => {
    const nameBytes = Buffer.from(entry.name, 'utf8');
    const contentSize = entrySize(entry);
    const { time, date } = dosDateTime(entry.modifiedAt);
    const item: PlannedEntry = {
      entry,
      nameBytes,
      size: contentSize,
      localHeaderOffset: offset,
      crc: isStreamed(entry) ? undefined : crc32(entry.data),
      dosTime: time,
      dosDate: date,
      unixTime: Math.min(Math.max(Math.floor(entry.modifiedAt.getTime() / 1000), 0), 0x7fff_ffff),
    };
    offset += LOCAL_HEADER_SIZE + nameBytes.length + TIMESTAMP_EXTRA_SIZE + contentSize;
    offset += isStreamed(entry) ? DATA_DESCRIPTOR_SIZE : 0;
    return item;
  });
  return { entries: planned, centralDirectoryOffset: offset, size };
}

function validateEntries(entries: readonly ZipEntry[]): void {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`a ZIP without ZIP64 holds at most ${MAX_ENTRIES} entries`);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || Buffer.byteLength(entry.name, 'utf8') > 0xffff) {
      throw new RangeError(`invalid ZIP entry name ${JSON.stringify(entry.name)}`);
    }
    if (seen.has(entry.name)) throw new RangeError(`duplicate ZIP entry name ${JSON.stringify(entry.name)}`);
    seen.add(entry.name);
    const size = entrySize(entry);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`invalid size ${size} for ZIP entry ${entry.name}`);
    if (Number.isNaN(entry.modifiedAt.getTime())) throw new RangeError(`invalid modification time for ${entry.name}`);
  }
}

function isStreamed(entry: ZipEntry): entry is ZipStreamedEntry {
  return 'produce' in entry;
}

function entrySize(entry: ZipEntry): number {
  return isStreamed(entry) ? entry.size : entry.data.length;
}

function* archiveChunks(plan: ArchivePlan): Generator<Uint8Array> {
  const crcs: number[] = [];
  for (const item of plan.entries) {
    yield localHeader(item);
    if (isStreamed(item.entry)) {
      const crc = yield* streamedContent(item, item.entry);
      crcs.push(crc);
      yield dataDescriptor(crc, item.size);
    } else {
      const { data } = item.entry;
      for (let offset = 0; offset < data.length; offset += CHUNK_SIZE) {
        yield data.subarray(offset, offset + CHUNK_SIZE);
      }
      crcs.push(item.crc ?? 0);
    }
  }
  yield centralDirectoryAndEnd(plan, crcs);
}

/** Yields the entry's bytes and returns their CRC; a producer that breaks its declared size is a bug, not data. */
function* streamedContent(item: PlannedEntry, entry: ZipStreamedEntry): Generator<Uint8Array, number> {
  let crc = 0;
  let produced = 0;
  for (const chunk of entry.produce()) {
    produced += chunk.length;
    if (produced > item.size) break;
    crc = crc32(chunk, crc);
    yield chunk;
  }
  if (produced !== item.size) {
    throw new Error(
      `ZIP entry ${entry.name} produced ${produced > item.size ? 'more than' : produced} of ${item.size} bytes`,
    );
  }
  return crc;
}

function localHeader(item: PlannedEntry): Buffer {
  const streamed = item.crc === undefined;
  const header = Buffer.alloc(LOCAL_HEADER_SIZE + item.nameBytes.length + TIMESTAMP_EXTRA_SIZE);
  header.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(FLAG_UTF8_NAME | (streamed ? FLAG_DATA_DESCRIPTOR : 0), 6);
  header.writeUInt16LE(METHOD_STORED, 8);
  header.writeUInt16LE(item.dosTime, 10);
  header.writeUInt16LE(item.dosDate, 12);
  // With a data descriptor the spec wants CRC and sizes zero here; they follow the content.
  header.writeUInt32LE(item.crc ?? 0, 14);
  header.writeUInt32LE(streamed ? 0 : item.size, 18);
  header.writeUInt32LE(streamed ? 0 : item.size, 22);
  header.writeUInt16LE(item.nameBytes.length, 26);
  header.writeUInt16LE(TIMESTAMP_EXTRA_SIZE, 28);
  item.nameBytes.copy(header, LOCAL_HEADER_SIZE);
  writeTimestampExtra(header, LOCAL_HEADER_SIZE + item.nameBytes.length, item.unixTime);
  return header;
}

function dataDescriptor(crc: number, size: number): Buffer {
  const descriptor = Buffer.alloc(DATA_DESCRIPTOR_SIZE);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR_SIGNATURE, 0);
  descriptor.writeUInt32LE(crc, 4);
  descriptor.writeUInt32LE(size, 8);
  descriptor.writeUInt32LE(size, 12);
  return descriptor;
}

function centralDirectoryAndEnd(plan: ArchivePlan, crcs: readonly number[]): Buffer {
  const directorySize = plan.size - plan.centralDirectoryOffset - END_RECORD_SIZE;
  const buffer = Buffer.alloc(directorySize + END_RECORD_SIZE);
  let offset = 0;
  plan.entries.forEach((item, index) => {
    buffer.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, offset);
    buffer.writeUInt16LE(VERSION_MADE_BY, offset + 4);
    buffer.writeUInt16LE(VERSION_NEEDED, offset + 6);
    buffer.writeUInt16LE(FLAG_UTF8_NAME | (item.crc === undefined ? FLAG_DATA_DESCRIPTOR : 0), offset + 8);
    buffer.writeUInt16LE(METHOD_STORED, offset + 10);
    buffer.writeUInt16LE(item.dosTime, offset + 12);
    buffer.writeUInt16LE(item.dosDate, offset + 14);
    buffer.writeUInt32LE(crcs[index] ?? 0, offset + 16);
    buffer.writeUInt32LE(item.size, offset + 20);
    buffer.writeUInt32LE(item.size, offset + 24);
    buffer.writeUInt16LE(item.nameBytes.length, offset + 28);
    buffer.writeUInt16LE(TIMESTAMP_EXTRA_SIZE, offset + 30);
    // comment length, disk number and internal attributes stay zero
    buffer.writeUInt32LE(REGULAR_FILE_MODE * 0x1_0000, offset + 38);
    buffer.writeUInt32LE(item.localHeaderOffset, offset + 42);
    item.nameBytes.copy(buffer, offset + CENTRAL_HEADER_SIZE);
    writeTimestampExtra(buffer, offset + CENTRAL_HEADER_SIZE + item.nameBytes.length, item.unixTime);
    offset += CENTRAL_HEADER_SIZE + item.nameBytes.length + TIMESTAMP_EXTRA_SIZE;
  });
  buffer.writeUInt32LE(END_RECORD_SIGNATURE, offset);
  buffer.writeUInt16LE(plan.entries.length, offset + 8);
  buffer.writeUInt16LE(plan.entries.length, offset + 10);
  buffer.writeUInt32LE(directorySize, offset + 12);
  buffer.writeUInt32LE(plan.centralDirectoryOffset, offset + 16);
  return buffer;
}

function writeTimestampExtra(buffer: Buffer, offset: number, unixTime: number): void {
  buffer.writeUInt16LE(TIMESTAMP_EXTRA_ID, offset);
  buffer.writeUInt16LE(TIMESTAMP_EXTRA_SIZE - 4, offset + 2);
  buffer.writeUInt8(1, offset + 4); // flags: mtime present
  buffer.writeUInt32LE(unixTime, offset + 5);
}

/** MS-DOS date and time fields, from the UTC clock so the bytes do not depend on the server's time zone. */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = date.getUTCFullYear();
  if (year < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** Passes on only the bytes [start, end) of a chunk sequence; stops producing once past `end`. */
function* sliceChunks(chunks: Iterable<Uint8Array>, start: number, end: number): Generator<Uint8Array> {
  let position = 0;
  for (const chunk of chunks) {
    const chunkEnd = position + chunk.length;
    if (chunkEnd > start) {
      const from = Math.max(0, start - position);
      const to = Math.min(chunk.length, end - position);
      yield from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
      if (chunkEnd >= end) return;
    }
    position = chunkEnd;
  }
}

/** A Readable that generates the next chunk only when asked, so at most about one chunk is ever buffered. */
class PullStream extends Readable {
  readonly #chunks: Iterator<Uint8Array>;

  constructor(chunks: Iterator<Uint8Array>) {
    super({ highWaterMark: CHUNK_SIZE });
    this.#chunks = chunks;
  }

  override _read(): void {
    try {
      for (let next = this.#chunks.next(); !next.done; next = this.#chunks.next()) {
        if (!this.push(next.value)) return;
      }
      this.push(null);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    try {
      this.#chunks.return?.();
    } catch {
      // The generator is mid-step (destroyed from inside a push); it is dropped anyway.
    }
    callback(error);
  }
}
