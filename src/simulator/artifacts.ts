import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SPEED_TEST_INTERFACES, type SpeedTestInterface } from './lifecycle.js';
import {
  type CaptureInterface,
  createPcap,
  LINKTYPE_ETHERNET,
  MAX_SNAP_LENGTH,
  type PcapFile,
  pcapSize,
} from './pcap.js';
import { SeededRandom } from './random.js';
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
const GENERATOR_VERSION = 'dex-simulator-artifacts/1';
const DEFAULT_SNAP_LENGTH = 160;
/** Even a tiny artifact gets a few packets or log lines in each file. */
const MIN_PCAP_BYTES = 2048;
const MIN_LOG_BYTES = 1024;
/** The physical interface also carries the encapsulated tunnel, so it gets a little more of the budget. */
const DEFAULT_INTERFACE_SHARE = 0.55;
const LOG_SPAN_MS = 96 * 60 * 60 * 1000;
const CHUNK_SIZE = 64 * 1024;
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
        : [spec.testAllRoutes ?? false];
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

// ---------------------------------------------------------------------------------------------------------------
// Platforms

interface PlatformProfile {
  readonly os: string;
  readonly arch: string;
  readonly physicalInterface: string;
  readonly tunnelInterface: string;
  readonly warpVersion: string;
  readonly captureErrors: Readonly<Record<CaptureInterface, string>>;
}

const PLATFORM_PROFILES: Readonly<Record<'windows' | 'macos' | 'linux', PlatformProfile>> = {
  windows: {
    os: 'Microsoft Windows 11 Pro 10.0.22631 (build 22631)',
    arch: 'x86_64',
    physicalInterface: 'Wi-Fi',
    tunnelInterface: 'CloudflareWARP',
    warpVersion: '2025.5.893.0',
    captureErrors: {
      default: 'pktmon: failed to start capture on Wi-Fi (0x80070005)',
      tunnel: 'pktmon: no adapters matched',
    },
  },
  macos: {
    os: 'macOS 14.5 (23F79)',
    arch: 'arm64',
    physicalInterface: 'en0',
    tunnelInterface: 'utun4',
    warpVersion: '2025.5.893.0',
    captureErrors: {
      default: "tcpdump: en0: You don't have permission to capture on that device",
      tunnel: 'tcpdump: utun4: No such device exists',
    },
  },
  linux: {
    os: 'Ubuntu 22.04.4 LTS (Linux 6.5.0-41-generic)',
    arch: 'x86_64',
    physicalInterface: 'wlp2s0',
    tunnelInterface: 'CloudflareWARP',
    warpVersion: '2025.5.893.0',
    captureErrors: {
      default: 'tcpdump: wlp2s0: That device is not up',
      tunnel: 'tcpdump: CloudflareWARP: No such device exists',
    },
  },
};

function platformProfile(platform: string): PlatformProfile {
  return platform === 'windows' || platform === 'macos' ? PLATFORM_PROFILES[platform] : PLATFORM_PROFILES.linux;
}

// ---------------------------------------------------------------------------------------------------------------
// WARP diagnostics: a warp-diag bundle of small text files and a daemon.log that fills the size budget.

/** Everything the bundle's files say about the device, drawn once so that every file agrees. */
interface DiagContext {
  readonly spec: ArtifactSpec;
  readonly profile: PlatformProfile;
  /** Device name and email as they may appear in the ASCII-only daemon.log. */
  readonly asciiDeviceName: string;
  readonly asciiUserEmail: string;
  readonly deviceId: string;
  readonly accountId: string;
  readonly profileId: string;
  readonly tunnelProtocol: 'MASQUE' | 'WireGuard';
  readonly endpoint: string;
  readonly lanAddress: string;
  readonly gateway: string;
}

const TEAM_NAME = 'example-corp';
const DNS_NAMES = [
  'www.cloudflare.com',
  'dash.cloudflare.com',
  'intranet.example.com',
  'wiki.example.com',
  'git.example.com',
  'app.example.net',
  'files.example.org',
  'engage.cloudflareclient.com',
] as const;

function warpDiagEntries(spec: ArtifactSpec): ZipEntry[] {
  const context = diagContext(spec);
  const texts: [string, string][] = [
    ['warp-status.txt', warpStatusText()],
    ['warp-settings.txt', warpSettingsText(context)],
    ['warp-account.txt', warpAccountText(context)],
    ['warp-network.txt', warpNetworkText(context)],
    ['platform.txt', platformText(context)],
    ['version.txt', versionText(context)],
    ['connectivity.txt', connectivityText(context)],
  ];
  if (spec.testAllRoutes) texts.push(['routes.txt', routesText(context)]);
  const small = texts.map(([name, text]) => ({ name, modifiedAt: spec.createdAt, data: Buffer.from(text, 'utf8') }));
  const overhead = measureZip([
    ...small.map(({ name, data }) => ({ name, size: data.length, streamed: false })),
    { name: 'daemon.log', size: 0, streamed: true },
  ]);
  const logSize = Math.max(MIN_LOG_BYTES, Math.floor(spec.sizeBytes) - overhead);
  return [
    ...small,
    { name: 'daemon.log', modifiedAt: spec.createdAt, size: logSize, produce: () => daemonLogChunks(context, logSize) },
  ];
}

function diagContext(spec: ArtifactSpec): DiagContext {
  const random = new SeededRandom(seedFor(`${spec.commandId}/warp-diag`));
  const tunnelProtocol = random.next() < 0.6 ? 'MASQUE' : 'WireGuard';
  const lan = random.pick(['192.168.1', '192.168.0', '10.0.0', '192.168.86']);
  return {
    spec,
    profile: platformProfile(spec.platform),
    asciiDeviceName: asciiOnly(spec.deviceName),
    asciiUserEmail: asciiOnly(spec.userEmail),
    deviceId: fakeUuid(`device/${spec.deviceName}`),
    accountId: hexDigest(`account/${TEAM_NAME}`).slice(0, 32),
    profileId: fakeUuid(`profile/${spec.platform}`),
    tunnelProtocol,
    endpoint:
      tunnelProtocol === 'MASQUE' ? `162.159.197.${random.int(1, 10)}:443` : `162.159.193.${random.int(1, 10)}:2408`,
    lanAddress: `${lan}.${random.int(2, 250)}`,
    gateway: `${lan}.1`,
  };
}

function warpStatusText(): string {
  return lines(['Status update: Connected', 'Network: healthy']);
}

function warpSettingsText(context: DiagContext): string {
  return lines([
    'Merged configuration:',
    '(derived)\tAlways On: true',
    '(derived)\tSwitch Locked: false',
    '(network policy)\tMode: WarpWithDnsOverHttps',
    `(network policy)\tTunnel protocol: ${context.tunnelProtocol}`,
    '(network policy)\tDisabled for Wifi: false',
    '(network policy)\tDisabled for Ethernet: false',
    '(network policy)\tExclude mode, with hosts/ips:',
    ...[
      '10.0.0.0/8',
      '100.64.0.0/10',
      '169.254.0.0/16',
      '172.16.0.0/12',
      '192.168.0.0/16',
      'fe80::/10',
      'fd00::/8',
    ].map((route) => `  ${route}`),
    '(network policy)\tFallback domains:',
    '  intranet, internal, private, localdomain, domain, lan, home, host, corp, local, localhost, invalid, test',
    '(network policy)\tCaptive portal: 180s',
    '(network policy)\tSupport URL: https://support.example.com/helpdesk',
    `(network policy)\tProfile ID: ${context.profileId}`,
    `(user set)\tOrganization: ${TEAM_NAME}`,
  ]);
}

function warpAccountText(context: DiagContext): string {
  return lines([
    'Account type: Team',
    `Organization: ${TEAM_NAME} (simulated)`,
    `Account ID: ${context.accountId}`,
    `Device ID: ${context.deviceId}`,
    'Public key: SIMULATED-NOT-A-REAL-KEY=',
    `User email: ${context.spec.userEmail}`,
    `Device name: ${context.spec.deviceName}`,
  ]);
}

function warpNetworkText(context: DiagContext): string {
  const { profile } = context;
  return lines([
    'Interfaces:',
    `  ${profile.physicalInterface}: up, ipv4 ${context.lanAddress}/24, gateway ${context.gateway}, mtu 1500`,
    `  ${profile.tunnelInterface}: up, ipv4 172.16.0.2/32, ipv6 2606:4700:110:8a36::2/128, mtu 1280`,
    'DNS servers: 127.0.2.2, 127.0.2.3 (WARP local proxy)',
    `Default route: ${profile.tunnelInterface}`,
    `Tunnel endpoint: ${context.endpoint} (${context.tunnelProtocol})`,
    'Captive portal: not detected',
  ]);
}

function platformText(context: DiagContext): string {
  const { profile, spec } = context;
  return lines([
    `Platform: ${spec.platform}`,
    `OS: ${profile.os}`,
    `Arch: ${profile.arch}`,
    `Hostname: ${spec.deviceName}`,
  ]);
}

function versionText(context: DiagContext): string {
  return lines([`WARP client: ${context.profile.warpVersion} (simulated)`, 'warp-diag: 1.0.0']);
}

function connectivityText(context: DiagContext): string {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/connectivity`));
  return lines([
    `Connectivity checks at ${context.spec.createdAt.toISOString()}`,
    `DNS lookup engage.cloudflareclient.com: ok (${random.int(4, 40)} ms)`,
    `HTTPS GET https://engage.cloudflareclient.com/cdn-cgi/trace: 200 OK (${random.int(20, 90)} ms)`,
    `Tunnel endpoint ${context.endpoint} (${context.tunnelProtocol}): reachable (${random.int(8, 45)} ms)`,
    `DNS over HTTPS https://${TEAM_NAME}.cloudflare-gateway.com/dns-query: ok (${random.int(10, 60)} ms)`,
    `HTTPS GET https://connectivity.cloudflareclient.com/cdn-cgi/trace through tunnel: 200 OK (${random.int(25, 110)} ms)`,
  ]);
}

function routesText(context: DiagContext): string {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/routes`));
  const { profile } = context;
  const routes: [string, string][] = [
    ['1.1.1.1', profile.tunnelInterface],
    ['162.159.36.1', profile.tunnelInterface],
    ['104.16.132.229', profile.tunnelInterface],
    ['172.64.155.249', profile.tunnelInterface],
    ['intranet.example.com', profile.tunnelInterface],
    ['wiki.example.com', profile.tunnelInterface],
    [context.gateway, profile.physicalInterface],
    ['10.0.0.0/8 (excluded)', profile.physicalInterface],
    ['192.168.0.0/16 (excluded)', profile.physicalInterface],
  ];
  return lines([
    `Route test (test all routes) at ${context.spec.createdAt.toISOString()}`,
    `${'destination'.padEnd(28)}${'interface'.padEnd(18)}${'result'.padEnd(10)}rtt_ms`,
    ...routes.map(([destination, via]) => {
      const timedOut = random.next() < 0.08;
      const result = timedOut ? 'timeout' : 'ok';
      return `${destination.padEnd(28)}${via.padEnd(18)}${result.padEnd(10)}${timedOut ? '-' : random.int(3, 80)}`;
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// daemon.log: deterministic log lines spread over the 96 hours before the capture, exactly `size` bytes.

type LogLine = (random: SeededRandom, context: DiagContext) => string;

/** [weight, line]: mostly routine, a few warnings, rare errors. */
const LOG_LINES: readonly (readonly [number, LogLine])[] = [
  [
    20,
    (r, c) =>
      ` INFO warp::tunnel::stats: Tunnel stats protocol=${c.tunnelProtocol} endpoint=${c.endpoint} ` +
      `rx_bytes=${r.int(10_000, 500_000_000)} tx_bytes=${r.int(10_000, 90_000_000)} lost=${r.int(0, 3)} rtt_ms=${r.int(9, 45)}`,
  ],
  [
    25,
    (r) =>
      `DEBUG warp::dns::proxy: Query answered name=${r.pick(DNS_NAMES)} qtype=${r.pick(['A', 'AAAA', 'HTTPS'])} ` +
      `rcode=NOERROR upstream=doh elapsed_ms=${r.int(2, 80)}`,
  ],
  [
    10,
    (r) =>
      ` INFO warp::warp_service::actor_connectivity: Connectivity check ok host=engage.cloudflareclient.com ` +
      `rtt_ms=${r.int(8, 60)}`,
  ],
  [8, (r, c) => `DEBUG warp::tunnel: Keepalive sent endpoint=${c.endpoint} seq=${r.int(1, 1_000_000)}`],
  [
    6,
    (r, c) =>
      `DEBUG warp_api_client::apiv4: Method: GET, Path: /v0/reg/${c.deviceId}, Status: 200 OK, elapsed_ms=${r.int(40, 400)}`,
  ],
  [
    6,
    (_, c) =>
      ` INFO warp::warp_service::network_monitor: Network status interface=${c.profile.physicalInterface} ` +
      `ipv4=${c.lanAddress} gateway=${c.gateway} captive_portal=false`,
  ],
  [
    5,
    (r) =>
      ` INFO warp::posture: Posture check passed check=${r.pick(['firewall', 'disk_encryption', 'os_version', 'domain_joined'])} ` +
      `elapsed_ms=${r.int(1, 40)}`,
  ],
  [
    5,
    (r) =>
      `DEBUG warp::dns::cache: Cache stats entries=${r.int(50, 900)} hits=${r.int(100, 90_000)} misses=${r.int(10, 9_000)}`,
  ],
  [
    3,
    (_, c) =>
      ` INFO warp::warp_service: Settings reconciled mode=warp+doh always_on=true profile_id=${c.profileId} ` +
      `user=${c.asciiUserEmail} device=${c.asciiDeviceName}`,
  ],
  [3, (r) => ` INFO warp::warp_service::ipc: Request from warp-cli command=${r.pick(['status', 'settings', 'stats'])}`],
  [
    3,
    (r) =>
      ` WARN warp::dns::proxy: Upstream DoH slow name=${r.pick(DNS_NAMES)} elapsed_ms=${r.int(800, 3_000)} retrying=true`,
  ],
  [
    1,
    (r, c) => `ERROR warp::tunnel: Endpoint unreachable endpoint=${c.endpoint} attempt=${r.int(1, 3)} err="timed out"`,
  ],
];

const LOG_WEIGHT_TOTAL = LOG_LINES.reduce((total, [weight]) => total + weight, 0);

function logMessage(random: SeededRandom, context: DiagContext): string {
  let roll = random.next() * LOG_WEIGHT_TOTAL;
  for (const [weight, line] of LOG_LINES) {
    roll -= weight;
    if (roll < 0) return line(random, context);
  }
  throw new Error('unreachable: the roll is below the sum of the weights');
}

/** Messages drawn once per bundle; each line picks one (real logs repeat themselves too). */
const LOG_MESSAGE_VARIETY = 4096;
/** `2025-06-01T10:00:00.000Z` */
const LOG_TIMESTAMP_LENGTH = 24;

/**
 * Lines are written as bytes straight into the chunk: a timestamp, then one of the pre-encoded messages. A line that
 * straddles two chunks, or the file's last one (cut short to end exactly at `size`), goes through a line buffer.
 */
function* daemonLogChunks(context: DiagContext, size: number): Generator<Buffer> {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/daemon.log`));
  const messages = Array.from({ length: LOG_MESSAGE_VARIETY }, () =>
    Buffer.from(` ${logMessage(random, context)}\n`, 'latin1'),
  );
  const line = Buffer.alloc(LOG_TIMESTAMP_LENGTH + Math.max(...messages.map((message) => message.length)));
  const clock = new LogClock();
  const startMs = context.spec.createdAt.getTime() - LOG_SPAN_MS;
  let chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  let used = 0;
  let remaining = size;
  let generated = 0;
  while (remaining > 0) {
    const message = messages[Math.floor(random.next() * messages.length)] as Buffer;
    const lineLength = LOG_TIMESTAMP_LENGTH + message.length;
    // The position in the file sets the time, so the lines span the 96 hours whatever the size.
    const time = startMs + Math.floor((LOG_SPAN_MS * generated) / size);
    generated += lineLength;
    if (lineLength < remaining && used + lineLength <= CHUNK_SIZE) {
      clock.write(chunk, used, time);
      chunk.set(message, used + LOG_TIMESTAMP_LENGTH);
      used += lineLength;
      remaining -= lineLength;
    } else {
      clock.write(line, 0, time);
      line.set(message, LOG_TIMESTAMP_LENGTH);
      const length = Math.min(lineLength, remaining);
      line[length - 1] = 0x0a;
      for (let offset = 0; offset < length; ) {
        const part = Math.min(length - offset, CHUNK_SIZE - used);
        line.copy(chunk, used, offset, offset + part);
        used += part;
        offset += part;
        if (used === CHUNK_SIZE) {
          yield chunk;
          chunk = Buffer.allocUnsafe(CHUNK_SIZE);
          used = 0;
        }
      }
      remaining -= length;
    }
    if (used === CHUNK_SIZE) {
      yield chunk;
      chunk = Buffer.allocUnsafe(CHUNK_SIZE);
      used = 0;
    }
  }
  if (used > 0) yield chunk.subarray(0, used);
}

/** Writes ISO-8601 timestamps with milliseconds as bytes; the part up to the minute is formatted once per minute. */
class LogClock {
  private minute = Number.NaN;
  private readonly upToMinute = Buffer.alloc(17);

  write(out: Buffer, offset: number, ms: number): void {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.upToMinute.write(new Date(minute * 60_000).toISOString().slice(0, 17), 'latin1');
    }
    out.set(this.upToMinute, offset);
    const withinMinute = ms - minute * 60_000;
    const second = Math.floor(withinMinute / 1000);
    const milli = withinMinute - second * 1000;
    out[offset + 17] = DIGIT_ZERO + Math.floor(second / 10);
    out[offset + 18] = DIGIT_ZERO + (second % 10);
    out[offset + 19] = 0x2e; // .
    out[offset + 20] = DIGIT_ZERO + Math.floor(milli / 100);
    out[offset + 21] = DIGIT_ZERO + (Math.floor(milli / 10) % 10);
    out[offset + 22] = DIGIT_ZERO + (milli % 10);
    out[offset + 23] = 0x5a; // Z
  }
}

const DIGIT_ZERO = 0x30;

// ---------------------------------------------------------------------------------------------------------------

function lines(items: readonly string[]): string {
  return `${items.join('\n')}\n`;
}

function asciiOnly(text: string): string {
  return text.replace(/[^ -~]/g, '?');
}

function hexDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function seedFor(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** A UUID-shaped id that is plainly not real: all zeros up to the last group. */
function fakeUuid(label: string): string {
  return `00000000-0000-4000-8000-${hexDigest(label).slice(0, 12)}`;
}
