import type { WarpClientHealth } from './fleet.js';
import { type PlatformProfile, platformProfile } from './platforms.js';
import { SeededRandom } from './random.js';
import { fakeUuid, hexDigest, seedFor } from './seeds.js';
import { measureZip, type ZipEntry } from './zip.js';

/*
 * A WARP diagnostics bundle as warp-diag writes one (reference §16.1; the formats follow a real bundle's files):
 * warp-status.txt, warp-settings.txt, the daemon log and its three rotations (a day each, newest in daemon.log),
 * connectivity.txt, dns-check.txt and the small files around them. A healthy client passes every check; a broken
 * one (see WarpClientHealth) shows one common failure everywhere at once: its CF_… codes repeat in the logs from
 * when it began, the status names it, some checks fail, and Cloudflare's analysis (warpDiagAnalysis) counts it.
 */

/** What a bundle depends on; ArtifactSpec is one. */
export interface WarpDiagSpec {
  readonly commandId: string;
  readonly deviceName: string;
  readonly platform: string;
  readonly userEmail: string;
  readonly createdAt: Date;
  /** Target size of the zip; the logs fill what the other files leave. */
  readonly sizeBytes: number;
  readonly testAllRoutes?: boolean;
  /** Default 'healthy'. */
  readonly warpClient?: WarpClientHealth;
  /** The client version the device reports (the devices endpoint's `version`); default the platform's. */
  readonly warpVersion?: string;
}

export const BROKEN_SCENARIOS = ['dns-proxy', 'udp-blocked', 'captive-portal', 'tls-inspection'] as const;
/**
 * - 'dns-proxy': another program holds port 53 on 127.0.2.2, so the local DNS proxy cannot start;
 * - 'udp-blocked': a firewall on the way drops the tunnel's UDP (DNS over HTTPS still works);
 * - 'captive-portal': a hotel network whose login page nobody completed;
 * - 'tls-inspection': a TLS-inspecting proxy whose certificate the client does not trust, in front of DoH.
 */
export type BrokenScenario = (typeof BROKEN_SCENARIOS)[number];

/** What the simulator put in a bundle, for tests to compare a digest with. */
export interface WarpDiagFacts {
  scenario: BrokenScenario | null;
  clientVersion: string;
  platform: string;
  status: string;
  statusReason: string | null;
  mode: string;
  profileId: string;
  splitTunnel: { mode: 'include' | 'exclude'; entries: number };
  fallbackDomains: number;
  /** Lines of connectivity.txt and dns-check.txt that report a failed check. */
  failedChecks: number;
  /** Scheduled log lines per CF_ code (every one of them is written, whatever the size). */
  logCodes: Record<string, number>;
}

/** One detection as the simulator's analysis route answers it (the shape is the simulator's guess, §16.1). */
export interface SimDetection {
  name: string;
  code: string;
  severity: 'high' | 'medium' | 'low';
  description: string;
  occurrences: number;
}

const TEAM_NAME = 'example-corp';
const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
const LOG_SPAN_MS = 96 * HOUR_MS;
/** Oldest first, as they are written into the zip; each covers a day. */
const LOG_FILES = ['daemon.3.log', 'daemon.2.log', 'daemon.1.log', 'daemon.log'] as const;
/** How the bytes left after every scheduled line go to the logs: the current one is busiest. */
const LOG_SHARES = [0.2, 0.2, 0.2, 0.4] as const;
/** Even a tiny artifact gets a few routine lines in each log beside its scheduled ones. */
const MIN_LOG_BYTES = 1024;
const CHUNK_SIZE = 64 * 1024;
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

/** Everything the bundle's files say about the device, drawn once so that every file agrees. */
interface DiagContext {
  readonly spec: WarpDiagSpec;
  readonly profile: PlatformProfile;
  readonly scenario: BrokenScenario | null;
  readonly version: string;
  /** Device name and email as they may appear in the ASCII-only daemon logs. */
  readonly asciiDeviceName: string;
  readonly asciiUserEmail: string;
  readonly deviceId: string;
  readonly accountId: string;
  readonly profileId: string;
  readonly tunnelProtocol: 'MASQUE' | 'WireGuard';
  readonly endpointIp: string;
  readonly endpoint: string;
  readonly lanAddress: string;
  readonly gateway: string;
  readonly ssid: string;
  readonly splitTunnel: { mode: 'include' | 'exclude'; entries: readonly string[] };
  readonly fallbackDomains: readonly string[];
}

export function warpDiagEntries(spec: WarpDiagSpec): ZipEntry[] {
  const context = diagContext(spec);
  const texts: [string, string][] = [
    ['warp-status.txt', warpStatusText(context)],
    ['warp-settings.txt', warpSettingsText(context)],
    ['warp-account.txt', warpAccountText(context)],
    ['warp-network.txt', warpNetworkText(context)],
    ['platform.txt', context.profile.name],
    ['version.txt', `Version: ${context.version}\n\n${context.version}`],
    ['hostname.txt', commandOutput(spec.deviceName)],
    ['date.txt', spec.createdAt.toUTCString().replace('GMT', '+0000')],
    ['sysinfo.json', sysinfoJson(context)],
    ['connectivity.txt', connectivityText(context)],
    ['dns-check.txt', dnsCheckText(context)],
  ];
  if (spec.testAllRoutes) texts.push(['routes.txt', routesText(context)]);
  const small = texts.map(([name, text]) => ({ name, modifiedAt: spec.createdAt, data: Buffer.from(text, 'utf8') }));
  const overhead = measureZip([
    ...small.map(({ name, data }) => ({ name, size: data.length, streamed: false })),
    ...LOG_FILES.map((name) => ({ name, size: 0, streamed: true })),
  ]);
  const plans = logPlans(context);
  const sizes = logSizes(plans, Math.floor(spec.sizeBytes) - overhead);
  return [
    ...small,
    ...plans.map((plan, index) => {
      const size = sizes[index] ?? MIN_LOG_BYTES;
      return { name: plan.name, modifiedAt: spec.createdAt, size, produce: () => logChunks(context, plan, size) };
    }),
  ];
}

export function warpDiagFacts(spec: WarpDiagSpec): WarpDiagFacts {
  const context = diagContext(spec);
  const status = statusOf(context.scenario);
  const failedChecks = [connectivityText(context), dnsCheckText(context)]
    .join('\n')
    .split('\n')
    .filter((line) => /^(Failed|Trace .*(error|failed|HTTP 302))/.test(line)).length;
  return {
    scenario: context.scenario,
    clientVersion: context.version,
    platform: context.profile.name,
    status: status.status,
    statusReason: status.reason,
    mode: 'WarpWithDnsOverHttps',
    profileId: context.profileId,
    splitTunnel: { mode: context.splitTunnel.mode, entries: context.splitTunnel.entries.length },
    fallbackDomains: context.fallbackDomains.length,
    failedChecks,
    logCodes: codeCounts(context),
  };
}

/** Cloudflare's analyzer as the simulator plays it: every detection it knows, counted from the bundle's logs. */
export function warpDiagAnalysis(spec: WarpDiagSpec): SimDetection[] {
  const counts = codeCounts(diagContext(spec));
  return DETECTIONS.map((detection) => ({ ...detection, occurrences: counts[detection.code] ?? 0 }));
}

function codeCounts(context: DiagContext): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const plan of logPlans(context)) {
    for (const line of plan.lines) if (line.code !== null) counts[line.code] = (counts[line.code] ?? 0) + 1;
  }
  return counts;
}

// The simulator's own words: Cloudflare's detections are not published.
const DETECTIONS: readonly Omit<SimDetection, 'occurrences'>[] = [
  {
    name: 'Local DNS proxy could not start',
    code: 'CF_DNS_PROXY_FAILURE',
    severity: 'high',
    description: 'Another program is bound to port 53 on the address WARP uses for its DNS proxy.',
  },
  {
    name: 'DNS lookups failing',
    code: 'CF_DNS_LOOKUP_FAILURE',
    severity: 'high',
    description: 'The client could not resolve the hosts it needs to check connectivity.',
  },
  {
    name: 'Tunnel handshake blocked',
    code: 'CF_HAPPY_EYEBALLS_MITM_FAILURE',
    severity: 'high',
    description: 'No answer to the tunnel handshake: UDP is likely blocked between the device and Cloudflare.',
  },
  {
    name: 'Unknown connectivity failure',
    code: 'CF_CONNECTIVITY_FAILURE_UNKNOWN',
    severity: 'medium',
    description: 'Connection attempts failed without a more precise cause.',
  },
  {
    name: 'Captive portal not completed',
    code: 'CF_CAPTIVE_PORTAL_TIMED_OUT',
    severity: 'medium',
    description: 'A network login page was detected and not completed in time.',
  },
  {
    name: 'TLS inspection blocks DNS over HTTPS',
    code: 'CF_TLS_INTERCEPTION_BLOCKING_DOH',
    severity: 'high',
    description: 'A proxy presents a certificate the client does not trust for the Gateway DoH endpoint.',
  },
  {
    name: 'TLS inspection detected',
    code: 'CF_TLS_INTERCEPTION_CHECK',
    severity: 'low',
    description: 'A connectivity check saw its TLS connection intercepted.',
  },
  {
    name: 'No network',
    code: 'CF_NO_NETWORK',
    severity: 'low',
    description: 'The device had no usable network interface for a while.',
  },
  {
    name: 'Registration missing',
    code: 'CF_REGISTRATION_MISSING',
    severity: 'high',
    description: 'The device registration was not found or was revoked.',
  },
  {
    name: 'Low disk space',
    code: 'CF_INSUFFICIENT_DISK',
    severity: 'low',
    description: 'The client could not write its files for lack of disk space.',
  },
];

function diagContext(spec: WarpDiagSpec): DiagContext {
  const random = new SeededRandom(seedFor(`${spec.commandId}/warp-diag`));
  const tunnelProtocol = random.next() < 0.6 ? 'MASQUE' : 'WireGuard';
  const lan = random.pick(['192.168.1', '192.168.0', '10.0.0', '192.168.86']);
  const endpointIp =
    tunnelProtocol === 'MASQUE' ? `162.159.197.${random.int(1, 10)}` : `162.159.193.${random.int(1, 10)}`;
  const scenario = spec.warpClient === 'broken' ? random.pick(BROKEN_SCENARIOS) : null;
  return {
    spec,
    profile: platformProfile(spec.platform),
    scenario,
    version: spec.warpVersion ?? platformProfile(spec.platform).warpVersion,
    asciiDeviceName: asciiOnly(spec.deviceName),
    asciiUserEmail: asciiOnly(spec.userEmail),
    deviceId: fakeUuid(`device/${spec.deviceName}`),
    accountId: hexDigest(`account/${TEAM_NAME}`).slice(0, 32),
    profileId: fakeUuid(`profile/${spec.platform}`),
    tunnelProtocol,
    endpointIp,
    endpoint: `${endpointIp}:${tunnelProtocol === 'MASQUE' ? 443 : 2408}`,
    lanAddress: `${lan}.${random.int(2, 250)}`,
    gateway: `${lan}.1`,
    ssid: scenario === 'captive-portal' ? 'Hotel-Guest' : random.pick(['CORP-WIFI', 'HomeNet-5G', 'Office']),
    splitTunnel: splitTunnelEntries(random),
    fallbackDomains: fallbackDomains(random),
  };
}

function splitTunnelEntries(random: SeededRandom): DiagContext['splitTunnel'] {
  if (random.next() < 0.2) {
    const internal = ['10.0.0.0/8', '172.16.0.0/12', 'intranet.example.com', '*.corp.example.com', 'git.example.com'];
    return { mode: 'include', entries: internal.slice(0, random.int(2, internal.length)) };
  }
  const defaults = [
    '10.0.0.0/8',
    '100.64.0.0/10',
    '169.254.0.0/16 (DHCP Unspecified)',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.168.0.0/16',
    '224.0.0.0/24',
    '240.0.0.0/4',
    '255.255.255.255/32 (DHCP Broadcast)',
    'fe80::/10 (IPv6 Link Local)',
    'fd00::/8',
    'ff01::/16',
    'ff02::/16',
    'ff03::/16',
    'ff04::/16',
    'ff05::/16',
  ];
  const saas = ['52.112.0.0/14 (Teams)', '13.107.64.0/18 (Teams)', '*.zoom.us', '170.114.0.0/16 (Zoom)', '*.webex.com'];
  return { mode: 'exclude', entries: [...defaults, ...saas.slice(0, random.int(0, saas.length))] };
}

function fallbackDomains(random: SeededRandom): string[] {
  const defaults = ['intranet', 'internal', 'private', 'localdomain', 'domain', 'lan', 'home', 'host', 'corp'];
  const more = ['local', 'localhost', 'invalid', 'test', 'home.arpa'];
  const corporate = ['corp.example.com\t-> [10.0.0.53]', 'ad.example.com\t-> [10.0.0.53, 10.0.1.53]'];
  return [...defaults, ...more, ...corporate.slice(0, random.int(0, corporate.length))];
}

// ---- the small files -------------------------------------------------------------------------------------------

function statusOf(scenario: BrokenScenario | null): { status: string; reason: string | null } {
  switch (scenario) {
    case null:
      return { status: 'Connected', reason: null };
    case 'dns-proxy':
      return { status: 'Disconnected', reason: 'CF_DNS_PROXY_FAILURE' };
    case 'udp-blocked':
      return { status: 'Connecting', reason: 'CF_HAPPY_EYEBALLS_MITM_FAILURE' };
    case 'captive-portal':
      return { status: 'Disconnected', reason: 'CF_CAPTIVE_PORTAL_TIMED_OUT' };
    case 'tls-inspection':
      return { status: 'Disconnected', reason: 'CF_TLS_INTERCEPTION_BLOCKING_DOH' };
  }
}

function warpStatusText(context: DiagContext): string {
  const { status, reason } = statusOf(context.scenario);
  return lines([`Status update: ${status}`, reason === null ? 'Network: healthy' : `Reason: ${reason}`]);
}

function warpSettingsText(context: DiagContext): string {
  const { splitTunnel } = context;
  const splitHeading =
    splitTunnel.mode === 'exclude' ? 'Exclude mode, with hosts/ips:' : 'Include mode, with hosts/ips:';
  return lines([
    'Merged configuration:',
    '(derived)\tAlways On: true',
    '(network policy)\tSwitch Locked: false',
    '(network policy)\tMode: WarpWithDnsOverHttps',
    `(network policy)\tWARP tunnel protocol: ${context.tunnelProtocol}`,
    '(default)\tDisabled for Wifi: false',
    '(default)\tDisabled for Ethernet: false',
    `(reg defaults)\tResolve via: ${context.accountId}.cloudflare-gateway.com @ [162.159.36.1, 2606:4700:4700::1111]`,
    '(default)\tOnboarding: true',
    `(network policy)\t${splitHeading}`,
    ...splitTunnel.entries.map((entry) => `  ${entry}`),
    '',
    '(network policy)\tFallback domains:',
    ...context.fallbackDomains.map((domain) => `  ${domain}`),
    '(not set)\tDaemon Teams Auth: false',
    '(network policy)\tDisable Auto Fallback: false',
    '(network policy)\tCaptive Portal: 180',
    '(network policy)\tSupport URL: https://support.example.com/helpdesk',
    `(network policy)\tProfile ID: ${context.profileId}`,
    `(user set)\tOrganization: ${TEAM_NAME}`,
    '(network policy)\tAllow Mode Switch: false',
    '(network policy)\tAllow Updates: true',
    '(network policy)\tAllowed to Leave Org: false',
  ]);
}

function warpAccountText(context: DiagContext): string {
  return lines([
    'Account type: Team',
    `Device ID: ${context.deviceId}`,
    'Public key: SIMULATED-NOT-A-REAL-KEY=',
    `Account ID: ${context.accountId}`,
    `Organization: ${TEAM_NAME}`,
    `User email: ${context.spec.userEmail}`,
    `Device name: ${context.spec.deviceName}`,
  ]);
}

function warpNetworkText(context: DiagContext): string {
  return JSON.stringify({
    v4_iface: {
      name: context.profile.physicalInterface,
      id: fakeUuid(`iface/${context.spec.deviceName}`),
      addr: context.lanAddress,
      kind: { WiFi: { ssid: context.ssid } },
    },
    v6_iface: null,
    dns_servers: [{ address: context.gateway }],
    captive_network: context.scenario === 'captive-portal',
    setup_dns: ['127.0.2.2', '127.0.2.3', 'fd01:db8:1111::2', 'fd01:db8:1111::3'],
  });
}

function sysinfoJson(context: DiagContext): string {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/sysinfo`));
  const total = 16 * 1024 ** 3;
  const available = random.int(1, 9) * 1024 ** 3;
  const sysinfo = {
    available_memory: available,
    used_memory: total - available,
    used_swap: 0,
    total_memory: total,
    host_name: context.spec.deviceName,
    uptime: random.int(3_600, 900_000),
    disks: [
      { name: 'disk0', total_space: 494_384_795_648, available_space: random.int(20, 400) * 1e9, mount_point: '/' },
    ],
    distribution_id: context.profile.distribution,
    long_os_version: context.profile.os,
    kernel_version: context.profile.kernel,
    load_average: {
      one: random.int(10, 400) / 100,
      five: random.int(10, 400) / 100,
      fifteen: random.int(10, 400) / 100,
    },
  };
  return `${JSON.stringify(sysinfo, null, 2)}\n`;
}

/** How warp-diag writes the output of a command it ran (hostname.txt and the like). */
function commandOutput(stdout: string): string {
  return `stdout:\n${stdout}\n\n\nstderr:\n\n\nexit status: 0\n`;
}

const CONNECTIVITY_HOST = 'connectivity.cloudflareclient.com';
const CONNECTIVITY_IPS = ['162.159.138.65', '162.159.137.65'] as const;

function traceBlock(context: DiagContext, random: SeededRandom, host: string, via: string, inside: boolean): string[] {
  const at = context.spec.createdAt.getTime() / 1000 - random.int(1, 20);
  return [
    `Trace ${host} via ${via}:`,
    `fl=${random.int(100, 999)}f${random.int(10, 99)}`,
    `h=${host}`,
    `ip=${inside ? `104.28.${random.int(0, 255)}.${random.int(1, 254)}` : `203.0.113.${random.int(1, 254)}`}`,
    `ts=${at.toFixed(3)}`,
    'visit_scheme=https',
    'uag=',
    `colo=${random.pick(['LHR', 'FRA', 'SJC', 'IAD', 'SIN'])}`,
    'http=http/2',
    'tls=TLSv1.3',
    'sni=plaintext',
    `warp=${inside ? 'on' : 'off'}`,
    `gateway=${inside ? 'on' : 'off'}`,
    'rbi=off',
    'kex=X25519',
    '',
  ];
}

function connectivityText(context: DiagContext): string {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/connectivity`));
  const { scenario } = context;
  const resolved = `Resolved ${CONNECTIVITY_HOST} to ${CONNECTIVITY_IPS.map((ip) => `${ip}:0`).join('; ')}`;
  const resolution: Record<string, string> = {
    'dns-proxy': `Failed to resolve ${CONNECTIVITY_HOST}: no response from 127.0.2.2:53 (timed out)`,
    'captive-portal': `Failed to resolve ${CONNECTIVITY_HOST}: request timed out`,
    'tls-inspection': `Failed to resolve ${CONNECTIVITY_HOST}: DoH upstream error: invalid peer certificate: UnknownIssuer`,
  };
  const dnsFailed = scenario !== null && scenario in resolution;
  const inside = dnsFailed
    ? [`Trace ${CONNECTIVITY_HOST}: skipped, DNS resolution failed`, '']
    : scenario === 'udp-blocked'
      ? CONNECTIVITY_IPS.flatMap((ip) => [
          `Trace ${CONNECTIVITY_HOST} via ${ip}: error: connection timed out (tunnel not established)`,
          '',
        ])
      : CONNECTIVITY_IPS.flatMap((ip) => traceBlock(context, random, CONNECTIVITY_HOST, ip, true));
  const outside =
    scenario === 'captive-portal'
      ? [
          `Trace engage.cloudflareclient.com via ${context.endpointIp}: HTTP 302 Found (redirected to http://portal.hotel-wifi.example/login)`,
          '',
        ]
      : traceBlock(context, random, 'engage.cloudflareclient.com', context.endpointIp, false);
  return lines([
    'DNS Resolution:',
    '',
    'Inside Tunnel',
    (scenario !== null ? resolution[scenario] : undefined) ?? resolved,
    '',
    '',
    `Tunnel Endpoint: ${context.endpointIp}`,
    '',
    'Trace Result:',
    '',
    'Inside Tunnel',
    ...inside,
    '',
    'Outside Tunnel',
    ...outside,
  ]);
}

function dnsCheckText(context: DiagContext): string {
  if (context.scenario === 'dns-proxy') {
    return lines([
      'warp-svc. DNS resolution:',
      'Failed to resolve warp-svc.: no response from 127.0.2.2:53 (timed out after 5s)',
      `System DNS servers: ${context.gateway}`,
    ]);
  }
  return lines([
    'warp-svc. DNS resolution:',
    'Resolved warp-svc. to 127.0.2.2:0; 127.0.2.3:0',
    'Resolved warp-svc. (AAAA) to [fd01:db8:1111::2]:0; [fd01:db8:1111::3]:0',
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

// ---- daemon logs: scheduled lines (service starts, the failure's codes) among routine ones ---------------------

/** A line the logs must hold, at (or, when a tiny file forces it, a little before) a given time. */
interface ScheduledLine {
  readonly atMs: number;
  readonly code: string | null;
  /** What follows the timestamp, without its leading space and newline. */
  readonly text: string;
}

interface LogPlan {
  readonly name: (typeof LOG_FILES)[number];
  readonly startMs: number;
  readonly spanMs: number;
  /** In time order. */
  readonly lines: readonly ScheduledLine[];
  /** Bytes the scheduled lines take, timestamps and newlines included. */
  readonly bytes: number;
}

function logPlans(context: DiagContext): LogPlan[] {
  const scheduled = schedule(context).sort((a, b) => a.atMs - b.atMs);
  const startMs = context.spec.createdAt.getTime() - LOG_SPAN_MS;
  const spanMs = LOG_SPAN_MS / LOG_FILES.length;
  return LOG_FILES.map((name, index) => {
    const from = startMs + index * spanMs;
    const last = index === LOG_FILES.length - 1;
    const mine = scheduled.filter((line) => line.atMs >= from && (line.atMs < from + spanMs || last));
    const bytes = mine.reduce((total, line) => total + LOG_TIMESTAMP_LENGTH + line.text.length + 2, 0);
    return { name, startMs: from, spanMs, lines: mine, bytes };
  });
}

function logSizes(plans: readonly LogPlan[], budget: number): number[] {
  const minimums = plans.map((plan) => MIN_LOG_BYTES + plan.bytes);
  const extra = budget - minimums.reduce((total, size) => total + size, 0);
  if (extra <= 0) return minimums;
  const shares = LOG_SHARES.map((share) => Math.floor(extra * share));
  const last = shares.length - 1;
  shares[last] = (shares[last] ?? 0) + extra - shares.reduce((total, share) => total + share, 0);
  return minimums.map((size, index) => size + (shares[index] ?? 0));
}

const FAILURE_TIMES: Readonly<
  Record<BrokenScenario, { onsetHours: [number, number]; everyMinutes: [number, number] }>
> = {
  'dns-proxy': { onsetHours: [8, 40], everyMinutes: [6, 14] },
  'udp-blocked': { onsetHours: [6, 30], everyMinutes: [5, 12] },
  'captive-portal': { onsetHours: [2, 7], everyMinutes: [3, 6] },
  'tls-inspection': { onsetHours: [10, 48], everyMinutes: [8, 16] },
};

function schedule(context: DiagContext): ScheduledLine[] {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/warp-diag-events`));
  const endMs = context.spec.createdAt.getTime();
  const startMs = endMs - LOG_SPAN_MS;
  const lines: ScheduledLine[] = [];
  const add = (atMs: number, text: string, code: string | null = null) => lines.push({ atMs, code, text });
  const serviceStart = (atMs: number) => {
    add(atMs, ` INFO warp::warp_service: Starting WarpService pid=${random.int(300, 30_000)}`);
    add(atMs + 1, ` INFO warp::warp_service: Version: ${context.version}`);
  };
  serviceStart(startMs + random.int(1, 10) * MINUTE_MS);
  serviceStart(endMs - random.int(10, 30) * HOUR_MS);
  // A laptop that slept on a train: the client says so, then reconnects.
  for (let sleeps = random.int(0, 2); sleeps > 0; sleeps--) {
    const at = startMs + HOUR_MS + Math.floor(random.next() * (LOG_SPAN_MS - 27 * HOUR_MS));
    add(at, noNetworkLine(), 'CF_NO_NETWORK');
    add(at + random.int(20, 90) * 1000, ' INFO main_loop: warp::warp_service: WARP status: Connected');
  }
  const { scenario } = context;
  if (scenario === null) return lines;
  const times = FAILURE_TIMES[scenario];
  let at = endMs - random.int(times.onsetHours[0] * 60, times.onsetHours[1] * 60) * MINUTE_MS;
  if (scenario === 'captive-portal') {
    add(at, ` INFO main_loop: warp::warp_service::captive_portal: Captive portal detected ssid="${context.ssid}"`);
  }
  for (let attempt = 1; at < endMs - 2 * MINUTE_MS; attempt++) {
    for (const [code, text] of failureLines(context, scenario, attempt)) add(at, text, code);
    at += random.int(times.everyMinutes[0] * 60, times.everyMinutes[1] * 60) * 1000;
  }
  return lines;
}

function noNetworkLine(): string {
  return ' WARN main_loop: warp::warp_service: Disconnected due to network error error_code=CF_NO_NETWORK net_info="IPv4: []; IPv6: []; DNS servers: []"';
}

/** The lines one failed attempt writes: [code, text]. */
function failureLines(context: DiagContext, scenario: BrokenScenario, attempt: number): [string, string][] {
  const check = 'main_loop: warp::warp_service::actor_connectivity: Connectivity check failed';
  switch (scenario) {
    case 'dns-proxy':
      return [
        [
          'CF_DNS_PROXY_FAILURE',
          `ERROR main_loop: warp::warp::proxying_dns: Failed to start DNS proxy error_code=CF_DNS_PROXY_FAILURE bind=127.0.2.2:53 err="${context.profile.addressInUse}"`,
        ],
        ...(attempt % 3 === 0
          ? [['CF_DNS_LOOKUP_FAILURE', ` WARN ${check} error_code=CF_DNS_LOOKUP_FAILURE host=${CONNECTIVITY_HOST}`]]
          : []),
      ] as [string, string][];
    case 'udp-blocked':
      return [
        [
          'CF_HAPPY_EYEBALLS_MITM_FAILURE',
          `ERROR main_loop: warp::warp::happy_eyeballs: Happy eyeballs failed error_code=CF_HAPPY_EYEBALLS_MITM_FAILURE endpoint=${context.endpoint} protocol=${context.tunnelProtocol} err="no handshake response within 5s"`,
        ],
        ...(attempt % 4 === 0
          ? [
              [
                'CF_CONNECTIVITY_FAILURE_UNKNOWN',
                ` WARN main_loop: warp::warp_service: Connection attempt failed error_code=CF_CONNECTIVITY_FAILURE_UNKNOWN attempt=${attempt}`,
              ],
            ]
          : []),
      ] as [string, string][];
    case 'captive-portal':
      return [
        [
          'CF_CAPTIVE_PORTAL_TIMED_OUT',
          ` WARN main_loop: warp::warp_service::captive_portal: Captive portal login not completed in time error_code=CF_CAPTIVE_PORTAL_TIMED_OUT timeout_s=180 ssid="${context.ssid}"`,
        ],
        ...(attempt % 5 === 0 ? [['CF_NO_NETWORK', noNetworkLine()]] : []),
      ] as [string, string][];
    case 'tls-inspection':
      return [
        [
          'CF_TLS_INTERCEPTION_BLOCKING_DOH',
          `ERROR main_loop: warp::warp::proxying_dns: DoH upstream rejected: certificate not trusted error_code=CF_TLS_INTERCEPTION_BLOCKING_DOH upstream=${context.accountId}.cloudflare-gateway.com issuer="CN=Example Corp Inspection CA"`,
        ],
        ...(attempt % 3 === 0
          ? [
              [
                'CF_TLS_INTERCEPTION_CHECK',
                ` WARN ${check} error_code=CF_TLS_INTERCEPTION_CHECK host=${CONNECTIVITY_HOST}`,
              ],
            ]
          : []),
      ] as [string, string][];
  }
}

type LogLine = (random: SeededRandom, context: DiagContext) => string;

/** [weight, line]: mostly routine, a few warnings, rare errors; one kind spans several lines, as real entries do. */
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
      ` INFO main_loop: warp::warp_service::actor_connectivity: Connectivity check ok host=engage.cloudflareclient.com ` +
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
      ` INFO main_loop: warp::warp_service::network_monitor: Network status interface=${c.profile.physicalInterface} ` +
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
      ` INFO main_loop: warp::warp_service: Settings reconciled mode=warp+doh always_on=true profile_id=${c.profileId} ` +
      `user=${c.asciiUserEmail} device=${c.asciiDeviceName}`,
  ],
  [3, (r) => ` INFO warp::warp_service::ipc: Request from warp-cli command=${r.pick(['status', 'settings', 'stats'])}`],
  [
    3,
    (r) =>
      ` WARN warp::dns::proxy: Upstream DoH slow name=${r.pick(DNS_NAMES)} elapsed_ms=${r.int(800, 3_000)} retrying=true`,
  ],
  [
    2,
    (r) =>
      `DEBUG warp::warp_service::network_change: Routes changed:\nDeleted; Flags: 52428804-(HOST | LOCAL | IFSCOPE); ` +
      `Destination: fe80::${r.int(4096, 65_535).toString(16)}; Gateway: Interface ${r.int(2, 20)} ;`,
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

/** Messages drawn once per log; each line picks one (real logs repeat themselves too). */
const LOG_MESSAGE_VARIETY = 4096;
/** `2025-06-01T10:00:00.000Z` */
const LOG_TIMESTAMP_LENGTH = 24;

/**
 * One log's bytes, exactly `size` of them, its lines' times spread over the log's day by their position. Every
 * scheduled line is written whole: at its time, or earlier when the bytes left would not hold it later. Lines are
 * written straight into the chunk; one that straddles two chunks, or the file's last one (cut short to end exactly
 * at `size`), goes through a line buffer.
 */
function* logChunks(context: DiagContext, plan: LogPlan, size: number): Generator<Buffer> {
  const random = new SeededRandom(seedFor(`${context.spec.commandId}/${plan.name}`));
  const messages = Array.from({ length: LOG_MESSAGE_VARIETY }, () =>
    Buffer.from(` ${logMessage(random, context)}\n`, 'latin1'),
  );
  const scheduled = plan.lines.map((line) => Buffer.from(` ${line.text}\n`, 'latin1'));
  const longestMessage = Math.max(...messages.map((message) => message.length));
  const longestFiller = LOG_TIMESTAMP_LENGTH + longestMessage;
  const line = Buffer.alloc(LOG_TIMESTAMP_LENGTH + Math.max(longestMessage, ...scheduled.map((text) => text.length)));
  const clock = new LogClock();
  let chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  let used = 0;
  let remaining = size;
  let generated = 0;
  let pendingBytes = plan.bytes;
  let next = 0;
  while (remaining > 0) {
    const time = plan.startMs + Math.floor((plan.spanMs * generated) / size);
    const due =
      next < scheduled.length && ((plan.lines[next]?.atMs ?? 0) <= time || remaining <= pendingBytes + longestFiller);
    const message = due
      ? (scheduled[next++] as Buffer)
      : (messages[Math.floor(random.next() * messages.length)] as Buffer);
    const lineLength = LOG_TIMESTAMP_LENGTH + message.length;
    if (due) pendingBytes -= lineLength;
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

function lines(items: readonly string[]): string {
  return `${items.join('\n')}\n`;
}

function asciiOnly(text: string): string {
  return text.replace(/[^ -~]/g, '?');
}
