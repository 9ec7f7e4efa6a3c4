import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/capture-types/registry.js';
import { AuditTrail } from '../../src/captures/audit.js';
import { DeviceDirectory } from '../../src/captures/device-directory.js';
import { Leases } from '../../src/captures/leases.js';
import { APPROVAL_TIMEOUT_MS, type AuditEvent, type TargetDevice } from '../../src/captures/model.js';
import { CaptureService } from '../../src/captures/service.js';
import type { Store } from '../../src/captures/store.js';
import type { NewCommand } from '../../src/dex/index.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { ThrowawayDatabases } from '../postgres.js';

/**
 * The second approver's rules (CAPTURE_APPROVERS), in the domain: nothing is sent before an approval, one decision is
 * taken however many arrive at once (here: two services on one database, as two replicas), a denial keeps the
 * approver's reason, an undecided request expires, and an approved one starts however late it was asked.
 */

const LAPTOP: TargetDevice = {
  deviceId: 'dev-1',
  name: 'LAPTOP-42',
  email: 'bob@example.com',
  platform: 'windows',
  registrationId: null,
};

const databases = new ThrowawayDatabases();
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await databases.dropAll();
});

const logger = createLogger({ write: () => {}, level: 'error' });

async function setUp(url: string) {
  let clock = new Date('2026-12-02T10:00:00Z');
  const now = () => clock;
  const creates: NewCommand[][] = [];
  const statusChanges: string[] = [];
  const told: string[] = [];
  // Cloudflare answers a create a moment later, as over a network: two starts would both get there.
  const dex = {
    async createCommands(commands: readonly NewCommand[]) {
      creates.push([...commands]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return commands.map((c, i) => ({ id: `cmd-${creates.length}-${i}`, status: 'PENDING_EXEC', type: c.type }));
    },
    async *iterateCommands() {},
    async getQuota() {
      return { total: 800, used: 0, remaining: 800, resetsAt: clock };
    },
  };
  /** One "replica": its own service and leases over its own connection to the shared database. */
  const replica = async (name: string) => {
    const store = await openStore(url);
    stores.push(store);
    const audit = new AuditTrail(store, logger);
    return {
      store,
      service: new CaptureService({
        store,
        audit,
        dex: dex as never,
        directory: new DeviceDirectory({ iterateDevices: async function* () {} } as never, () => clock.getTime()),
        notices: {
          tell: async (_id, event) => void told.push(event.kind),
          statusChanged: async (id) => void statusChanges.push(id),
        },
        relay: { resume: async () => {} },
        leases: new Leases(store, name, 30_000, logger, now),
        logger,
        now,
        approvalRequired: true,
        notifyDeviceOwner: true,
      }),
    };
  };
  const first = await replica('replica-a');
  const submit = async (key = 'view-1') => {
    const accepted = await first.service.submit(
      {
        devices: [LAPTOP],
        types: ['pcap'],
        options: DEFAULT_CAPTURE_OPTIONS,
        channelId: 'C_HELPDESK',
        reason: 'INC-9',
      },
      'U_ALICE',
      key,
    );
    await accepted.start();
    return accepted.request;
  };
  const audit = async (): Promise<AuditEvent[]> => (await first.store.auditSince(new Date(0))).reverse();
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  return { first, replica, submit, creates, statusChanges, told, audit, advance, now };
}

const backends: Array<[string, () => Promise<string>]> = [
  ['SQLite', async () => 'sqlite::memory:'],
  ['PostgreSQL', async () => (await databases.create()).url],
];

describe('a request that needs a second approver', () => {
  it('waits without sending anything, and records that approval was asked, until when', async () => {
    const { first, submit, creates, statusChanges, audit } = await setUp('sqlite::memory:');
    const request = await submit();
    expect(request.state).toBe('awaiting-approval');
    expect(request.approval?.decision).toBeNull();
    expect(request.approval?.expiresAt.toISOString()).toBe('2026-12-02T10:30:00.000Z');
    await first.service.resume();
    expect(creates).toHaveLength(0);
    expect(statusChanges).toEqual([request.id]);
    expect((await audit()).map((e) => [e.userId, e.action, e.outcome])).toEqual([
      ['U_ALICE', 'approval-asked', { kind: 'approval-asked', expiresAt: '2026-12-02T10:30:00.000Z' }],
    ]);
    // A Slack retry of the submission asks nothing again.
    await submit();
    expect(await audit()).toHaveLength(1);
  });

  it('starts once approved, with the approver on the request, the audit and the start row', async () => {
    const { first, submit, creates, told, audit } = await setUp('sqlite::memory:');
    const request = await submit();
    const outcome = await first.service.decide(request.id, 'U_CAROL', { approved: true });
    expect(outcome.kind).toBe('decided');
    expect(creates).toHaveLength(1);
    const stored = await first.store.getRequest(request.id);
    expect(stored?.state).toBe('running');
    expect(stored?.approval?.decision).toMatchObject({ approved: true, by: 'U_CAROL', note: null });
    expect(told).toEqual(['approved', 'options', 'owner']);
    const rows = (await audit()).map((e) => [e.userId, e.action, e.approvedBy ?? null]);
    expect(rows).toEqual([
      ['U_ALICE', 'approval-asked', null],
      ['U_CAROL', 'approved', 'U_CAROL'],
      ['U_ALICE', 'start', 'U_CAROL'],
    ]);

    // A second click, or Slack retrying the first, finds it decided and starts nothing.
    const again = await first.service.decide(request.id, 'U_DAVE', { approved: true });
    expect(again.kind).toBe('not-waiting');
    expect(creates).toHaveLength(1);
  });

  for (const [backend, url] of backends) {
    it(`takes one decision when two approvers and a denial arrive at once on two replicas (${backend})`, async () => {
      const database = await url();
      if (database === 'sqlite::memory:') {
        // One in-memory SQLite database serves one process: two approvers clicking at once in it.
        const { first, submit, creates } = await setUp(database);
        const request = await submit();
        const outcomes = await Promise.all([
          first.service.decide(request.id, 'U_CAROL', { approved: true }),
          first.service.decide(request.id, 'U_DAVE', { approved: true }),
          first.service.decide(request.id, 'U_ERIN', { approved: false, note: 'no ticket' }),
        ]);
        expect(outcomes.filter((o) => o.kind === 'decided')).toHaveLength(1);
        expect(creates.length).toBeLessThanOrEqual(1);
        return;
      }
      const { first, replica, submit, creates, audit } = await setUp(database);
      const second = await replica('replica-b');
      for (let round = 0; round < 8; round++) {
        const request = await submit(`view-${round}`);
        const before = creates.length;
        // Two approvals and a denial at once, with both replicas sweeping: one decision is taken.
        const outcomes = await Promise.all([
          first.service.decide(request.id, 'U_CAROL', { approved: true }),
          second.service.decide(request.id, 'U_DAVE', { approved: true }),
          second.service.decide(request.id, 'U_ERIN', { approved: false, note: 'not today' }),
          second.service.resume(),
          first.service.resume(),
        ]);
        const decided = outcomes.filter((o) => o && o.kind === 'decided');
        expect(decided).toHaveLength(1);
        const stored = await first.store.getRequest(request.id);
        const approved = stored?.approval?.decision?.approved;
        expect(stored?.state).toBe(approved ? 'running' : 'failed-to-start');
        expect(creates.length - before).toBe(approved ? 1 : 0);
        const decisions = (await audit()).filter(
          (e) => e.requestId === request.id && (e.action === 'approved' || e.action === 'rejected'),
        );
        expect(decisions).toHaveLength(1);
        expect(decisions[0]?.userId).toBe(stored?.approval?.decision?.by);
      }
    });
  }

  it('ends denied with the approver’s reason; nothing is sent, and a later approval changes nothing', async () => {
    const { first, submit, creates, audit } = await setUp('sqlite::memory:');
    const request = await submit();
    const denied = await first.service.decide(request.id, 'U_CAROL', { approved: false, note: 'Use a ticket first' });
    expect(denied.kind).toBe('decided');
    const stored = await first.store.getRequest(request.id);
    expect(stored?.state).toBe('failed-to-start');
    expect(stored?.startError).toEqual({ reason: 'denied', by: 'U_CAROL', note: 'Use a ticket first' });
    expect((await first.service.decide(request.id, 'U_DAVE', { approved: true })).kind).toBe('not-waiting');
    await first.service.resume();
    expect(creates).toHaveLength(0);
    const rejected = (await audit()).find((e) => e.action === 'rejected');
    expect(rejected).toMatchObject({
      userId: 'U_CAROL',
      outcome: { kind: 'approval-decided', approved: false, note: 'Use a ticket first' },
      reason: 'INC-9',
    });
  });

  it('expires when nobody decides within 30 minutes, once, and an approval after that starts nothing', async () => {
    const { first, submit, creates, audit, advance } = await setUp('sqlite::memory:');
    const request = await submit();
    advance(APPROVAL_TIMEOUT_MS - 1_000);
    await first.service.resume();
    expect((await first.store.getRequest(request.id))?.state).toBe('awaiting-approval');
    advance(1_000);
    await first.service.resume();
    await first.service.resume();
    const stored = await first.store.getRequest(request.id);
    expect(stored?.state).toBe('failed-to-start');
    expect(stored?.startError).toEqual({ reason: 'approval-expired' });
    expect((await first.service.decide(request.id, 'U_CAROL', { approved: true })).kind).toBe('not-waiting');
    expect(creates).toHaveLength(0);
    expect((await audit()).filter((e) => e.action === 'start')).toEqual([
      expect.objectContaining({ outcome: { kind: 'failed-to-start', failure: { reason: 'approval-expired' } } }),
    ]);
  });

  it('an approval that arrives after the deadline, before any sweep, expires the request instead', async () => {
    const { first, submit, creates, advance } = await setUp('sqlite::memory:');
    const request = await submit();
    advance(APPROVAL_TIMEOUT_MS);
    const outcome = await first.service.decide(request.id, 'U_CAROL', { approved: true });
    expect(outcome).toMatchObject({ kind: 'not-waiting', request: { startError: { reason: 'approval-expired' } } });
    expect(creates).toHaveLength(0);
  });

  it('starts a request approved 25 minutes after it was asked: the start counts from the approval', async () => {
    const { first, submit, creates, advance } = await setUp('sqlite::memory:');
    const request = await submit();
    advance(25 * 60_000);
    expect((await first.service.decide(request.id, 'U_CAROL', { approved: true })).kind).toBe('decided');
    expect(creates).toHaveLength(1);
    expect((await first.store.getRequest(request.id))?.startError).toBeNull();
  });

  it('the requester may withdraw it while it waits; nobody else may, and an approval racing it is taken or lost whole', async () => {
    const { first, submit, creates, audit } = await setUp('sqlite::memory:');
    const request = await submit();
    expect(await first.service.withdraw(request.id, 'U_CAROL')).toMatchObject({ kind: 'not-requester' });
    expect((await first.store.getRequest(request.id))?.state).toBe('awaiting-approval');
    expect((await first.service.withdraw(request.id, 'U_ALICE')).kind).toBe('withdrawn');
    expect((await first.store.getRequest(request.id))?.startError).toEqual({ reason: 'withdrawn', by: 'U_ALICE' });
    expect((await first.service.decide(request.id, 'U_CAROL', { approved: true })).kind).toBe('not-waiting');
    expect(creates).toHaveLength(0);
    expect((await audit()).at(-1)).toMatchObject({
      userId: 'U_ALICE',
      action: 'start',
      outcome: { kind: 'failed-to-start', failure: { reason: 'withdrawn', by: 'U_ALICE' } },
    });

    const raced = await submit('view-2');
    const [approval, withdrawal] = await Promise.all([
      first.service.decide(raced.id, 'U_CAROL', { approved: true }),
      first.service.withdraw(raced.id, 'U_ALICE'),
    ]);
    expect([approval.kind, withdrawal.kind].sort()).toEqual(
      approval.kind === 'decided' ? ['decided', 'not-waiting'] : ['not-waiting', 'withdrawn'],
    );
    expect(creates).toHaveLength(approval.kind === 'decided' ? 1 : 0);
  });
});
