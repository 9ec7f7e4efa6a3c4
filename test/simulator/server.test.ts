import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createArtifact } from '../../src/simulator/artifacts.js';
import { parseCliArgs, runCli } from '../../src/simulator/cli.js';
import {
  type DexSimulator,
  type DexSimulatorOptions,
  ErrorCode,
  FILENAME_FORMS,
  type FilenameForm,
  type SimDevice,
  SPEED_TEST_RESULTS,
  type SpeedTestResults,
  startDexSimulator,
} from '../../src/simulator/index.js';
import { whenTestFinishes } from '../cleanup.js';

// Everything here goes over real HTTP on 127.0.0.1, the way a client of the simulator sees it.

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected loosely on purpose
  json: any;
}

const started: DexSimulator[] = [];

async function simulator(options: DexSimulatorOptions = {}): Promise<DexSimulator> {
  const sim = await startDexSimulator({ fleetSize: 300, ...options });
  // Started by a test: closed when it finishes; by a beforeAll: in afterAll.
  if (!whenTestFinishes(() => sim.close())) started.push(sim);
  return sim;
}

afterAll(async () => {
  await Promise.all(started.map((sim) => sim.close()));
});

async function call(
  sim: DexSimulator,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? sim.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.baseUrl}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const account = (sim: DexSimulator) => `/accounts/${sim.accountId}/dex`;
const get = (sim: DexSimulator, path: string) => call(sim, 'GET', `${account(sim)}${path}`);
const create = (sim: DexSimulator, commands: unknown[]) =>
  call(sim, 'POST', `${account(sim)}/commands`, { body: { commands } });

function target(device: SimDevice) {
  return {
    device_id: device.deviceId,
    user_email: device.personEmail,
    ...(device.multiUser && { registration_id: device.registrationId }),
  };
}

function pcap(device: SimDevice, args: Record<string, unknown> = { 'time-limit-min': 1 }) {
  return { type: 'pcap', ...target(device), args };
}

function warpDiag(device: SimDevice, args: Record<string, unknown> = { 'test-all-routes': false }) {
  return { type: 'warp-diag', ...target(device), args };
}

function eligible(sim: DexSimulator, predicate: (device: SimDevice) => boolean = () => true): SimDevice {
  const device = sim.findDevice((d) => d.eligible && !d.multiUser && d.behaviour === 'normal' && predicate(d));
  if (!device) throw new Error('no matching device in the fleet');
  return device;
}

async function quotaUsed(sim: DexSimulator): Promise<number> {
  return (await get(sim, '/commands/quota')).json.result.quota_usage;
}

async function listAll(sim: DexSimulator, query = ''): Promise<Answer> {
  return get(sim, `/commands?page=1&per_page=50${query}`);
}

/** Buffer.equals instead of toEqual: deep equality walks every byte and takes seconds on a zip. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

const failure = (code: number, message: string) => ({
  success: false,
  errors: [{ code, message }],
  messages: [],
  result: null,
});

describe('auth, routing and the envelope', () => {
  let sim: DexSimulator;
  beforeAll(async () => {
    sim = await simulator();
  });

  it('refuses a missing, wrong or non-Bearer credential with 401 and the failure envelope', async () => {
    const expected = failure(10000, 'Authentication error');
    const missing = await call(sim, 'GET', `${account(sim)}/commands/quota`, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(expected);
    const wrong = await call(sim, 'GET', `${account(sim)}/commands/quota`, { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(expected);
    const legacy = await call(sim, 'GET', `${account(sim)}/commands/quota`, {
      token: null,
      headers: { 'x-auth-email': 'a@example.com', 'x-auth-key': sim.token },
    });
    expect(legacy.status).toBe(401);
  });

  it('answers 403 for another account without saying anything about it', async () => {
    const other = await call(sim, 'GET', '/accounts/ffffffffffffffffffffffffffffffff/dex/commands/quota');
    expect(other.status).toBe(403);
    expect(other.json).toEqual(failure(10000, 'Authentication error'));
  });

  it('answers 404 code 7003 for unknown routes and wrong methods', async () => {
    for (const [method, path] of [
      ['GET', '/accounts/x/dex/nothing'],
      ['GET', '/nothing'],
      ['DELETE', `${account(sim)}/commands`],
      ['POST', `${account(sim)}/commands/quota`],
    ] as const) {
      const answer = await call(sim, method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json).toEqual(failure(7003, 'No route for the URI'));
    }
  });

  it('sends cf-ray on every answer and counted rate-limit headers on normal ones', async () => {
    const first = await get(sim, '/commands/quota');
    const second = await get(sim, '/commands/quota');
    const unauthorized = await call(sim, 'GET', `${account(sim)}/commands/quota`, { token: 'nope' });
    for (const answer of [first, second, unauthorized])
      expect(answer.headers.get('cf-ray')).toMatch(/^[0-9a-f]{16}-SJC$/);
    expect(first.headers.get('x-ratelimit-limit')).toBe('1200');
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
      Number(first.headers.get('x-ratelimit-remaining')) - 1,
    );
    expect(first.json).toMatchObject({ success: true, errors: [], messages: [] });
  });

  it('logs every request with its endpoint, query and status', async () => {
    sim.clearRequests();
    await get(sim, '/commands?page=2&per_page=5&status=SUCCESS');
    await call(sim, 'GET', '/nope');
    expect(sim.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/client/v4${account(sim)}/commands`,
        endpoint: 'list',
        query: { page: '2', per_page: '5', status: 'SUCCESS' },
        status: 200,
      }),
      expect.objectContaining({ endpoint: 'other', status: 404 }),
    ]);
    expect(sim.requests[0]?.at).toBeInstanceOf(Date);
  });

  it('keeps two simulators in one process apart', async () => {
    const other = await simulator({ fleetSize: 20, seed: 2 });
    expect(other.token).not.toBe(sim.token);
    expect((await call(other, 'GET', `${account(other)}/commands/quota`, { token: sim.token })).status).toBe(401);
    await create(other, [pcap(eligible(other))]);
    expect(other.commands).toHaveLength(1);
    expect(sim.commands).toHaveLength(0);
  });
});

describe('list validation and pagination', () => {
  let sim: DexSimulator;
  beforeAll(async () => {
    sim = await simulator();
  });

  it.each([
    ['', ['page: required', 'per_page: required']],
    ['?page=1', ['per_page: required']],
    ['?per_page=10', ['page: required']],
    ['?page=0&per_page=10', ['page: must be an integer >= 1']],
    ['?page=abc&per_page=10', ['page: must be an integer >= 1']],
    ['?page=1&per_page=51', ['per_page: must be an integer from 1 to 50']],
    ['?page=1&per_page=0', ['per_page: must be an integer from 1 to 50']],
    ['?page=1&per_page=2.5', ['per_page: must be an integer from 1 to 50']],
  ])('refuses %s on both list endpoints', async (query, messages) => {
    for (const path of ['/commands', '/commands/devices']) {
      const answer = await get(sim, `${path}${query}`);
      expect(answer.status).toBe(400);
      expect(answer.json.success).toBe(false);
      expect(answer.json.result).toBeNull();
      const received: string[] = answer.json.errors.map((e: { message: string }) => e.message);
      expect(received.map((message, i) => message.slice(0, messages[i]?.length))).toEqual(messages);
      expect(answer.json.errors.every((e: { code: number }) => e.code === ErrorCode.invalidQuery)).toBe(true);
    }
  });

  it('refuses filters that cannot mean anything, and names the unencoded + in a date', async () => {
    for (const query of ['from=yesterday', 'to=2026-13-45', 'status=DONE', 'command_type=tcpdump']) {
      const answer = await get(sim, `/commands?page=1&per_page=10&${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json.errors[0].message).toContain(query.split('=')[0]);
    }
    const plus = await get(sim, '/commands?page=1&per_page=10&from=2026-01-01T00:00:00+00:00');
    expect(plus.json.errors[0].message).toContain('%2B');
    expect((await get(sim, '/commands?page=1&per_page=10&from=2026-01-01T00:00:00%2B00:00')).status).toBe(200);
  });

  it('pages through filtered commands newest first, with result_info, and an empty page past the end', async () => {
    const macs = Array.from({ length: 3 }, (_, i) => sim.addDevice({ platform: 'macos', deviceName: `PAGER-${i}` }));
    const before = sim.now();
    sim.advance(1000);
    const created: string[] = [];
    for (let round = 0; round < 4; round++) {
      const answer = await create(
        sim,
        macs.flatMap((mac) => [pcap(mac), warpDiag(mac)]),
      );
      expect(answer.status).toBe(200);
      created.push(...answer.json.result.commands.map((c: { id: string }) => c.id));
      sim.advance(1000);
    }
    const since = `&from=${encodeURIComponent(new Date(before.getTime() + 1).toISOString())}`;
    const pcaps: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const answer = await get(sim, `/commands?page=${page}&per_page=5&command_type=pcap${since}`);
      expect(answer.json.result_info).toEqual({
        count: page < 3 ? 5 : 2,
        page,
        per_page: 5,
        total_count: 12,
        total_pages: 3,
      });
      pcaps.push(...answer.json.result.commands.map((c: { id: string }) => c.id));
    }
    const expectedPcaps = created.filter((_, i) => i % 2 === 0).reverse();
    expect(pcaps).toEqual(expectedPcaps);
    const past = await get(sim, `/commands?page=4&per_page=5&command_type=pcap${since}`);
    expect(past.json.result.commands).toEqual([]);
    expect(past.json.result_info).toMatchObject({ count: 0, total_count: 12 });

    const oneDevice = await get(sim, `/commands?page=1&per_page=50&device_id=${macs[1]?.deviceId}`);
    expect(oneDevice.json.result.commands).toHaveLength(8);
    const byEmail = await get(sim, `/commands?page=1&per_page=50&user_email=${macs[2]?.personEmail.toUpperCase()}`);
    expect(byEmail.json.result.commands).toHaveLength(8);
    const to = encodeURIComponent(new Date(before.getTime() + 1500).toISOString());
    const firstRound = await get(sim, `/commands?page=1&per_page=50${since}&to=${to}`);
    expect(firstRound.json.result.commands).toHaveLength(6);
  });
});

describe('devices', () => {
  let sim: DexSimulator;
  beforeAll(async () => {
    sim = await simulator({ fleetSize: 20_000, seed: 42 });
  });

  // How fast a 20,000 fleet seeds (< 3000 ms) is a row of `npm run bench -- simulator`.
  it('seeds 20,000 deterministic rows, with the documented mix', async () => {
    expect(sim.fleet).toHaveLength(20_000);
    const again = await simulator({ fleetSize: 20_000, seed: 42 });
    expect(again.fleet.slice(0, 50)).toEqual(sim.fleet.slice(0, 50));
    const platforms = new Set(sim.fleet.map((d) => d.platform));
    expect([...platforms].sort()).toEqual(['android', 'chromeos', 'ios', 'linux', 'macos', 'windows']);
    const reasons = new Set(sim.fleet.filter((d) => !d.eligible).map((d) => d.ineligibleReason.split(' ')[0]));
    expect(reasons).toEqual(new Set(['Platform', 'WARP', 'Device']));
    const behaviours = new Set(sim.fleet.map((d) => d.behaviour));
    expect(behaviours).toEqual(new Set(['normal', 'offline', 'fails', 'partial-pcap']));
    // About one device in seven has a broken WARP client, for its diagnostics bundle to show.
    const broken = sim.fleet.filter((d) => d.warpClient === 'broken').length / sim.fleet.length;
    expect(broken).toBeGreaterThan(0.1);
    expect(broken).toBeLessThan(0.2);
    expect(sim.fleet.every((d) => d.personEmail.endsWith('@example.com'))).toBe(true);
    expect(sim.fleet.find((d) => d.version === '2024.6.415.0' && !d.eligible)?.ineligibleReason).toBe(
      'WARP client version 2024.6.415.0 is below the minimum 2024.12.492.0',
    );
  });

  it('returns camelCase rows with a Cloudflare-style timestamp', async () => {
    const answer = await get(sim, '/commands/devices?page=1&per_page=50');
    expect(answer.json.result.devices).toHaveLength(50);
    expect(answer.json.result_info).toEqual({
      count: 50,
      page: 1,
      per_page: 50,
      total_count: 20_000,
      total_pages: 400,
    });
    const row = answer.json.result.devices[0];
    expect(Object.keys(row).sort()).toEqual([
      'deviceId',
      'deviceName',
      'eligible',
      'ineligibleReason',
      'personEmail',
      'platform',
      'registrationId',
      'status',
      'timestamp',
      'version',
    ]);
    expect(row.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00$/);
  });

  it('searches by name and by email, case-insensitively', async () => {
    const device = sim.fleet[12_345] as SimDevice;
    const namePart = device.deviceName.slice(0, Math.max(4, device.deviceName.length - 1)).toLowerCase();
    const byName = await get(sim, `/commands/devices?page=1&per_page=50&search=${encodeURIComponent(namePart)}`);
    const names = byName.json.result.devices.map((d: { deviceName: string; personEmail: string }) => d);
    expect(byName.json.result_info.total_count).toBeGreaterThan(0);
    for (const d of names) expect(`${d.deviceName} ${d.personEmail}`.toLowerCase()).toContain(namePart);
    const everyMatch = sim.fleet.filter((d) => `${d.deviceName}\n${d.personEmail}`.toLowerCase().includes(namePart));
    expect(byName.json.result_info.total_count).toBe(everyMatch.length);

    const email = device.personEmail.toUpperCase();
    const byEmail = await get(sim, `/commands/devices?page=1&per_page=50&search=${encodeURIComponent(email)}`);
    expect(byEmail.json.result.devices.map((d: { deviceId: string }) => d.deviceId)).toContain(device.deviceId);

    const none = await get(sim, '/commands/devices?page=1&per_page=50&search=zz-no-such-device');
    expect(none.json.result.devices).toEqual([]);
    expect(none.json.result_info).toMatchObject({ count: 0, total_count: 0 });
  });

  it('lists a multi-user device once per registration', async () => {
    const shared = sim.fleet.find((d) => d.multiUser && d.eligible) as SimDevice;
    const rows = sim.registrationsOf(shared.deviceId);
    expect(rows.length).toBeGreaterThan(1);
    const answer = await get(
      sim,
      `/commands/devices?page=1&per_page=50&search=${encodeURIComponent(shared.deviceName)}`,
    );
    const listed = answer.json.result.devices.filter((d: { deviceId: string }) => d.deviceId === shared.deviceId);
    expect(listed.map((d: { registrationId: string }) => d.registrationId).sort()).toEqual(
      rows.map((r) => r.registrationId).sort(),
    );
    expect(new Set(listed.map((d: { personEmail: string }) => d.personEmail)).size).toBe(rows.length);
  });
});

describe('create', () => {
  let sim: DexSimulator;
  let mac: SimDevice;
  beforeAll(async () => {
    sim = await simulator({ quota: { total: 800, used: 10 } });
    mac = sim.addDevice({ platform: 'macos', deviceName: 'MBP-CREATE', personEmail: 'create@example.com' });
  });

  it('creates commands, echoes args as strings, tolerates version, and spends one quota per command', async () => {
    const before = await quotaUsed(sim);
    const answer = await create(sim, [
      { ...pcap(mac, { 'time-limit-min': 2, 'max-file-size-mb': 5, 'packet-size-bytes': 160 }), version: 1 },
      warpDiag(mac, { 'test-all-routes': true }),
      { type: 'speed-test', ...target(mac), args: { interfaces: ['default', 'tunnel'] } },
      { type: 'pcap', ...target(mac) },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ success: true, errors: [], messages: [] });
    const commands = answer.json.result.commands;
    expect(commands).toHaveLength(4);
    expect(commands[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      args: { 'time-limit-min': '2', 'max-file-size-mb': '5', 'packet-size-bytes': '160' },
      device_id: mac.deviceId,
      registration_id: mac.registrationId,
      status: 'PENDING_EXEC',
      type: 'pcap',
    });
    expect(commands[1].args).toEqual({ 'test-all-routes': 'true' });
    expect(commands[2].args).toEqual({ interfaces: 'default,tunnel' });
    expect(commands[3].args).toEqual({});
    expect(await quotaUsed(sim)).toBe(before + 4);
  });

  it('accepts speed tests on either interface, both, or (without args) both, and echoes the list as one string', async () => {
    const before = await quotaUsed(sim);
    const speedTest = (args?: unknown) => ({ type: 'speed-test', ...target(mac), ...(args !== undefined && { args }) });
    const answer = await create(sim, [
      speedTest({ interfaces: ['tunnel'] }),
      speedTest({ interfaces: ['tunnel', 'default'] }),
      speedTest({}),
      speedTest(),
    ]);
    expect(answer.status).toBe(200);
    const commands = answer.json.result.commands;
    expect(commands.map((c: { type: string; status: string }) => [c.type, c.status])).toEqual(
      Array.from({ length: 4 }, () => ['speed-test', 'PENDING_EXEC']),
    );
    // As sent, in the order sent; nothing is echoed for a default (as for the other types).
    expect(commands.map((c: { args: unknown }) => c.args)).toEqual([
      { interfaces: 'tunnel' },
      { interfaces: 'tunnel,default' },
      {},
      {},
    ]);
    expect(commands[0]).toMatchObject({ device_id: mac.deviceId, registration_id: mac.registrationId });
    expect(await quotaUsed(sim)).toBe(before + 4);
  });

  const tooMany = (n: number) =>
    Array.from({ length: n }, () => ({ type: 'warp-diag', device_id: 'x', user_email: 'y' }));
  const rejections: [string, (sim: DexSimulator) => unknown, number, RegExp][] = [
    [
      'legacy command_type/command_args',
      (s) => ({
        commands: [{ command_type: 'pcap', device_id: eligible(s).deviceId, user_email: 'a', command_args: {} }],
      }),
      ErrorCode.invalidBody,
      /commands\[0\]\.command_type: legacy field is not accepted; send "type"/,
    ],
    [
      'snake_case arg keys',
      () => ({ commands: [pcap(mac, { time_limit_min: 1 })] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args: Unrecognized key: "time_limit_min".*should be "time-limit-min"/,
    ],
    [
      'args of another type',
      () => ({ commands: [pcap(mac, { 'test-all-routes': true })] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args: Unrecognized key: "test-all-routes"/,
    ],
    [
      'time-limit-min above 10',
      () => ({ commands: [pcap(mac, { 'time-limit-min': 11 })] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.time-limit-min: Too big/,
    ],
    [
      'max-file-size-mb above 50',
      () => ({ commands: [warpDiag(mac), pcap(mac, { 'max-file-size-mb': 51 })] }),
      ErrorCode.invalidBody,
      /commands\[1\]\.args\.max-file-size-mb: Too big/,
    ],
    [
      'packet-size-bytes of 0',
      () => ({ commands: [pcap(mac, { 'packet-size-bytes': 0 })] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.packet-size-bytes: Too small/,
    ],
    [
      'a speed-test interface that does not exist',
      () => ({ commands: [{ type: 'speed-test', ...target(mac), args: { interfaces: ['wifi'] } }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.interfaces\[0\]/,
    ],
    [
      'an empty speed-test interfaces list',
      () => ({ commands: [{ type: 'speed-test', ...target(mac), args: { interfaces: [] } }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.interfaces: at least one interface is required/,
    ],
    [
      'a speed-test interface listed twice',
      () => ({
        commands: [{ type: 'speed-test', ...target(mac), args: { interfaces: ['tunnel', 'default', 'tunnel'] } }],
      }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.interfaces\[2\]: interface "tunnel" is listed twice/,
    ],
    [
      'speed-test interfaces as a string',
      () => ({ commands: [{ type: 'speed-test', ...target(mac), args: { interfaces: 'default' } }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args\.interfaces: Invalid input: expected array/,
    ],
    [
      'pcap args on a speed test',
      () => ({ commands: [{ type: 'speed-test', ...target(mac), args: { 'time-limit-min': 1 } }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.args: Unrecognized key: "time-limit-min"/,
    ],
    [
      'an unknown type',
      () => ({ commands: [{ type: 'tcpdump', ...target(mac) }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.type/,
    ],
    [
      'a missing user_email',
      () => ({ commands: [{ type: 'pcap', device_id: mac.deviceId }] }),
      ErrorCode.invalidBody,
      /commands\[0\]\.user_email/,
    ],
    ['more than 20 commands', () => ({ commands: tooMany(21) }), ErrorCode.invalidBody, /at most 20 commands/],
    ['no commands', () => ({ commands: [] }), ErrorCode.invalidBody, /at least one command/],
    ['a body without commands', () => ({ command: [] }), ErrorCode.invalidBody, /^commands: /],
    [
      'more than 10 distinct devices',
      (s) => ({
        commands: s.fleet
          .filter((d) => d.eligible && !d.multiUser)
          .slice(0, 11)
          .map((d) => warpDiag(d)),
      }),
      ErrorCode.tooManyDevices,
      /at most 10 distinct devices per request, got 11/,
    ],
    [
      'an unknown device',
      () => ({
        commands: [{ type: 'pcap', device_id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', user_email: 'a@example.com' }],
      }),
      ErrorCode.unknownDevice,
      /commands\[0\]\.device_id: device f174e90a-fafe-4643-bbbc-4a0ed4fc8415 was not found/,
    ],
    [
      'an unsupported platform',
      (s) => ({ commands: [pcap(s.findDevice((d) => d.platform === 'ios' && !d.multiUser) as SimDevice)] }),
      ErrorCode.ineligibleDevice,
      /is not eligible for remote captures: Platform not supported/,
    ],
    [
      'an old WARP client',
      (s) => ({ commands: [pcap(s.addDevice({ platform: 'windows', version: '2024.6.415.0' }))] }),
      ErrorCode.ineligibleDevice,
      /WARP client version 2024\.6\.415\.0 is below the minimum 2024\.12\.492\.0/,
    ],
    [
      'a DNS-only device',
      (s) => ({
        commands: [
          pcap(s.addDevice({ eligible: false, ineligibleReason: 'Device is in an unsupported mode (DNS only)' })),
        ],
      }),
      ErrorCode.ineligibleDevice,
      /unsupported mode \(DNS only\)/,
    ],
    [
      'a user_email that is not the device user',
      () => ({ commands: [{ ...pcap(mac), user_email: 'someone.else@example.com' }] }),
      ErrorCode.userEmailMismatch,
      /commands\[0\]\.user_email: someone\.else@example\.com is not the user of device/,
    ],
    [
      'a multi-user device without registration_id',
      (s) => {
        const shared = s.fleet.find((d) => d.multiUser && d.eligible) as SimDevice;
        return { commands: [{ type: 'pcap', device_id: shared.deviceId, user_email: shared.personEmail }] };
      },
      ErrorCode.registrationMismatch,
      /multi-user device with \d registrations; registration_id is required/,
    ],
    [
      'a registration_id of another device',
      (s) => ({ commands: [{ ...pcap(mac), registration_id: eligible(s).registrationId }] }),
      ErrorCode.registrationMismatch,
      /does not belong to device/,
    ],
  ];

  it.each(rejections)('refuses %s with 400, creating nothing and spending no quota', async (_, body, code, message) => {
    const commandsBefore = sim.commands.length;
    const usedBefore = await quotaUsed(sim);
    const answer = await call(sim, 'POST', `${account(sim)}/commands`, { body: body(sim) });
    expect(answer.status).toBe(400);
    expect(answer.json.success).toBe(false);
    expect(answer.json.result).toBeNull();
    const matching = answer.json.errors.find((e: { code: number; message: string }) => message.test(e.message));
    expect(matching, JSON.stringify(answer.json.errors)).toBeDefined();
    expect(matching.code).toBe(code);
    expect(sim.commands.length).toBe(commandsBefore);
    expect(await quotaUsed(sim)).toBe(usedBefore);
  });

  it('reports problems in several commands at once, with JSON pointers', async () => {
    const answer = await create(sim, [pcap(mac, { 'time-limit-min': 0 }), warpDiag(mac, { 'test-all-routes': 'yes' })]);
    expect(answer.json.errors.map((e: { source: { pointer: string } }) => e.source.pointer)).toEqual([
      '/commands/0/args/time-limit-min',
      '/commands/1/args/test-all-routes',
    ]);
  });

  it('accepts the right registration on a multi-user device and refuses another user email', async () => {
    const shared = sim.fleet.find((d) => d.multiUser && d.eligible) as SimDevice;
    const [first, second] = sim.registrationsOf(shared.deviceId) as [SimDevice, SimDevice];
    const ok = await create(sim, [
      {
        type: 'warp-diag',
        device_id: shared.deviceId,
        user_email: second.personEmail,
        registration_id: second.registrationId,
      },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.json.result.commands[0].registration_id).toBe(second.registrationId);
    const crossed = await create(sim, [
      {
        type: 'warp-diag',
        device_id: shared.deviceId,
        user_email: second.personEmail,
        registration_id: first.registrationId,
      },
    ]);
    expect(crossed.status).toBe(400);
    expect(crossed.json.errors[0].code).toBe(ErrorCode.userEmailMismatch);
  });

  it('refuses the whole request when the quota cannot cover it', async () => {
    sim.setQuota({ total: 800, used: 799 });
    const before = sim.commands.length;
    const answer = await create(sim, [warpDiag(mac), pcap(mac)]);
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      {
        code: ErrorCode.quotaExceeded,
        message: expect.stringMatching(
          /quota exceeded: 2 commands requested, 1 remaining until \d{4}-\d\d-\d\dT00:00:00Z/,
        ),
        source: { pointer: '/commands' },
      },
    ]);
    expect(sim.commands.length).toBe(before);
    expect(await quotaUsed(sim)).toBe(799);
    expect((await create(sim, [warpDiag(mac)])).status).toBe(200);
    expect(await quotaUsed(sim)).toBe(800);
    sim.setQuota({ used: 0 });
  });

  it('answers 400 to a body that is not JSON and 413 to one over 1 MB', async () => {
    const broken = await call(sim, 'POST', `${account(sim)}/commands`, { rawBody: '{"commands": [' });
    expect(broken.status).toBe(400);
    expect(broken.json.errors[0].code).toBe(ErrorCode.invalidJson);
    const huge = await call(sim, 'POST', `${account(sim)}/commands`, { rawBody: `"${'x'.repeat(1024 * 1024 + 10)}"` });
    expect(huge.status).toBe(413);
    expect(huge.json.errors[0].code).toBe(ErrorCode.bodyTooLarge);
    // Still serving afterwards.
    expect((await get(sim, '/commands/quota')).status).toBe(200);
  });
});

describe('lifecycle and download', () => {
  let sim: DexSimulator;
  const specs: unknown[] = [];
  beforeAll(async () => {
    sim = await simulator({
      artifactSizeBytes: { pcap: 64 * 1024, 'warp-diag': 96 * 1024 },
      createArtifact: (spec) => {
        specs.push(spec);
        return createArtifact(spec);
      },
    });
  });

  const statusOf = async (id: string) => {
    const answer = await listAll(sim);
    return answer.json.result.commands.find((c: { id: string }) => c.id === id);
  };
  const downloadPath = (id: string, name = `${id}.zip`) => `${account(sim)}/commands/${id}/downloads/${name}`;

  it('runs a pcap through PENDING_EXEC, PENDING_UPLOAD and SUCCESS on the simulated clock, then serves the zip', async () => {
    const device = eligible(sim, (d) => d.platform === 'windows');
    const created = await create(sim, [pcap(device, { 'time-limit-min': 2, 'packet-size-bytes': 96 })]);
    const id: string = created.json.result.commands[0].id;

    const pending = await statusOf(id);
    expect(pending).toMatchObject({ status: 'PENDING_EXEC', completed_date: null, filename: null, type: 'pcap' });
    expect(pending).toMatchObject({ device_id: device.deviceId, registration_id: device.registrationId });
    expect(pending.user_email).toBe(device.personEmail);
    expect(Date.parse(pending.created_date)).toBeCloseTo(sim.now().getTime(), -3);
    expect((await call(sim, 'GET', downloadPath(id))).json.errors[0]).toMatchObject({
      code: ErrorCode.artifactNotReady,
      message: expect.stringContaining('no artifact yet'),
    });

    sim.advance(2 * 60_000);
    expect((await statusOf(id)).status).toBe('PENDING_UPLOAD');
    sim.advance(20_000);
    const done = await statusOf(id);
    expect(done.status).toBe('SUCCESS');
    expect(Date.parse(done.completed_date) - Date.parse(done.created_date)).toBe(140_000);
    expect(done.filename).toBe(
      `https://api.cloudflare.com/client/v4/accounts/${sim.accountId}/dex/devices/${device.deviceId}/commands/downloads/${id}.zip`,
    );

    const full = await fetch(`${sim.baseUrl}${downloadPath(id)}`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/zip');
    expect(full.headers.get('content-disposition')).toBe(`attachment; filename="${id}.zip"`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('etag')).toMatch(/^"/);
    expect(Number.isNaN(Date.parse(full.headers.get('last-modified') ?? ''))).toBe(false);
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.length).toBe(Number(full.headers.get('content-length')));
    expect(bytes.length).toBeGreaterThan(60 * 1024);
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(specs.at(-1)).toMatchObject({
      commandId: id,
      kind: 'pcap',
      deviceName: device.deviceName,
      platform: 'windows',
      userEmail: device.personEmail,
      sizeBytes: 64 * 1024,
      snapLength: 96,
      pcapInterfaces: { default: true, tunnel: true },
    });

    const etag = full.headers.get('etag') ?? '';
    const ranged = async (range: string, ifRange?: string) =>
      fetch(`${sim.baseUrl}${downloadPath(id)}`, {
        headers: { authorization: `Bearer ${sim.token}`, range, ...(ifRange && { 'if-range': ifRange }) },
      });
    const middle = await ranged('bytes=100-1099');
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expectSameBytes(Buffer.from(await middle.arrayBuffer()), bytes.subarray(100, 1100));
    const tail = await ranged(`bytes=${bytes.length - 10}-`, etag);
    expect(tail.status).toBe(206);
    expectSameBytes(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 10));
    const suffix = await ranged('bytes=-5');
    expectSameBytes(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(bytes.length - 5));
    const stale = await ranged('bytes=0-9', '"some-other-etag"');
    expect(stale.status).toBe(200);
    expectSameBytes(Buffer.from(await stale.arrayBuffer()), bytes);
    const byDate = await ranged('bytes=0-9', full.headers.get('last-modified') ?? '');
    expect(byDate.status).toBe(206);
    const beyond = await ranged(`bytes=${bytes.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(((await beyond.json()) as { errors: { code: number }[] }).errors[0]?.code).toBe(
      ErrorCode.rangeNotSatisfiable,
    );

    const head = await fetch(`${sim.baseUrl}${downloadPath(id)}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(head.headers.get('content-length')).toBe(String(bytes.length));

    const alternate = await fetch(
      `${sim.baseUrl}${account(sim)}/devices/${device.deviceId}/commands/downloads/${id}.zip`,
      { headers: { authorization: `Bearer ${sim.token}` } },
    );
    expectSameBytes(Buffer.from(await alternate.arrayBuffer()), bytes);
    const wrongDevice = await call(
      sim,
      'GET',
      `${account(sim)}/devices/${eligible(sim).deviceId}/commands/downloads/${id}.zip`,
    );
    expect(wrongDevice.status).toBe(404);

    const wrongName = await call(sim, 'GET', downloadPath(id, 'capture.zip'));
    expect(wrongName.status).toBe(404);
    expect(wrongName.json.errors[0].code).toBe(ErrorCode.fileNotFound);
    const unknown = await call(sim, 'GET', downloadPath('5758fefe-ae7e-4538-a39b-1fef6abcb909'));
    expect(unknown.json.errors[0].code).toBe(ErrorCode.commandNotFound);
  });

  it('times warp-diag by test-all-routes (default true)', async () => {
    const device = eligible(sim, (d) => d.platform === 'macos');
    const created = await create(sim, [
      warpDiag(device, { 'test-all-routes': false }),
      { type: 'warp-diag', ...target(device) },
    ]);
    const [quick, thorough] = created.json.result.commands.map((c: { id: string }) => c.id);
    sim.advance(60_000);
    expect((await statusOf(quick)).status).toBe('PENDING_UPLOAD');
    expect((await statusOf(thorough)).status).toBe('PENDING_EXEC');
    sim.advance(80_000);
    expect((await statusOf(thorough)).status).toBe('SUCCESS');
    const zip = await fetch(`${sim.baseUrl}${downloadPath(thorough)}`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(zip.status).toBe(200);
    await zip.arrayBuffer();
    expect(specs.at(-1)).toMatchObject({ kind: 'warp-diag', testAllRoutes: true, sizeBytes: 96 * 1024 });
  });

  it('returns filename in each form, and serves the zip at the commands route whatever the form', async () => {
    const device = eligible(sim, (d) => d.platform === 'linux');
    const id = (await create(sim, [warpDiag(device)])).json.result.commands[0].id;
    sim.advance(5 * 60_000);
    const api = `https://api.cloudflare.com/client/v4/accounts/${sim.accountId}/dex`;
    const expected: Record<FilenameForm, string | null> = {
      'device-url': `${api}/devices/${device.deviceId}/commands/downloads/${id}.zip`,
      url: `${api}/commands/${id}/downloads/${id}.zip`,
      bare: `${id}.zip`,
      null: null,
      opaque: expect.stringMatching(/^dexart_[A-Za-z0-9_-]{32}$/) as unknown as string,
      'foreign-host': `https://artifacts.example.net/dex/commands/${id}/downloads/${id}.zip`,
    };
    try {
      for (const form of FILENAME_FORMS) {
        sim.setFilenameForm(form);
        expect((await statusOf(id)).filename, form).toEqual(expected[form]);
        const zip = await fetch(`${sim.baseUrl}${downloadPath(id)}`, {
          headers: { authorization: `Bearer ${sim.token}` },
        });
        expect(zip.status, form).toBe(200);
        await zip.arrayBuffer();
      }
      expect(() => sim.setFilenameForm('name' as FilenameForm)).toThrow();
    } finally {
      sim.setFilenameForm('device-url');
    }
  });

  it('offline devices stay PENDING_EXEC, then fail after 10 minutes', async () => {
    const offline = sim.findDevice((d) => d.behaviour === 'offline' && d.eligible && !d.multiUser) as SimDevice;
    expect(offline.status).toBe('disconnected');
    const id = (await create(sim, [pcap(offline, { 'time-limit-min': 1 })])).json.result.commands[0].id;
    // Real time also moves the clock (timeScale 1), so stop a second short rather than a millisecond.
    sim.advance(10 * 60_000 - 1000);
    expect((await statusOf(id)).status).toBe('PENDING_EXEC');
    sim.advance(1000);
    const failed = await statusOf(id);
    expect(failed).toMatchObject({ status: 'FAILED', filename: null });
    expect(Date.parse(failed.completed_date) - Date.parse(failed.created_date)).toBe(600_000);
    expect(sim.commands.find((c) => c.id === id)?.failureReason).toBe('capture timed out: WARP client disconnected');
    expect((await call(sim, 'GET', downloadPath(id))).json.errors[0].message).toContain('failed');
  });

  it('failing devices fail shortly after starting', async () => {
    const failing = sim.findDevice((d) => d.behaviour === 'fails' && d.eligible && !d.multiUser) as SimDevice;
    const id = (await create(sim, [warpDiag(failing)])).json.result.commands[0].id;
    expect((await statusOf(id)).status).toBe('PENDING_EXEC');
    sim.advance(30_000);
    expect((await statusOf(id)).status).toBe('FAILED');
  });

  it('partial-pcap devices succeed with the tunnel capture marked failed', async () => {
    const partial = sim.findDevice((d) => d.behaviour === 'partial-pcap' && d.eligible && !d.multiUser) as SimDevice;
    const id = (await create(sim, [pcap(partial)])).json.result.commands[0].id;
    sim.advance(2 * 60_000);
    expect((await statusOf(id)).status).toBe('SUCCESS');
    const zip = await fetch(`${sim.baseUrl}${downloadPath(id)}`, { headers: { authorization: `Bearer ${sim.token}` } });
    await zip.arrayBuffer();
    expect(specs.at(-1)).toMatchObject({ commandId: id, pcapInterfaces: { default: true, tunnel: false } });
  });

  it('fails a second pcap on a Windows device at once, but not on macOS or after the first ends', async () => {
    const windows = sim.addDevice({ platform: 'windows' });
    const mac = sim.addDevice({ platform: 'macos' });
    const first = await create(sim, [pcap(windows, { 'time-limit-min': 3 }), pcap(mac), pcap(mac)]);
    const [winFirst, macFirst, macSecond] = first.json.result.commands.map((c: { id: string }) => c.id);
    const second = await create(sim, [pcap(windows), warpDiag(windows)]);
    expect(second.json.result.commands.map((c: { status: string }) => c.status)).toEqual([
      'PENDING_EXEC',
      'PENDING_EXEC',
    ]);
    const [winSecond, winDiag] = second.json.result.commands.map((c: { id: string }) => c.id);
    expect((await statusOf(winSecond)).status).toBe('FAILED');
    expect((await statusOf(winDiag)).status).toBe('PENDING_EXEC');
    expect((await statusOf(winFirst)).status).toBe('PENDING_EXEC');
    expect((await statusOf(macFirst)).status).toBe('PENDING_EXEC');
    expect((await statusOf(macSecond)).status).toBe('PENDING_EXEC');
    sim.advance(3 * 60_000);
    const third = (await create(sim, [pcap(windows)])).json.result.commands[0].id;
    expect((await statusOf(third)).status).toBe('PENDING_EXEC');
  });
});

describe('speed tests', () => {
  let sim: DexSimulator;
  const specs: unknown[] = [];
  beforeAll(async () => {
    sim = await simulator({
      filenameForm: 'bare',
      createArtifact: (spec) => {
        specs.push(spec);
        return createArtifact(spec);
      },
    });
  });
  afterEach(() => {
    sim.setSpeedTestResults('file');
  });

  const speedTest = (device: SimDevice, interfaces?: string[]) => ({
    type: 'speed-test',
    ...target(device),
    ...(interfaces !== undefined && { args: { interfaces } }),
  });
  const statusOf = async (id: string) => {
    const answer = await listAll(sim, '&command_type=speed-test');
    return answer.json.result.commands.find((c: { id: string }) => c.id === id);
  };
  const download = (id: string) =>
    fetch(`${sim.baseUrl}${account(sim)}/commands/${id}/downloads/${id}.zip`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });

  it('run on each interface in turn, then upload, and list with a filename in the filename form', async () => {
    const device = eligible(sim, (d) => d.platform === 'linux');
    const created = await create(sim, [speedTest(device), speedTest(device, ['tunnel'])]);
    const [both, tunnel] = created.json.result.commands.map((c: { id: string }) => c.id);
    expect(await statusOf(both)).toMatchObject({ status: 'PENDING_EXEC', filename: null, type: 'speed-test' });
    expect(
      (await call(sim, 'GET', `${account(sim)}/commands/${both}/downloads/${both}.zip`)).json.errors[0],
    ).toMatchObject({ code: ErrorCode.artifactNotReady, message: expect.stringContaining('no artifact yet') });
    sim.advance(25_000);
    expect((await statusOf(tunnel)).status).toBe('PENDING_UPLOAD');
    expect((await statusOf(both)).status).toBe('PENDING_EXEC');
    sim.advance(25_000);
    expect((await statusOf(both)).status).toBe('PENDING_UPLOAD');
    expect((await statusOf(tunnel)).status).toBe('SUCCESS');
    sim.advance(20_000);
    const done = await statusOf(both);
    expect(done).toMatchObject({ status: 'SUCCESS', filename: `${both}.zip`, device_id: device.deviceId });
    expect(Date.parse(done.completed_date) - Date.parse(done.created_date)).toBe(70_000);
    // Listed under their own type only.
    const pcaps = await listAll(sim, '&command_type=pcap');
    expect(pcaps.json.result.commands.map((c: { id: string }) => c.id)).not.toContain(both);

    sim.setFilenameForm('device-url');
    try {
      expect((await statusOf(both)).filename).toBe(
        `https://api.cloudflare.com/client/v4/accounts/${sim.accountId}/dex/devices/${device.deviceId}/commands/downloads/${both}.zip`,
      );
    } finally {
      sim.setFilenameForm('bare');
    }
  });

  it("'file' (the default): the download is a zip of speed-test-results.json, one result per interface asked for", async () => {
    const device = eligible(sim, (d) => d.platform === 'windows');
    const created = await create(sim, [speedTest(device), speedTest(device, ['tunnel'])]);
    const [both, tunnel] = created.json.result.commands.map((c: { id: string }) => c.id);
    sim.advance(5 * 60_000);

    const answer = await download(both);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/zip');
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="${both}.zip"`);
    const bytes = Buffer.from(await answer.arrayBuffer());
    expect(bytes.length).toBe(Number(answer.headers.get('content-length')));
    expect(specs.at(-1)).toMatchObject({
      commandId: both,
      kind: 'speed-test',
      speedTestInterfaces: ['default', 'tunnel'],
    });
    const entries = await unzip(bytes);
    expect([...entries.keys()]).toEqual(['speed-test-results.json']);
    const report = JSON.parse(entries.get('speed-test-results.json')?.toString('utf8') ?? '');
    expect(report).toMatchObject({
      command_id: both,
      type: 'speed-test',
      device_name: device.deviceName,
      user_email: device.personEmail,
      platform: 'windows',
    });
    expect(
      report.results.map((r: { interface: string; interface_name: string }) => [r.interface, r.interface_name]),
    ).toEqual([
      ['default', 'Wi-Fi'],
      ['tunnel', 'CloudflareWARP'],
    ]);
    for (const result of report.results) {
      expect(result).toMatchObject({ status: 'success', server: 'speed.cloudflare.com' });
      expect(result.download_mbps).toBeGreaterThan(20);
      expect(result.download_mbps).toBeLessThan(1000);
      expect(result.upload_mbps).toBeGreaterThan(0);
      expect(result.upload_mbps).toBeLessThan(result.download_mbps);
      expect(result.latency_ms).toBeGreaterThan(0);
      expect(result.loaded_latency_ms.download).toBeGreaterThan(result.latency_ms);
      expect(result.jitter_ms).toBeGreaterThan(0);
      expect(['bad', 'poor', 'average', 'good', 'great']).toContain(result.scores.streaming);
    }
    // The tunnel runs over the same line: slower and further away.
    const [viaDefault, viaTunnel] = report.results;
    expect(viaTunnel.download_mbps).toBeLessThan(viaDefault.download_mbps);
    expect(viaTunnel.latency_ms).toBeGreaterThan(viaDefault.latency_ms);

    // The same bytes on every download, as for the other artifacts.
    expectSameBytes(Buffer.from(await (await download(both)).arrayBuffer()), bytes);

    const justTunnel = await unzip(Buffer.from(await (await download(tunnel)).arrayBuffer()));
    const tunnelReport = JSON.parse(justTunnel.get('speed-test-results.json')?.toString('utf8') ?? '');
    expect(tunnelReport.results.map((r: { interface: string }) => r.interface)).toEqual(['tunnel']);
  });

  it("'dashboard': SUCCESS with filename null and a 404 download; the knob is set at start or later, for new commands", async () => {
    const dashboard = await simulator({ speedTestResults: 'dashboard', filenameForm: 'bare' });
    const device = eligible(dashboard, (d) => d.platform === 'macos');
    const created = await create(dashboard, [speedTest(device), pcap(device)]);
    const [speed, capture] = created.json.result.commands.map((c: { id: string }) => c.id);
    dashboard.advance(10 * 60_000);
    const listed = (await listAll(dashboard)).json.result.commands;
    const byId = (id: string) => listed.find((c: { id: string }) => c.id === id);
    expect(byId(speed)).toMatchObject({ status: 'SUCCESS', filename: null, completed_date: expect.any(String) });
    expect(byId(capture)).toMatchObject({ status: 'SUCCESS', filename: `${capture}.zip` });
    const missing = await call(dashboard, 'GET', `${account(dashboard)}/commands/${speed}/downloads/${speed}.zip`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ success: false, result: null });
    expect(missing.json.errors[0]).toMatchObject({
      code: ErrorCode.artifactNotReady,
      message: expect.stringContaining('no downloadable artifact'),
    });
    const viaDevice = await call(
      dashboard,
      'GET',
      `${account(dashboard)}/devices/${device.deviceId}/commands/downloads/${speed}.zip`,
    );
    expect(viaDevice.status).toBe(404);

    // At runtime: a speed test created after the switch has a file; the one before keeps none.
    dashboard.setSpeedTestResults('file');
    const later = (await create(dashboard, [speedTest(device)])).json.result.commands[0].id;
    dashboard.advance(10 * 60_000);
    const relisted = (await listAll(dashboard)).json.result.commands;
    expect(relisted.find((c: { id: string }) => c.id === later).filename).toBe(`${later}.zip`);
    expect(relisted.find((c: { id: string }) => c.id === speed).filename).toBeNull();
    dashboard.setSpeedTestResults('dashboard');
    const third = (await create(dashboard, [speedTest(device)])).json.result.commands[0].id;
    dashboard.advance(10 * 60_000);
    expect(
      (await listAll(dashboard)).json.result.commands.find((c: { id: string }) => c.id === third).filename,
    ).toBeNull();

    expect([...SPEED_TEST_RESULTS]).toEqual(['file', 'dashboard']);
    expect(() => dashboard.setSpeedTestResults('email' as SpeedTestResults)).toThrow();
    await expect(simulator({ speedTestResults: 'inline' as SpeedTestResults })).rejects.toThrow(
      /invalid simulator options/,
    );
  });

  it('count against the quota like the other types', async () => {
    const small = await simulator({ quota: { total: 3, used: 0 } });
    const device = eligible(small);
    expect((await create(small, [speedTest(device), speedTest(device, ['default'])])).status).toBe(200);
    expect(await quotaUsed(small)).toBe(2);
    const over = await create(small, [speedTest(device), warpDiag(device)]);
    expect(over.status).toBe(400);
    expect(over.json.errors[0]).toMatchObject({
      code: ErrorCode.quotaExceeded,
      message: expect.stringContaining('2 commands requested, 1 remaining'),
    });
    expect((await create(small, [speedTest(device, ['tunnel'])])).status).toBe(200);
    expect(small.getQuota()).toMatchObject({ total: 3, used: 3 });
  });

  it('fail on offline and failing devices as the other types do, with their own reasons', async () => {
    const offline = sim.findDevice((d) => d.behaviour === 'offline' && d.eligible && !d.multiUser) as SimDevice;
    const failing = sim.findDevice((d) => d.behaviour === 'fails' && d.eligible && !d.multiUser) as SimDevice;
    const [gone] = (await create(sim, [speedTest(offline)])).json.result.commands.map((c: { id: string }) => c.id);
    const [broken] = (await create(sim, [speedTest(failing, ['default'])])).json.result.commands.map(
      (c: { id: string }) => c.id,
    );
    sim.advance(15_000);
    expect(await statusOf(broken)).toMatchObject({ status: 'FAILED', filename: null });
    expect(sim.commands.find((c) => c.id === broken)?.failureReason).toBe(
      'speed-test failed on the device: speed.cloudflare.com could not be reached',
    );
    expect((await statusOf(gone)).status).toBe('PENDING_EXEC');
    sim.advance(10 * 60_000);
    expect(await statusOf(gone)).toMatchObject({ status: 'FAILED', filename: null });
    expect(sim.commands.find((c) => c.id === gone)?.failureReason).toBe(
      'speed test timed out: WARP client disconnected',
    );
    const answer = await call(sim, 'GET', `${account(sim)}/commands/${broken}/downloads/${broken}.zip`);
    expect(answer.status).toBe(404);
    expect(answer.json.errors[0].message).toContain('failed');
  });

  it('are not packet captures: one runs on Windows beside a capture, and a partial-pcap device tests both', async () => {
    const windows = sim.addDevice({ platform: 'windows' });
    const partial = sim.findDevice((d) => d.behaviour === 'partial-pcap' && d.eligible && !d.multiUser) as SimDevice;
    const created = await create(sim, [pcap(windows, { 'time-limit-min': 2 }), speedTest(windows), speedTest(partial)]);
    const [, beside, onPartial] = created.json.result.commands.map((c: { id: string }) => c.id);
    sim.advance(5 * 60_000);
    expect((await statusOf(beside)).status).toBe('SUCCESS');
    const entries = await unzip(Buffer.from(await (await download(onPartial)).arrayBuffer()));
    const report = JSON.parse(entries.get('speed-test-results.json')?.toString('utf8') ?? '');
    expect(report.results.map((r: { status: string }) => r.status)).toEqual(['success', 'success']);
  });
});

/** name → bytes of every entry, read with yauzl (a second, independent zip reader). */
function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, strictFileNames: true }, (openError, zip) => {
      if (openError) return reject(openError);
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const parts: Buffer[] = [];
          stream.on('data', (part: Buffer) => parts.push(part));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

describe('quota', () => {
  it('counts down per command and resets at midnight UTC of the simulated clock', async () => {
    const sim = await simulator({ quota: { total: 5, used: 1 } });
    const first = (await get(sim, '/commands/quota')).json;
    expect(first.result_info).toBeUndefined();
    const resetTime = Date.parse(first.result.reset_time);
    expect(first.result).toEqual({ quota: 5, quota_usage: 1, reset_time: expect.stringMatching(/T00:00:00Z$/) });
    expect(resetTime).toBeGreaterThan(sim.now().getTime());
    expect(resetTime - sim.now().getTime()).toBeLessThanOrEqual(24 * 3600_000);

    const mac = sim.addDevice({ platform: 'macos' });
    await create(sim, [pcap(mac), warpDiag(mac)]);
    expect((await get(sim, '/commands/quota')).json.result.quota_usage).toBe(3);
    expect(sim.getQuota()).toMatchObject({ total: 5, used: 3 });

    sim.advance(resetTime - sim.now().getTime());
    const after = (await get(sim, '/commands/quota')).json.result;
    expect(after.quota_usage).toBe(0);
    expect(Date.parse(after.reset_time)).toBe(resetTime + 24 * 3600_000);

    sim.setQuota({ total: 2, used: 2 });
    expect((await create(sim, [warpDiag(mac)])).status).toBe(400);
    sim.advance(3 * 24 * 3600_000);
    expect((await get(sim, '/commands/quota')).json.result).toMatchObject({ quota: 2, quota_usage: 0 });
    expect((await create(sim, [warpDiag(mac)])).status).toBe(200);
  });
});

describe('faults', () => {
  let sim: DexSimulator;
  beforeAll(async () => {
    sim = await simulator();
  });
  afterEach(() => {
    sim.faults.clear();
  });

  it('rate limit: once tripped, every call with the token gets 429 until the real-time window passes', async () => {
    sim.faults.rateLimit({ retryAfterSeconds: 1, endpoint: 'quota' });
    const devices = await get(sim, '/commands/devices?page=1&per_page=1');
    expect(devices.status).toBe(200);
    const tripped = await get(sim, '/commands/quota');
    expect(tripped.status).toBe(429);
    expect(tripped.json).toEqual(failure(971, 'Please wait and consider throttling your request speed'));
    expect(tripped.headers.get('retry-after')).toBe('1');
    expect(tripped.headers.get('x-ratelimit-limit')).toBe('1200');
    expect(tripped.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Date.parse(tripped.headers.get('x-ratelimit-reset') ?? '')).toBeGreaterThan(Date.now() - 1000);
    for (const path of ['/commands?page=1&per_page=1', '/commands/devices?page=1&per_page=1', '/commands/quota']) {
      expect((await get(sim, path)).status, path).toBe(429);
    }
    // Simulated time does not lift it.
    sim.advance(3600_000);
    expect((await get(sim, '/commands/quota')).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const after = await get(sim, '/commands/quota');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).toBe('1199');
  });

  it('rate limit: retry-after as an HTTP date', async () => {
    sim.faults.rateLimit({ retryAfterSeconds: 1, format: 'http-date' });
    const tripped = await get(sim, '/commands/quota');
    expect(tripped.status).toBe(429);
    const retryAt = Date.parse(tripped.headers.get('retry-after') ?? '');
    expect(tripped.headers.get('retry-after')).toMatch(/GMT$/);
    expect(retryAt).toBeGreaterThan(Date.now());
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 2000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, retryAt - Date.now()) + 20));
    expect((await get(sim, '/commands/quota')).status).toBe(200);
  });

  it('the real limit: 1200 requests per 5 minutes, then 429 for 5 minutes', async () => {
    const own = await simulator({ fleetSize: 1 });
    let last: Answer | undefined;
    for (let batch = 0; batch < 60; batch++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(own, '/commands/quota')));
      last = answers.at(-1);
    }
    expect(last?.status).toBe(200);
    const over = await get(own, '/commands/quota');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(290);
  });

  it('server errors: the chosen status, for the chosen endpoint, the chosen number of times', async () => {
    sim.faults.serverError({ status: 503, endpoint: ['list', 'quota'], times: 2 });
    expect((await get(sim, '/commands/devices?page=1&per_page=1')).status).toBe(200);
    const first = await get(sim, '/commands/quota');
    expect(first.status).toBe(503);
    expect(first.json.success).toBe(false);
    expect((await get(sim, '/commands?page=1&per_page=1')).status).toBe(503);
    expect((await get(sim, '/commands/quota')).status).toBe(200);
    sim.faults.serverError({ times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i++) expect((await get(sim, '/commands/quota')).status).toBe(500);
    sim.faults.clear();
    expect((await get(sim, '/commands/quota')).status).toBe(200);
  });

  it('slow: the answer waits, and combines with other faults', async () => {
    sim.faults.slow({ delayMs: 1000, endpoint: 'quota' });
    sim.faults.serverError({ status: 502, endpoint: 'quota' });
    const order: string[] = [];
    const last = sim.requests.at(-1);
    const begun = Date.now();
    const slowed = get(sim, '/commands/quota').then((answer) => {
      order.push('slowed');
      return { answer, ms: Date.now() - begun };
    });
    await expect.poll(() => sim.requests.at(-1) !== last).toBe(true);
    // The faults were used up by the first call: the next one is answered while the first still waits. (How fast
    // it is, < 250 ms, is a row of `npm run bench -- simulator`.)
    expect((await get(sim, '/commands/quota')).status).toBe(200);
    order.push('next');
    const { answer, ms } = await slowed;
    expect(answer.status).toBe(502);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(order).toEqual(['next', 'slowed']);
  });

  it('malformed JSON: a 200 whose body does not parse, for 2xx JSON answers only', async () => {
    sim.faults.malformedJson({ endpoint: 'devices' });
    expect((await get(sim, '/commands/devices?page=0')).status).toBe(400);
    const broken = await get(sim, '/commands/devices?page=1&per_page=2');
    expect(broken.status).toBe(200);
    expect(broken.text.startsWith('{"success":true')).toBe(true);
    expect(broken.json).toBeUndefined();
    expect((await get(sim, '/commands/devices?page=1&per_page=2')).json.success).toBe(true);
  });

  it('drop connection before processing: nothing created; after processing: created, no answer', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const commandsBefore = sim.commands.length;
    const usedBefore = await quotaUsed(sim);
    sim.faults.dropConnection({ when: 'before-processing', endpoint: 'create' });
    await expect(create(sim, [warpDiag(mac)])).rejects.toThrow();
    expect(sim.commands.length).toBe(commandsBefore);
    expect(await quotaUsed(sim)).toBe(usedBefore);
    expect(sim.requests.at(-2)).toMatchObject({ endpoint: 'create', status: 0 });

    sim.faults.dropConnection({ when: 'after-processing', endpoint: 'create' });
    await expect(create(sim, [warpDiag(mac)])).rejects.toThrow();
    expect(sim.commands.length).toBe(commandsBefore + 1);
    expect(await quotaUsed(sim)).toBe(usedBefore + 1);
    expect((await create(sim, [warpDiag(mac)])).status).toBe(200);
  });

  it('drop download: headers and the first bytes, then the socket dies; a range request resumes', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const id = (await create(sim, [warpDiag(mac)])).json.result.commands[0].id;
    sim.advance(5 * 60_000);
    const url = `${sim.baseUrl}${account(sim)}/commands/${id}/downloads/${id}.zip`;
    const auth = { authorization: `Bearer ${sim.token}` };
    const whole = Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer());

    sim.faults.dropDownload({ afterBytes: 10_000 });
    const cut = await fetch(url, { headers: auth });
    expect(cut.status).toBe(200);
    expect(cut.headers.get('content-length')).toBe(String(whole.length));
    const received: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of cut.body as unknown as AsyncIterable<Uint8Array>) received.push(Buffer.from(chunk));
      })(),
    ).rejects.toThrow();
    const prefix = Buffer.concat(received);
    expect(prefix.length).toBe(10_000);
    expectSameBytes(prefix, whole.subarray(0, 10_000));
    const rest = await fetch(url, { headers: { ...auth, range: `bytes=${prefix.length}-` } });
    expect(rest.status).toBe(206);
    expectSameBytes(Buffer.concat([prefix, Buffer.from(await rest.arrayBuffer())]), whole);
  });

  it('garbled response: an HTML page (echoing the request headers if asked) before or after processing', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const commandsBefore = sim.commands.length;
    sim.faults.garbledResponse({
      endpoint: 'create',
      status: 502,
      body: 'html',
      when: 'before-processing',
      echoHeaders: true,
    });
    const proxy = await create(sim, [warpDiag(mac)]);
    expect(proxy.status).toBe(502);
    expect(proxy.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(proxy.headers.get('content-length')).toBe(String(Buffer.byteLength(proxy.text)));
    expect(proxy.text).toContain('<h1>502 Bad Gateway</h1>');
    expect(proxy.text).toMatch(new RegExp(`^authorization: Bearer ${sim.token}$`, 'im'));
    expect(proxy.text).toMatch(/^content-type: application\/json$/im);
    expect(sim.commands.length).toBe(commandsBefore);

    sim.faults.garbledResponse({ endpoint: 'create', body: 'html', when: 'after-processing', times: 2 });
    for (let i = 0; i < 2; i++) {
      const page = await create(sim, [warpDiag(mac)]);
      expect([page.status, page.json]).toEqual([200, undefined]);
      expect(page.text).toContain('<h1>200 OK</h1>');
      expect(page.text).not.toContain(sim.token);
    }
    expect(sim.commands.length).toBe(commandsBefore + 2);
    expect((await create(sim, [warpDiag(mac)])).json.success).toBe(true);
    expect(sim.requests.slice(-3).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('garbled response: truncated JSON (a consistent length) and a body cut off mid-way', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const commandsBefore = sim.commands.length;
    sim.faults.garbledResponse({ endpoint: 'list', body: 'truncated-json', when: 'after-processing' });
    const truncated = await get(sim, '/commands?page=1&per_page=5');
    expect(truncated.status).toBe(200);
    expect(truncated.headers.get('content-type')).toBe('application/json');
    expect(truncated.headers.get('content-length')).toBe(String(Buffer.byteLength(truncated.text)));
    expect(truncated.text.startsWith('{"success":true')).toBe(true);
    expect(truncated.json).toBeUndefined();

    sim.faults.garbledResponse({ endpoint: 'create', status: 503, body: 'truncated-json', when: 'before-processing' });
    const gateway = await create(sim, [warpDiag(mac)]);
    expect(gateway.status).toBe(503);
    expect(gateway.text.startsWith('{"success":false')).toBe(true);
    expect(gateway.json).toBeUndefined();
    expect(sim.commands.length).toBe(commandsBefore);

    sim.faults.garbledResponse({ endpoint: 'create', body: 'cut-off', when: 'after-processing' });
    const response = await fetch(`${sim.baseUrl}${account(sim)}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ commands: [warpDiag(mac)] }),
    });
    expect(response.status).toBe(200);
    const promised = Number(response.headers.get('content-length'));
    expect(promised).toBeGreaterThan(0);
    await expect(response.text()).rejects.toThrow();
    expect(sim.commands.length).toBe(commandsBefore + 1);
  });

  it('chunked download: Transfer-Encoding chunked, no Content-Length, the same bytes', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const id = (await create(sim, [warpDiag(mac)])).json.result.commands[0].id;
    sim.advance(5 * 60_000);
    const url = `${sim.baseUrl}${account(sim)}/commands/${id}/downloads/${id}.zip`;
    const auth = { authorization: `Bearer ${sim.token}` };
    const whole = Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer());

    sim.faults.chunkedDownload();
    const chunked = await fetch(url, { headers: auth });
    expect(chunked.status).toBe(200);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
    expectSameBytes(Buffer.from(await chunked.arrayBuffer()), whole);
    expect((await fetch(url, { headers: auth })).headers.get('content-length')).toBe(String(whole.length));
  });

  it('slow download: drips the same bytes, a chunk at a time', async () => {
    const mac = sim.addDevice({ platform: 'macos' });
    const id = (await create(sim, [warpDiag(mac)])).json.result.commands[0].id;
    sim.advance(5 * 60_000);
    const url = `${sim.baseUrl}${account(sim)}/commands/${id}/downloads/${id}.zip`;
    const auth = { authorization: `Bearer ${sim.token}` };
    const whole = Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer());
    sim.faults.slowDownload({ bytesPerChunk: 128 * 1024, intervalMs: 1 });
    const dripped = await fetch(url, { headers: auth });
    expect(dripped.headers.get('content-length')).toBe(String(whole.length));
    expectSameBytes(Buffer.from(await dripped.arrayBuffer()), whole);
  });

  it('slow download: one chunk per interval, and nothing left running once the client goes away', async () => {
    const opened: Readable[] = [];
    const own = await simulator({
      fleetSize: 1,
      createArtifact: (spec) => {
        const artifact = createArtifact(spec);
        return {
          ...artifact,
          open: (start, end) => {
            const stream = artifact.open(start, end);
            opened.push(stream);
            return stream;
          },
        };
      },
    });
    const mac = own.addDevice({ platform: 'macos' });
    const id = (await create(own, [warpDiag(mac)])).json.result.commands[0].id;
    own.advance(5 * 60_000);
    // The next chunk is a minute away: whatever arrives before is the first chunk alone.
    own.faults.slowDownload({ bytesPerChunk: 1000, intervalMs: 60_000 });
    const leaving = new AbortController();
    const response = await fetch(`${own.baseUrl}${account(own)}/commands/${id}/downloads/${id}.zip`, {
      headers: { authorization: `Bearer ${own.token}` },
      signal: leaving.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 1000) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value.length;
    }
    expect(received).toBe(1000);
    const body = opened.at(-1) as Readable;
    // 'close', not once(): a stream destroyed before its end also emits an AbortError, which is expected here.
    const released = new Promise((resolve) => body.once('close', resolve));
    leaving.abort();
    await reader.cancel().catch(() => {});
    // The server notices the socket closing and destroys the artifact stream (and its timer) right away.
    await released;
    expect(body.destroyed).toBe(true);
  });

  it('malformed list items: bogus items beside the real ones, and real dates in the other forms', async () => {
    const own = await simulator({ fleetSize: 5 });
    const mac = own.addDevice({ platform: 'macos' });
    const ids = (await create(own, [warpDiag(mac), pcap(mac)])).json.result.commands.map((c: { id: string }) => c.id);
    own.advance(10 * 60_000);
    own.faults.malformedListItems({ kinds: ['no-id', 'space-date', 'offset-0000', 'wrong-type'] });
    const page = (await listAll(own)).json;
    const rows = page.result.commands;
    expect(rows).toHaveLength(4);
    expect(page.result_info).toMatchObject({ count: 4, total_count: 2 });
    expect(rows[1].id).toBeUndefined();
    expect(rows[1].created_date).toMatch(/Z$/);
    expect(typeof rows[2].id).toBe('number');
    const real = [rows[0], rows[3]];
    expect(real.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(real[0].created_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+00$/);
    expect(real[0].completed_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+00$/);
    expect(real[1].created_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const truth = own.commands.find((c) => c.id === real[1].id);
    expect(Date.parse(real[1].created_date)).toBe(truth?.createdAt.getTime());
    // Used up: the next page is clean.
    expect((await listAll(own)).json.result.commands.map((c: { id: unknown }) => typeof c.id)).toEqual([
      'string',
      'string',
    ]);

    own.faults.malformedListItems({ kinds: ['no-id'], endpoint: 'devices', times: 2 });
    expect((await listAll(own)).json.result.commands).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const devices = (await get(own, '/commands/devices?page=1&per_page=3')).json.result.devices;
      expect(devices).toHaveLength(4);
      expect(devices[1].deviceId).toBeUndefined();
      expect(devices.filter((d: { deviceId?: string }) => d.deviceId)).toHaveLength(3);
      expect(devices[0].timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00$/);
    }
    expect((await get(own, '/commands/devices?page=1&per_page=3')).json.result.devices).toHaveLength(3);

    own.faults.malformedListItems({ kinds: ['wrong-type', 'offset-0000'], endpoint: 'devices' });
    const devices = (await get(own, '/commands/devices?page=1&per_page=2')).json.result.devices;
    expect(devices.map((d: { deviceId: unknown }) => typeof d.deviceId)).toEqual(['string', 'number', 'string']);
    expect(devices[0].timestamp).toMatch(/T\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    // A request refused for its query does not use the fault up.
    own.faults.malformedListItems({ kinds: ['no-id'], endpoint: 'list' });
    expect((await get(own, '/commands?page=0&per_page=5')).status).toBe(400);
    expect((await listAll(own)).json.result.commands).toHaveLength(3);
  });

  it('refuses bad knob values', () => {
    expect(() => sim.faults.slow({ delayMs: -1 })).toThrow(RangeError);
    expect(() => sim.faults.rateLimit({ retryAfterSeconds: 0 })).toThrow(RangeError);
    expect(() => sim.faults.serverError({ times: 0 })).toThrow(RangeError);
    const garbled = { body: 'html', when: 'after-processing' } as const;
    expect(() => sim.faults.garbledResponse({ ...garbled, body: 'xml' as 'html' })).toThrow(RangeError);
    expect(() => sim.faults.garbledResponse({ ...garbled, when: 'later' as 'after-processing' })).toThrow(RangeError);
    expect(() => sim.faults.garbledResponse({ ...garbled, status: 99 })).toThrow(RangeError);
    expect(() => sim.faults.garbledResponse({ ...garbled, status: 200.5 })).toThrow(RangeError);
    expect(() => sim.faults.garbledResponse({ ...garbled, body: 'cut-off', echoHeaders: true })).toThrow(RangeError);
    expect(() => sim.faults.chunkedDownload({ times: -1 })).toThrow(RangeError);
    expect(() => sim.faults.slowDownload({ bytesPerChunk: 0, intervalMs: 10 })).toThrow(RangeError);
    expect(() => sim.faults.slowDownload({ bytesPerChunk: 10, intervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => sim.faults.malformedListItems({ kinds: [] })).toThrow(RangeError);
    expect(() => sim.faults.malformedListItems({ kinds: ['no-date' as 'no-id'] })).toThrow(RangeError);
    expect(() => sim.faults.malformedListItems({ kinds: ['no-id'], endpoint: 'quota' as 'list' })).toThrow(RangeError);
  });
});

describe('robustness', () => {
  it('survives garbage and closes promptly with sockets still open', async () => {
    const sim = await simulator({ fleetSize: 10 });
    const raw = await fetch(`${sim.baseUrl}/accounts/%E0%A4%A/dex/commands/quota`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    expect(raw.status).toBe(404);
    await raw.text();
    // Held far longer than the test may run: close must not wait for it. (How fast it closes, < 1000 ms, is a row
    // of `npm run bench -- simulator`.)
    sim.faults.slow({ delayMs: 600_000, endpoint: 'quota' });
    const hanging = get(sim, '/commands/quota').then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sim.close();
    expect(await hanging).toBe('dropped');
    await sim.close();
  });

  // Its peak memory (< 64 MB over the start) is a row of `npm run bench -- simulator`.
  it('streams a large artifact whole', async () => {
    const size = 128 * 1024 * 1024;
    const sim = await simulator({ fleetSize: 10, artifactSizeBytes: { 'warp-diag': size } });
    const mac = sim.addDevice({ platform: 'macos' });
    const id = (await create(sim, [warpDiag(mac)])).json.result.commands[0].id;
    sim.advance(5 * 60_000);
    const response = await fetch(`${sim.baseUrl}${account(sim)}/commands/${id}/downloads/${id}.zip`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    expect(bytes).toBe(Number(response.headers.get('content-length')));
    expect(bytes).toBeGreaterThan(size * 0.95);
  });
});

describe('cli', () => {
  it('parses flags with demo defaults', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', options: { port: 8787, timeScale: 60 } });
    expect(
      parseCliArgs(['--port', '0', '--devices', '2000', '--seed', '9', '--time-scale', '1', '--artifact-mb', '2']),
    ).toEqual({
      kind: 'run',
      options: {
        port: 0,
        fleetSize: 2000,
        seed: 9,
        timeScale: 1,
        artifactSizeBytes: { pcap: 2 * 1024 * 1024, 'warp-diag': 2 * 1024 * 1024 },
      },
    });
    expect(parseCliArgs(['--speed-test-results', 'dashboard'])).toEqual({
      kind: 'run',
      options: { port: 8787, timeScale: 60, speedTestResults: 'dashboard' },
    });
    expect(parseCliArgs(['--speed-test-results', 'file'])).toMatchObject({ options: { speedTestResults: 'file' } });
    expect(parseCliArgs(['--warp-diag-analysis', 'not-found'])).toEqual({
      kind: 'run',
      options: { port: 8787, timeScale: 60, warpDiagAnalysis: 'not-found' },
    });
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', 'eighty'], /--port must be/],
    [['--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['--devices', '-3'], /--devices/],
    [['--time-scale', '0'], /--time-scale must be a number > 0, got "0"/],
    [['--artifact-mb'], /argument missing/],
    [['--speed-test-results', 'pdf'], /^--speed-test-results must be file or dashboard, got "pdf"$/],
    [['--warp-diag-analysis', '404'], /^--warp-diag-analysis must be detections or not-found, got "404"$/],
    [['--colour', 'blue'], /Unknown option '--colour'/],
    [['stray'], /positional/],
  ])('refuses %j with one clear message', (argv, message) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') {
      expect(parsed.message).toMatch(message);
      expect(parsed.message).not.toMatch(/\n\s+at /);
    }
  });

  it('--help lists every flag, the speed-test results knob among them', async () => {
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: () => {}, stopRequested: new Promise<string>(() => {}) };
    expect(await runCli(['--help'], io)).toBe(0);
    const help = out.join('\n');
    for (const flag of ['--port', '--devices', '--seed', '--time-scale', '--artifact-mb', '--account-id', '--token']) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/--speed-test-results <file\|dashboard>\n\s+how finished speed tests come back/);
  });

  it('starts, prints what to paste, serves, and stops cleanly on a signal', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let stop: (signal: string) => void = () => {};
    const stopRequested = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const exit = runCli(['--port', '0', '--devices', '25', '--token', 'demo-token'], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      stopRequested,
    });
    await expect.poll(() => out.length).toBeGreaterThan(0);
    const printed = out.join('\n');
    const url = /^CLOUDFLARE_API_URL=(http:\/\/127\.0\.0\.1:\d+\/client\/v4)$/m.exec(printed)?.[1];
    const accountId = /^CLOUDFLARE_ACCOUNT_ID=(\w+)$/m.exec(printed)?.[1];
    expect(url).toBeDefined();
    expect(printed).toMatch(/^CLOUDFLARE_API_TOKEN=demo-token$/m);
    const curl = /curl -s -H "Authorization: Bearer demo-token" "([^"]+)"/.exec(printed)?.[1];
    expect(curl).toBe(`${url}/accounts/${accountId}/dex/commands/quota`);
    const answer = await fetch(curl ?? '', { headers: { authorization: 'Bearer demo-token' } });
    expect(((await answer.json()) as { result: { quota: number } }).result.quota).toBe(800);
    stop('SIGINT');
    expect(await exit).toBe(0);
    expect(err).toEqual([]);
    await expect(fetch(curl ?? '')).rejects.toThrow();
  });

  it('exits 1 with one line when the flags are bad or the port is taken', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (text: string) => err.push(text), stopRequested: new Promise<string>(() => {}) };
    expect(await runCli(['--seed', 'x'], io)).toBe(1);
    expect(err[0]).toMatch(/^dex simulator: --seed must be/);
    const busy = await simulator({ fleetSize: 1 });
    expect(await runCli(['--port', String(busy.port)], io)).toBe(1);
    expect(err[1]).toBe(`dex simulator: cannot start: port ${busy.port} is already in use (try --port 0)`);
  });
});
