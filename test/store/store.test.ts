import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ArtifactUpload,
  type AuditEvent,
  type AuditOutcome,
  type CaptureRequest,
  DEFAULT_CAPTURE_OPTIONS,
  type TrackedCommand,
} from '../../src/captures/model.js';
import { openPostgresStore, openSqliteStore, openStore, type Store } from '../../src/store/index.js';
import { whenTestFinishes } from '../cleanup.js';
import { ThrowawayDatabases, withClient } from '../postgres.js';

/** A directory removed when the test that asked for it finishes. */
function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dex-capture-bot-store-'));
  whenTestFinishes(() => fs.rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Each PostgreSQL test gets a database emptied for it, given back when it finishes (see ThrowawayDatabases). */
const postgresDatabases = new ThrowawayDatabases();

/** Every table the migrations create, in both backends (sorted). */
const SCHEMA_TABLES = [
  'artifact_uploads',
  'audit_events',
  'capture_commands',
  'capture_requests',
  'leases',
  'notices',
  'rate_limits',
  'schema_migrations',
];

afterAll(() => postgresDatabases.dropAll());

/** How the contract suite reaches a backend: a fresh empty store, and a URL that survives close and reopen. */
interface Backend {
  fresh(): Promise<Store>;
  /** A new, empty database each call. */
  durableUrl(): Promise<string>;
}

const backends: [string, Backend][] = [
  [
    'sqlite',
    {
      fresh: () => openStore('sqlite::memory:'),
      durableUrl: async () => `sqlite:${path.join(temporaryDirectory(), 'nested', 'bot.db')}`,
    },
  ],
  [
    'postgres',
    {
      fresh: async () => openStore((await postgresDatabases.create()).url),
      durableUrl: async () => (await postgresDatabases.create()).url,
    },
  ],
];

const BASE_TIME = Date.parse('2025-05-01T10:00:00.123Z');
const at = (minutes: number) => new Date(BASE_TIME + minutes * 60_000);

function makeRequest(overrides: Partial<CaptureRequest> = {}): CaptureRequest {
  const id = overrides.id ?? 'C7K2Q9';
  return {
    id,
    requestedBy: 'U_AGENT',
    channelId: 'C_HELPDESK',
    devices: [
      {
        deviceId: 'dev-aaa-111',
        name: 'Alice-MacBook',
        email: 'alice@example.com',
        platform: 'mac',
        registrationId: null,
      },
      {
        deviceId: 'dev-bbb-222',
        name: 'Shared Kiosk',
        email: 'bob@example.com',
        platform: 'windows',
        registrationId: 'reg-bob',
      },
    ],
    types: ['pcap', 'warp-diag'],
    options: {
      pcap: { timeLimitMin: 3, maxFileSizeMb: 10, packetSizeBytes: 1500 },
      'warp-diag': { testAllRoutes: false },
      'speed-test': { interfaces: ['default', 'tunnel'] },
    },
    state: 'starting',
    createdAt: at(0),
    statusMessage: null,
    startError: null,
    stoppedBy: null,
    dedupeKey: `view-${id}:hash-1`,
    reason: null,
    destinationPublic: null,
    approval: null,
    launch: { createSentAt: null, unknownOutcome: null, attempts: 0, nextAttemptAt: null },
    ...overrides,
  };
}

function makeCommand(overrides: Partial<TrackedCommand> = {}): TrackedCommand {
  return {
    id: 'cmd-1',
    requestId: 'C7K2Q9',
    deviceId: 'dev-aaa-111',
    registrationId: null,
    type: 'pcap',
    status: 'PENDING_EXEC',
    createdAt: at(1),
    updatedAt: at(1),
    completedAt: null,
    filename: null,
    tracking: true,
    ...overrides,
  };
}

function makeUpload(overrides: Partial<ArtifactUpload> = {}): ArtifactUpload {
  return {
    commandId: 'cmd-1',
    requestId: 'C7K2Q9',
    step: 'pending',
    fileName: 'pcap-alice.zip',
    fileId: null,
    bytes: null,
    interfaces: null,
    digest: null,
    error: null,
    failure: null,
    attempts: 0,
    nextAttemptAt: null,
    updatedAt: at(5),
    postedAt: null,
    removedAt: null,
    removalAttempts: 0,
    removalNextAt: null,
    ...overrides,
  };
}

function makeAudit(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: at(0),
    userId: 'U_AGENT',
    action: 'start',
    channelId: 'C_HELPDESK',
    requestId: 'C7K2Q9',
    devices: makeRequest().devices,
    types: ['pcap'],
    options: DEFAULT_CAPTURE_OPTIONS,
    commandIds: ['cmd-1', 'cmd-2'],
    outcome: { kind: 'started', confirmedFromList: false },
    ...overrides,
  };
}

describe.each(backends)('%s store', (_name, backend) => {
  let store: Store;

  beforeEach(async () => {
    store = await backend.fresh();
  });

  afterEach(async () => {
    await store.close();
  });

  describe('round trips', () => {
    it('keeps every field of a request, with nulls and with values', async () => {
      const bare = makeRequest({ id: 'BARE01' });
      const full = makeRequest({
        id: 'FULL01',
        options: DEFAULT_CAPTURE_OPTIONS,
        types: ['warp-diag'],
        state: 'stopped',
        statusMessage: { channelId: 'C_STATUS', ts: '1714557600.000100' },
        startError: { reason: 'refused', messages: ['device offline'] },
        stoppedBy: 'U_ONCALL',
        launch: { createSentAt: at(1), unknownOutcome: 'cloudflare-error', attempts: 2, nextAttemptAt: at(3) },
      });
      expect(await store.createRequestOnce(bare)).toEqual({ request: bare, created: true });
      expect(await store.createRequestOnce(full)).toEqual({ request: full, created: true });

      const readBare = await store.getRequest('BARE01');
      expect(readBare).toEqual(bare);
      expect(readBare?.createdAt).toBeInstanceOf(Date);
      expect(readBare?.statusMessage).toBeNull();
      expect(readBare?.devices[0]?.registrationId).toBeNull();
      expect(await store.getRequest('FULL01')).toEqual(full);
    });

    it('returns null for an unknown request', async () => {
      expect(await store.getRequest('NOPE00')).toBeNull();
    });

    it('keeps every field of a command, in creation order', async () => {
      await store.createRequestOnce(makeRequest());
      const pending = makeCommand({ id: 'cmd-2', createdAt: at(2), updatedAt: at(2) });
      const finished = makeCommand({
        id: 'cmd-1',
        deviceId: 'dev-bbb-222',
        registrationId: 'reg-bob',
        type: 'warp-diag',
        status: 'SUCCESS',
        updatedAt: at(4),
        completedAt: at(4),
        filename: 'https://example.com/downloads/warp-diag.zip',
        tracking: false,
      });
      await store.insertCommands([pending, finished]);

      const commands = await store.commandsForRequest('C7K2Q9');
      expect(commands).toEqual([finished, pending]);
      expect(commands[0]?.completedAt).toBeInstanceOf(Date);
      expect(commands[1]?.completedAt).toBeNull();
      expect(await store.commandsForRequest('OTHER0')).toEqual([]);
    });

    it('keeps an unknown command status as it came', async () => {
      await store.createRequestOnce(makeRequest());
      await store.insertCommands([makeCommand({ status: 'QUEUED_SOMEWHERE_NEW' })]);
      expect((await store.commandsForRequest('C7K2Q9'))[0]?.status).toBe('QUEUED_SOMEWHERE_NEW');
    });

    it('inserts a batch of commands all or nothing', async () => {
      await store.createRequestOnce(makeRequest());
      const batch = [makeCommand({ id: 'cmd-1' }), makeCommand({ id: 'cmd-2', requestId: 'UNKNOWN' })];
      await expect(store.insertCommands(batch)).rejects.toThrow();
      expect(await store.commandsForRequest('C7K2Q9')).toEqual([]);
    });

    it('keeps every field of an upload, with nulls and with values', async () => {
      const bare = makeUpload();
      const full = makeUpload({
        commandId: 'cmd-2',
        step: 'completing',
        fileName: 'warp-diag-bob.zip',
        fileId: 'F0123456',
        bytes: 7_340_032,
        interfaces: [
          { name: 'default', ok: true, error: null },
          { name: 'tunnel', ok: false, error: 'pktmon: no adapters' },
        ],
        error: 'slack said ratelimited',
        failure: 'slack',
        attempts: 2,
        nextAttemptAt: at(10),
        updatedAt: at(9),
      });
      expect(await store.ensureUpload(bare)).toEqual(bare);
      expect(await store.ensureUpload(full)).toEqual(full);
      const uploads = await store.uploadsForRequest('C7K2Q9');
      expect(uploads).toEqual([bare, full]);
      expect(uploads[0]?.updatedAt).toBeInstanceOf(Date);
    });

    it('ensureUpload returns the first row unchanged when called again', async () => {
      const first = makeUpload();
      await store.ensureUpload(first);
      const again = await store.ensureUpload(makeUpload({ step: 'done', fileName: 'other.zip', attempts: 7 }));
      expect(again).toEqual(first);
      expect(await store.uploadsForRequest('C7K2Q9')).toEqual([first]);
      expect(await store.getUpload(first.commandId)).toEqual(first);
      expect(await store.getUpload('no-such-command')).toBeNull();
    });
  });

  describe('createRequestOnce', () => {
    it('creates once and hands a retry the stored request', async () => {
      const original = makeRequest();
      const retry = makeRequest({
        id: 'RETRY1',
        requestedBy: 'U_SOMEONE',
        createdAt: at(1),
        dedupeKey: original.dedupeKey,
        reason: null,
        destinationPublic: null,
        approval: null,
      });

      expect(await store.createRequestOnce(original)).toEqual({ request: original, created: true });
      expect(await store.createRequestOnce(retry)).toEqual({ request: original, created: false });
      expect(await store.getRequest('RETRY1')).toBeNull();
    });

    it('creates exactly once when two calls race', async () => {
      const results = await Promise.all([
        store.createRequestOnce(makeRequest({ id: 'RACE01', dedupeKey: 'view-9:hash' })),
        store.createRequestOnce(makeRequest({ id: 'RACE02', dedupeKey: 'view-9:hash' })),
      ]);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.request.id)).size).toBe(1);
      expect(await store.listRequests()).toHaveLength(1);
    });

    it('creates exactly once when two connections to one database race', async () => {
      const url = await backend.durableUrl();
      const [first, second] = await Promise.all([openStore(url), openStore(url)]);
      try {
        const results = await Promise.all([
          first.createRequestOnce(makeRequest({ id: 'RACE01', dedupeKey: 'view-9:hash' })),
          second.createRequestOnce(makeRequest({ id: 'RACE02', dedupeKey: 'view-9:hash' })),
        ]);
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(results[0]?.request).toEqual(results[1]?.request);
      } finally {
        await first.close();
        await second.close();
      }
    });
  });

  describe('patches change only what they name', () => {
    beforeEach(async () => {
      await store.createRequestOnce(makeRequest());
      await store.insertCommands([makeCommand()]);
      await store.ensureUpload(makeUpload());
    });

    it('updateRequest', async () => {
      const original = makeRequest();
      await store.updateRequest('C7K2Q9', { state: 'running' });
      expect(await store.getRequest('C7K2Q9')).toEqual({ ...original, state: 'running' });

      const statusMessage = { channelId: 'C_STATUS', ts: '1714557600.000100' };
      await store.updateRequest('C7K2Q9', { statusMessage });
      expect(await store.getRequest('C7K2Q9')).toEqual({ ...original, state: 'running', statusMessage });

      const startError = { reason: 'unreachable' } as const;
      await store.updateRequest('C7K2Q9', { state: 'stopped', stoppedBy: 'U_ONCALL', startError });
      const stopped = { ...original, state: 'stopped', statusMessage, stoppedBy: 'U_ONCALL', startError };
      expect(await store.getRequest('C7K2Q9')).toEqual(stopped);

      const launch = { createSentAt: at(2), unknownOutcome: 'lost-answer', attempts: 1, nextAttemptAt: at(4) } as const;
      await store.updateRequest('C7K2Q9', { launch });
      expect(await store.getRequest('C7K2Q9')).toEqual({ ...stopped, launch });

      // An explicit null clears a field; an empty patch changes nothing.
      await store.updateRequest('C7K2Q9', { statusMessage: null, startError: null });
      await store.updateRequest('C7K2Q9', {});
      expect(await store.getRequest('C7K2Q9')).toEqual({ ...stopped, launch, statusMessage: null, startError: null });
    });

    it('updateCommand', async () => {
      const original = makeCommand();
      await store.updateCommand('cmd-1', { status: 'PENDING_UPLOAD', updatedAt: at(3) });
      const uploading = { ...original, status: 'PENDING_UPLOAD', updatedAt: at(3) };
      expect(await store.commandsForRequest('C7K2Q9')).toEqual([uploading]);

      await store.updateCommand('cmd-1', { completedAt: at(4), filename: 'pcap.zip', tracking: false });
      const done = { ...uploading, completedAt: at(4), filename: 'pcap.zip', tracking: false };
      expect(await store.commandsForRequest('C7K2Q9')).toEqual([done]);

      await store.updateCommand('cmd-1', { completedAt: null, filename: null, tracking: true });
      expect(await store.commandsForRequest('C7K2Q9')).toEqual([uploading]);
    });

    it('updateUpload', async () => {
      const original = makeUpload();
      await store.updateUpload('cmd-1', { step: 'uploading', fileId: 'F0123', attempts: 1 });
      const uploading = { ...original, step: 'uploading', fileId: 'F0123', attempts: 1 } as const;
      expect(await store.uploadsForRequest('C7K2Q9')).toEqual([uploading]);

      const finished = {
        ...uploading,
        step: 'done',
        fileName: 'renamed.zip',
        bytes: 1024,
        interfaces: [{ name: 'tunnel', ok: true, error: null }],
        error: 'transient, retried',
        nextAttemptAt: at(9),
        updatedAt: at(8),
      } as const;
      await store.updateUpload('cmd-1', {
        step: 'done',
        fileName: 'renamed.zip',
        bytes: 1024,
        interfaces: [{ name: 'tunnel', ok: true, error: null }],
        error: 'transient, retried',
        nextAttemptAt: at(9),
        updatedAt: at(8),
      });
      expect(await store.uploadsForRequest('C7K2Q9')).toEqual([finished]);

      await store.updateUpload('cmd-1', { error: null, bytes: null });
      expect(await store.uploadsForRequest('C7K2Q9')).toEqual([{ ...finished, error: null, bytes: null }]);
    });

    it('ignores unknown ids', async () => {
      await expect(store.updateRequest('NOPE00', { state: 'finished' })).resolves.toBeUndefined();
      await expect(store.updateCommand('cmd-404', { tracking: false })).resolves.toBeUndefined();
      await expect(store.updateUpload('cmd-404', { step: 'done' })).resolves.toBeUndefined();
      expect(await store.getRequest('NOPE00')).toBeNull();
      expect(await store.getRequest('C7K2Q9')).toEqual(makeRequest());
    });
  });

  describe('queries', () => {
    const carol = {
      deviceId: 'dev-ccc-333',
      name: 'CAROL-THINKPAD',
      email: 'carol@corp.example',
      platform: 'linux',
      registrationId: null,
    };

    it('uploadsToRemove: posted files old enough, not removed, whose next try is due, oldest first', async () => {
      await store.createRequestOnce(makeRequest());
      const posted = (id: string, minute: number, extra: Partial<ArtifactUpload> = {}) =>
        store.ensureUpload(
          makeUpload({ commandId: id, step: 'done', fileId: `F-${id}`, postedAt: at(minute), ...extra }),
        );
      await posted('old', 1);
      await posted('older', 0);
      await posted('young', 9);
      await posted('removed', 0, { removedAt: at(5) });
      await posted('waiting', 0, { removalAttempts: 2, removalNextAt: at(30) });
      await store.ensureUpload(makeUpload({ commandId: 'pending', postedAt: null }));
      const due = await store.uploadsToRemove(at(5), at(20), 10);
      expect(due.map((u) => u.commandId)).toEqual(['older', 'old']);
      expect((await store.uploadsToRemove(at(5), at(30), 10)).map((u) => u.commandId)).toEqual([
        'older',
        'waiting',
        'old',
      ]);
      await store.updateUpload('old', { removedAt: at(21), removalAttempts: 1, removalNextAt: null });
      expect(await store.getUpload('old')).toMatchObject({
        removedAt: at(21),
        removalAttempts: 1,
        removalNextAt: null,
      });
      expect((await store.uploadsToRemove(at(5), at(20), 1)).map((u) => u.commandId)).toEqual(['older']);
    });

    it('listRequests: newest first, default limit 10, filters by user', async () => {
      for (let minute = 0; minute < 12; minute++) {
        const requestedBy = minute % 2 === 0 ? 'U_EVEN' : 'U_ODD';
        await store.createRequestOnce(makeRequest({ id: `REQ${minute}`, requestedBy, createdAt: at(minute) }));
      }
      const newestFirst = ['REQ11', 'REQ10', 'REQ9', 'REQ8', 'REQ7', 'REQ6', 'REQ5', 'REQ4', 'REQ3', 'REQ2'];
      expect((await store.listRequests()).map((request) => request.id)).toEqual(newestFirst);
      expect((await store.listRequests({ limit: 3 })).map((request) => request.id)).toEqual(['REQ11', 'REQ10', 'REQ9']);
      expect((await store.listRequests({ limit: 50 })).length).toBe(12);

      const odd = await store.listRequests({ requestedBy: 'U_ODD', limit: 3 });
      expect(odd.map((request) => request.id)).toEqual(['REQ11', 'REQ9', 'REQ7']);
      expect(await store.listRequests({ requestedBy: 'U_NOBODY' })).toEqual([]);
    });

    it('listRequests: filters by device name, email or id, case-insensitive substring', async () => {
      await store.createRequestOnce(makeRequest({ id: 'ALICE1', createdAt: at(0) }));
      await store.createRequestOnce(makeRequest({ id: 'CAROL1', devices: [carol], createdAt: at(1) }));
      await store.createRequestOnce(
        makeRequest({ id: 'CAROL2', requestedBy: 'U_OTHER', devices: [carol], createdAt: at(2) }),
      );
      const ids = async (device: string, requestedBy?: string) =>
        (await store.listRequests({ device, requestedBy })).map((request) => request.id);

      expect(await ids('thinkpad')).toEqual(['CAROL2', 'CAROL1']);
      expect(await ids('CORP.EXAMPLE')).toEqual(['CAROL2', 'CAROL1']);
      expect(await ids('ccc-3')).toEqual(['CAROL2', 'CAROL1']);
      expect(await ids('kiosk')).toEqual(['ALICE1']);
      expect(await ids('BOB@')).toEqual(['ALICE1']);
      expect(await ids('dev-')).toEqual(['CAROL2', 'CAROL1', 'ALICE1']);
      expect(await ids('carol', 'U_AGENT')).toEqual(['CAROL1']);
      expect(await ids('nobody')).toEqual([]);
      // Matched literally, not as LIKE wildcards.
      expect(await ids('dev_')).toEqual([]);
      expect(await ids('%')).toEqual([]);
    });

    it('activeRequests: only starting and running', async () => {
      const states = ['starting', 'running', 'finished', 'failed-to-start', 'stopped'] as const;
      for (const [index, state] of states.entries()) {
        await store.createRequestOnce(makeRequest({ id: `S${index}`, state, createdAt: at(index) }));
      }
      expect((await store.activeRequests()).map((request) => request.state).sort()).toEqual(['running', 'starting']);
      await store.updateRequest('S1', { state: 'finished' });
      expect((await store.activeRequests()).map((request) => request.id)).toEqual(['S0']);
    });

    it('trackedCommands: tracking only, oldest first', async () => {
      await store.createRequestOnce(makeRequest());
      await store.insertCommands([
        makeCommand({ id: 'late', createdAt: at(3) }),
        makeCommand({ id: 'untracked', createdAt: at(1), tracking: false }),
        makeCommand({ id: 'early', createdAt: at(2) }),
      ]);
      expect((await store.trackedCommands()).map((command) => command.id)).toEqual(['early', 'late']);
      await store.updateCommand('early', { tracking: false, status: 'TIMED_OUT' });
      expect((await store.trackedCommands()).map((command) => command.id)).toEqual(['late']);
    });

    it('unfinishedUploads: not done or failed, oldest first', async () => {
      const steps = ['completing', 'done', 'pending', 'failed', 'uploading'] as const;
      for (const [index, step] of steps.entries()) {
        await store.ensureUpload(makeUpload({ commandId: `cmd-${step}`, step, updatedAt: at(10 - index) }));
      }
      const unfinished = await store.unfinishedUploads();
      expect(unfinished.map((upload) => upload.step)).toEqual(['uploading', 'pending', 'completing']);
      await store.updateUpload('cmd-pending', { step: 'done' });
      expect((await store.unfinishedUploads()).map((upload) => upload.step)).toEqual(['uploading', 'completing']);
    });
  });

  describe('notices (the outbox)', () => {
    it('a one-time notice is recorded once; it stays pending until marked done', async () => {
      await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, at(0));
      await store.enqueueNotice('C7K2Q9', 'failed:cmd-1', { kind: 'command-failed', commandId: 'cmd-1' }, at(1));
      await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, at(2));
      const pending = await store.pendingNotices('C7K2Q9');
      expect(pending.map((n) => [n.key, n.version, n.nextAttemptAt])).toEqual([
        ['options', 1, at(0)],
        ['failed:cmd-1', 1, at(1)],
      ]);
      expect(pending[1]).toMatchObject({ event: { kind: 'command-failed', commandId: 'cmd-1' }, state: 'pending' });

      expect(await store.updateNotice('C7K2Q9', 'options', { state: 'done' })).toBe(true);
      // Asking again for a delivered one-time notice changes nothing: the thread tells it once.
      await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, at(3));
      expect((await store.pendingNotices('C7K2Q9')).map((n) => n.key)).toEqual(['failed:cmd-1']);
      expect(await store.pendingNotices('OTHER0')).toEqual([]);
    });

    it('the status comes first, and asking for it again makes it pending anew with a new version', async () => {
      await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, at(0));
      await store.enqueueNotice('C7K2Q9', 'status', { kind: 'status' }, at(1), { repeat: true });
      expect((await store.pendingNotices('C7K2Q9')).map((n) => n.key)).toEqual(['status', 'options']);

      await store.updateNotice(
        'C7K2Q9',
        'status',
        { attempts: 3, fallback: true, nextAttemptAt: at(9), error: 'x' },
        1,
      );
      await store.enqueueNotice('C7K2Q9', 'status', { kind: 'status' }, at(2), { repeat: true });
      const [status] = await store.pendingNotices('C7K2Q9');
      expect(status).toMatchObject({ version: 2, attempts: 0, fallback: false, nextAttemptAt: at(2), error: null });

      // A delivery of version 1 finishing now must not mark version 2 done.
      expect(await store.updateNotice('C7K2Q9', 'status', { state: 'done' }, 1)).toBe(false);
      expect((await store.pendingNotices('C7K2Q9'))[0]?.key).toBe('status');
      expect(await store.updateNotice('C7K2Q9', 'status', { state: 'done' }, 2)).toBe(true);
      expect((await store.pendingNotices('C7K2Q9')).map((n) => n.key)).toEqual(['options']);
    });

    it('lists the requests with notices due, soonest first, and not those waiting or done', async () => {
      await store.enqueueNotice('LATER1', 'options', { kind: 'options' }, at(5));
      await store.enqueueNotice('SOON01', 'options', { kind: 'options' }, at(1));
      await store.enqueueNotice('SOON01', 'stopped', { kind: 'stopped', by: 'U1' }, at(2));
      await store.enqueueNotice('DONE01', 'options', { kind: 'options' }, at(0));
      await store.updateNotice('DONE01', 'options', { state: 'abandoned' });
      expect(await store.requestsWithDueNotices(at(3), 10)).toEqual(['SOON01']);
      expect(await store.requestsWithDueNotices(at(6), 10)).toEqual(['SOON01', 'LATER1']);
      expect(await store.requestsWithDueNotices(at(6), 1)).toEqual(['SOON01']);
    });
  });

  it('ownedCommandIds: which of the ids a request already owns', async () => {
    await store.createRequestOnce(makeRequest());
    await store.insertCommands([makeCommand({ id: 'cmd-1' }), makeCommand({ id: 'cmd-2' })]);
    expect(await store.ownedCommandIds(['cmd-2', 'cmd-9', 'cmd-1'])).toEqual(new Set(['cmd-1', 'cmd-2']));
    expect(await store.ownedCommandIds([])).toEqual(new Set());
  });

  describe('leases', () => {
    it('one owner at a time; renewable by its owner; free again once expired or released', async () => {
      expect(await store.acquireLease('poll:acc', 'replica-a', 30_000, at(0))).toBe(true);
      expect(await store.acquireLease('poll:acc', 'replica-b', 30_000, at(0.1))).toBe(false);
      expect(await store.acquireLease('poll:acc', 'replica-a', 30_000, at(0.4))).toBe(true);
      // Renewed at 0.4 min: still held at 0.8 min (the first term alone would have ended at 0.5).
      expect(await store.acquireLease('poll:acc', 'replica-b', 30_000, at(0.8))).toBe(false);
      expect(await store.acquireLease('poll:acc', 'replica-b', 30_000, at(0.9))).toBe(true);
      expect(await store.acquireLease('poll:acc', 'replica-a', 30_000, at(0.95))).toBe(false);

      await store.releaseLease('poll:acc', 'replica-a'); // not a's: nothing happens
      expect(await store.acquireLease('poll:acc', 'replica-a', 30_000, at(1))).toBe(false);
      await store.releaseLease('poll:acc', 'replica-b');
      expect(await store.acquireLease('poll:acc', 'replica-a', 30_000, at(1))).toBe(true);
      expect(await store.acquireLease('upload:cmd-1', 'replica-b', 30_000, at(1))).toBe(true);
    });

    it('gives a contested lease to exactly one of many owners asking at once', async () => {
      const url = await backend.durableUrl();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      try {
        const results = await Promise.all(
          stores.flatMap((s, i) => [0, 1, 2].map((j) => s.acquireLease('relay:x', `r${i}-${j}`, 60_000, at(0)))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });

  it('rate-limit holds: none at first, then the latest of all holds', async () => {
    expect(await store.rateLimitUntil('cf-token:abc')).toBeNull();
    await store.holdRateLimit('cf-token:abc', at(5));
    await store.holdRateLimit('cf-token:abc', at(2));
    expect(await store.rateLimitUntil('cf-token:abc')).toEqual(at(5));
    await store.holdRateLimit('cf-token:abc', at(7));
    expect(await store.rateLimitUntil('cf-token:abc')).toEqual(at(7));
    expect(await store.rateLimitUntil('cf-token:other')).toBeNull();
  });

  it('audit trail: newest first since a time, ties in recording order reversed, limited', async () => {
    const early = makeAudit();
    const denied = makeAudit({
      at: at(1),
      action: 'denied',
      channelId: null,
      requestId: null,
      devices: [],
      types: [],
      options: null,
      commandIds: [],
      outcome: { kind: 'denied', attempted: 'open-form', refusal: { kind: 'not-in-groups', groups: ['helpdesk'] } },
    });
    const stopped = makeAudit({
      at: at(1),
      action: 'stop-watching',
      userId: 'U_ONCALL',
      outcome: { kind: 'stopped-watching' },
    });
    for (const event of [early, denied, stopped]) await store.recordAudit(event);

    expect(await store.auditSince(at(0))).toEqual([stopped, denied, early]);
    expect(await store.auditSince(at(1))).toEqual([stopped, denied]);
    expect(await store.auditSince(at(0), 1)).toEqual([stopped]);
    expect(await store.auditSince(at(2))).toEqual([]);
  });

  describe('audit report queries', () => {
    const deniedOutcome = (minute: number): AuditOutcome => ({
      kind: 'denied',
      attempted: 'open-form',
      refusal: { kind: 'not-in-groups', groups: [`group-${minute}`] },
    });
    const refusal = (userId: string, minute: number, outcome = deniedOutcome(minute)) =>
      makeAudit({
        at: at(minute),
        userId,
        action: 'denied',
        channelId: 'C_HELPDESK',
        requestId: null,
        devices: [],
        types: [],
        options: null,
        commandIds: [],
        outcome,
      });

    it('actions: every start, run again and stop watching, newest first, however many refusals there are', async () => {
      const early = makeAudit({ at: at(1), requestId: 'AAAAAA' });
      for (let i = 0; i < 150; i++) await store.recordAudit(refusal('U_MALLORY', 2 + i / 100));
      const again = makeAudit({
        at: at(3),
        action: 'run-again',
        requestId: 'AAAAAA',
        outcome: { kind: 'opened-form-again' },
      });
      const stopped = makeAudit({
        at: at(4),
        action: 'stop-watching',
        userId: 'U_ONCALL',
        outcome: { kind: 'stopped-watching' },
      });
      const late = makeAudit({ at: at(5), requestId: 'BBBBBB' });
      for (const event of [early, again, stopped, late]) await store.recordAudit(event);
      await store.recordAudit(refusal('U_MALLORY', 6));

      expect(await store.auditActionsSince(at(0))).toEqual({ events: [late, stopped, again, early], total: 4 });
      expect(await store.auditActionsSince(at(3))).toEqual({ events: [late, stopped, again], total: 3 });
      // A limit bounds the events, never the total.
      expect(await store.auditActionsSince(at(0), 2)).toEqual({ events: [late, stopped], total: 4 });
      expect(await store.auditActionsSince(at(7))).toEqual({ events: [], total: 0 });
    });

    it('refusals: one summary per person, with count, first, last and the latest outcome', async () => {
      for (let i = 0; i < 150; i++) await store.recordAudit(refusal('U_MALLORY', 10 + i / 50));
      const latest: AuditOutcome = {
        kind: 'denied',
        attempted: 'start',
        refusal: { kind: 'not-in-groups', groups: ['helpdesk'] },
      };
      await store.recordAudit(refusal('U_MALLORY', 14, latest));
      await store.recordAudit(refusal('U_EVE', 12));
      await store.recordAudit(refusal('U_OLD', 1));
      await store.recordAudit(makeAudit({ at: at(11) }));

      const all = await store.auditRefusalsSince(at(5));
      expect(all).toEqual({
        people: [
          {
            userId: 'U_MALLORY',
            count: 151,
            firstAt: at(10),
            lastAt: at(14),
            lastOutcome: latest,
          },
          {
            userId: 'U_EVE',
            count: 1,
            firstAt: at(12),
            lastAt: at(12),
            lastOutcome: deniedOutcome(12),
          },
        ],
        totalPeople: 2,
        totalRefusals: 152,
      });
      // Limited to the most recently refused; the totals still count everyone since then.
      const one = await store.auditRefusalsSince(at(0), 1);
      expect(one.people.map((p) => [p.userId, p.count])).toEqual([['U_MALLORY', 151]]);
      expect([one.totalPeople, one.totalRefusals]).toEqual([3, 153]);
      expect(await store.auditRefusalsSince(at(15))).toEqual({ people: [], totalPeople: 0, totalRefusals: 0 });
    });

    it('refuses a limit that is not a whole number of at least 1', async () => {
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await expect(store.auditActionsSince(at(0), limit)).rejects.toThrow(RangeError);
        await expect(store.auditRefusalsSince(at(0), limit)).rejects.toThrow(RangeError);
      }
    });
  });

  it('keeps everything across close and reopen', async () => {
    const url = await backend.durableUrl();
    const request = makeRequest({
      state: 'running',
      statusMessage: { channelId: 'C_STATUS', ts: '1714557600.000100' },
    });
    const commands = [
      makeCommand(),
      makeCommand({ id: 'cmd-2', completedAt: at(3), filename: 'x.zip', tracking: false }),
    ];
    const upload = makeUpload({ step: 'uploading', fileId: 'F01', bytes: 42, attempts: 1 });

    const writer = await openStore(url);
    await writer.createRequestOnce(request);
    await writer.insertCommands(commands);
    await writer.ensureUpload(upload);
    await writer.enqueueNotice(request.id, 'options', { kind: 'options' }, at(0));
    await writer.close();

    const reader = await openStore(url);
    try {
      expect(await reader.getRequest(request.id)).toEqual(request);
      expect(await reader.activeRequests()).toEqual([request]);
      expect(await reader.listRequests({ device: 'alice' })).toEqual([request]);
      expect(await reader.commandsForRequest(request.id)).toEqual(commands);
      expect(await reader.trackedCommands()).toEqual([commands[0]]);
      expect(await reader.uploadsForRequest(request.id)).toEqual([upload]);
      expect(await reader.unfinishedUploads()).toEqual([upload]);
      expect((await reader.pendingNotices(request.id)).map((n) => n.key)).toEqual(['options']);
      expect(await reader.createRequestOnce(makeRequest({ id: 'RETRY1', dedupeKey: request.dedupeKey }))).toEqual({
        request,
        created: false,
      });
    } finally {
      await reader.close();
    }
  });
});

describe('the store on SQLite', () => {
  it('turns on WAL, NORMAL sync, a busy timeout and foreign keys, and closes the database', async () => {
    const file = path.join(temporaryDirectory(), 'pragmas.db');
    const database = new Database(file);
    const store = await openSqliteStore(database);
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    return store.close().then(() => expect(database.open).toBe(false));
  });

  it('records each migration once, however often the file is opened', async () => {
    const file = path.join(temporaryDirectory(), 'migrations.db');
    for (let opening = 0; opening < 3; opening++) {
      const store = await openStore(`sqlite:${file}`);
      await store.enqueueNotice('C7K2Q9', `opening-${opening}`, { kind: 'options' }, at(0));
      await store.close();
    }
    const database = new Database(file, { readonly: true });
    try {
      const versions = database.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const tables = database
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .pluck()
        .all();
      expect(tables).toEqual([...SCHEMA_TABLES, 'sqlite_sequence'].sort());
      expect(database.prepare('SELECT count(*) FROM notices').pluck().get()).toBe(3);
    } finally {
      database.close();
    }
  });

  it('accepts a path string', async () => {
    const store = await openSqliteStore(path.join(temporaryDirectory(), 'by-path.db'));
    await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, at(0));
    expect(await store.pendingNotices('C7K2Q9')).toHaveLength(1);
    await store.close();
  });
});

describe('the store on PostgreSQL', () => {
  it('applies each migration once when replicas open a fresh database at once', async () => {
    const { url } = await postgresDatabases.create({ migrated: false });
    const replicas = await Promise.all([openPostgresStore(url), openPostgresStore(url), openPostgresStore(url)]);
    await Promise.all(
      replicas.map((replica, index) => replica.enqueueNotice('C7K2Q9', `replica-${index}`, { kind: 'options' }, at(0))),
    );
    await Promise.all(replicas.map((replica) => replica.close()));
    await (await openPostgresStore(url)).close();

    await withClient(url, async (client) => {
      const versions = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.rows.map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const tables = await client.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(SCHEMA_TABLES);
      expect((await client.query('SELECT count(*)::int AS n FROM notices')).rows[0].n).toBe(3);
    });
  });

  it('keeps dates exact whatever time zone the server reports them in', async () => {
    const { name, url } = await postgresDatabases.create();
    // Kathmandu is UTC+05:45; Amsterdam before 1937 was UTC+00:19:32, an offset in seconds.
    for (const zone of ['Asia/Kathmandu', 'Europe/Amsterdam']) {
      await postgresDatabases.query(`ALTER DATABASE ${name} SET timezone TO '${zone}'`);
      const store = await openPostgresStore(url);
      try {
        const id = zone.slice(0, 6).toUpperCase();
        const request = makeRequest({ id, dedupeKey: id, createdAt: new Date('1890-07-01T12:34:56.789Z') });
        expect((await store.createRequestOnce(request)).request).toEqual(request);
        const upload = makeUpload({ commandId: id, updatedAt: new Date('2025-03-30T01:30:00.001Z') });
        expect(await store.ensureUpload(upload)).toEqual(upload);
      } finally {
        await store.close();
      }
    }
  });

  it('can be closed twice', async () => {
    const store = await openPostgresStore((await postgresDatabases.create()).url);
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

/**
 * Speaks just enough of the PostgreSQL protocol to ask for a password and refuse it, as a server with password
 * authentication does when given the wrong one (the local test server trusts every local connection).
 */
async function passwordRefusingServer(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const refusal = (fields: [string, string][]) => {
    const body = Buffer.concat([...fields.map(([type, value]) => Buffer.from(`${type}${value}\0`)), Buffer.from([0])]);
    const header = Buffer.alloc(5);
    header.write('E');
    header.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([header, body]);
  };
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      socket.once('data', (password) => {
        received.push(password.toString('latin1'));
        socket.end(
          refusal([
            ['S', 'FATAL'],
            ['V', 'FATAL'],
            ['C', '28P01'],
            ['M', 'password authentication failed for user "capture-bot"'],
          ]),
        );
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function openError(url: string): Promise<Error | null> {
  return openStore(url).then(
    async (store) => {
      await store.close();
      return null;
    },
    (reason: unknown) => reason as Error,
  );
}

describe('openStore', () => {
  it('creates the parent folder of a relative path', async () => {
    const file = path.join(temporaryDirectory(), 'deeper', 'still', 'bot.db');
    const store = await openStore(`sqlite:${path.relative(process.cwd(), file)}`);
    await store.close();
    expect(fs.existsSync(file)).toBe(true);
  });

  it.each([
    'postgres://capture-bot:s3cret-pw@127.0.0.1:1/captures',
    'postgresql://capture-bot:s3cret-pw@127.0.0.1:1/captures?sslmode=disable',
    'POSTGRES://capture-bot:s3cret-pw@127.0.0.1:1/captures',
  ])('refuses an unreachable PostgreSQL server without echoing the URL: %s', async (url) => {
    const error = await openError(url);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe(
      'Could not connect to PostgreSQL (ECONNREFUSED: connection refused): check DATABASE_URL',
    );
  });

  it('refuses a wrong PostgreSQL password without echoing it or the user', async () => {
    const server = await passwordRefusingServer();
    try {
      const error = await openError(`postgres://capture-bot:s3cret-pw@127.0.0.1:${server.port}/captures`);
      expect(server.received.join()).toContain('s3cret-pw');
      expect(error?.message).toBe(
        'Could not connect to PostgreSQL (28P01: password authentication failed): check DATABASE_URL',
      );
      expect(error?.message).not.toContain('capture-bot');
    } finally {
      await server.close();
    }
  });

  it('refuses a PostgreSQL database that does not exist, without echoing the URL', async () => {
    const url = new URL(postgresDatabases.url('dex_bot_test_missing'));
    url.password = 's3cret-pw';
    const error = await openError(url.toString());
    expect(error?.message).toBe(
      'Could not connect to PostgreSQL (3D000: the database does not exist): check DATABASE_URL',
    );
  });

  it.each(['mysql://root:s3cret-pw@db/x', 'bot:s3cret-pw@db.internal', 's3cret-pw', './data/bot.db', '', 'sqlite:'])(
    'refuses an unknown form, naming the accepted ones: %j',
    async (url) => {
      const error = await openStore(url).then(
        () => null,
        (reason: unknown) => reason as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error?.message).toContain('sqlite:<path>');
      expect(error?.message).toContain('sqlite::memory:');
      expect(error?.message).toContain('postgres://user:password@host:5432/db');
      expect(error?.message).not.toContain('s3cret-pw');
    },
  );
});
