import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Command,
  DexApiError,
  DexClient,
  type DexClientOptions,
  DexInputError,
  DexNetworkError,
  DexRateLimitError,
  DexResponseError,
  type NewCommand,
} from '../../src/dex/index.js';
import { startDexSimulator } from '../../src/simulator/index.js';

type Simulator = Awaited<ReturnType<typeof startDexSimulator>>;

let sim: Simulator;
const clients: DexClient[] = [];

function client(overrides: Partial<DexClientOptions> = {}): DexClient {
  const created = new DexClient({
    baseUrl: sim.baseUrl,
    accountId: sim.accountId,
    token: sim.token,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
  clients.push(created);
  return created;
}

function normalDevice(name: string, platform: 'windows' | 'macos' | 'linux' = 'macos') {
  return sim.addDevice({
    deviceName: name,
    personEmail: `${name.toLowerCase()}@example.com`,
    platform,
    behaviour: 'normal',
  });
}

function captureBoth(device: { deviceId: string; personEmail: string }): NewCommand[] {
  const target = { deviceId: device.deviceId, userEmail: device.personEmail };
  return [
    { ...target, type: 'pcap', args: { timeLimitMin: 1, maxFileSizeMb: 5, packetSizeBytes: 160 } },
    { ...target, type: 'warp-diag', args: { testAllRoutes: false } },
  ];
}

async function drain(stream: AsyncIterable<Buffer>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

const requestsTo = (endpoint: string) => sim.requests.filter((r) => r.endpoint === endpoint);

beforeAll(async () => {
  sim = await startDexSimulator({ fleetSize: 500, seed: 7 });
});

afterEach(() => {
  sim.faults.clear();
  sim.clearRequests();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

describe('devices', () => {
  it('walks every page of the fleet, 50 at a time, mapping the camelCase fields', async () => {
    const devices = [];
    for await (const device of client().iterateDevices()) devices.push(device);
    expect(devices.length).toBe(sim.fleet.length);
    const pages = requestsTo('devices');
    expect(pages.length).toBe(Math.ceil(sim.fleet.length / 50));
    expect(pages.every((r) => r.query.per_page === '50')).toBe(true);

    const ineligible = devices.find((d) => !d.eligible);
    expect(ineligible?.ineligibleReason).toMatch(/\w/);
    const sample = devices.find((d) => d.eligible);
    expect(sample).toMatchObject({ eligible: true, ineligibleReason: null });
    expect(sample?.lastSeenAt).toBeInstanceOf(Date);
    expect(sample?.email).toMatch(/@example\.com$/);
  });

  it('searches by device name and by email', async () => {
    const laptop = normalDevice('LAPTOP-SEARCH-1');
    const byName = await client().listDevices({ search: 'laptop-search' });
    expect(byName.items.map((d) => d.id)).toEqual([laptop.deviceId]);
    const byEmail = await client().listDevices({ search: laptop.personEmail.toUpperCase() });
    expect(byEmail.items.map((d) => d.name)).toEqual(['LAPTOP-SEARCH-1']);
    expect(requestsTo('devices')[0]?.query.search).toBe('laptop-search');
  });

  it('lists each registration of a multi-user device with its registration id', async () => {
    const shared = sim.fleet.find((d) => d.multiUser && d.eligible);
    expect(shared).toBeDefined();
    const rows = (await client().listDevices({ search: shared?.deviceName })).items.filter(
      (d) => d.id === shared?.deviceId,
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows.map((d) => d.registrationId)).size).toBe(rows.length);
  });

  it('refuses page and perPage out of range before sending', async () => {
    await expect(client().listDevices({ perPage: 51 })).rejects.toThrow(/perPage must be a whole number from 1 to 50/);
    await expect(client().listCommands({ page: 0 })).rejects.toThrow(/page must be a whole number/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('captures: create, follow, download', () => {
  it('creates PCAP and WARP diagnostics, follows them to SUCCESS through the list, and streams each zip', async () => {
    const dex = client();
    const device = normalDevice('LAPTOP-42', 'windows');
    const quotaBefore = await dex.getQuota();
    const since = sim.now();

    const created = await dex.createCommands(captureBoth(device));
    expect(created.map((c) => [c.type, c.status, c.deviceId])).toEqual([
      ['pcap', 'PENDING_EXEC', device.deviceId],
      ['warp-diag', 'PENDING_EXEC', device.deviceId],
    ]);
    expect(created[0]?.args).toMatchObject({ 'time-limit-min': '1' });
    expect((await dex.getQuota()).used).toBe(quotaBefore.used + 2);

    const listed = async () => {
      const out: Command[] = [];
      for await (const c of dex.iterateCommands({
        deviceId: device.deviceId,
        from: new Date(since.getTime() - 1000),
      })) {
        out.push(c);
      }
      return out;
    };
    expect((await listed()).map((c) => c.status)).toEqual(['PENDING_EXEC', 'PENDING_EXEC']);

    sim.advance(10 * 60_000);
    const finished = await listed();
    expect(finished.map((c) => c.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(new Set(finished.map((c) => c.id))).toEqual(new Set(created.map((c) => c.id)));
    for (const command of finished) {
      expect(command.completedAt).toBeInstanceOf(Date);
      expect(command.userEmail).toBe(device.personEmail);
      const download = await dex.download(command);
      expect(download.fileName).toBe(`${command.id}.zip`);
      expect(download.contentType).toBe('application/zip');
      const { bytes } = await drain(download.stream);
      expect(bytes).toBe(download.contentLength);
      expect(bytes).toBeGreaterThan(1000);
    }
  });

  it('filters the list by status and type, across several pages', async () => {
    const dex = client();
    const since = sim.now();
    const devices = Array.from({ length: 10 }, (_, i) => normalDevice(`PAGE-${i}`));
    for (let round = 0; round < 6; round++) {
      await dex.createCommands(devices.flatMap((d) => captureBoth(d)));
    }
    let all = 0;
    for await (const _ of dex.iterateCommands({ from: since, type: 'pcap' })) all++;
    expect(all).toBe(60);
    expect(requestsTo('list').map((r) => r.query.page)).toEqual(['1', '2']);
    expect(requestsTo('list')[0]?.query).toMatchObject({ command_type: 'pcap', from: since.toISOString() });

    const pending = await dex.listCommands({ from: since, status: 'PENDING_EXEC', perPage: 7, page: 3 });
    expect(pending.items).toHaveLength(7);
    expect(pending.totalPages).toBe(Math.ceil(120 / 7));
  });

  it('resumes a download that was cut off, with a byte range, and gets the same bytes', async () => {
    const dex = client();
    const device = normalDevice('RESUME-1');
    const [pcap] = await dex.createCommands([captureBoth(device)[0] as NewCommand]);
    sim.advance(10 * 60_000);
    const command = { id: pcap?.id ?? '', filename: null };
    const whole = await drain((await dex.download(command)).stream);

    sim.faults.dropDownload({ afterBytes: 100_000 });
    const first = await dex.download(command);
    const hash = createHash('sha256');
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of first.stream) {
          received += chunk.length;
          hash.update(chunk);
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBeGreaterThanOrEqual(100_000);
    expect(received).toBeLessThan(whole.bytes);

    const rest = await dex.download(command, { start: received, ifRange: first.etag ?? undefined });
    expect(rest.start).toBe(received);
    expect(rest.totalSize).toBe(whole.bytes);
    for await (const chunk of rest.stream) hash.update(chunk);
    expect(hash.digest('hex')).toBe(whole.sha256);
  });

  it('streams a large artifact to the end', async () => {
    const dex = client();
    const size = 300 * 1024 * 1024;
    sim.setArtifactSize('pcap', size);
    try {
      const device = normalDevice('BIG-1');
      const [pcap] = await dex.createCommands([captureBoth(device)[0] as NewCommand]);
      sim.advance(10 * 60_000);
      const download = await dex.download({ id: pcap?.id ?? '', filename: null });
      // Its peak memory (< 64 MB over the start) is a row of `npm run bench -- simulator`.
      let bytes = 0;
      for await (const chunk of download.stream) bytes += chunk.length;
      expect(bytes).toBe(download.contentLength);
      expect(bytes).toBeGreaterThan(size * 0.95);
    } finally {
      sim.setArtifactSize('pcap', 256 * 1024);
    }
  });
});

describe('input refused before anything is sent', () => {
  it('refuses 11 devices with a clear message and sends nothing', async () => {
    const devices = Array.from({ length: 11 }, (_, i) => ({ deviceId: `d-${i}`, personEmail: `u${i}@example.com` }));
    const error = await expectRejection(
      client().createCommands(devices.map((d) => captureBoth(d)[0] as NewCommand)),
      DexInputError,
    );
    expect(error.problems).toEqual(['at most 10 devices per request (got 11)']);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('errors keep what Cloudflare said', () => {
  it('a wrong token gives 401 with the error codes and cf-ray, and never echoes the token', async () => {
    const secret = 'wrong-token-that-must-not-leak';
    const error = await expectRejection(client({ token: secret }).getQuota(), DexApiError);
    expect(error.status).toBe(401);
    expect(error.codes).toEqual([10000]);
    expect(error.cfRay).toMatch(/\w+-\w+/);
    const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause ?? '')}`;
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(sim.token);
  });

  it("a create Cloudflare refuses (ineligible device) keeps Cloudflare's reason and is not retried", async () => {
    const ineligible = sim.fleet.find((d) => !d.eligible && d.platform === 'ios');
    expect(ineligible).toBeDefined();
    const error = await expectRejection(
      client().createCommands([
        { type: 'pcap', deviceId: ineligible?.deviceId ?? '', userEmail: ineligible?.personEmail ?? '' },
      ]),
      DexApiError,
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain(ineligible?.ineligibleReason);
    expect(requestsTo('create')).toHaveLength(1);
  });

  it('a download for a command that has not finished is a 404 with the envelope message', async () => {
    const dex = client();
    const [pcap] = await dex.createCommands([captureBoth(normalDevice('EARLY-1'))[0] as NewCommand]);
    const error = await expectRejection(dex.download({ id: pcap?.id ?? '', filename: null }), DexApiError);
    expect(error.status).toBe(404);
    expect(error.errors[0]?.message).toMatch(/\w/);
  });

  it('refuses an artifact reference on another host without sending anything', async () => {
    await expect(client().download({ id: 'abc', filename: 'https://files.example.net/abc.zip' })).rejects.toThrow(
      /Refusing to download/,
    );
    expect(sim.requests).toHaveLength(0);
  });
});

describe('faults', () => {
  it('429: waits out Retry-After, holds back every call with the token meanwhile, then succeeds', async () => {
    const dex = client();
    sim.faults.rateLimit({ retryAfterSeconds: 1, endpoint: 'quota' });
    const started = Date.now();
    const [quota, devices] = await Promise.all([
      dex.getQuota(),
      new Promise((r) => setTimeout(r, 100)).then(() => dex.listDevices({ perPage: 1 })),
    ]);
    expect(quota.total).toBeGreaterThan(0);
    expect(devices.items).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    const limited = sim.requests.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    const after = sim.requests.filter((r) => r !== limited);
    expect(after.map((r) => r.status)).toEqual([200, 200]);
    // Nothing else went out while the token was blocked.
    for (const r of after) expect(r.at.getTime()).toBeGreaterThanOrEqual((limited?.at.getTime() ?? 0) + 990);
  });

  it('429 with an HTTP-date Retry-After is honoured too', async () => {
    sim.faults.rateLimit({ retryAfterSeconds: 2, format: 'http-date', endpoint: 'list' });
    const started = Date.now();
    await client().listCommands();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 on create is not retried: the error says when calls may resume', async () => {
    sim.faults.rateLimit({ retryAfterSeconds: 1, endpoint: 'create' });
    const error = await expectRejection(
      client().createCommands(captureBoth(normalDevice('LIMITED-1'))),
      DexRateLimitError,
    );
    expect(error.status).toBe(429);
    expect(error.retryAt.getTime()).toBeGreaterThan(Date.now());
    expect(requestsTo('create')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
  });

  it('5xx: safe calls retry with backoff, then give up after the bounded count', async () => {
    sim.faults.serverError({ status: 503, endpoint: 'quota', times: 2 });
    await client().getQuota();
    expect(requestsTo('quota').map((r) => r.status)).toEqual([503, 503, 200]);

    sim.clearRequests();
    sim.faults.serverError({ status: 502, endpoint: 'quota', times: Number.POSITIVE_INFINITY });
    const error = await expectRejection(client({ retry: { maxRetries: 2, baseDelayMs: 1 } }).getQuota(), DexApiError);
    expect(error.status).toBe(502);
    expect(requestsTo('quota')).toHaveLength(3);
  });

  it('5xx on create is surfaced at once, never retried', async () => {
    sim.faults.serverError({ status: 500, endpoint: 'create' });
    const error = await expectRejection(client().createCommands(captureBoth(normalDevice('FIVE-1'))), DexApiError);
    expect(error.status).toBe(500);
    expect(requestsTo('create')).toHaveLength(1);
  });

  it('a slow answer times out; a safe call retries, a create reports an unknown outcome', async () => {
    // undici's timers are coarse (about half a second), so use whole seconds here.
    const dex = client({ timeouts: { headersMs: 1000 } });
    sim.faults.slow({ delayMs: 2000, endpoint: 'quota' });
    expect((await dex.getQuota()).total).toBeGreaterThan(0);
    expect(requestsTo('quota').length).toBe(2);

    sim.faults.slow({ delayMs: 2000, endpoint: 'create' });
    const error = await expectRejection(dex.createCommands(captureBoth(normalDevice('SLOW-1'))), DexNetworkError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it('malformed JSON gives a typed error with an excerpt of the body', async () => {
    sim.faults.malformedJson({ endpoint: 'quota' });
    const error = await expectRejection(client().getQuota(), DexResponseError);
    expect(error.problem).toBe('body is not valid JSON');
    expect(error.excerpt.length).toBeGreaterThan(0);
    expect(error.status).toBe(200);
  });

  it('a create whose connection dropped after sending is reported as unknown, and listing finds what was made', async () => {
    const dex = client();
    const device = normalDevice('DROP-1');
    const since = sim.now();
    sim.faults.dropConnection({ when: 'after-processing', endpoint: 'create' });
    const error = await expectRejection(dex.createCommands(captureBoth(device)), DexNetworkError);
    expect(error.outcomeUnknown).toBe(true);
    expect(requestsTo('create')).toHaveLength(1);
    const reconciled = await dex.listCommands({ deviceId: device.deviceId, from: since });
    expect(reconciled.items.map((c) => c.type).sort()).toEqual(['pcap', 'warp-diag']);
  });

  it('a dropped connection on a safe call is retried', async () => {
    sim.faults.dropConnection({ when: 'before-processing', endpoint: 'list' });
    await client().listCommands();
    expect(requestsTo('list').length).toBeGreaterThanOrEqual(1);
  });

  it('a refused connection is a network error whose outcome is known', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const error = await expectRejection(
      client({ baseUrl: `http://127.0.0.1:${port}/client/v4` }).createCommands(captureBoth(normalDevice('GONE-1'))),
      DexNetworkError,
    );
    expect(error.outcomeUnknown).toBe(false);
  });
});

describe('responses that do not match the documented schema', () => {
  let server: Server;
  let body = '';
  let base = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cf-ray': '8f00000000000000-SJC' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const ok = (result: unknown) => JSON.stringify({ success: true, errors: [], messages: [], result });

  it('keeps an unknown status string as it is', async () => {
    body = ok({
      commands: [{ id: 'c1', status: 'QUEUED_FOR_REVIEW', type: 'pcap', created_date: '2026-11-25T14:00:00Z' }],
    });
    const page = await client({ baseUrl: base }).listCommands();
    expect(page.items[0]?.status).toBe('QUEUED_FOR_REVIEW');
  });

  it('names the field that was wrong and keeps an excerpt', async () => {
    body = ok({ commands: [{ id: 'c1', status: 'SUCCESS', created_date: 'yesterday' }] });
    const error = await expectRejection(client({ baseUrl: base }).listCommands(), DexResponseError);
    expect(error.problem).toMatch(/^result\.commands\[0\]\.created_date: /);
    expect(error.excerpt).toContain('yesterday');
    expect(error.cfRay).toBe('8f00000000000000-SJC');
  });

  it('reads a quota with the reset time as a Date and remaining = total − used', async () => {
    body = ok({ quota: 800, quota_usage: 812, reset_time: '2026-11-26T00:00:00Z' });
    expect(await client({ baseUrl: base }).getQuota()).toEqual({
      total: 800,
      used: 812,
      remaining: 0,
      resetsAt: new Date('2026-11-26T00:00:00Z'),
    });
  });

  it('treats success: false on a 200 as an API error', async () => {
    body = JSON.stringify({ success: false, errors: [{ code: 1234, message: 'nope' }], messages: [], result: null });
    const error = await expectRejection(client({ baseUrl: base }).getQuota(), DexApiError);
    expect(error.codes).toEqual([1234]);
  });
});
