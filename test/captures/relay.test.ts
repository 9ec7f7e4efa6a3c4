import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/capture-types/registry.js';
import { Leases } from '../../src/captures/leases.js';
import type { CaptureRequest, TrackedCommand } from '../../src/captures/model.js';
import type { ArtifactSink } from '../../src/captures/notifier.js';
import { ArtifactRelay } from '../../src/captures/relay.js';
import type { Store } from '../../src/captures/store.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';

/**
 * ArtifactRelay on its own: its steps (pending → uploading → completing → done) against an in-memory store, a
 * scripted download and a recording sink; taking up a stored step after a restart; and a lease lost mid-transfer.
 */

const AT = new Date('2026-12-02T10:00:00Z');
const ZIP = Buffer.from('PK\u0003\u0004 a WARP bundle, as far as the relay cares');

const REQUEST: CaptureRequest = {
  id: 'REQ001',
  requestedBy: 'U_ALICE',
  channelId: 'C_HELPDESK',
  devices: [
    { deviceId: 'dev-1', name: 'LAPTOP-42', email: 'alice@example.com', platform: 'windows', registrationId: null },
  ],
  types: ['warp-diag'],
  options: DEFAULT_CAPTURE_OPTIONS,
  state: 'running',
  createdAt: AT,
  statusMessage: { channelId: 'C_HELPDESK', ts: '1.000' },
  startError: null,
  stoppedBy: null,
  dedupeKey: 'view-1',
  reason: null,
  destinationPublic: null,
  approval: null,
  launch: null,
};
const COMMAND: TrackedCommand = {
  id: 'cmd-1',
  requestId: REQUEST.id,
  deviceId: 'dev-1',
  registrationId: null,
  type: 'warp-diag',
  status: 'SUCCESS',
  createdAt: AT,
  updatedAt: AT,
  completedAt: AT,
  filename: 'cmd-1.zip',
  tracking: false,
};

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function setUp(options: { sendGate?: Promise<void>; withLeases?: boolean; published?: boolean } = {}) {
  const store = await openStore('sqlite::memory:');
  stores.push(store);
  await store.createRequestOnce(REQUEST);
  await store.insertCommands([COMMAND]);
  let clock = AT;
  const now = () => clock;
  const calls: string[] = [];
  const received: Buffer[] = [];
  const sink: ArtifactSink = {
    async reserve() {
      calls.push('reserve');
      return { fileId: 'F1', fileName: 'LAPTOP-42-warp-diag.zip', uploadUrl: 'http://127.0.0.1:1/upload' };
    },
    async send(_url, body) {
      calls.push('send');
      for await (const chunk of body) received.push(chunk as Buffer);
      await options.sendGate;
    },
    async publish() {
      calls.push('publish');
    },
    async isPublished() {
      calls.push('isPublished');
      return options.published ?? false;
    },
  };
  const dex = {
    // Only WARP diagnostics are analysed by Cloudflare.
    commandAnalysis: async () => null,
    async download() {
      calls.push('download');
      return {
        stream: Readable.from([ZIP]),
        fileName: 'cmd-1.zip',
        contentType: 'application/zip',
        contentLength: ZIP.length,
        totalSize: ZIP.length,
        start: 0,
        etag: null,
        acceptsRanges: false,
      };
    },
  };
  const logs: string[] = [];
  const logger = createLogger({ write: (line) => logs.push(line), level: 'warn' });
  const leases = options.withLeases ? new Leases(store, 'replica-a', 60_000, logger, now) : undefined;
  const told: string[] = [];
  const relay = new ArtifactRelay({
    store,
    dex,
    sink,
    notices: { tell: async (_, e) => void told.push(e.kind), statusChanged: async () => {} },
    logger,
    now,
    ...(leases ? { leases } : {}),
  });
  return {
    store,
    relay,
    calls,
    received,
    logs,
    told,
    advance: (ms: number) => (clock = new Date(clock.getTime() + ms)),
  };
}

describe('ArtifactRelay', () => {
  it('downloads, reserves, streams and publishes once, storing each step', async () => {
    const { store, relay, calls, received } = await setUp();
    await relay.enqueue(COMMAND);
    await relay.idle();
    expect(calls).toEqual(['download', 'reserve', 'send', 'publish']);
    expect(Buffer.concat(received).equals(ZIP)).toBe(true);
    expect(await store.getUpload('cmd-1')).toMatchObject({
      step: 'done',
      fileId: 'F1',
      fileName: 'LAPTOP-42-warp-diag.zip',
      bytes: ZIP.length,
    });
    // Asked again (a restart, a replica): nothing more happens.
    await relay.enqueue(COMMAND);
    await relay.resume();
    await relay.idle();
    expect(calls).toEqual(['download', 'reserve', 'send', 'publish']);
  });

  it('after a restart at "completing", publishes without downloading again, unless Slack already shows the file', async () => {
    for (const published of [false, true]) {
      const { store, relay, calls } = await setUp({ published });
      // What a stopped process left: the bytes in Slack, the file not yet shared (as far as the store knows).
      await store.ensureUpload({
        commandId: 'cmd-1',
        requestId: REQUEST.id,
        step: 'completing',
        fileName: 'x.zip',
        fileId: 'F1',
        bytes: ZIP.length,
        interfaces: null,
        digest: null,
        error: null,
        failure: null,
        attempts: 0,
        nextAttemptAt: null,
        postedAt: null,
        removedAt: null,
        removalAttempts: 0,
        removalNextAt: null,
        updatedAt: AT,
      });
      await relay.resume();
      await relay.idle();
      expect(calls).toEqual(published ? ['isPublished'] : ['isPublished', 'publish']);
      expect((await store.getUpload('cmd-1'))?.step).toBe('done');
    }
  });

  it('never publishes once its lease was lost to another replica mid-transfer, and leaves the upload to it', async () => {
    let open = () => {};
    const sendGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { store, relay, calls, logs, told, advance } = await setUp({ sendGate, withLeases: true });
    await relay.enqueue(COMMAND);
    while (!calls.includes('send')) await new Promise((resolve) => setTimeout(resolve, 5));
    // Replica A stalls past its lease's term; replica B takes the artifact over.
    advance(61_000);
    expect(await store.acquireLease('upload:cmd-1', 'replica-b', 60_000, new Date(AT.getTime() + 61_000))).toBe(true);
    open();
    await relay.idle();
    expect(calls).not.toContain('publish');
    const upload = await store.getUpload('cmd-1');
    expect(upload?.step).not.toBe('done');
    expect(upload?.step).not.toBe('failed');
    expect(told).toEqual([]);
    expect(logs.join('\n')).toMatch(/lease lost/);
  });
});
