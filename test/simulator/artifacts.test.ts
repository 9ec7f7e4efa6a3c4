import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { type Artifact, type ArtifactSpec, createArtifact } from '../../src/simulator/artifacts.js';
import { createZip } from '../../src/simulator/zip.js';

const CREATED_AT = new Date('2025-06-01T10:00:00.250Z');
const HOUR_MS = 60 * 60 * 1000;

function spec(overrides: Partial<ArtifactSpec> = {}): ArtifactSpec {
  return {
    commandId: 'b1c2d3e4-0000-4000-8000-00000000c0de',
    kind: 'pcap',
    deviceName: 'LAPTOP-ALICE',
    platform: 'windows',
    userEmail: 'alice@example.com',
    createdAt: CREATED_AT,
    sizeBytes: 2_000_000,
    ...overrides,
  };
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'artifacts-test-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function saveZip(artifact: Artifact, name: string): Promise<string> {
  const path = join(directory, name);
  await pipeline(artifact.open(), createWriteStream(path));
  return path;
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface ZipEntryContent {
  readonly entry: yauzl.Entry;
  readonly data: Buffer;
}

/** Every entry read in full through yauzl (which checks sizes and offsets, but not CRCs: see checkCrcs). */
function readZip(path: string): Promise<ZipEntryContent[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, strictFileNames: true }, (openError, zip) => {
      if (openError) return reject(openError);
      const entries: ZipEntryContent[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          collect(stream).then((data) => {
            entries.push({ entry, data });
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}

/** CRCs of the content against the central directory, and the local header or data descriptor against both. */
function checkCrcs(zipBytes: Buffer, entries: readonly ZipEntryContent[]): void {
  for (const { entry, data } of entries) {
    expect(crc32(data), entry.fileName).toBe(entry.crc32);
    const local = entry.relativeOffsetOfLocalHeader;
    expect(zipBytes.readUInt32LE(local)).toBe(0x04034b50);
    const dataStart = local + 30 + zipBytes.readUInt16LE(local + 26) + zipBytes.readUInt16LE(local + 28);
    if (entry.generalPurposeBitFlag & 0x0008) {
      const descriptor = dataStart + entry.compressedSize;
      expect(zipBytes.readUInt32LE(descriptor)).toBe(0x08074b50);
      expect(zipBytes.readUInt32LE(descriptor + 4)).toBe(entry.crc32);
      expect(zipBytes.readUInt32LE(descriptor + 8)).toBe(entry.compressedSize);
      expect(zipBytes.readUInt32LE(descriptor + 12)).toBe(entry.uncompressedSize);
    } else {
      expect(zipBytes.readUInt32LE(local + 14)).toBe(entry.crc32);
      expect(zipBytes.readUInt32LE(local + 22)).toBe(entry.uncompressedSize);
    }
  }
}

interface PcapSummary {
  readonly snapLength: number;
  readonly linkType: number;
  readonly packets: number;
  readonly firstTimestampMs: number;
}

/** Walks the global header and every record header to the exact end of the file, checking each on the way. */
function parsePcap(bytes: Buffer): PcapSummary {
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect([bytes.readUInt16LE(4), bytes.readUInt16LE(6)]).toEqual([2, 4]);
  expect(bytes.readInt32LE(8)).toBe(0);
  const snapLength = bytes.readUInt32LE(16);
  const linkType = bytes.readUInt32LE(20);
  const ipOffset = linkType === 1 ? 14 : 0;
  let offset = 24;
  let packets = 0;
  let firstTimestampMs = Number.NaN;
  let previousMicros = -1;
  // Plain checks rather than one expect per field: there are tens of thousands of records.
  const check = (condition: boolean, what: string) => {
    if (!condition) throw new Error(`pcap record ${packets} at byte ${offset}: ${what}`);
  };
  while (offset < bytes.length) {
    check(offset + 16 <= bytes.length, 'record header runs past the end');
    const micros = bytes.readUInt32LE(offset) * 1e6 + bytes.readUInt32LE(offset + 4);
    const includedLength = bytes.readUInt32LE(offset + 8);
    const originalLength = bytes.readUInt32LE(offset + 12);
    check(bytes.readUInt32LE(offset + 4) < 1e6, 'ts_usec >= 1e6');
    check(includedLength === Math.min(originalLength, snapLength), 'incl_len is not min(orig_len, snaplen)');
    check(micros > previousMicros, 'timestamps do not increase');
    check(offset + 16 + includedLength <= bytes.length, 'packet data runs past the end');
    if (packets === 0) firstTimestampMs = micros / 1000;
    previousMicros = micros;
    const packet = bytes.subarray(offset + 16, offset + 16 + includedLength);
    if (linkType === 1 && packet.length >= 14) check(packet.readUInt16BE(12) === 0x0800, 'not IPv4 over Ethernet');
    if (packet.length >= ipOffset + 20) {
      check(packet[ipOffset] === 0x45, 'not an IPv4 header without options');
      check(packet.readUInt16BE(ipOffset + 2) === originalLength - ipOffset, 'IPv4 total length != orig_len');
      check(onesComplementSum(packet.subarray(ipOffset, ipOffset + 20)) === 0xffff, 'bad IPv4 header checksum');
    }
    offset += 16 + includedLength;
    packets++;
  }
  expect(offset).toBe(bytes.length);
  return { snapLength, linkType, packets, firstTimestampMs };
}

function onesComplementSum(bytes: Buffer): number {
  let sum = 0;
  for (let index = 0; index < bytes.length; index += 2) sum += bytes.readUInt16BE(index);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function entryData(entries: readonly ZipEntryContent[], name: string): Buffer {
  const found = entries.find(({ entry }) => entry.fileName === name);
  if (!found) throw new Error(`no entry ${name}`);
  return found.data;
}

interface ResultsJson {
  command_id: string;
  device_name: string;
  user_email: string;
  snap_length: number;
  captures: { interface: string; status: string; file?: string; packets?: number; bytes?: number; error?: string }[];
}

describe('PCAP artifacts', () => {
  it('are zips whose size is known up front, with results.json and two parseable pcaps', async () => {
    const artifact = createArtifact(spec({ snapLength: 200 }));
    const path = await saveZip(artifact, 'pcap.zip');
    const zipBytes = await readFile(path);
    expect(zipBytes.length).toBe(artifact.size);
    expect(Math.abs(artifact.size - 2_000_000)).toBeLessThan(2_000);
    expect(artifact.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(artifact.lastModified.toISOString()).toBe('2025-06-01T10:00:00.000Z');
    expect(artifact.fileNames).toEqual(['results.json', 'capture-default.pcap', 'capture-tunnel.pcap']);

    const entries = await readZip(path);
    expect(entries.map(({ entry }) => entry.fileName)).toEqual(artifact.fileNames);
    checkCrcs(zipBytes, entries);
    for (const { entry } of entries) {
      expect(entry.compressionMethod).toBe(0);
      expect(entry.getLastModDate().toISOString()).toBe('2025-06-01T10:00:00.000Z');
    }

    const results = JSON.parse(entryData(entries, 'results.json').toString('utf8')) as ResultsJson;
    expect(results).toMatchObject({
      command_id: spec().commandId,
      device_name: 'LAPTOP-ALICE',
      user_email: 'alice@example.com',
      snap_length: 200,
    });
    const expectedLinkTypes = { 'capture-default.pcap': 1, 'capture-tunnel.pcap': 101 };
    for (const [name, linkType] of Object.entries(expectedLinkTypes)) {
      const pcap = entryData(entries, name);
      const summary = parsePcap(pcap);
      expect(summary).toMatchObject({ snapLength: 200, linkType, firstTimestampMs: CREATED_AT.getTime() });
      expect(results.captures.find((capture) => capture.file === name)).toMatchObject({
        status: 'success',
        packets: summary.packets,
        bytes: pcap.length,
      });
    }
  });

  it('report a failed tunnel capture in results.json and leave its file out', async () => {
    const artifact = createArtifact(spec({ pcapInterfaces: { default: true, tunnel: false }, platform: 'macos' }));
    expect(artifact.fileNames).toEqual(['results.json', 'capture-default.pcap']);
    const path = await saveZip(artifact, 'partial.zip');
    const entries = await readZip(path);
    checkCrcs(await readFile(path), entries);
    expect(entries.map(({ entry }) => entry.fileName)).toEqual(artifact.fileNames);
    const results = JSON.parse(entryData(entries, 'results.json').toString('utf8')) as ResultsJson;
    expect(results.captures).toEqual([
      expect.objectContaining({ interface: 'default', status: 'success', file: 'capture-default.pcap' }),
      { interface: 'tunnel', status: 'failed', error: expect.stringMatching(/utun/) },
    ]);
    // The whole budget went to the one capture that succeeded.
    expect(entryData(entries, 'capture-default.pcap').length).toBeGreaterThan(1_990_000);
  });

  it('honour any snap length from 1 to 1500 and stay valid when the size asked for is tiny', async () => {
    for (const [snapLength, sizeBytes] of [
      [1, 50_000],
      [54, 50_000],
      [1500, 300_000],
      [160, 0],
    ] as const) {
      const artifact = createArtifact(spec({ snapLength, sizeBytes, commandId: `snap-${snapLength}-${sizeBytes}` }));
      const path = await saveZip(artifact, `snap-${snapLength}.zip`);
      const entries = await readZip(path);
      checkCrcs(await readFile(path), entries);
      expect(entries.map(({ entry }) => entry.fileName)).toEqual(artifact.fileNames);
      for (const name of ['capture-default.pcap', 'capture-tunnel.pcap']) {
        const summary = parsePcap(entryData(entries, name));
        expect(summary.snapLength).toBe(snapLength);
        expect(summary.packets).toBeGreaterThan(0);
      }
    }
  });

  it('refuse snap lengths outside 1–1500', () => {
    expect(() => createArtifact(spec({ snapLength: 0 }))).toThrow(RangeError);
    expect(() => createArtifact(spec({ snapLength: 1501 }))).toThrow(RangeError);
  });
});

const LOG_NAMES = ['daemon.3.log', 'daemon.2.log', 'daemon.1.log', 'daemon.log'] as const;
const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG| INFO| WARN|ERROR) \S+: /;

describe('WARP diagnostics artifacts', () => {
  it('are a warp-diag bundle whose daemon logs fill the size with a day of timestamped lines each', async () => {
    const artifact = createArtifact(spec({ kind: 'warp-diag', testAllRoutes: true, sizeBytes: 1_500_000 }));
    expect(artifact.size).toBe(1_500_000);
    expect(artifact.fileNames).toEqual([
      'warp-status.txt',
      'warp-settings.txt',
      'warp-account.txt',
      'warp-network.txt',
      'platform.txt',
      'version.txt',
      'hostname.txt',
      'date.txt',
      'sysinfo.json',
      'connectivity.txt',
      'dns-check.txt',
      'routes.txt',
      ...LOG_NAMES,
    ]);
    const path = await saveZip(artifact, 'diag.zip');
    const zipBytes = await readFile(path);
    expect(zipBytes.length).toBe(artifact.size);
    const entries = await readZip(path);
    expect(entries.map(({ entry }) => entry.fileName)).toEqual(artifact.fileNames);
    checkCrcs(zipBytes, entries);

    expect(entryData(entries, 'warp-account.txt').toString()).toContain('alice@example.com');
    expect(entryData(entries, 'platform.txt').toString()).toBe('windows');
    expect(JSON.parse(entryData(entries, 'sysinfo.json').toString()).long_os_version).toMatch(/Windows 11/);
    // Oldest first: each log covers the day after the one before, the last one ends with the capture.
    let previousEnd = CREATED_AT.getTime() - 96 * HOUR_MS;
    for (const name of LOG_NAMES) {
      const log = entryData(entries, name).toString('latin1');
      expect(log.endsWith('\n'), name).toBe(true);
      const lines = log.slice(0, -1).split('\n');
      expect(lines.length, name).toBeGreaterThan(500);
      // A multi-line entry continues on lines without a timestamp, as the real daemon's do.
      const stamped = lines.slice(0, -1).filter((line) => /^\d{4}-/.test(line));
      for (const line of stamped) expect(line).toMatch(TIMESTAMPED);
      for (const line of lines.slice(0, -1).filter((line) => !/^\d{4}-/.test(line))) expect(line).toMatch(/^Deleted; /);
      const times = stamped.map((line) => Date.parse(line.slice(0, 24)));
      expect(
        times.every((time, index) => index === 0 || time >= (times[index - 1] ?? 0)),
        name,
      ).toBe(true);
      expect(times[0], name).toBe(previousEnd);
      expect(times.at(-1), name).toBeLessThanOrEqual(previousEnd + 24 * HOUR_MS);
      expect(times.at(-1), name).toBeGreaterThan(previousEnd + 23 * HOUR_MS);
      previousEnd += 24 * HOUR_MS;
    }
  });

  it('stay a valid bundle with every file when the size asked for is tiny', async () => {
    for (const warpClient of ['healthy', 'broken'] as const) {
      const artifact = createArtifact(spec({ kind: 'warp-diag', sizeBytes: 0, warpClient }));
      const path = await saveZip(artifact, 'tiny-diag.zip');
      const entries = await readZip(path);
      checkCrcs(await readFile(path), entries);
      expect(entries.map(({ entry }) => entry.fileName)).toEqual(artifact.fileNames);
      for (const name of LOG_NAMES) expect(entryData(entries, name).length).toBeGreaterThan(0);
    }
  });

  it('leave routes.txt out unless all routes were tested', () => {
    const artifact = createArtifact(spec({ kind: 'warp-diag', testAllRoutes: false }));
    expect(artifact.fileNames).not.toContain('routes.txt');
    expect(artifact.fileNames.at(-1)).toBe('daemon.log');
  });

  it('keep the daemon logs ASCII even for a non-ASCII device name', async () => {
    const artifact = createArtifact(spec({ kind: 'warp-diag', deviceName: 'Bürö-Laptop 💻', sizeBytes: 100_000 }));
    const path = await saveZip(artifact, 'unicode.zip');
    const entries = await readZip(path);
    checkCrcs(await readFile(path), entries);
    expect(entryData(entries, 'hostname.txt').toString('utf8')).toContain('Bürö-Laptop 💻');
    for (const name of LOG_NAMES) {
      expect(entryData(entries, name).every((byte) => byte === 0x0a || (byte >= 0x20 && byte < 0x7f))).toBe(true);
    }
  });

  it('differ between a healthy and a broken client, and say which in their ETag', () => {
    const healthy = createArtifact(spec({ kind: 'warp-diag', warpClient: 'healthy' }));
    const broken = createArtifact(spec({ kind: 'warp-diag', warpClient: 'broken' }));
    expect(broken.etag).not.toBe(healthy.etag);
    expect(createArtifact(spec({ kind: 'warp-diag' })).etag).toBe(healthy.etag);
    expect(createArtifact(spec({ kind: 'warp-diag', warpVersion: '2025.9.558.0' })).etag).not.toBe(healthy.etag);
  });
});

describe('speed-test artifacts', () => {
  interface SpeedTestResult {
    interface: string;
    interface_name: string;
    status: string;
    download_mbps: number;
    upload_mbps: number;
    latency_ms: number;
    jitter_ms: number;
    loaded_latency_ms: { download: number; upload: number };
    packet_loss_percent: number;
    scores: Record<'streaming' | 'gaming' | 'rtc', string>;
  }
  const speedTest = (overrides: Partial<ArtifactSpec> = {}) => spec({ kind: 'speed-test', sizeBytes: 0, ...overrides });
  async function results(
    artifact: Artifact,
    name: string,
  ): Promise<{ command_id: string; results: SpeedTestResult[] }> {
    const path = await saveZip(artifact, name);
    const entries = await readZip(path);
    checkCrcs(await readFile(path), entries);
    expect(entries.map(({ entry }) => entry.fileName)).toEqual(['speed-test-results.json']);
    return JSON.parse(entryData(entries, 'speed-test-results.json').toString('utf8'));
  }

  it('are a zip of speed-test-results.json with plausible figures for each interface tested', async () => {
    const artifact = createArtifact(speedTest());
    expect(artifact.fileNames).toEqual(['speed-test-results.json']);
    expect(artifact.size).toBeLessThan(4096);
    const report = await results(artifact, 'speed-both.zip');
    expect(report).toMatchObject({
      command_id: spec().commandId,
      type: 'speed-test',
      device_name: 'LAPTOP-ALICE',
      user_email: 'alice@example.com',
      platform: 'windows',
      started_at: CREATED_AT.toISOString(),
    });
    expect(report.results.map((r) => [r.interface, r.interface_name])).toEqual([
      ['default', 'Wi-Fi'],
      ['tunnel', 'CloudflareWARP'],
    ]);
    for (const r of report.results) {
      expect(r.status).toBe('success');
      expect(r.download_mbps).toBeGreaterThan(20);
      expect(r.download_mbps).toBeLessThanOrEqual(941);
      expect(r.upload_mbps).toBeGreaterThan(0);
      expect(r.upload_mbps).toBeLessThan(r.download_mbps);
      expect(r.latency_ms).toBeGreaterThan(0);
      expect(r.latency_ms).toBeLessThan(100);
      expect(r.jitter_ms).toBeGreaterThan(0);
      expect(r.loaded_latency_ms.download).toBeGreaterThan(r.latency_ms);
      expect(r.loaded_latency_ms.upload).toBeGreaterThan(r.latency_ms);
      expect(r.packet_loss_percent).toBeGreaterThanOrEqual(0);
      expect(r.packet_loss_percent).toBeLessThan(2);
      for (const score of Object.values(r.scores)) expect(['bad', 'poor', 'average', 'good', 'great']).toContain(score);
    }

    const tunnelOnly = await results(
      createArtifact(speedTest({ speedTestInterfaces: ['tunnel'] })),
      'speed-tunnel.zip',
    );
    expect(tunnelOnly.results.map((r) => r.interface)).toEqual(['tunnel']);
    const reversed = await results(
      createArtifact(speedTest({ platform: 'macos', speedTestInterfaces: ['tunnel', 'default'] })),
      'speed-mac.zip',
    );
    expect(reversed.results.map((r) => [r.interface, r.interface_name])).toEqual([
      ['default', 'en0'],
      ['tunnel', 'utun4'],
    ]);
  });

  it('are deterministic per command, and ignore the size asked for', async () => {
    const first = createArtifact(speedTest());
    const again = createArtifact(speedTest({ sizeBytes: 5_000_000 }));
    expect(again.etag).toBe(first.etag);
    expect(again.size).toBe(first.size);
    expect(sha256(await collect(again.open()))).toBe(sha256(await collect(first.open())));
    const other = await results(createArtifact(speedTest({ commandId: 'another-command' })), 'speed-other.zip');
    const mine = await results(first, 'speed-first.zip');
    expect(other.results[0]?.download_mbps).not.toBe(mine.results[0]?.download_mbps);
    expect(createArtifact(speedTest({ speedTestInterfaces: ['default'] })).etag).not.toBe(first.etag);
    expect(createArtifact(speedTest({ commandId: 'another-command' })).etag).not.toBe(first.etag);
  });

  it('refuse an empty, repeated or unknown interface list', () => {
    expect(() => createArtifact(speedTest({ speedTestInterfaces: [] }))).toThrow(RangeError);
    expect(() => createArtifact(speedTest({ speedTestInterfaces: ['default', 'default'] }))).toThrow(RangeError);
    expect(() => createArtifact(speedTest({ speedTestInterfaces: ['wifi' as 'default'] }))).toThrow(RangeError);
  });
});

describe('open(start, end)', () => {
  it('returns exactly the bytes of the full stream in that range', async () => {
    for (const kind of ['pcap', 'warp-diag'] as const) {
      const artifact = createArtifact(spec({ kind, sizeBytes: 400_000 }));
      const full = await collect(artifact.open());
      expect(full.length).toBe(artifact.size);
      const last = artifact.size - 1;
      const ranges: [number, number | undefined][] = [
        [0, 0],
        [0, 99],
        [100, undefined],
        [65_535, 65_537],
        [200_000, 265_536],
        [last - 150, last],
        [last, last],
        [0, last],
      ];
      for (const [start, end] of ranges) {
        const part = await collect(artifact.open(start, end));
        expect(sha256(part), `${kind} ${start}-${end}`).toBe(sha256(full.subarray(start, (end ?? last) + 1)));
      }
    }
  });

  it('refuses a range outside the artifact', () => {
    const artifact = createArtifact(spec({ sizeBytes: 50_000 }));
    expect(() => artifact.open(-1)).toThrow(RangeError);
    expect(() => artifact.open(10, 9)).toThrow(RangeError);
    expect(() => artifact.open(0, artifact.size)).toThrow(RangeError);
  });
});

describe('determinism', () => {
  it('gives the same bytes and ETag for the same spec, and different ones for another command', async () => {
    const first = createArtifact(spec({ sizeBytes: 300_000 }));
    const again = createArtifact(spec({ sizeBytes: 300_000 }));
    const other = createArtifact(spec({ sizeBytes: 300_000, commandId: 'another-command' }));
    expect(again.etag).toBe(first.etag);
    expect(other.etag).not.toBe(first.etag);
    expect(sha256(await collect(again.open()))).toBe(sha256(await collect(first.open())));

    const firstEntries = await readZip(await saveZip(first, 'first.zip'));
    const otherEntries = await readZip(await saveZip(other, 'other.zip'));
    for (const name of ['capture-default.pcap', 'capture-tunnel.pcap']) {
      expect(sha256(entryData(otherEntries, name))).not.toBe(sha256(entryData(firstEntries, name)));
    }
  });

  it('changes the ETag when anything that shapes the bytes changes', () => {
    const base = createArtifact(spec()).etag;
    expect(createArtifact(spec({ snapLength: 1500 })).etag).not.toBe(base);
    expect(createArtifact(spec({ sizeBytes: 2_000_001 })).etag).not.toBe(base);
    expect(createArtifact(spec({ pcapInterfaces: { default: true, tunnel: false } })).etag).not.toBe(base);
    expect(createArtifact(spec({ createdAt: new Date(CREATED_AT.getTime() + 1000) })).etag).not.toBe(base);
  });
});

describe('large artifacts', () => {
  // Their peak memory (< 64 MB over the start) is a row of `npm run bench -- simulator`.
  it('stream 300 MB', async () => {
    for (const kind of ['pcap', 'warp-diag'] as const) {
      const artifact = createArtifact(spec({ kind, sizeBytes: 300_000_000 }));
      let received = 0;
      const countingSink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          callback();
        },
      });
      await pipeline(artifact.open(), countingSink);
      expect(received, kind).toBe(artifact.size);
    }
  });

  it('are refused past 4 GiB - 1, before anything is generated', () => {
    for (const kind of ['pcap', 'warp-diag'] as const) {
      expect(() => createArtifact(spec({ kind, sizeBytes: 2 ** 32 }))).toThrow(/4 GiB/);
      expect(() => createArtifact(spec({ kind, sizeBytes: 10 * 2 ** 30 }))).toThrow(RangeError);
    }
    // The largest size a ZIP without ZIP64 can have is still fine.
    expect(createArtifact(spec({ kind: 'warp-diag', sizeBytes: 2 ** 32 - 1 })).size).toBe(2 ** 32 - 1);
  });
});

describe('the zip writer', () => {
  it('fails the stream when a streamed entry breaks its declared size', async () => {
    const zip = createZip([{ name: 'short.bin', modifiedAt: CREATED_AT, size: 10, produce: () => [Buffer.alloc(5)] }]);
    await expect(collect(zip.open())).rejects.toThrow(/short\.bin produced 5 of 10 bytes/);
  });

  it('refuses duplicate entry names', () => {
    const entry = { name: 'a.txt', modifiedAt: CREATED_AT, data: Buffer.from('a') };
    expect(() => createZip([entry, entry])).toThrow(/duplicate/);
  });
});
