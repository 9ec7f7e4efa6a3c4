import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { WarpClientHealth } from './fleet.js';
import { SPEED_TEST_INTERFACES, type SpeedTestInterface } from './lifecycle.js';
import {
  type CaptureInterface,
  createPcap,
  LINKTYPE_ETHERNET,
  MAX_SNAP_LENGTH,
  type PcapFile,
  pcapSize,
} from './pcap.js';
import { type PlatformProfile, platformProfile } from './platforms.js';
import { SeededRandom } from './random.js';
import { seedFor } from './seeds.js';
import { warpDiagEntries } from './warp-diag.js';
import { createZip, measureZip, type ZipEntry, type ZipEntryShape } from './zip.js';

export type ArtifactKind = 'pcap' | 'warp-diag' | 'speed-test';

export interface ArtifactSpec {
  commandId: string;
  kind: ArtifactKind;
  deviceName: string;
  platform: string; // 'windows' | 'macos' | 'linux'
  userEmail: string;
  /** When the capture ran; used for pcap timestamps and zip entry mtimes. */
  createdAt: Date;
  /** Target total size of the zip; the real size (artifact.size) may differ slightly. Speed tests ignore it. */
  sizeBytes: number;
  /** pcap only: packet-size-bytes (1–1500), default 160. */
  snapLength?: number;
  /** pcap only: which captures succeeded (default both); a failed one is reported in results.json, its file absent. */
  pcapInterfaces?: { default: boolean; tunnel: boolean };
  /** warp-diag only; when true the bundle includes the route test output. */
  testAllRoutes?: boolean;
  /** warp-diag only: what the bundle shows (default 'healthy'; see WarpClientHealth). */
  warpClient?: WarpClientHealth;
  /** warp-diag only: the client version the device reports (default the platform's). */
  warpVersion?: string;
  /** speed-test only: the interfaces tested (default both), each with a result in speed-test-results.json. */
  speedTestInterfaces?: readonly SpeedTestInterface[];
}

export interface Artifact {
  /** Exact byte length of the zip (used as Content-Length). */
  size: number;
  /** Strong ETag, deterministic from the spec, quoted. */
  etag: string;
  lastModified: Date;
  /** Entry names in the zip, in order. */
  fileNames: string[];
  /** The zip bytes [start, endInclusive] (both within 0..size-1), generated as they are read. */
  open(start?: number, endInclusive?: number): Readable;
}

/** Part of the ETag: bump it whenever the bytes generated for a given spec change. */
const GENERATOR_VERSION = 'dex-simulator-artifacts/2';
const DEFAULT_SNAP_LENGTH = 160;
/** Even a tiny artifact gets a few packets in each file. */
const MIN_PCAP_BYTES = 2048;
/** The physical interface also carries the encapsulated tunnel, so it gets a little more of the budget. */
const DEFAULT_INTERFACE_SHARE = 0.55;
const CAPTURE_INTERFACES: readonly CaptureInterface[] = ['default', 'tunnel'];

export function createArtifact(spec: ArtifactSpec): Artifact {
  validateSpec(spec);
  const entries =
    spec.kind === 'pcap'
      ? pcapEntries(spec)
      : spec.kind === 'speed-test'
        ? speedTestEntries(spec)
        : warpDiagEntries(spec);
  const zip = createZip(entries);
  return {
    size: zip.size,
    etag: etagFor(spec),
    // HTTP dates have whole seconds; a fraction would make If-Modified-Since comparisons lie.
    lastModified: new Date(Math.floor(spec.createdAt.getTime() / 1000) * 1000),
    fileNames: [...zip.fileNames],
    open: (start, endInclusive) => zip.open(start, endInclusive),
  };
}

function validateSpec(spec: ArtifactSpec): void {
  if (spec.kind !== 'pcap' && spec.kind !== 'warp-diag' && spec.kind !== 'speed-test') {
    throw new TypeError(`unknown artifact kind ${spec.kind}`);
  }
  if (spec.commandId === '') throw new TypeError('commandId must not be empty');
  if (!Number.isFinite(spec.sizeBytes) || spec.sizeBytes < 0) {
    throw new RangeError(`sizeBytes must be a finite number >= 0, got ${spec.sizeBytes}`);
  }
  if (Number.isNaN(spec.createdAt.getTime())) throw new RangeError('createdAt is not a valid date');
  const snapLength = spec.snapLength ?? DEFAULT_SNAP_LENGTH;
  if (!Number.isInteger(snapLength) || snapLength < 1 || snapLength > MAX_SNAP_LENGTH) {
    throw new RangeError(`snapLength must be an integer from 1 to ${MAX_SNAP_LENGTH}, got ${snapLength}`);
  }
  const interfaces = speedTestInterfaces(spec);
  if (
    interfaces.length === 0 ||
    new Set(interfaces).size !== interfaces.length ||
    interfaces.some((name) => !(SPEED_TEST_INTERFACES as readonly string[]).includes(name))
  ) {
    throw new RangeError(`speedTestInterfaces must be a non-empty list of distinct "default" and "tunnel"`);
  }
}

function etagFor(spec: ArtifactSpec): string {
  const size = spec.kind === 'speed-test' ? 0 : spec.sizeBytes;
  const common = [
    spec.commandId,
    spec.kind,
    spec.deviceName,
    spec.platform,
    spec.userEmail,
    spec.createdAt.toISOString(),
  ];
  const specific =
    spec.kind === 'pcap'
      ? [spec.snapLength ?? DEFAULT_SNAP_LENGTH, succeededInterfaces(spec)]
      : spec.kind === 'speed-test'
        ? [speedTestInterfaces(spec)]
        : [spec.testAllRoutes ?? false, spec.warpClient ?? 'healthy', spec.warpVersion ?? null];
  const digest = createHash('sha256')
    // A speed test's results are as large as they are: the size asked for shapes nothing.
    .update(JSON.stringify([GENERATOR_VERSION, ...common, Math.floor(size), ...specific]))
    .digest('hex');
  return `"${digest.slice(0, 32)}"`;
}

// ---------------------------------------------------------------------------------------------------------------
// PCAP: results.json, capture-default.pcap, capture-tunnel.pcap (a failed capture has no file)

type PcapSummary = Pick<PcapFile, 'size' | 'packetCount' | 'linkType'>;

type CaptureReport =
  | {
      interface: CaptureInterface;
      file: string;
      status: 'success';
      link_type: 'ethernet' | 'raw';
      packets: number;
      bytes: number;
    }
  | { interface: CaptureInterface; status: 'failed'; error: string };

function pcapEntries(spec: ArtifactSpec): ZipEntry[] {
  const snapLength = spec.snapLength ?? DEFAULT_SNAP_LENGTH;
  const succeeded = succeededInterfaces(spec);
  const captured = CAPTURE_INTERFACES.filter((captureInterface) => succeeded[captureInterface]);
  const profile = platformProfile(spec.platform);

  // Packet counts are known only once the budget is split; placeholders as large as sizeBytes bound their digits.
  const placeholder: PcapSummary = { size: spec.sizeBytes, packetCount: spec.sizeBytes, linkType: LINKTYPE_ETHERNET };
  const draftResults = resultsJson(
    spec,
    snapLength,
    captureReports(succeeded, profile, () => placeholder),
  );
  const resultsShape = { name: 'results.json', size: Buffer.byteLength(draftResults), streamed: false };
  const pcapShape = (captureInterface: CaptureInterface, size: number): ZipEntryShape => ({
    name: pcapFileName(captureInterface),
    size,
    streamed: true,
  });
  const overhead = measureZip([resultsShape, ...captured.map((captureInterface) => pcapShape(captureInterface, 0))]);
  const budgets = splitBudget(Math.max(0, spec.sizeBytes - overhead), captured.length);
  const pcapSpecs = captured.map((captureInterface, index) => ({
    seed: spec.commandId,
    captureInterface,
    platform: spec.platform,
    snapLength,
    startTime: spec.createdAt,
    budgetBytes: budgets[index] ?? MIN_PCAP_BYTES,
  }));
  // Refuse an oversized archive before counting packets, which takes a while for gigabytes.
  measureZip([resultsShape, ...pcapSpecs.map((pcapSpec) => pcapShape(pcapSpec.captureInterface, pcapSize(pcapSpec)))]);

  const files = new Map(pcapSpecs.map((pcapSpec) => [pcapSpec.captureInterface, createPcap(pcapSpec)] as const));
  const results = resultsJson(
    spec,
    snapLength,
    captureReports(succeeded, profile, (name) => files.get(name)),
  );
  return [
    { name: 'results.json', modifiedAt: spec.createdAt, data: Buffer.from(results, 'utf8') },
    ...[...files].map(([captureInterface, file]) => ({
      name: pcapFileName(captureInterface),
      modifiedAt: spec.createdAt,
      size: file.size,
      produce: () => file.chunks(),
    })),
  ];
}

function captureReports(
  succeeded: Record<CaptureInterface, boolean>,
  profile: PlatformProfile,
  fileFor: (captureInterface: CaptureInterface) => PcapSummary | undefined,
): CaptureReport[] {
  return CAPTURE_INTERFACES.map((captureInterface): CaptureReport => {
    const file = succeeded[captureInterface] ? fileFor(captureInterface) : undefined;
    if (file === undefined) {
      return { interface: captureInterface, status: 'failed', error: profile.captureErrors[captureInterface] };
    }
    return {
      interface: captureInterface,
      file: pcapFileName(captureInterface),
      status: 'success',
      link_type: file.linkType === LINKTYPE_ETHERNET ? 'ethernet' : 'raw',
      packets: file.packetCount,
      bytes: file.size,
    };
  });
}

function resultsJson(spec: ArtifactSpec, snapLength: number, captures: readonly CaptureReport[]): string {
  const results = {
    command_id: spec.commandId,
    type: 'pcap',
    device_name: spec.deviceName,
    user_email: spec.userEmail,
    platform: spec.platform,
    started_at: spec.createdAt.toISOString(),
    snap_length: snapLength,
    captures,
  };
  return `${JSON.stringify(results, null, 2)}\n`;
}

function succeededInterfaces(spec: ArtifactSpec): Record<CaptureInterface, boolean> {
  return { default: spec.pcapInterfaces?.default ?? true, tunnel: spec.pcapInterfaces?.tunnel ?? true };
}

function pcapFileName(captureInterface: CaptureInterface): string {
  return `capture-${captureInterface}.pcap`;
}

function splitBudget(bytes: number, parts: number): number[] {
  if (parts === 0) return [];
  if (parts === 1) return [Math.max(MIN_PCAP_BYTES, bytes)];
  const first = Math.floor(bytes * DEFAULT_INTERFACE_SHARE);
  return [Math.max(MIN_PCAP_BYTES, first), Math.max(MIN_PCAP_BYTES, bytes - first)];
}

// ---------------------------------------------------------------------------------------------------------------
// Speed test: one speed-test-results.json with a result per interface tested. Cloudflare does not document how
// speed-test results come back (reference §15.6, §16); the figures are the ones the dashboard shows (download and
// upload throughput, unloaded and loaded latency, jitter, quality scores), the layout is the simulator's own.

type QualityScore = 'bad' | 'poor' | 'average' | 'good' | 'great';

interface SpeedTestReport {
  interface: SpeedTestInterface;
  interface_name: string;
  status: 'success';
  server: string;
  download_mbps: number;
  upload_mbps: number;
  latency_ms: number;
  jitter_ms: number;
  loaded_latency_ms: { download: number; upload: number };
  packet_loss_percent: number;
  scores: { streaming: QualityScore; gaming: QualityScore; rtc: QualityScore };
}

function speedTestEntries(spec: ArtifactSpec): ZipEntry[] {
  const profile = platformProfile(spec.platform);
  const random = new SeededRandom(seedFor(`${spec.commandId}/speed-test`));
  // The line itself, drawn once: the tunnel runs over it, a little slower and further away.
  const line = {
    downloadMbps: random.int(40, 940) + random.next(),
    uploadRatio: 0.1 + random.next() * 0.5,
    latencyMs: 4 + random.next() * 30,
    jitterMs: 0.3 + random.next() * 4,
  };
  const requested = new Set(speedTestInterfaces(spec));
  const results = SPEED_TEST_INTERFACES.filter((name) => requested.has(name)).map((name): SpeedTestReport => {
    const tunnel = name === 'tunnel';
    const throughput = tunnel ? 0.7 + random.next() * 0.2 : 0.95 + random.next() * 0.05;
    const download = line.downloadMbps * throughput;
    const upload = line.downloadMbps * line.uploadRatio * throughput;
    const latency = line.latencyMs + (tunnel ? 3 + random.next() * 15 : 0);
    const jitter = line.jitterMs * (tunnel ? 1.1 + random.next() * 0.5 : 1);
    const loss = random.next() < 0.8 ? 0 : random.next() * (tunnel ? 1.5 : 0.8);
    return {
      interface: name,
      interface_name: tunnel ? profile.tunnelInterface : profile.physicalInterface,
      status: 'success',
      server: 'speed.cloudflare.com',
      download_mbps: round1(download),
      upload_mbps: round1(upload),
      latency_ms: round1(latency),
      jitter_ms: round1(jitter),
      loaded_latency_ms: {
        download: round1(latency + 5 + random.next() * 60),
        upload: round1(latency + 5 + random.next() * 80),
      },
      packet_loss_percent: round1(loss),
      scores: qualityScores(download, upload, latency, jitter, loss),
    };
  });
  const report = {
    command_id: spec.commandId,
    type: 'speed-test',
    device_name: spec.deviceName,
    user_email: spec.userEmail,
    platform: spec.platform,
    started_at: spec.createdAt.toISOString(),
    results,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  return [{ name: 'speed-test-results.json', modifiedAt: spec.createdAt, data: Buffer.from(json, 'utf8') }];
}

/** Rough thresholds in the spirit of Cloudflare's speed test quality scores; not Cloudflare's formula. */
function qualityScores(download: number, upload: number, latency: number, jitter: number, loss: number) {
  const grade = (points: number): QualityScore =>
    points >= 4 ? 'great' : points === 3 ? 'good' : points === 2 ? 'average' : points === 1 ? 'poor' : 'bad';
  const below = (value: number, limits: readonly number[]) => limits.filter((limit) => value < limit).length;
  const above = (value: number, limits: readonly number[]) => limits.filter((limit) => value >= limit).length;
  return {
    streaming: grade(Math.min(above(download, [5, 15, 25, 100]), below(latency, [500, 200, 100, 50]))),
    gaming: grade(Math.min(below(latency, [200, 100, 50, 20]), below(loss, [5, 2, 1, 0.5]))),
    rtc: grade(Math.min(above(upload, [1, 2, 5, 10]), below(latency + jitter, [300, 150, 80, 40]))),
  };
}

function speedTestInterfaces(spec: ArtifactSpec): readonly SpeedTestInterface[] {
  return spec.speedTestInterfaces ?? SPEED_TEST_INTERFACES;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
