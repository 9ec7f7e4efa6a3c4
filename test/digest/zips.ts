import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { ZipEntrySink } from '../../src/digest/model.js';
import { ZipTap, type ZipTapOptions } from '../../src/digest/zip-tap.js';

/*
 * Zips written by writers nobody here wrote (Python's zipfile, Info-ZIP's `zip`), and a harness that streams them
 * through a ZipTap and records what every sink received.
 */

export type Method = 'stored' | 'deflated' | 'bzip2' | 'lzma';

export interface PythonEntry {
  name: string;
  /** The file whose bytes the entry holds. */
  path: string;
  method: Method;
  zip64?: boolean;
}

export interface PythonZipOptions {
  /** Written to an unseekable stream: every entry's sizes and CRC go in a data descriptor after its data. */
  streaming: boolean;
  /** Then each descriptor's optional signature is cut out (as some writers leave it out). */
  unsignedDescriptors?: boolean;
}

const PYTHON_WRITER = `
import io, json, struct, sys, zipfile
specs = json.load(sys.stdin)
METHODS = {"stored": zipfile.ZIP_STORED, "deflated": zipfile.ZIP_DEFLATED,
           "bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA}
class Pipe(io.RawIOBase):
    def __init__(self): self.out = bytearray()
    def writable(self): return True
    def write(self, b): self.out += b; return len(b)
def write(spec):
    target = Pipe() if spec["streaming"] else io.BytesIO()
    with zipfile.ZipFile(target, "w") as z:
        for e in spec["entries"]:
            info = zipfile.ZipInfo(e["name"], date_time=(2026, 12, 3, 6, 4, 44))
            info.compress_type = METHODS[e["method"]]
            with open(e["path"], "rb") as src, z.open(info, "w", force_zip64=e.get("zip64", False)) as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
    data = bytes(target.out) if spec["streaming"] else target.getvalue()
    if not spec.get("unsigned"):
        return data
    cuts = []
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        if not info.flag_bits & 8: continue
        at = info.header_offset
        name_length, extra_length = struct.unpack("<HH", data[at + 26:at + 30])
        descriptor = at + 30 + name_length + extra_length + info.compress_size
        assert data[descriptor:descriptor + 4] == b"PK\\x07\\x08"
        cuts.append(descriptor)
    parts, last = [], 0
    for cut in cuts:
        parts.append(data[last:cut]); last = cut + 4
    parts.append(data[last:])
    return b"".join(parts)
for spec in specs:
    data = write(spec)
    sys.stdout.buffer.write(struct.pack("<Q", len(data)) + data)
`;

export interface PythonZipSpec extends PythonZipOptions {
  entries: PythonEntry[];
}

/** Zips written by Python's zipfile, all in one run of Python (it takes a while to start). */
export function pythonZips(specs: PythonZipSpec[]): Buffer[] {
  const input = specs.map((spec) => ({
    entries: spec.entries,
    streaming: spec.streaming,
    unsigned: spec.unsignedDescriptors ?? false,
  }));
  const out = execFileSync('python3', ['-c', PYTHON_WRITER], { input: JSON.stringify(input), maxBuffer: 1 << 30 });
  const zips: Buffer[] = [];
  for (let at = 0; at < out.length; ) {
    const length = Number(out.readBigUInt64LE(at));
    zips.push(out.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  if (zips.length !== specs.length) throw new Error(`python wrote ${zips.length} zips, not ${specs.length}`);
  return zips;
}

export const infoZipInstalled = (() => {
  try {
    execFileSync('which', ['zip'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A zip written by Info-ZIP's `zip` to a pipe (so with data descriptors), of files in `dir`; `stdin`: one entry
 * named "-" read from standard input (zip64, sizes unknown up front).
 */
export function infoZip(
  dir: string,
  names: string[],
  options: { stored?: boolean; password?: string; stdin?: Buffer } = {},
): Buffer {
  const args = ['-q', '-X'];
  if (options.stored) args.push('-0');
  if (options.password) args.push('-P', options.password);
  args.push('-', ...(options.stdin ? ['-'] : names));
  return execFileSync('zip', args, { cwd: dir, input: options.stdin, maxBuffer: 1 << 30 });
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What one sink saw. */
export interface SinkRecord {
  name: string;
  bytes: number;
  sha256: string;
  /** Every end() call's argument, in order (exactly one is expected). */
  ends: boolean[];
  /** write() calls after end(). */
  writesAfterEnd: number;
  /** The first bytes received (up to 64), to check what a capped entry gave. */
  head: Buffer;
}

export interface TapRun {
  /** The tap's output, to compare with its input. */
  output: Buffer;
  /** Names the handler was asked about, in order. */
  asked: string[];
  sinks: SinkRecord[];
  problems: string[];
}

/** A sink that hashes what it gets; `fail` makes it throw on its first write. */
export function recordingSink(name: string, record: SinkRecord[], fail?: 'write' | 'end'): ZipEntrySink {
  const hash = createHash('sha256');
  const entry: SinkRecord = { name, bytes: 0, sha256: '', ends: [], writesAfterEnd: 0, head: Buffer.alloc(0) };
  record.push(entry);
  return {
    write(chunk) {
      if (entry.ends.length > 0) entry.writesAfterEnd++;
      if (fail === 'write') throw new Error('sink broke');
      if (entry.head.length < 64) entry.head = Buffer.concat([entry.head, chunk]).subarray(0, 64);
      hash.update(chunk);
      entry.bytes += chunk.length;
    },
    end(complete) {
      entry.ends.push(complete);
      if (entry.ends.length === 1) entry.sha256 = hash.digest('hex');
      if (fail === 'end') throw new Error('sink broke at the end');
    },
  };
}

export interface TapOptions extends ZipTapOptions {
  /** Which entries get a sink (default all). */
  want?: (name: string) => boolean;
  /** Entries whose sink throws. */
  failing?: (name: string) => 'write' | 'end' | undefined;
}

/** Streams `zip` through a ZipTap in pieces of `chunking` bytes (or cut at those offsets), reading every entry. */
export async function runTap(zip: Buffer, chunking: number | number[], options: TapOptions = {}): Promise<TapRun> {
  const asked: string[] = [];
  const sinks: SinkRecord[] = [];
  const tap = new ZipTap((name) => {
    asked.push(name);
    if (options.want && !options.want(name)) return null;
    return recordingSink(name, sinks, options.failing?.(name));
  }, options);
  const output: Buffer[] = [];
  await pipeline(
    Readable.from(typeof chunking === 'number' ? pieces(zip, chunking) : cutAt(zip, chunking)),
    tap,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output.push(chunk);
        callback();
      },
    }),
  );
  return { output: Buffer.concat(output), asked, sinks, problems: tap.problems() };
}

function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function* cutAt(bytes: Buffer, offsets: number[]): Generator<Buffer> {
  let from = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > from) yield bytes.subarray(from, offset);
    from = Math.max(from, offset);
  }
}

/** Where a zip's central directory starts (from its end record; no zip comment in these). */
export function centralDirectoryOffset(zip: Buffer): number {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory record');
  const offset = zip.readUInt32LE(end + 16);
  if (offset !== 0xffff_ffff) return offset;
  // zip64: the zip64 end record's locator, just before, points at the record that holds the offset.
  const record = Number(zip.readBigUInt64LE(end - 20 + 8));
  return Number(zip.readBigUInt64LE(record + 48));
}

/** Where each entry lies in a zip: its local header, and where the next one starts. */
export interface EntryExtent {
  name: string;
  /** Offset of its local header, and of the first byte after that header. */
  header: number;
  headerEnd: number;
  /** The first byte after its data and data descriptor. */
  end: number;
}

/** Each entry's extent, as yauzl reads the central directory (another reader than ours). */
export async function entryExtents(zip: Buffer): Promise<EntryExtent[]> {
  const zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  const starts: { name: string; header: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      starts.push({ name: entry.fileName, header: entry.relativeOffsetOfLocalHeader });
      zipfile.readEntry();
    });
    zipfile.on('end', resolve);
    zipfile.on('error', reject);
    zipfile.readEntry();
  });
  const central = centralDirectoryOffset(zip);
  return starts.map(({ name, header }, i) => ({
    name,
    header,
    headerEnd: header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28),
    end: starts[i + 1]?.header ?? central,
  }));
}
