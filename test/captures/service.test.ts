import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/capture-types/registry.js';
import { AuditTrail } from '../../src/captures/audit.js';
import { DeviceDirectory } from '../../src/captures/device-directory.js';
import type { NoticeEvent, TargetDevice } from '../../src/captures/model.js';
import { CaptureService } from '../../src/captures/service.js';
import type { Store } from '../../src/captures/store.js';
import { type Command, DexApiError, DexNetworkError, type NewCommand } from '../../src/dex/index.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';

/**
 * CaptureService on its own: an in-memory store, a scripted Cloudflare and a recording notice board. The launch,
 * the confirmation of an unknown create from the list, and the ways a start fails.
 */

const LAPTOP: TargetDevice = {
  deviceId: 'dev-1',
  name: 'LAPTOP-42',
  email: 'alice@example.com',
  platform: 'windows',
  registrationId: null,
};

interface Scripted {
  create: (commands: readonly NewCommand[]) => Promise<Array<{ id: string; status: string }>>;
  listed: Command[];
}

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function setUp(script: Partial<Scripted> = {}) {
  const store = await openStore('sqlite::memory:');
  stores.push(store);
  let clock = new Date('2026-12-02T10:00:00Z');
  const creates: NewCommand[][] = [];
  const told: Array<{ requestId: string; event: NoticeEvent }> = [];
  const statusChanges: string[] = [];
  const listed = script.listed ?? [];
  const dex = {
    async createCommands(commands: readonly NewCommand[]) {
      creates.push([...commands]);
      const created = await (
        script.create ?? (async (c) => c.map((_, i) => ({ id: `cmd-${i}`, status: 'PENDING_EXEC' })))
      )(commands);
      return created.map((c) => ({ ...c, type: 'pcap', deviceId: null, registrationId: null, args: {} }));
    },
    async *iterateCommands() {
      yield* listed;
    },
    async getQuota() {
      return { total: 800, used: 0, remaining: 800, resetsAt: clock };
    },
  };
  const logger = createLogger({ write: () => {}, level: 'error' });
  const service = new CaptureService({
    store,
    audit: new AuditTrail(store, logger),
    dex: dex as never,
    directory: new DeviceDirectory({ iterateDevices: async function* () {} } as never, () => clock.getTime()),
    notices: {
      tell: async (requestId, event) => void told.push({ requestId, event }),
      statusChanged: async (requestId) => void statusChanges.push(requestId),
    },
    relay: { resume: async () => {} },
    logger,
    now: () => clock,
  });
  const submit = async (key = 'view-1') => {
    const accepted = await service.submit(
      {
        devices: [LAPTOP],
        types: ['pcap', 'speed-test'],
        options: DEFAULT_CAPTURE_OPTIONS,
        channelId: 'C_HELPDESK',
        reason: null,
        destinationPublic: null,
      },
      'U_ALICE',
      key,
    );
    await accepted.start();
    await service.idle();
    return accepted;
  };
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  return { store, service, creates, told, statusChanges, submit, advance, now: () => clock };
}

function listedCommand(id: string, type: string, createdAt: Date, deviceId = LAPTOP.deviceId): Command {
  return {
    id,
    type,
    status: 'PENDING_EXEC',
    deviceId,
    registrationId: null,
    userEmail: LAPTOP.email,
    createdAt,
    completedAt: null,
    filename: null,
  };
}

describe('CaptureService', () => {
  it('stores the request, sends one create with each type’s own options, and records the commands', async () => {
    const { store, creates, told, submit } = await setUp();
    const { request } = await submit();
    expect(creates).toHaveLength(1);
    expect(creates[0]).toEqual([
      { deviceId: 'dev-1', userEmail: 'alice@example.com', type: 'pcap', args: DEFAULT_CAPTURE_OPTIONS.pcap },
      {
        deviceId: 'dev-1',
        userEmail: 'alice@example.com',
        type: 'speed-test',
        args: { interfaces: ['default', 'tunnel'] },
      },
    ]);
    const stored = await store.getRequest(request.id);
    expect(stored?.state).toBe('running');
    expect(stored?.launch?.createSentAt).toBeInstanceOf(Date);
    expect((await store.commandsForRequest(request.id)).map((c) => [c.id, c.type])).toEqual([
      ['cmd-0', 'pcap'],
      ['cmd-1', 'speed-test'],
    ]);
    expect(told).toEqual([{ requestId: request.id, event: { kind: 'options' } }]);
    const audit = await store.auditSince(new Date(0));
    expect(audit.map((a) => [a.action, a.commandIds])).toEqual([['start', ['cmd-0', 'cmd-1']]]);
  });

  it('does nothing for a Slack retry of the same submission', async () => {
    const { creates, submit } = await setUp();
    const first = await submit('same-view');
    const again = await submit('same-view');
    expect(again.created).toBe(false);
    expect(again.request.id).toBe(first.request.id);
    expect(creates).toHaveLength(1);
  });

  it('ends a create Cloudflare refused as "could not start", with Cloudflare’s words, and starts nothing', async () => {
    const refused = new DexApiError({
      endpoint: 'create',
      status: 400,
      errors: [{ code: 1003, message: 'device is not eligible' }],
      cfRay: null,
      bodyExcerpt: '',
    } as never);
    const { store, submit } = await setUp({ create: () => Promise.reject(refused) });
    const { request } = await submit();
    const stored = await store.getRequest(request.id);
    expect(stored?.state).toBe('failed-to-start');
    expect(stored?.startError).toEqual({ reason: 'refused', messages: ['device is not eligible'] });
    expect(await store.commandsForRequest(request.id)).toEqual([]);
  });

  it('confirms a create whose answer was lost from the list, leaving another request’s commands alone', async () => {
    const at = new Date('2026-12-02T10:00:00Z');
    const lost = new DexNetworkError('create', 'socket hang up', true);
    const { store, submit } = await setUp({
      create: () => Promise.reject(lost),
      listed: [
        listedCommand('theirs-pcap', 'pcap', at),
        listedCommand('mine-pcap', 'pcap', at),
        listedCommand('mine-speed', 'speed-test', at),
        listedCommand('other-device', 'pcap', at, 'dev-2'),
      ],
    });
    await store.createRequestOnce({
      id: 'OTHER1',
      requestedBy: 'U_BOB',
      channelId: 'C_HELPDESK',
      devices: [LAPTOP],
      types: ['pcap'],
      options: DEFAULT_CAPTURE_OPTIONS,
      state: 'running',
      createdAt: at,
      statusMessage: null,
      startError: null,
      stoppedBy: null,
      dedupeKey: 'other',
      reason: null,
      destinationPublic: null,
      approval: null,
      launch: null,
    });
    await store.insertCommands([
      {
        id: 'theirs-pcap',
        requestId: 'OTHER1',
        deviceId: LAPTOP.deviceId,
        registrationId: null,
        type: 'pcap',
        status: 'PENDING_EXEC',
        createdAt: at,
        updatedAt: at,
        completedAt: null,
        filename: null,
        tracking: true,
      },
    ]);
    const { request } = await submit();
    const stored = await store.getRequest(request.id);
    expect(stored?.state).toBe('running');
    expect(stored?.launch?.unknownOutcome).toBe('lost-answer');
    expect((await store.commandsForRequest(request.id)).map((c) => c.id).sort()).toEqual(['mine-pcap', 'mine-speed']);
  });

  it('retries confirming with backoff, then ends as "not listed" when Cloudflare never lists the captures', async () => {
    const lost = new DexNetworkError('create', 'socket hang up', true);
    const { store, service, creates, submit, advance, now } = await setUp({ create: () => Promise.reject(lost) });
    const { request } = await submit();
    const waits: number[] = [];
    for (let round = 0; round < 10; round++) {
      const current = await store.getRequest(request.id);
      if (current?.state !== 'starting') break;
      const next = current.launch?.nextAttemptAt;
      if (!next) throw new Error('a starting request waits for its next try');
      waits.push((next.getTime() - now().getTime()) / 1000);
      // Not before its time...
      await service.resume();
      expect((await store.getRequest(request.id))?.launch?.attempts).toBe(current.launch?.attempts);
      // ...then at it.
      advance(next.getTime() - now().getTime());
      await service.resume();
    }
    expect(waits).toEqual([5, 15, 60, 180]);
    expect(creates).toHaveLength(1);
    const stored = await store.getRequest(request.id);
    expect(stored?.state).toBe('failed-to-start');
    expect(stored?.startError).toEqual({ reason: 'not-listed', after: 'lost-answer' });
  });
});
