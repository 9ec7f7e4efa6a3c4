import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Command,
  createOutcomeUnknown,
  DexApiError,
  DexClient,
  type DexClientOptions,
  DexInputError,
  DexNetworkError,
  DexRateLimitError,
  DexResponseError,
  type DexSkippedItemEvent,
  DexUnsafeArtifactError,
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
    expect(error.bodyExcerpt.length).toBeGreaterThan(0);
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

describe('lenient lists against the simulator', () => {
  it('skips the bogus items in every page, reports each, and still finds every real command with its dates', async () => {
    const skipped: DexSkippedItemEvent[] = [];
    const dex = client({ onSkippedItem: (event) => skipped.push(event) });
    const since = sim.now();
    const devices = Array.from({ length: 4 }, (_, i) => normalDevice(`LENIENT-${i}`));
    await dex.createCommands(devices.flatMap((d) => captureBoth(d)));
    sim.advance(10 * 60_000);
    sim.faults.malformedListItems({
      kinds: ['no-id', 'space-date', 'offset-0000', 'wrong-type'],
      times: Number.POSITIVE_INFINITY,
    });

    const found: Command[] = [];
    for await (const command of dex.iterateCommands({ from: since })) found.push(command);
    const expected = sim.commands.filter((c) => c.createdAt >= since);
    expect(found.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
    for (const command of found) {
      const truth = expected.find((c) => c.id === command.id);
      expect(command.createdAt?.getTime()).toBe(truth?.createdAt.getTime());
      expect(command.completedAt?.getTime()).toBe(truth?.completedAt?.getTime());
    }
    const pages = requestsTo('list').length;
    expect(pages).toBeGreaterThan(0);
    expect(skipped).toHaveLength(2 * pages);
    expect(new Set(skipped.map((e) => e.problem))).toEqual(
      new Set(['id: missing', 'id: expected a string, got number']),
    );
    expect(skipped.every((e) => e.endpoint === 'list')).toBe(true);
  });

  it('walks devices past the bogus rows of each page, 50 at a time', async () => {
    const skipped: DexSkippedItemEvent[] = [];
    sim.faults.malformedListItems({ kinds: ['no-id', 'wrong-type', 'space-date'], times: Number.POSITIVE_INFINITY });
    const devices = [];
    for await (const device of client({ onSkippedItem: (e) => skipped.push(e) }).iterateDevices()) devices.push(device);
    expect(devices.map((d) => d.id)).toEqual(sim.fleet.map((d) => d.deviceId));
    expect(devices.every((d) => d.lastSeenAt instanceof Date)).toBe(true);
    expect(skipped).toHaveLength(2 * requestsTo('devices').length);
    expect(skipped.map((e) => e.index).slice(0, 2)).toEqual([1, 2]);
  });
});

describe('artifact references in every form the list may give', () => {
  async function finishedPcap(name: string): Promise<Command> {
    const dex = client();
    const since = sim.now();
    const device = normalDevice(name);
    await dex.createCommands([captureBoth(device)[0] as NewCommand]);
    sim.advance(10 * 60_000);
    const [command] = (await dex.listCommands({ deviceId: device.deviceId, from: since })).items;
    if (!command) throw new Error('the command was not listed');
    return command;
  }

  afterEach(() => {
    sim.setFilenameForm('device-url');
  });

  it.each(['device-url', 'url', 'bare', 'null', 'opaque'] as const)(
    "'%s': downloads {id}.zip from the commands route",
    async (form) => {
      sim.setFilenameForm(form);
      const command = await finishedPcap(`FORM-${form}`);
      const download = await client().download(command);
      expect(download.fileName).toBe(`${command.id}.zip`);
      const { bytes } = await drain(download.stream);
      expect(bytes).toBe(download.contentLength);
      expect(requestsTo('download').map((r) => r.path)).toEqual([
        `/client/v4/accounts/${sim.accountId}/dex/commands/${command.id}/downloads/${command.id}.zip`,
      ]);
    },
  );

  it("'foreign-host': refused, and nothing is fetched", async () => {
    sim.setFilenameForm('foreign-host');
    const command = await finishedPcap('FORM-FOREIGN');
    expect(command.filename).toMatch(/^https:\/\/artifacts\.example\.net\//);
    await expectRejection(client().download(command), DexUnsafeArtifactError);
    expect(requestsTo('download')).toHaveLength(0);
  });

  it('a chunked download (no Content-Length) streams the same bytes, with its length unknown', async () => {
    const command = await finishedPcap('CHUNKED-1');
    const whole = await drain((await client().download(command)).stream);
    sim.faults.chunkedDownload();
    const chunked = await client().download(command);
    expect(chunked.contentLength).toBeNull();
    expect(chunked.totalSize).toBeNull();
    expect(await drain(chunked.stream)).toEqual(whole);
  });

  it('a download that stalls longer than the body timeout fails instead of hanging', async () => {
    const command = await finishedPcap('STALL-1');
    // undici's timers are coarse (about half a second), so use whole seconds here.
    sim.faults.slowDownload({ bytesPerChunk: 1024, intervalMs: 3000 });
    const download = await client({ timeouts: { bodyMs: 1000 } }).download(command);
    await expect(drain(download.stream)).rejects.toThrow();
  });
});

describe('createOutcomeUnknown, through real simulator faults', () => {
  type Arm = () => void;
  async function attempt(name: string, arm: Arm) {
    const device = normalDevice(name);
    const since = sim.now();
    arm();
    const error = await client()
      .createCommands(captureBoth(device))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    sim.faults.clear();
    const listed = (await client().listCommands({ deviceId: device.deviceId, from: since })).items;
    return { error, created: listed.length };
  }

  it.each<[string, Arm, new (...args: never[]) => Error, number]>([
    [
      'a 200 HTML page after processing',
      () => sim.faults.garbledResponse({ endpoint: 'create', body: 'html', when: 'after-processing' }),
      DexResponseError,
      2,
    ],
    [
      'truncated JSON after processing',
      () => sim.faults.garbledResponse({ endpoint: 'create', body: 'truncated-json', when: 'after-processing' }),
      DexResponseError,
      2,
    ],
    [
      'a body cut off mid-way after processing',
      () => sim.faults.garbledResponse({ endpoint: 'create', body: 'cut-off', when: 'after-processing' }),
      DexNetworkError,
      2,
    ],
    [
      "a proxy's 504 page after the create was forwarded",
      () => sim.faults.garbledResponse({ endpoint: 'create', status: 504, body: 'html', when: 'after-processing' }),
      DexApiError,
      2,
    ],
    [
      "a proxy's 502 page that never forwarded it",
      () => sim.faults.garbledResponse({ endpoint: 'create', status: 502, body: 'html', when: 'before-processing' }),
      DexApiError,
      0,
    ],
    ["Cloudflare's own 500", () => sim.faults.serverError({ endpoint: 'create', status: 500 }), DexApiError, 0],
    [
      'a connection dropped after processing',
      () => sim.faults.dropConnection({ endpoint: 'create', when: 'after-processing' }),
      DexNetworkError,
      2,
    ],
  ])('unknown after %s: the caller must list (it found what was made)', async (name, arm, type, created) => {
    const outcome = await attempt(`UNKNOWN-${name}`, arm);
    expect(outcome.error).toBeInstanceOf(type);
    expect(createOutcomeUnknown(outcome.error)).toBe(true);
    expect(outcome.created).toBe(created);
  });

  it.each<[string, Arm, new (...args: never[]) => Error]>([
    ['a 429', () => sim.faults.rateLimit({ endpoint: 'create', retryAfterSeconds: 1 }), DexRateLimitError],
    [
      "a proxy's 403 page",
      () => sim.faults.garbledResponse({ endpoint: 'create', status: 403, body: 'html', when: 'before-processing' }),
      DexApiError,
    ],
  ])('known after %s: nothing was started (the listing waits out a 429 by itself)', async (name, arm, type) => {
    const outcome = await attempt(`KNOWN-${name}`, arm);
    expect(outcome.error).toBeInstanceOf(type);
    expect(createOutcomeUnknown(outcome.error)).toBe(false);
    expect(outcome.created).toBe(0);
  });

  it('known when Cloudflare refuses the create, the input is refused, or the connection is never made', async () => {
    const ineligible = sim.fleet.find((d) => !d.eligible && d.platform === 'ios');
    const refused = await client()
      .createCommands([
        { type: 'pcap', deviceId: ineligible?.deviceId ?? '', userEmail: ineligible?.personEmail ?? '' },
      ])
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DexApiError);
    expect((refused as DexApiError).status).toBe(400);

    const tooMany = Array.from({ length: 11 }, (_, i) => ({ deviceId: `d-${i}`, personEmail: `u${i}@example.com` }));
    const input = await client()
      .createCommands(tooMany.map((d) => captureBoth(d)[0] as NewCommand))
      .catch((e: unknown) => e);
    expect(input).toBeInstanceOf(DexInputError);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const unreachable = await client({ baseUrl: `http://127.0.0.1:${port}/client/v4` })
      .createCommands(captureBoth(normalDevice('NEVER-1')))
      .catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(DexNetworkError);

    for (const error of [refused, input, unreachable, new Error('boom'), undefined, 'text']) {
      expect(createOutcomeUnknown(error)).toBe(false);
    }
  });

  it('a failed read (not create) is never an unknown create outcome', async () => {
    sim.faults.garbledResponse({ endpoint: 'quota', body: 'html', when: 'after-processing' });
    const error = await expectRejection(client().getQuota(), DexResponseError);
    expect(createOutcomeUnknown(error)).toBe(false);
  });
});

describe('a proxy that echoes request headers, through the simulator', () => {
  it("never lets the token reach an error's message, errors or excerpt", async () => {
    sim.faults.garbledResponse({
      endpoint: 'create',
      status: 502,
      body: 'html',
      when: 'before-processing',
      echoHeaders: true,
    });
    const error = await expectRejection(client().createCommands(captureBoth(normalDevice('ECHO-1'))), DexApiError);
    expect(error.errors).toEqual([]);
    expect(error.bodyExcerpt).toMatch(/502 Bad Gateway.*authorization: \[redacted\]/i);
    const all = `${error.message} ${error.stack} ${JSON.stringify(error)} ${error.bodyExcerpt}`;
    expect(all).not.toContain(sim.token);
  });
});

describe('responses that do not match the documented schema', () => {
  let server: Server;
  let answer: { status: number; contentType: string; body: string | ((url: URL) => string) };
  let seenAuthorization: string[] = [];
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      seenAuthorization.push(req.headers.authorization ?? '');
      const body = typeof answer.body === 'function' ? answer.body(new URL(req.url ?? '/', 'http://x')) : answer.body;
      res.writeHead(answer.status, { 'content-type': answer.contentType, 'cf-ray': '8f00000000000000-SJC' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  afterEach(() => {
    seenAuthorization = [];
  });

  const ok = (result: unknown, resultInfo?: unknown) =>
    JSON.stringify({
      success: true,
      errors: [],
      messages: [],
      result,
      ...(resultInfo ? { result_info: resultInfo } : {}),
    });
  const serve = (body: string | ((url: URL) => string), status = 200, contentType = 'application/json') => {
    answer = { status, contentType, body };
  };
  const token = 'cfut_TheClientsOwnToken0123456789abcdefghijklmn';
  const strict = (overrides: Partial<DexClientOptions> = {}) =>
    client({ baseUrl: base, token, retry: { maxRetries: 0 }, ...overrides });
  const everything = (error: Error) =>
    `${error.message} ${error.stack} ${JSON.stringify(error)} ${JSON.stringify(Object.entries(error))}`;

  it('keeps an unknown status string as it is', async () => {
    serve(
      ok({ commands: [{ id: 'c1', status: 'QUEUED_FOR_REVIEW', type: 'pcap', created_date: '2026-11-25T14:00:00Z' }] }),
    );
    const page = await strict().listCommands();
    expect(page.items[0]?.status).toBe('QUEUED_FOR_REVIEW');
  });

  it('skips each list item it cannot use, reports where and why without its values, and keeps the rest', async () => {
    serve(
      ok({
        commands: [
          { id: 'good-1', status: 'SUCCESS', created_date: '2026-11-25T14:00:00Z', filename: null },
          { status: 'SUCCESS', user_email: 'no-id@example.com' },
          { id: '', status: 'SUCCESS' },
          { id: 987654, status: 'SUCCESS' },
          'not-an-object',
          null,
          { id: 'good-2', status: 7, type: ['pcap'], device_id: 12, user_email: false, filename: 3, created_date: 17 },
        ],
      }),
    );
    const skipped: DexSkippedItemEvent[] = [];
    const page = await strict({ onSkippedItem: (event) => skipped.push(event) }).listCommands();
    expect(page.items.map((c) => c.id)).toEqual(['good-1', 'good-2']);
    expect(page.skipped).toBe(5);
    expect(skipped).toEqual([
      { endpoint: 'list', index: 1, problem: 'id: missing' },
      { endpoint: 'list', index: 2, problem: 'id: empty' },
      { endpoint: 'list', index: 3, problem: 'id: expected a string, got number' },
      { endpoint: 'list', index: 4, problem: '(item): expected an object, got string' },
      { endpoint: 'list', index: 5, problem: '(item): expected an object, got null' },
    ]);
    expect(JSON.stringify(skipped)).not.toMatch(/987654|no-id@example|not-an-object/);
    // A wrong type in a field other than the id reads as absent, as if Cloudflare had left it out.
    expect(page.items[1]).toEqual({
      id: 'good-2',
      type: 'unknown',
      status: 'unknown',
      deviceId: null,
      registrationId: null,
      userEmail: null,
      createdAt: null,
      completedAt: null,
      filename: null,
    });
  });

  it('skips a device without a deviceId and reads the rest leniently', async () => {
    serve(
      ok({
        devices: [
          { deviceName: 'NO-ID', eligible: true },
          { deviceId: 'd-1', deviceName: 5, eligible: 'yes', personEmail: 'a@example.com', timestamp: 'recently' },
          { deviceId: 'd-2', deviceName: 'LAPTOP', eligible: true, timestamp: '2023-10-11 00:00:00+00' },
        ],
      }),
    );
    const skipped: DexSkippedItemEvent[] = [];
    const page = await strict({ onSkippedItem: (event) => skipped.push(event) }).listDevices();
    expect(skipped).toEqual([{ endpoint: 'devices', index: 0, problem: 'deviceId: missing' }]);
    expect(page.items.map((d) => [d.id, d.name, d.eligible, d.lastSeenAt?.toISOString() ?? null])).toEqual([
      // An eligibility that is not `true` is not eligible: a device is offered only when Cloudflare says so.
      ['d-1', 'd-1', false, null],
      ['d-2', 'LAPTOP', true, '2023-10-11T00:00:00.000Z'],
    ]);
  });

  it.each([
    ['RFC 3339 with Z', '2026-11-25T18:11:19.117Z', '2026-11-25T18:11:19.117Z'],
    ['RFC 3339 without fractions', '2026-11-25T18:11:19Z', '2026-11-25T18:11:19.000Z'],
    ['an offset with a colon', '2026-11-25T19:11:19.117+01:00', '2026-11-25T18:11:19.117Z'],
    ['a negative offset', '2026-11-25T13:11:19-05:00', '2026-11-25T18:11:19.000Z'],
    ['a space and +00', '2026-11-25 18:11:19.117+00', '2026-11-25T18:11:19.117Z'],
    ['+0000', '2026-11-25T18:11:19.117+0000', '2026-11-25T18:11:19.117Z'],
    ['+0530', '2026-11-25 23:41:19+0530', '2026-11-25T18:11:19.000Z'],
    ['one fractional digit', '2026-11-25T18:11:19.1Z', '2026-11-25T18:11:19.100Z'],
    ['nine fractional digits', '2026-11-25T18:11:19.123456789Z', '2026-11-25T18:11:19.123Z'],
    ['lower-case t and z', '2026-11-25t18:11:19z', '2026-11-25T18:11:19.000Z'],
    ['a leap day', '2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['an offset across the year', '2027-01-01T00:30:00+01:00', '2026-12-31T23:30:00.000Z'],
  ])('reads a date written as %s', async (_, written, expected) => {
    serve(ok({ commands: [{ id: 'c1', created_date: written, completed_date: written }] }));
    const [command] = (await strict().listCommands()).items;
    expect(command?.createdAt?.toISOString()).toBe(expected);
    expect(command?.completedAt?.toISOString()).toBe(expected);
  });

  it.each([
    ['a word', 'yesterday'],
    ['no zone', '2026-11-25T18:11:19'],
    ['a date only', '2026-11-25'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['February 29 outside a leap year', '2026-02-29T00:00:00Z'],
    ['hour 24', '2026-11-25T24:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['an offset of 24 hours', '2026-11-25T18:11:19+24:00'],
    ['a number', 1764094279117],
    ['an empty string', ''],
  ])('reads an unreadable date (%s) as null and keeps the item', async (_, written) => {
    serve(ok({ commands: [{ id: 'c1', created_date: written, completed_date: null }] }));
    const skipped: DexSkippedItemEvent[] = [];
    const page = await strict({ onSkippedItem: (event) => skipped.push(event) }).listCommands();
    expect(page.items.map((c) => [c.id, c.createdAt, c.completedAt])).toEqual([['c1', null, null]]);
    expect(skipped).toEqual([]);
  });

  it('counts skipped items towards a full page, so the walk goes on to the next page', async () => {
    const row = (page: number, i: number) => ({ id: `p${page}-${i}`, status: 'SUCCESS' });
    serve((url) => {
      const page = Number(url.searchParams.get('page'));
      if (page === 1)
        return ok({ commands: [{ status: 'SUCCESS' }, ...Array.from({ length: 49 }, (_, i) => row(1, i))] });
      if (page === 2) return ok({ commands: [row(2, 0)] });
      return ok({ commands: [] });
    });
    const ids: string[] = [];
    for await (const command of strict().iterateCommands()) ids.push(command.id);
    expect(ids).toHaveLength(50);
    expect(ids.at(-1)).toBe('p2-0');
  });

  it('keeps the envelope strict: a body that is not one, or a list that is not an array, is a DexResponseError', async () => {
    serve(ok({ commands: 'none' }));
    const notArray = await expectRejection(strict().listCommands(), DexResponseError);
    expect(notArray.problem).toMatch(/^result\.commands: /);
    expect(notArray.bodyExcerpt).toContain('none');
    expect(notArray.cfRay).toBe('8f00000000000000-SJC');

    serve(JSON.stringify([{ id: 'c1' }]));
    expect((await expectRejection(strict().listCommands(), DexResponseError)).problem).toMatch(/^\(body\): /);

    serve(JSON.stringify({ result: { devices: [] } }));
    expect((await expectRejection(strict().listDevices(), DexResponseError)).problem).toMatch(/success/);
  });

  it('reads a quota with the reset time as a Date and remaining = total − used', async () => {
    serve(ok({ quota: 800, quota_usage: 812, reset_time: '2026-11-26 00:00:00+00' }));
    expect(await strict().getQuota()).toEqual({
      total: 800,
      used: 812,
      remaining: 0,
      resetsAt: new Date('2026-11-26T00:00:00Z'),
    });
    serve(ok({ quota: 800, quota_usage: 1, reset_time: 'tomorrow' }));
    const error = await expectRejection(strict().getQuota(), DexResponseError);
    expect(error.problem).toBe('result.reset_time: not a date-time');
  });

  it('treats success: false on a 200 as an API error', async () => {
    serve(JSON.stringify({ success: false, errors: [{ code: 1234, message: 'nope' }], messages: [], result: null }));
    const error = await expectRejection(strict().getQuota(), DexApiError);
    expect(error.codes).toEqual([1234]);
    expect(error.bodyExcerpt).toBe('');
  });

  it("keeps only a Cloudflare failure envelope's messages in errors; any other body goes to bodyExcerpt", async () => {
    serve('<html><body><h1>502 Bad Gateway</h1><p>upstream said no</p></body></html>', 502, 'text/html');
    const page = await expectRejection(strict().getQuota(), DexApiError);
    expect(page.status).toBe(502);
    expect(page.errors).toEqual([]);
    expect(page.bodyExcerpt).toContain('502 Bad Gateway');
    expect(page.message).toBe(
      'Cloudflare DEX quota failed with HTTP 502: the answer was not a Cloudflare error envelope',
    );
    expect(page.message).not.toContain('upstream');

    serve(JSON.stringify({ error: 'forbidden by policy' }), 403);
    const foreignJson = await expectRejection(strict().getQuota(), DexApiError);
    expect(foreignJson.errors).toEqual([]);
    expect(foreignJson.bodyExcerpt).toContain('forbidden by policy');

    serve('', 503);
    const empty = await expectRejection(strict().getQuota(), DexApiError);
    expect([empty.errors, empty.bodyExcerpt, empty.message]).toEqual([
      [],
      '',
      'Cloudflare DEX quota failed with HTTP 503: no error details',
    ]);

    // One malformed message does not cost the others.
    serve(
      JSON.stringify({ success: false, errors: [{ code: 'x' }, { code: 1003, message: 'bad' }], result: null }),
      400,
    );
    expect((await expectRejection(strict().getQuota(), DexApiError)).errors).toEqual([{ code: 1003, message: 'bad' }]);
  });

  it('a proxy page that echoes the request headers never puts the token in any error field', async () => {
    serve(() => `<pre>Authorization: ${seenAuthorization.at(-1)}\nHost: 127.0.0.1</pre>`, 502, 'text/html');
    const error = await expectRejection(strict().getQuota(), DexApiError);
    expect(seenAuthorization.at(-1)).toBe(`Bearer ${token}`);
    expect(error.bodyExcerpt).toBe('<pre>Authorization: [redacted] Host: 127.0.0.1</pre>');
    expect(everything(error)).not.toContain(token);

    serve(() => `<p>token was ${token}</p>`, 200, 'text/html');
    const garbled = await expectRejection(strict().getQuota(), DexResponseError);
    expect(garbled.bodyExcerpt).toBe('<p>token was [redacted]</p>');
    expect(everything(garbled)).not.toContain(token);
  });

  it("masks credentials inside Cloudflare's own error messages", async () => {
    const other = 'cfat_SomeoneElsesToken0123456789abcdefghijklmno';
    const message = `header X-Auth-Key: 0123456789abcdef0123456789abcdef01234 and Bearer ${token} and ${other}`;
    serve(JSON.stringify({ success: false, errors: [{ code: 10000, message }], result: null }), 400);
    const error = await expectRejection(strict().getQuota(), DexApiError);
    expect(error.errors[0]?.message).toBe('header X-Auth-Key: [redacted] and Bearer [redacted] and [redacted]');
    expect(everything(error)).not.toMatch(/0123456789abcdef0123456789abcdef01234|TheClientsOwnToken|SomeoneElses/);
  });

  it('an error from a token held back by the rate-limit gate has our own words, no made-up Cloudflare message', async () => {
    serve(JSON.stringify({ success: false, errors: [{ code: 971, message: 'slow down' }], result: null }), 429);
    const dex = strict({ retry: { maxRetries: 0, maxRateLimitWaitMs: 10 } });
    const limited = await expectRejection(dex.getQuota(), DexRateLimitError);
    expect(limited.codes).toEqual([971]);
    const held = await expectRejection(dex.getQuota(), DexRateLimitError);
    expect(held.errors).toEqual([]);
    expect(held.message).toMatch(/not sent: calls with this token are held back until /);
    expect(seenAuthorization).toHaveLength(1);
  });
});
