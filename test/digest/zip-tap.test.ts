import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipTap } from '../../src/digest/zip-tap.js';
import {
  centralDirectoryOffset,
  entryExtents,
  infoZip,
  infoZipInstalled,
  type Method,
  type PythonEntry,
  type PythonZipSpec,
  pythonZips,
  recordingSink,
  runTap,
  type SinkRecord,
  sha256,
  type TapRun,
} from './zips.js';

/*
 * The zip tap against zips from Python's zipfile and Info-ZIP's zip (stored, deflated, data descriptors with and
 * without signature, zip64), holding real captures from the tcpdump corpus, cut into pieces of every size.
 */

const CORPUS = new URL('../fixtures/corpus/pcap/', import.meta.url).pathname;
const RESULTS = JSON.stringify({
  captures: [
    { interface: 'default', status: 'success' },
    { interface: 'tunnel', status: 'error', error: 'pktmon: no adapters matched' },
  ],
});

let dir = '';
/** The files the zips are made of, by entry name: their bytes. */
const files = new Map<string, Buffer>();

function addFile(name: string, bytes: Buffer): string {
  writeFileSync(join(dir, name), bytes);
  files.set(name, bytes);
  return join(dir, name);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zip-tap-'));
  addFile('results.json', Buffer.from(RESULTS));
  // Small: for the byte-by-byte runs.
  addFile('small-default.pcap', readFileSync(join(CORPUS, '3560_CDP.pcap')));
  addFile('small-tunnel.pcap', readFileSync(join(CORPUS, 'IGMP_V2.pcap')));
  addFile('empty.txt', Buffer.alloc(0));
  // Larger: real captures and incompressible bytes (deflate stores them, "PK" and all).
  addFile('capture-default.pcap', readFileSync(join(CORPUS, 'bigtcp-ipv4-vxlan-ipv4.pcap')));
  addFile('capture-tunnel.pcap', readFileSync(join(CORPUS, 'spb.pcap')));
  const noise = randomBytes(300_000);
  // Signatures inside the data, where a careless reader would take them for the zip's own.
  for (let at = 1000; at < noise.length - 30; at += 20_011) noise.writeUInt32LE(0x08074b50, at);
  for (let at = 5000; at < noise.length - 30; at += 30_011) noise.writeUInt32LE(0x04034b50, at);
  addFile('noise.bin', noise);
  addFile('bomb.bin', Buffer.alloc(BOMB_BYTES));
  // Every Python-written zip at once: Python takes a while to start.
  const keys = [...pythonSpecs.keys()];
  const built = pythonZips(keys.map((key) => (pythonSpecs.get(key) as () => PythonZipSpec)()));
  for (const [i, key] of keys.entries()) zips.set(key, built[i] as Buffer);
});

/** The zips Python writes for these tests, by name (built once, in beforeAll). */
const pythonSpecs = new Map<string, () => PythonZipSpec>();
const zips = new Map<string, Buffer>();
const BOMB_BYTES = 8 * 1024 * 1024;

/** Registers a Python-written zip; the function returned gives its bytes once built. */
function python(key: string, spec: () => PythonZipSpec): () => Buffer {
  pythonSpecs.set(key, spec);
  return () => {
    const zip = zips.get(key);
    if (!zip) throw new Error(`zip ${key} was not built`);
    return zip;
  };
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const entry = (name: string, method: Method, zip64 = false): PythonEntry => ({
  name,
  path: join(dir, name),
  method,
  zip64,
});

const SMALL = (method: Method, zip64 = false) => [
  entry('small-default.pcap', method, zip64),
  entry('empty.txt', method, zip64),
  entry('results.json', method === 'stored' ? 'deflated' : 'stored', zip64),
  entry('small-tunnel.pcap', method, zip64),
];
const LARGE = (method: Method, zip64 = false) => [
  entry('results.json', method, zip64),
  entry('capture-default.pcap', method, zip64),
  entry('noise.bin', method, zip64),
  entry('capture-tunnel.pcap', method === 'stored' ? 'deflated' : 'stored', zip64),
];

interface Case {
  writer: string;
  zip: () => Buffer;
  names: string[];
}

/** Every writer's zip, of the small files and of the large ones. */
function cases(size: 'small' | 'large'): Case[] {
  const set = size === 'small' ? SMALL : LARGE;
  const names = set('stored').map((e) => e.name);
  const list: Case[] = [];
  for (const method of ['stored', 'deflated'] as const) {
    const writers: [string, boolean, boolean, boolean][] = [
      [`python, ${method}`, false, false, false],
      [`python to a pipe, ${method}`, true, false, false],
      [`python to a pipe, ${method}, descriptors without signature`, true, false, true],
      [`python zip64, ${method}`, false, true, false],
      [`python zip64 to a pipe, ${method}`, true, true, false],
    ];
    for (const [writer, streaming, zip64, unsignedDescriptors] of writers) {
      const zip = python(`${size} ${writer}`, () => ({ entries: set(method, zip64), streaming, unsignedDescriptors }));
      list.push({ writer, zip, names });
    }
  }
  // Info-ZIP when installed (it is on the reference machine); Python's zips cover the same layouts without it.
  if (infoZipInstalled) {
    const onDisk = names.filter((name) => name !== 'empty.txt');
    list.push(
      { writer: 'zip to a pipe', zip: () => infoZip(dir, onDisk), names: onDisk },
      { writer: 'zip -0 to a pipe', zip: () => infoZip(dir, onDisk, { stored: true }), names: onDisk },
      {
        writer: 'zip from stdin (zip64)',
        zip: () => infoZip(dir, [], { stdin: files.get(onDisk[0] as string) }),
        names: ['-'],
      },
    );
  }
  return list;
}

function expectEveryEntryRead(run: TapRun, zip: Buffer, names: string[], source = (name: string) => name) {
  expect(run.problems).toEqual([]);
  expect(run.output.equals(zip)).toBe(true);
  expect(run.asked).toEqual(names);
  expect(run.sinks.map((sink) => ({ name: sink.name, ends: sink.ends, writesAfterEnd: sink.writesAfterEnd }))).toEqual(
    names.map((name) => ({ name, ends: [true], writesAfterEnd: 0 })),
  );
  for (const sink of run.sinks) {
    const original = files.get(source(sink.name));
    expect(sink.bytes, sink.name).toBe(original?.length);
    expect(sink.sha256, sink.name).toBe(sha256(original as Buffer));
  }
}

describe('the zip tap reads every entry exactly, and passes the zip through unchanged', () => {
  const stdinSource = (name: string) => (name === '-' ? 'small-default.pcap' : name);
  const largeStdinSource = (name: string) => (name === '-' ? 'results.json' : name);

  it.each(cases('small'))('$writer, small files, in 1- and 7-byte pieces', async ({ zip, names }) => {
    const bytes = zip();
    for (const chunk of [1, 7]) expectEveryEntryRead(await runTap(bytes, chunk), bytes, names, stdinSource);
  });

  it.each(cases('large'))('$writer, large files, in 64 KiB pieces and whole', async ({ zip, names }) => {
    const bytes = zip();
    for (const chunk of [64 * 1024, bytes.length]) {
      expectEveryEntryRead(await runTap(bytes, chunk), bytes, names, largeStdinSource);
    }
  });

  it('finds a data descriptor split across two chunks at any byte, signed or not', async () => {
    const signed = zips.get('large python to a pipe, stored') as Buffer;
    // Where each entry's data and descriptor end (yauzl reads the signed zip; without signatures, 4 bytes fewer each).
    const signedEnds = (await entryExtents(signed)).map((extent) => extent.end);
    const variants: [Buffer, number[]][] = [
      [signed, signedEnds],
      [
        zips.get('large python to a pipe, stored, descriptors without signature') as Buffer,
        signedEnds.map((end, i) => end - 4 * (i + 1)),
      ],
    ];
    const zip64 = zips.get('large python zip64 to a pipe, stored') as Buffer;
    variants.push([zip64, (await entryExtents(zip64)).map((extent) => extent.end)]);
    const names = LARGE('stored').map((e) => e.name);
    for (const [zip, ends] of variants) {
      for (const end of ends) {
        for (let split = end - 30; split <= end + 2; split++) {
          // Cut into 64 KiB pieces as well, so that the descriptor lies past the first piece of the entry.
          const cuts = [split];
          for (let at = 65_536; at < zip.length; at += 65_536) cuts.push(at);
          cuts.sort((a, b) => a - b);
          expectEveryEntryRead(await runTap(zip, cuts), zip, names);
        }
      }
    }
  });

  it('writes with descriptors, zip64 descriptors and no signatures are what the cases say they are', () => {
    const streamed = zips.get('small python to a pipe, stored') as Buffer;
    expect(streamed.readUInt16LE(6) & 0x08).toBe(0x08);
    expect(streamed.indexOf(DESCRIPTOR_SIGNATURE)).toBeGreaterThan(0);
    const unsigned = zips.get('small python to a pipe, stored, descriptors without signature') as Buffer;
    expect(unsigned.indexOf(DESCRIPTOR_SIGNATURE)).toBe(-1);
    const zip64 = zips.get('small python zip64 to a pipe, deflated') as Buffer;
    expect(zip64.readUInt16LE(30 + zip64.readUInt16LE(26))).toBe(0x0001); // the zip64 extra field
  });

  it('hands each entry to the handler in the zip order, results.json last, and skips the ones it declines', async () => {
    const zip = resultsLast();
    const run = await runTap(zip, 4096, { want: (name) => name === 'results.json' });
    expect(run.asked).toEqual(['capture-default.pcap', 'noise.bin', 'results.json']);
    expect(run.sinks.map((s) => [s.name, s.ends, s.sha256])).toEqual([
      ['results.json', [true], sha256(Buffer.from(RESULTS))],
    ]);
    expect(run.problems).toEqual([]);
    expect(run.output.equals(zip)).toBe(true);
  });
});

const DESCRIPTOR_SIGNATURE = Buffer.from('PK\x07\x08', 'latin1');
const LOCAL_HEADER_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');
const resultsLast = python('results last', () => ({
  entries: [entry('capture-default.pcap', 'deflated'), entry('noise.bin', 'stored'), entry('results.json', 'deflated')],
  streaming: true,
}));
const cutOpen = (['stored', 'deflated'] as const).flatMap((method) =>
  [false, true].map((streaming) => ({
    where: `${streaming ? 'streamed' : 'seekable'} ${method}`,
    zip: python(`cut ${method} ${streaming}`, () => ({ entries: LARGE(method), streaming })),
  })),
);
const seekableSmall = python('seekable small', () => ({ entries: SMALL('deflated'), streaming: false }));
const bombs = (['deflated', 'stored'] as const).flatMap((method) =>
  [false, true].map((streaming) =>
    python(`bomb ${method} ${streaming}`, () => ({
      entries: [entry('bomb.bin', method), entry('results.json', 'deflated')],
      streaming,
    })),
  ),
);
const streamedLarge = python('streamed large', () => ({ entries: LARGE('deflated'), streaming: true }));
const otherMethods = python('other methods', () => ({
  entries: [
    entry('capture-default.pcap', 'bzip2'),
    entry('capture-tunnel.pcap', 'lzma'),
    entry('results.json', 'deflated'),
  ],
  streaming: true,
}));
const manyProblems = python('many problems', () => ({
  entries: Array.from({ length: 40 }, (_, i) => ({ ...entry('results.json', 'bzip2'), name: `r${i}.json` })),
  streaming: false,
}));

describe('the zip tap on broken and hostile zips', () => {
  it('ends every sink once, complete only for the entries wholly before the cut, wherever a zip is cut', async () => {
    for (const { where: kind, zip: build } of cutOpen) {
      const zip = build();
      const extents = await entryExtents(zip);
      const central = centralDirectoryOffset(zip);
      const cuts = [1, 3, 29, 40, central - 1, central, central + 10, zip.length - 1];
      for (let i = 1; i < 24; i++) cuts.push(Math.floor((i * central) / 24));
      for (const { header, headerEnd, end } of extents)
        cuts.push(header, header + 1, headerEnd - 1, headerEnd, end - 1);
      for (const cut of cuts) {
        const part = zip.subarray(0, cut);
        const run = await runTap(part, 64 * 1024);
        const where = `${kind}, cut at ${cut}`;
        expect(run.output.equals(part), where).toBe(true);
        const begun = extents.filter((extent) => extent.headerEnd <= cut);
        expect(
          run.sinks.map((sink) => [sink.name, sink.ends, sink.writesAfterEnd]),
          where,
        ).toEqual(begun.map((extent) => [extent.name, [extent.end <= cut], 0]));
        for (const sink of run.sinks) {
          if (sink.ends[0]) expect(sink.sha256, `${where}: ${sink.name}`).toBe(sha256(files.get(sink.name) as Buffer));
        }
        // Cut before its central directory, a zip is reported cut; inside it, walking had already stopped.
        expect(run.problems.length, where).toBe(cut <= central ? 1 : 0);
      }
    }
  });

  it('says a file that is not a zip is not one, and passes it through', async () => {
    for (const bytes of [randomBytes(100_000), readFileSync(join(CORPUS, 'spb.pcap')), Buffer.from('PK')]) {
      const run = await runTap(bytes, 4096);
      expect(run.output.equals(bytes)).toBe(true);
      expect(run.asked).toEqual([]);
      expect(run.problems).toHaveLength(1);
      expect(run.problems[0]).toMatch(/^not a zip/);
    }
    const empty = await runTap(Buffer.alloc(0), 1);
    expect(empty.problems).toEqual(['not a zip: it ends before any local file header']);
  });

  it('stops at garbage where a header should be, keeping what it read before', async () => {
    const zip = Buffer.from(seekableSmall());
    const second = zip.indexOf(LOCAL_HEADER_SIGNATURE, 4);
    zip.write('JUNK', second, 'latin1');
    const run = await runTap(zip, 7);
    expect(run.output.equals(zip)).toBe(true);
    expect(run.asked).toEqual(['small-default.pcap']);
    expect(run.sinks[0]?.ends).toEqual([true]);
    expect(run.problems).toEqual([`no local file header after entry 1, at byte ${second} (0x4b4e554a there)`]);
  });

  it('ends an entry beyond the cap incomplete after exactly the cap, and reads on', async () => {
    const cap = 1024 * 1024;
    for (const build of bombs) {
      const zip = build();
      const run = await runTap(zip, 64 * 1024, { maxEntryBytes: cap });
      expect(run.output.equals(zip)).toBe(true);
      expect(run.sinks.map((s) => [s.name, s.bytes, s.ends])).toEqual([
        ['bomb.bin', cap, [false]],
        ['results.json', RESULTS.length, [true]],
      ]);
      expect(run.sinks[0]?.sha256).toBe(sha256(Buffer.alloc(cap)));
      expect(run.problems).toEqual([`entry 1 (bomb.bin) holds more than ${cap} bytes uncompressed; read up to there`]);
    }
  });

  it('drops a sink that throws, notes it, and reads the other entries', async () => {
    const zip = streamedLarge();
    for (const fail of ['write', 'end'] as const) {
      const run = await runTap(zip, 64 * 1024, {
        failing: (name) => (name === 'capture-default.pcap' ? fail : undefined),
      });
      expect(run.output.equals(zip)).toBe(true);
      expect(run.sinks.map((s) => [s.name, s.ends])).toEqual([
        ['results.json', [true]],
        ['capture-default.pcap', [fail === 'end']],
        ['noise.bin', [true]],
        ['capture-tunnel.pcap', [true]],
      ]);
      for (const sink of run.sinks) expect(sink.writesAfterEnd).toBe(0);
      expect(run.problems).toEqual([
        fail === 'write'
          ? 'entry 2 (capture-default.pcap): its reader failed (sink broke)'
          : 'entry 2 (capture-default.pcap): its reader failed at the end (sink broke at the end)',
      ]);
    }
  });

  it('skips entries in methods it does not read, and encrypted ones, and reads on', async () => {
    const zip = otherMethods();
    const run = await runTap(zip, 1000);
    expect(run.output.equals(zip)).toBe(true);
    expect(run.sinks.map((s) => [s.name, s.ends])).toEqual([
      ['capture-default.pcap', [false]],
      ['capture-tunnel.pcap', [false]],
      ['results.json', [true]],
    ]);
    expect(run.problems).toEqual([
      'entry 1 (capture-default.pcap) uses compression method 12, not read',
      'entry 2 (capture-tunnel.pcap) uses compression method 14, not read',
    ]);
    if (infoZipInstalled) {
      const encrypted = infoZip(dir, ['capture-default.pcap', 'results.json', 'capture-tunnel.pcap'], {
        password: 'secret',
      });
      const locked = await runTap(encrypted, 1000);
      expect(locked.output.equals(encrypted)).toBe(true);
      expect(locked.sinks.map((s) => [s.name, s.ends])).toEqual([
        ['capture-default.pcap', [false]],
        ['results.json', [false]],
        ['capture-tunnel.pcap', [false]],
      ]);
      expect(locked.problems).toEqual([
        'entry 1 (capture-default.pcap) is encrypted, not read',
        'entry 2 (results.json) is encrypted, not read',
        'entry 3 (capture-tunnel.pcap) is encrypted, not read',
      ]);
    }
  });

  it('ends the open sink once when the stream is destroyed in the middle', async () => {
    const zip = streamedLarge();
    const sinks: SinkRecord[] = [];
    const tap = new ZipTap((name) => recordingSink(name, sinks));
    tap.resume();
    const inside = zip.indexOf(Buffer.from('capture-default.pcap')) + 300;
    await new Promise<void>((resolve) => tap.write(zip.subarray(0, inside), () => resolve()));
    tap.destroy();
    await new Promise((resolve) => tap.once('close', resolve));
    expect(sinks.map((s) => [s.name, s.ends])).toEqual([
      ['results.json', [true]],
      ['capture-default.pcap', [false]],
    ]);
    expect(tap.problems()).toEqual(['the stream stopped inside entry 2 (capture-default.pcap)']);
  });

  it('keeps a bounded list of problems', async () => {
    const run = await runTap(manyProblems(), 64 * 1024);
    expect(run.problems).toHaveLength(21);
    expect(run.problems.at(-1)).toBe('20 more problems not listed');
  });

  it('holds the writer back when nobody reads, rather than buffering the zip', async () => {
    const zip = streamedLarge();
    const tap = new ZipTap((name) => recordingSink(name, []));
    let accepted = 0;
    for (let at = 0; at < zip.length; at += 16 * 1024) {
      accepted += 16 * 1024;
      if (!tap.write(zip.subarray(at, at + 16 * 1024))) break;
    }
    // Node's default high-water marks (16 KiB each side): a few pieces in, then "wait".
    expect(accepted).toBeLessThanOrEqual(4 * 16 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tap.readableLength + tap.writableLength).toBeLessThanOrEqual(4 * 16 * 1024);
    tap.destroy();
  });

  it('passes the bytes on unchanged when piped like the relay pipes them', async () => {
    const zip = streamedLarge();
    const tap = new ZipTap(() => null);
    const out: Buffer[] = [];
    tap.on('data', (chunk: Buffer) => out.push(chunk));
    await new Promise<void>((resolve, reject) => {
      Readable.from([zip]).pipe(tap).on('end', resolve).on('error', reject);
    });
    expect(Buffer.concat(out).equals(zip)).toBe(true);
    expect(tap.problems()).toEqual([]);
  });
});
