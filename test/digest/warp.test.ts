import { describe, expect, it } from 'vitest';
import type { ZipEntrySink } from '../../src/digest/model.js';
import { WARP_ERROR_CODES } from '../../src/digest/warp/error-codes.js';
import { MAX_ERROR_CODES } from '../../src/digest/warp/error-tally.js';
import type { WarpDigest } from '../../src/digest/warp/model.js';
import { WarpBundleReader } from '../../src/digest/warp/reader.js';
import { type ArtifactSpec, createArtifact } from '../../src/simulator/artifacts.js';
import { BROKEN_SCENARIOS, type BrokenScenario, warpDiagFacts } from '../../src/simulator/index.js';
import { SeededRandom } from '../../src/simulator/random.js';
import { warpDiagAnalysis } from '../../src/simulator/warp-diag.js';
import { WARP_ERROR_WORDING, warpErrorWording } from '../../src/slack/ui/warp-error-codes.js';
import { feed, unzip } from './zip-entries.js';

type Entries = { name: string; data: Buffer; complete?: boolean }[];

const CREATED_AT = new Date('2026-11-25T14:00:00.000Z');

function diagSpec(overrides: Partial<ArtifactSpec> = {}): ArtifactSpec {
  return {
    commandId: 'warp-digest-0',
    kind: 'warp-diag',
    deviceName: 'LAPTOP-ALICE',
    platform: 'windows',
    userEmail: 'alice@example.com',
    createdAt: CREATED_AT,
    sizeBytes: 600_000,
    testAllRoutes: true,
    warpVersion: '2025.6.1335.0',
    ...overrides,
  };
}

async function bundle(spec: ArtifactSpec): Promise<Entries> {
  const parts: Buffer[] = [];
  for await (const part of createArtifact(spec).open()) parts.push(part as Buffer);
  return unzip(Buffer.concat(parts));
}

function digestOf(entries: Entries, chunkSize: number | ((index: number) => number) = 65_536): WarpDigest {
  const reader = new WarpBundleReader('diag.zip');
  feed((name) => reader.entry(name), entries, chunkSize);
  return reader.digest();
}

/** One command id for each way a client can be broken (the scenario is drawn from the command id). */
function commandFor(scenario: BrokenScenario): string {
  for (let n = 0; n < 500; n++) {
    const commandId = `warp-digest-${n}`;
    if (warpDiagFacts(diagSpec({ commandId, warpClient: 'broken' })).scenario === scenario) return commandId;
  }
  throw new Error(`no command id gives ${scenario}`);
}

/**
 * The CF_ codes in the bundle, read a second way (regular expressions over whole decoded files) to check the
 * streaming reader against: per code, lines naming it, the latest timestamp of those lines (a continuation line
 * takes its entry's), and whether warp-status.txt names it.
 */
function codesIn(entries: Entries): Record<string, { count: number; lastAt?: string; inStatus?: true }> {
  const found: Record<string, { count: number; lastMs: number | null; inStatus: boolean }> = {};
  const note = (line: string, atMs: number | null, inStatus: boolean) => {
    for (const code of new Set(line.match(/(?<![A-Za-z0-9_])CF_[A-Z][A-Z0-9_]*(?![A-Za-z0-9_])/g) ?? [])) {
      const entry = found[code] ?? { count: 0, lastMs: null, inStatus: false };
      found[code] = entry;
      entry.count += 1;
      if (atMs !== null && (entry.lastMs === null || atMs > entry.lastMs)) entry.lastMs = atMs;
      if (inStatus) entry.inStatus = true;
    }
  };
  for (const { name, data } of entries) {
    if (name === 'warp-status.txt') for (const line of data.toString('utf8').split('\n')) note(line, null, true);
    if (!/^daemon(\.\d)?\.log$/.test(name)) continue;
    let atMs: number | null = null;
    for (const line of data.toString('latin1').split('\n')) {
      const stamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z)/.exec(line);
      if (stamp) atMs = Date.parse(stamp[1] ?? '');
      note(line, atMs, false);
    }
  }
  return Object.fromEntries(
    Object.entries(found).map(([code, { count, lastMs, inStatus }]) => [
      code,
      {
        count,
        ...(lastMs !== null && { lastAt: new Date(lastMs).toISOString() }),
        ...(inStatus && { inStatus: true as const }),
      },
    ]),
  );
}

function errorsByCode(digest: WarpDigest) {
  return Object.fromEntries(digest.errors.map(({ code, ...rest }) => [code, rest]));
}

function lineCount(data: Buffer): number {
  let lines = 0;
  for (const byte of data) if (byte === 0x0a) lines++;
  return data.length > 0 && data[data.length - 1] !== 0x0a ? lines + 1 : lines;
}

describe('the WARP digest of simulated bundles', () => {
  it('reads a healthy client: connected, every check passed, the settings as written', async () => {
    const spec = diagSpec({ warpClient: 'healthy' });
    const facts = warpDiagFacts(spec);
    const entries = await bundle(spec);
    const digest = digestOf(entries);
    expect(digest).toMatchObject({
      kind: 'warp-diag',
      file: 'diag.zip',
      clientVersion: '2025.6.1335.0',
      platform: 'windows',
      status: 'Connected',
      statusReason: null,
      network: 'healthy',
      mode: 'WarpWithDnsOverHttps',
      profileId: facts.profileId,
      organization: 'example-corp',
      alwaysOn: true,
      switchLocked: false,
      splitTunnel: facts.splitTunnel,
      checksFailed: [],
      dnsServers: ['127.0.2.2', '127.0.2.3', 'fd01:db8:1111::2', 'fd01:db8:1111::3'],
      dnsProxyInUse: true,
      problems: [],
    });
    expect(digest.osVersion).toMatch(/^Microsoft Windows 11/);
    expect(digest.fallbackDomains.count).toBe(facts.fallbackDomains);
    expect(digest.fallbackDomains.domains.slice(0, 3)).toEqual(['intranet', 'internal', 'private']);
    expect(digest.errors.every(({ code }) => code === 'CF_NO_NETWORK')).toBe(true);
    expect(errorsByCode(digest)).toEqual(codesIn(entries));
    expect(digest.logs.map(({ name }) => name)).toEqual(['daemon.log', 'daemon.1.log', 'daemon.2.log', 'daemon.3.log']);
    for (const log of digest.logs) {
      expect(log.lines).toBe(lineCount(entries.find(({ name }) => name === log.name)?.data ?? Buffer.alloc(0)));
    }
    expect(digest.logs[0]?.lastAt).toBeDefined();
    expect(Date.parse(digest.logs[0]?.lastAt ?? '')).toBeLessThanOrEqual(CREATED_AT.getTime());
    expect(digest.logs[3]?.firstAt).toBe(new Date(CREATED_AT.getTime() - 96 * 3_600_000).toISOString());
  });

  it.each(BROKEN_SCENARIOS)(
    'reads a broken client (%s): its status, failed checks and every CF_ code',
    async (scenario) => {
      const spec = diagSpec({ commandId: commandFor(scenario), warpClient: 'broken', platform: 'linux' });
      const facts = warpDiagFacts(spec);
      const entries = await bundle(spec);
      const digest = digestOf(entries);
      expect(digest.status).toBe(facts.status);
      expect(digest.statusReason).toBe(facts.statusReason);
      expect(digest.platform).toBe('linux');
      expect(digest.checksFailed).toHaveLength(facts.failedChecks);
      expect(digest.checksFailed.length).toBeGreaterThanOrEqual(2);
      for (const check of digest.checksFailed) expect(check).toMatch(/^(connectivity|dns-check)\.txt: /);
      expect(digest.problems).toEqual([]);
      // The reader agrees with a second reading of the same files, and with what the simulator meant to write.
      const byCode = errorsByCode(digest);
      expect(byCode).toEqual(codesIn(entries));
      const inLogs = Object.fromEntries(digest.errors.map((e) => [e.code, e.count - (e.inStatus ? 1 : 0)]));
      expect(inLogs).toEqual(facts.logCodes);
      expect(byCode[facts.statusReason ?? '']?.inStatus).toBe(true);
      // … and with the analysis the simulator serves for it.
      const analysed = warpDiagAnalysis(spec).filter((detection) => detection.occurrences > 0);
      expect(Object.fromEntries(analysed.map((d) => [d.code, d.occurrences]))).toEqual(inLogs);
      // The failure is recent and repeats: its code was last seen in the last quarter of an hour before the capture.
      const last = Date.parse(byCode[facts.statusReason ?? '']?.lastAt ?? '');
      expect(CREATED_AT.getTime() - last).toBeLessThan(20 * 60_000);
      expect(byCode[facts.statusReason ?? '']?.count).toBeGreaterThan(10);
      expect(digest.errors[0]?.lastAt).toBe(
        digest.errors
          .map((e) => e.lastAt ?? '')
          .sort()
          .at(-1),
      );
      if (scenario === 'dns-proxy')
        expect(digest).toMatchObject({ dnsServers: [expect.stringMatching(/\.1$/)], dnsProxyInUse: false });
    },
  );

  it('gives the same digest whatever the chunk sizes, down to one byte', async () => {
    const spec = diagSpec({ commandId: commandFor('udp-blocked'), warpClient: 'broken', sizeBytes: 200_000 });
    const entries = await bundle(spec);
    const whole = digestOf(entries, Number.MAX_SAFE_INTEGER);
    const random = new SeededRandom(42);
    for (const chunking of [1, 2, 3, 7, 23, 4096, 65_536, () => random.int(1, 20_000)]) {
      expect(digestOf(entries, chunking), String(chunking)).toEqual(whole);
    }
  });

  it('finds every scheduled code even in a tiny bundle, and in the rotated logs', async () => {
    const spec = diagSpec({ commandId: commandFor('dns-proxy'), warpClient: 'broken', sizeBytes: 0 });
    const entries = await bundle(spec);
    const digest = digestOf(entries, 997);
    const inLogs = Object.fromEntries(digest.errors.map((e) => [e.code, e.count - (e.inStatus ? 1 : 0)]));
    expect(inLogs).toEqual(warpDiagFacts(spec).logCodes);
    expect(errorsByCode(digest)).toEqual(codesIn(entries));
  });

  it('is the same for the same command, and reads the entries in any order', async () => {
    const spec = diagSpec({ commandId: commandFor('captive-portal'), warpClient: 'broken' });
    const entries = await bundle(spec);
    expect(digestOf([...entries].reverse())).toEqual(digestOf(await bundle(spec)));
  });
});

// ---- hand-written samples in the formats of real bundles and the forms seen beside them -----------------------

const text = (name: string, body: string, complete = true) => ({ name, data: Buffer.from(body, 'utf8'), complete });

const REAL_SETTINGS = [
  'Merged configuration:',
  '(derived)\tAlways On: true',
  '(network policy)\tSwitch Locked: true',
  '(network policy)\tMode: WarpWithDnsOverHttps',
  '(default)\tWARP tunnel protocol: WireGuard',
  '(not set)\tMASQUE Protocol Settings: ',
  '  HTTP Version: MASQUE (HTTP/3 with HTTP/2 fallback)',
  '(reg defaults)\tResolve via: 0123abcd.cloudflare-gateway.com @ [162.159.36.1, 2606:4700:4700::1111]',
  '(network policy)\tExclude mode, with hosts/ips:',
  '  10.0.0.0/8',
  '  169.254.0.0/16 (DHCP Unspecified)',
  '  fe80::/10 (IPv6 Link Local)',
  '  *.wikipedia.org',
  '',
  '(network policy)\tFallback domains:',
  '  home.arpa',
  '  wikipedia.org\t-> [8.8.8.8]',
  '  intranet',
  '(not set)\tDaemon Teams Auth: false',
  '(user set)\tOrganization: acme',
  '(API defaults)\tKnown apple connectivity check IPs: 17.253.0.0/16; ',
].join('\n');

describe('the WARP digest of hand-written bundles', () => {
  it('reads the warp-cli formats: Ok(…) status, tabbed settings, indented lists, descriptions and arrows', () => {
    const digest = digestOf([
      text('warp-debugging-info-20230831-185328/warp-status.txt', 'Ok(Disconnected(Manual))'),
      text('warp-debugging-info-20230831-185328/warp-settings.txt', REAL_SETTINGS),
      text('warp-debugging-info-20230831-185328/version.txt', 'Version: 2023.7.159.0\n\n2023.7.159.0'),
      text('warp-debugging-info-20230831-185328/platform.txt', 'macOS'),
      text(
        'warp-debugging-info-20230831-185328/sysinfo.json',
        '{"distribution_id":"macos","long_os_version":"macOS 13.5.1"}',
      ),
      text('warp-debugging-info-20230831-185328/daemon.log', '2023-08-31T18:52:27.618Z  INFO warp::warp_service: ok\n'),
    ]);
    expect(digest).toMatchObject({
      clientVersion: '2023.7.159.0',
      platform: 'macOS',
      osVersion: 'macOS 13.5.1',
      status: 'Disconnected',
      statusReason: 'Manual',
      mode: 'WarpWithDnsOverHttps',
      profileId: null,
      organization: 'acme',
      tunnelProtocol: 'WireGuard',
      alwaysOn: true,
      switchLocked: true,
      splitTunnel: { mode: 'exclude', entries: 4 },
      fallbackDomains: { count: 3, domains: ['home.arpa', 'wikipedia.org', 'intranet'] },
      problems: [],
    });
  });

  it('reads the other status forms: Ok(Connected), Status update with Reason, warp-cli --json', () => {
    const status = (body: string) => {
      const digest = digestOf([text('warp-status.txt', body)]);
      return [digest.status, digest.statusReason, digest.network];
    };
    expect(status('Ok(Connected)')).toEqual(['Connected', null, null]);
    expect(status('Status update: Connected\r\nNetwork: healthy\r\n')).toEqual(['Connected', null, 'healthy']);
    expect(status('Status update: Unable\nReason: CF_REGISTRATION_MISSING\n')).toEqual([
      'Unable',
      'CF_REGISTRATION_MISSING',
      null,
    ]);
    expect(status('{"status":"Disconnected",\n"reason":{"SettingsChanged":{"previous":{}}}}')).toEqual([
      'Disconnected',
      'SettingsChanged',
      null,
    ]);
    expect(status('Status: Connecting')).toEqual(['Connecting', null, null]);
    const registration = digestOf([text('warp-status.txt', 'Status update: Unable\nReason: CF_REGISTRATION_MISSING')]);
    expect(registration.errors).toEqual([{ code: 'CF_REGISTRATION_MISSING', count: 1, inStatus: true }]);
  });

  it('counts an include list, inline lists and comma lists, and keeps the first split tunnel mode', () => {
    const digest = digestOf([
      text(
        'warp-settings.txt',
        [
          '(user)\tMode: TunnelOnly',
          '(user)\tInclude mode, with hosts/ips: 100.96.0.0/12',
          '  100.64.0.0/12',
          '  172.64.128.0/20, 10.1.0.0/16',
          '(user)\tExclude mode, with hosts/ips:',
          '  192.168.0.0/16',
          '(default)\tFallback domains: corp domain home',
          '(default)\tOnboarding: true',
          '  not-a-domain',
        ].join('\n'),
      ),
    ]);
    expect(digest.mode).toBe('TunnelOnly');
    expect(digest.splitTunnel).toEqual({ mode: 'include', entries: 4 });
    expect(digest.fallbackDomains).toEqual({ count: 3, domains: ['corp', 'domain', 'home'] });
  });

  it('fails a check that says so, and a trace inside the tunnel that did not go through WARP', () => {
    const trace = (host: string, warp: 'on' | 'off') =>
      [`Trace ${host} via 162.159.138.65:`, `h=${host}`, 'colo=LHR', `warp=${warp}`, 'gateway=off', ''].join('\n');
    const digest = digestOf([
      text(
        'connectivity.txt',
        [
          'DNS Resolution:',
          '',
          'Inside Tunnel',
          'Resolved connectivity.cloudflareclient.com to 162.159.138.65:0; 162.159.137.65:0',
          '',
          'Tunnel Endpoint: 162.159.193.8',
          'Trace Result:',
          '',
          'Inside Tunnel',
          trace('connectivity.cloudflareclient.com', 'off'),
          'Trace failover.example.com via 10.0.0.1: error: connection refused',
          '',
          'Outside Tunnel',
          trace('engage.cloudflareclient.com', 'off'),
          'Trace portal.example.net via 203.0.113.9: HTTP/1.1 302 Found',
        ].join('\n'),
      ),
      text('dns-check.txt', 'warp-svc. DNS resolution:\nResolved warp-svc. to 192.168.1.1:0\n'),
    ]);
    expect(digest.checksFailed).toEqual([
      'connectivity.txt: Trace Result, Inside Tunnel: Trace connectivity.cloudflareclient.com via 162.159.138.65: warp=off',
      'connectivity.txt: Trace Result, Inside Tunnel: Trace failover.example.com via 10.0.0.1: error: connection refused',
      'connectivity.txt: Trace Result, Outside Tunnel: Trace portal.example.net via 203.0.113.9: HTTP/1.1 302 Found',
    ]);
    expect(digest).toMatchObject({ dnsServers: ['192.168.1.1'], dnsProxyInUse: false });
  });

  it('dates a code by its entry, reads zones, fractions and CRLF, and finds the daemon’s version and platform', () => {
    const log = [
      '2026-11-25T10:00:00.123456Z  INFO warp::warp_service: Version: 2025.9.558.0',
      '2026-11-25T10:00:01Z DEBUG warp_api::authenticated: settings=CombinedDeviceSettings { client_platform: "macos" }',
      '2026-11-25T12:30:00.5+02:00 ERROR main_loop: warp::warp_service: Failed:',
      'caused by: error_code=CF_DNS_LOOKUP_FAILURE (CF_DNS_LOOKUP_FAILURE)',
      '2026-11-25 11:00:00.000Z  WARN x: CF_NO_NETWORK, XCF_NOT_A_CODE, CF_lower, CF_ too, CF_NO_NETWORKx',
      'continued CF_NO_NETWORK',
    ].join('\r\n');
    const digest = digestOf([text('daemon.log', log), text('warp-status.txt', 'Ok(Connected)')]);
    expect(digest.clientVersion).toBe('2025.9.558.0');
    expect(digest.platform).toBe('macos');
    expect(digest.errors).toEqual([
      { code: 'CF_NO_NETWORK', count: 2, lastAt: '2026-11-25T11:00:00.000Z' },
      { code: 'CF_DNS_LOOKUP_FAILURE', count: 1, lastAt: '2026-11-25T10:30:00.500Z' },
    ]);
    expect(digest.logs).toEqual([
      { name: 'daemon.log', lines: 6, firstAt: '2026-11-25T10:00:00.123Z', lastAt: '2026-11-25T11:00:00.000Z' },
    ]);
  });

  it('opens only the files it reads, once each, and not those of the bundle’s own folders', () => {
    const reader = new WarpBundleReader('x.zip');
    const opened = [
      'ps.txt',
      'daemon_dns.log',
      'boringtun.log',
      'snapshots/daemon.log',
      'a/b/daemon.log',
      'updater/version.txt',
    ]
      .map((name) => reader.entry(name))
      .filter((sink) => sink !== null);
    expect(opened).toEqual([]);
    expect(reader.entry('Daemon.1.LOG')).not.toBeNull();
    expect(reader.entry('bundle\\daemon.log')).not.toBeNull();
    expect(reader.entry('daemon.log')).toBeNull();
    const digest = reader.digest();
    expect(digest.problems).toEqual([
      'warp-status.txt: not in the bundle',
      'warp-settings.txt: not in the bundle',
      'daemon.1.log: still being read when the digest was made',
      'daemon.log: still being read when the digest was made',
      'daemon.log: in the zip more than once; only the first was read',
    ]);
  });

  it('says which files the zip cut short, and ignores bytes after an entry’s end', () => {
    const reader = new WarpBundleReader('cut.zip');
    const sink = reader.entry('warp-status.txt') as ZipEntrySink;
    sink.write(Buffer.from('Status update: Conn'));
    sink.end(false);
    sink.write(Buffer.from('nected\nReason: CF_NO_NETWORK\n'));
    sink.end(true);
    const digest = reader.digest();
    expect(digest.status).toBe('Conn');
    expect(digest.errors).toEqual([]);
    expect(digest.problems).toContain('warp-status.txt: cut short (the zip ended or broke inside it)');
  });
});

// ---- hostile input ---------------------------------------------------------------------------------------------

function heapAndBuffers(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('the WARP digest of hostile input', () => {
  it('reads a 100 MB line in bounded memory: the start of it counted, the rest skipped and said so', () => {
    const reader = new WarpBundleReader('long.zip');
    const sink = reader.entry('daemon.log') as ZipEntrySink;
    const settings = reader.entry('warp-settings.txt') as ZipEntrySink;
    const megabyte = Buffer.alloc(1024 * 1024, 0x61);
    const before = heapAndBuffers();
    sink.write(Buffer.from('2026-11-25T10:00:00.000Z ERROR x: error_code=CF_DNS_PROXY_FAILURE '));
    for (let i = 0; i < 100; i++) {
      sink.write(megabyte);
      settings.write(megabyte);
    }
    sink.write(Buffer.from(' CF_NO_NETWORK\n2026-11-25T10:00:01.000Z  INFO next line\n'));
    sink.end(true);
    settings.end(true);
    expect(heapAndBuffers() - before).toBeLessThan(32 * 1024 * 1024);
    const digest = reader.digest();
    expect(digest.errors).toEqual([{ code: 'CF_DNS_PROXY_FAILURE', count: 1, lastAt: '2026-11-25T10:00:00.000Z' }]);
    expect(digest.logs[0]?.lines).toBe(2);
    expect(digest.problems).toContain('daemon.log: 1 lines longer than 16 KB read only that far');
    expect(digest.problems).toContain('warp-settings.txt: larger than 4 MB; only that much read');
  });

  it('keeps the error table to its cap over a million lines, and counts a million of one code exactly', () => {
    const reader = new WarpBundleReader('many.zip');
    const distinct = reader.entry('daemon.log') as ZipEntrySink;
    const same = reader.entry('daemon.1.log') as ZipEntrySink;
    const batch = 10_000;
    for (let start = 0; start < 1_000_000; start += batch) {
      const lines = Array.from({ length: batch }, (_, i) => `2026-11-25T10:00:00.000Z ERROR x: CF_CODE_${start + i}\n`);
      distinct.write(Buffer.from(lines.join('')));
      same.write(Buffer.from('2026-11-24T09:00:00.000Z  WARN y: error_code=CF_NO_NETWORK\n'.repeat(batch)));
    }
    distinct.end(true);
    same.end(true);
    const digest = reader.digest();
    // The flood of made-up codes fills its part of the table; the documented code keeps its place.
    expect(digest.errors).toHaveLength(MAX_ERROR_CODES + 1);
    expect(digest.errors.find(({ code }) => code === 'CF_NO_NETWORK')).toEqual({
      code: 'CF_NO_NETWORK',
      count: 1_000_000,
      lastAt: '2026-11-24T09:00:00.000Z',
    });
    expect(digest.problems).toContain(
      `${1_000_000 - MAX_ERROR_CODES} mentions of further CF_ codes not counted (over ${MAX_ERROR_CODES} undocumented codes)`,
    );
    expect(digest.logs.map(({ lines }) => lines)).toEqual([1_000_000, 1_000_000]);
  });

  it('bounds lists and values: 100,000 fallback domains, failed checks, a mode full of controls', () => {
    const domains = Array.from({ length: 100_000 }, (_, i) => `  d${i}.example`).join('\n');
    const failures = Array.from({ length: 500 }, (_, i) => `Failed to resolve host${i}.example: timed out`).join('\n');
    const digest = digestOf([
      text('warp-settings.txt', `Mode: \u202eWarp\u0007${'X'.repeat(500)}\nFallback domains:\n${domains}\n`),
      text('connectivity.txt', failures),
    ]);
    expect(digest.fallbackDomains.count).toBe(100_000);
    expect(digest.fallbackDomains.domains).toHaveLength(50);
    expect(digest.mode).toBe(`Warp${'X'.repeat(60)}`);
    expect(digest.checksFailed).toHaveLength(32);
    expect(digest.problems).toContain('468 further failed checks not listed');
  });

  it('survives binary garbage in every file it reads, and says which were not text', () => {
    const random = new SeededRandom(7);
    const garbage = () => Buffer.from(Array.from({ length: 256 * 1024 }, () => random.int(0, 255)));
    const names = [
      'warp-status.txt',
      'warp-settings.txt',
      'daemon.log',
      'daemon.2.log',
      'connectivity.txt',
      'dns-check.txt',
      'version.txt',
      'platform.txt',
      'sysinfo.json',
    ];
    const entries = names.map((name) => ({ name, data: garbage() }));
    const digest = digestOf(entries, 333);
    expect(digest.status).toBeNull();
    expect(digest.mode).toBeNull();
    expect(digest.checksFailed).toEqual([]);
    expect(digest.problems).toContain('warp-status.txt: not text (NUL bytes); not read');
    expect(digest.problems).toContain('daemon.log: holds NUL bytes (not plain text); read as text anyway');
    expect(digest.problems.length).toBeLessThanOrEqual(32);
  });

  it('reads truncated entries of a real bundle for what they hold, and reports each one cut', async () => {
    const entries = await bundle(diagSpec({ commandId: commandFor('tls-inspection'), warpClient: 'broken' }));
    const random = new SeededRandom(11);
    const cut = entries.map(({ name, data }) => ({
      name,
      data: data.subarray(0, random.int(0, data.length)),
      complete: false,
    }));
    const digest = digestOf(cut, 4096);
    for (const name of ['warp-status.txt', 'warp-settings.txt', 'daemon.log', 'connectivity.txt']) {
      expect(digest.problems.join('\n')).toContain(`${name}: cut short`);
    }
  });
});

describe('the wording of WARP client error codes', () => {
  it('has one line of meaning and one of next step for every code of the fact table, and nothing else', () => {
    expect(Object.keys(WARP_ERROR_WORDING).sort()).toEqual(Object.keys(WARP_ERROR_CODES).sort());
    for (const [code, { meaning, nextStep }] of Object.entries(WARP_ERROR_WORDING)) {
      for (const line of [meaning, nextStep]) {
        expect(line, code).toMatch(/^[A-Z].{10,140}\.$/);
        expect(line, code).not.toMatch(/\n/);
      }
      expect(warpErrorWording(code)).toEqual({ meaning, nextStep });
    }
  });

  it('has a general line for a CF_ code it does not know', () => {
    const unknown = warpErrorWording('CF_SOMETHING_NEW');
    expect(unknown.meaning).toMatch(/does not know/);
    expect(Object.values(WARP_ERROR_WORDING)).not.toContainEqual(unknown);
  });
});
