import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_TYPES, DEFAULT_CAPTURE_OPTIONS } from '../../src/capture-types/registry.js';
import { buildCreateBody } from '../../src/dex/create-body.js';
import { DexClient, type DexSkippedItemEvent, type NewCommand } from '../../src/dex/index.js';
import { readDate } from '../../src/dex/schemas.js';
import { startDexSimulator } from '../../src/simulator/index.js';

// Cloudflare's own generated client, as a second and independent client of the simulator: if the
// simulator drifted from the real API's shapes, these calls would fail or parse to nothing.

type Simulator = Awaited<ReturnType<typeof startDexSimulator>>;
let sim: Simulator;
let cf: Cloudflare;

beforeAll(async () => {
  sim = await startDexSimulator({ fleetSize: 120, seed: 3, filenameForm: 'url' });
  cf = new Cloudflare({ apiToken: sim.token, baseURL: sim.baseUrl, maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

describe('the official cloudflare SDK against the simulator', () => {
  it('lists eligible devices, creates both capture types, lists them, reads the quota and downloads a zip', async () => {
    const account_id = sim.accountId;

    // The SDK's V4PagePagination reads result.items, but these endpoints nest under
    // result.devices / result.commands (reference §1.8), so read the page's result directly.
    const devicePage = await cf.zeroTrust.dex.commands.devices.list({ account_id, page: 1, per_page: 50 });
    const devices = (devicePage.result as { devices?: Array<Record<string, unknown>> }).devices ?? [];
    expect(devices).toHaveLength(50);
    const device = devices.find(
      (d) =>
        d.eligible === true &&
        sim.fleet.some((f) => f.deviceId === d.deviceId && f.behaviour === 'normal' && !f.multiUser),
    );
    expect(device).toBeDefined();
    expect(Object.keys(device ?? {})).toEqual(
      expect.arrayContaining(['deviceId', 'deviceName', 'eligible', 'personEmail', 'platform', 'registrationId']),
    );

    const quotaBefore = await cf.zeroTrust.dex.commands.quota.get({ account_id });
    expect(quotaBefore).toMatchObject({ quota: 800, quota_usage: expect.any(Number) });
    expect(Number.isNaN(Date.parse(quotaBefore.reset_time))).toBe(false);

    const created = await cf.zeroTrust.dex.commands.create({
      account_id,
      commands: [
        {
          type: 'pcap',
          device_id: String(device?.deviceId),
          user_email: String(device?.personEmail),
          args: { 'time-limit-min': 1, 'max-file-size-mb': 5, 'packet-size-bytes': 160 },
        },
        {
          type: 'warp-diag',
          device_id: String(device?.deviceId),
          user_email: String(device?.personEmail),
          args: { 'test-all-routes': true },
        },
      ],
    });
    expect(created.commands?.map((c) => c.status)).toEqual(['PENDING_EXEC', 'PENDING_EXEC']);
    const quotaAfter = await cf.zeroTrust.dex.commands.quota.get({ account_id });
    expect(quotaAfter.quota_usage).toBe(quotaBefore.quota_usage + 2);

    sim.advance(15 * 60_000);
    const listPage = await cf.zeroTrust.dex.commands.list({
      account_id,
      page: 1,
      per_page: 10,
      device_id: String(device?.deviceId),
      status: 'SUCCESS',
    });
    const commands = (listPage.result as { commands?: Array<{ id: string; filename: string | null }> }).commands ?? [];
    expect(commands).toHaveLength(2);

    const pcap = commands.find((c) => c.id === created.commands?.[0]?.id);
    const fileName = pcap?.filename?.split('/').pop() ?? '';
    expect(fileName).toBe(`${pcap?.id}.zip`);
    const response = await cf.zeroTrust.dex.commands.downloads.get(fileName, {
      account_id,
      command_id: pcap?.id ?? '',
    });
    expect(response.headers.get('content-type')).toBe('application/zip');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(Number(response.headers.get('content-length')));
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  });

  it('hands malformed list items through unread, where our client skips them and reads the same dates', async () => {
    const account_id = sim.accountId;
    const device = sim.fleet.find((d) => d.eligible && d.behaviour === 'normal' && !d.multiUser);
    await cf.zeroTrust.dex.commands.create({
      account_id,
      commands: [{ type: 'warp-diag', device_id: String(device?.deviceId), user_email: String(device?.personEmail) }],
    });
    sim.advance(15 * 60_000);
    const kinds = ['no-id', 'wrong-type', 'space-date', 'offset-0000'] as const;
    const query = { page: 1, per_page: 10, device_id: String(device?.deviceId) };

    sim.faults.malformedListItems({ kinds, endpoint: 'list' });
    const sdkPage = await cf.zeroTrust.dex.commands.list({ account_id, ...query });
    const raw = (sdkPage.result as { commands?: Array<Record<string, unknown>> }).commands ?? [];
    // The SDK's types call every field optional and it checks none: the bogus items reach its caller as they came.
    expect(raw.filter((c) => typeof c.id !== 'string')).toHaveLength(2);
    const real = raw.filter((c) => typeof c.id === 'string');

    sim.faults.malformedListItems({ kinds, endpoint: 'list' });
    const skipped: DexSkippedItemEvent[] = [];
    const ours = new DexClient({
      baseUrl: sim.baseUrl,
      accountId: account_id,
      token: sim.token,
      onSkippedItem: (e) => skipped.push(e),
    });
    try {
      const page = await ours.listCommands({ deviceId: query.device_id, perPage: query.per_page });
      expect(page.items.map((c) => c.id)).toEqual(real.map((c) => c.id));
      expect(skipped.map((e) => e.index)).toEqual([1, 2]);
      // The SDK leaves dates as the strings Cloudflare wrote (here `… +00` and `+0000`); we read them as instants.
      for (const [i, command] of page.items.entries()) {
        expect(typeof real[i]?.created_date).toBe('string');
        expect(command.createdAt).toEqual(readDate(real[i]?.created_date));
        expect(command.createdAt?.getTime()).toBe(sim.commands.find((c) => c.id === command.id)?.createdAt.getTime());
      }
    } finally {
      await ours.close();
    }
  });

  it('creates speed tests with its SpeedTestArgs, lists them by command_type and downloads their results', async () => {
    const account_id = sim.accountId;
    const device = sim.fleet.findLast((d) => d.eligible && d.behaviour === 'normal' && !d.multiUser);
    expect(device).toBeDefined();
    const target = { device_id: String(device?.deviceId), user_email: String(device?.personEmail) };
    const quotaBefore = await cf.zeroTrust.dex.commands.quota.get({ account_id });

    const created = await cf.zeroTrust.dex.commands.create({
      account_id,
      commands: [
        { type: 'speed-test', ...target, args: { interfaces: ['default', 'tunnel'] } },
        { type: 'speed-test', ...target, args: { interfaces: ['tunnel'] } },
        { type: 'speed-test', ...target },
      ],
    });
    expect(created.commands?.map((c) => [c.type, c.status, c.args])).toEqual([
      ['speed-test', 'PENDING_EXEC', { interfaces: 'default,tunnel' }],
      ['speed-test', 'PENDING_EXEC', { interfaces: 'tunnel' }],
      ['speed-test', 'PENDING_EXEC', {}],
    ]);
    expect((await cf.zeroTrust.dex.commands.quota.get({ account_id })).quota_usage).toBe(quotaBefore.quota_usage + 3);

    sim.advance(5 * 60_000);
    const listPage = await cf.zeroTrust.dex.commands.list({
      account_id,
      page: 1,
      per_page: 10,
      device_id: target.device_id,
      command_type: 'speed-test',
    });
    const commands =
      (listPage.result as { commands?: Array<{ id: string; type: string; status: string; filename: string | null }> })
        .commands ?? [];
    const ids = created.commands?.map((c) => c.id) ?? [];
    expect(commands.map((c) => c.id).sort()).toEqual([...ids].sort());
    for (const command of commands) {
      expect(command).toMatchObject({ type: 'speed-test', status: 'SUCCESS' });
      expect(command.filename).toBe(
        `https://api.cloudflare.com/client/v4/accounts/${account_id}/dex/commands/${command.id}/downloads/${command.id}.zip`,
      );
    }
    const first = ids[0] ?? '';
    const response = await cf.zeroTrust.dex.commands.downloads.get(`${first}.zip`, { account_id, command_id: first });
    expect(response.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(bytes.includes('speed-test-results.json')).toBe(true);
  });

  it('takes our create body for every capture type in the registry, typed as its own params', async () => {
    const account_id = sim.accountId;
    const device = sim.fleet.find((d) => d.eligible && d.behaviour === 'normal' && !d.multiUser);
    const commands = CAPTURE_TYPES.map(
      (type) =>
        ({
          deviceId: String(device?.deviceId),
          userEmail: String(device?.personEmail),
          type,
          args: DEFAULT_CAPTURE_OPTIONS[type],
        }) as NewCommand,
    );
    // Compile-time: our wire body is assignable to the SDK's own parameter type.
    const body: Cloudflare.ZeroTrust.DEX.Commands.CommandCreateParams['commands'] = buildCreateBody(commands).commands;
    const created = await cf.zeroTrust.dex.commands.create({ account_id, commands: body });
    expect(created.commands?.map((c) => c.type)).toEqual([...CAPTURE_TYPES]);
  });

  it('gets the same structured errors a real account would give', async () => {
    const wrong = new Cloudflare({ apiToken: 'not-the-token', baseURL: sim.baseUrl, maxRetries: 0 });
    const error = await wrong.zeroTrust.dex.commands.quota.get({ account_id: sim.accountId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cloudflare.AuthenticationError);
    expect((error as InstanceType<typeof Cloudflare.AuthenticationError>).status).toBe(401);

    const bad = await cf.zeroTrust.dex.commands
      .create({
        account_id: sim.accountId,
        commands: [{ type: 'pcap', device_id: 'no-such-device', user_email: 'nobody@example.com' }],
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Cloudflare.BadRequestError);
  });
});
