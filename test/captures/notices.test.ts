import { describe, expect, it } from 'vitest';
import type { CaptureRequest, StatusMessageRef } from '../../src/captures/model.js';
import { NoticeBoard } from '../../src/captures/notices.js';
import {
  DeliveryError,
  type NoticePlace,
  type Notifier,
  type OwnerNotice,
  type StatusView,
  type ThreadEvent,
} from '../../src/captures/notifier.js';
import { createLogger } from '../../src/logger.js';
import { openSqliteStore } from '../../src/store/index.js';

/** A Notifier that does what each test scripts, and records what reached "Slack". */
class ScriptedSlack implements Notifier {
  readonly posted: { place: NoticePlace; ref: StatusMessageRef }[] = [];
  readonly updated: StatusMessageRef[] = [];
  readonly replies: { event: ThreadEvent['kind']; place: NoticePlace; threadTs: string | null }[] = [];
  /** Failures to throw, in order, per operation. */
  readonly failures: Record<'post' | 'update' | 'reply', (DeliveryError | null)[]> = {
    post: [],
    update: [],
    reply: [],
  };
  #ts = 0;
  readonly artifacts = {} as Notifier['artifacts'];

  async postStatus(view: StatusView, place: NoticePlace): Promise<StatusMessageRef> {
    this.#fail('post');
    const ref = { channelId: place === 'usual' ? view.request.channelId : 'D_REQUESTER', ts: `${++this.#ts}.000` };
    this.posted.push({ place, ref });
    return ref;
  }

  async updateStatus(view: StatusView): Promise<void> {
    this.#fail('update');
    if (view.request.statusMessage) this.updated.push(view.request.statusMessage);
  }

  async postInThread(request: CaptureRequest, event: ThreadEvent, place: NoticePlace): Promise<void> {
    this.#fail('reply');
    this.replies.push({
      event: event.kind,
      place,
      threadTs: place === 'usual' ? (request.statusMessage?.ts ?? null) : null,
    });
  }

  readonly owners: string[] = [];

  async tellDeviceOwner(_view: StatusView, email: string): Promise<OwnerNotice> {
    this.owners.push(email);
    return 'told';
  }

  #fail(operation: 'post' | 'update' | 'reply'): void {
    const failure = this.failures[operation].shift();
    if (failure) throw failure;
  }
}

const failed = () => new DeliveryError('failed', 'Slack said internal_error');
const gone = () => new DeliveryError('gone', 'Slack said message_not_found');

async function setUp() {
  const store = await openSqliteStore(':memory:');
  let now = Date.parse('2026-12-02T10:00:00Z');
  const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms) };
  const slack = new ScriptedSlack();
  const board = new NoticeBoard({ store, notifier: slack, logger: createLogger({ write: () => {} }), now: clock.now });
  await store.createRequestOnce({
    id: 'REQ001',
    requestedBy: 'U_AGENT',
    channelId: 'C_HELPDESK',
    devices: [],
    types: ['pcap'],
    options: {
      pcap: { timeLimitMin: 5, maxFileSizeMb: 5, packetSizeBytes: 160 },
      'warp-diag': { testAllRoutes: true },
      'speed-test': { interfaces: ['default', 'tunnel'] },
    },
    state: 'running',
    createdAt: clock.now(),
    statusMessage: null,
    startError: null,
    stoppedBy: null,
    dedupeKey: 'view:1',
    reason: null,
    destinationPublic: null,
    approval: null,
    launch: null,
  });
  /** Asks for a delivery now, and waits for it. */
  const settle = async () => {
    await board.flush();
    await board.idle();
  };
  return { store, clock, slack, board, settle };
}

describe('NoticeBoard', () => {
  it('posts the status first, then the thread replies in it; asking again edits the same message', async () => {
    const { slack, board, store } = await setUp();
    await board.tell('REQ001', { kind: 'options' });
    await board.statusChanged('REQ001');
    await board.idle();
    expect(slack.posted).toHaveLength(1);
    expect(slack.replies).toEqual([{ event: 'options', place: 'usual', threadTs: slack.posted[0]?.ref.ts }]);

    await board.statusChanged('REQ001');
    await board.tell('REQ001', { kind: 'options' });
    await board.idle();
    expect(slack.posted).toHaveLength(1);
    expect(slack.updated).toEqual([slack.posted[0]?.ref]);
    expect(slack.replies).toHaveLength(1);
    expect(await store.pendingNotices('REQ001')).toEqual([]);
  });

  it('retries a refused notice with growing waits, and delivers it once Slack takes it', async () => {
    const { slack, board, clock, settle, store } = await setUp();
    await board.statusChanged('REQ001');
    await board.idle();
    slack.failures.reply.push(failed(), failed());
    await board.tell('REQ001', { kind: 'options' });
    await board.idle();
    expect(slack.replies).toHaveLength(0);

    // Not due yet: nothing is sent.
    clock.advance(1_000);
    await settle();
    expect(slack.replies).toHaveLength(0);
    clock.advance(1_500);
    await settle();
    expect(slack.replies).toHaveLength(0);
    // The second wait is twice the first.
    clock.advance(3_000);
    await settle();
    expect(slack.replies).toHaveLength(0);
    clock.advance(1_500);
    await settle();
    expect(slack.replies).toHaveLength(1);
    expect(await store.pendingNotices('REQ001')).toEqual([]);
  });

  it("after repeated refusals goes to the requester's DM, and is given up only if that fails too", async () => {
    const { slack, board, clock, settle, store } = await setUp();
    await board.statusChanged('REQ001');
    await board.idle();
    slack.failures.reply.push(...Array.from({ length: 6 }, failed));
    await board.tell('REQ001', { kind: 'stopped', by: 'U_ONCALL' });
    for (let i = 0; i < 8; i++) {
      clock.advance(5 * 60_000);
      await settle();
    }
    expect(slack.replies).toEqual([{ event: 'stopped', place: 'requester-dm', threadTs: null }]);

    // Refused six times in the thread and six times in the DM: given up, and nothing is left pending.
    slack.failures.reply.push(...Array.from({ length: 12 }, failed));
    await board.tell('REQ001', { kind: 'status-replaced', previousTs: 'old' });
    for (let i = 0; i < 16; i++) {
      clock.advance(5 * 60_000);
      await settle();
    }
    expect(slack.failures.reply).toHaveLength(0);
    expect(slack.replies).toHaveLength(1);
    expect(await store.pendingNotices('REQ001')).toEqual([]);
  });

  it('replaces a status message that is gone, and says so in the new thread', async () => {
    const { slack, board, store } = await setUp();
    await board.statusChanged('REQ001');
    await board.idle();
    const first = slack.posted[0]?.ref;
    slack.failures.update.push(gone());
    await board.statusChanged('REQ001');
    await board.idle();
    expect(slack.posted).toHaveLength(2);
    const replacement = slack.posted[1]?.ref;
    expect(replacement?.ts).not.toBe(first?.ts);
    expect((await store.getRequest('REQ001'))?.statusMessage).toEqual(replacement);
    expect(slack.replies).toEqual([{ event: 'status-replaced', place: 'usual', threadTs: replacement?.ts }]);
  });

  it('a reply whose thread is gone replaces the status message, then goes in the new thread', async () => {
    const { slack, board } = await setUp();
    await board.statusChanged('REQ001');
    await board.idle();
    slack.failures.reply.push(gone());
    await board.tell('REQ001', { kind: 'options' });
    await board.idle();
    expect(slack.posted).toHaveLength(2);
    const newThread = slack.posted[1]?.ref.ts;
    expect(slack.replies.map((r) => [r.event, r.threadTs])).toEqual([
      ['options', newThread],
      ['status-replaced', newThread],
    ]);
  });

  it('a status asked for again while one is being delivered is delivered again, with the latest state', async () => {
    const { slack, board, store } = await setUp();
    await board.statusChanged('REQ001');
    await board.idle();
    await store.updateRequest('REQ001', { state: 'finished' });
    await Promise.all([board.statusChanged('REQ001'), board.statusChanged('REQ001')]);
    await board.idle();
    expect(slack.updated.length).toBeGreaterThanOrEqual(1);
    expect(await store.pendingNotices('REQ001')).toEqual([]);
  });
});

describe('NoticeBoard, what it will not tell', () => {
  it('drops a notice about a command the request does not have, without a reply', async () => {
    const { slack, board, store } = await setUp();
    await board.statusChanged('REQ001');
    await board.tell('REQ001', { kind: 'command-failed', commandId: 'not-ours' });
    await board.idle();
    expect(slack.replies).toHaveLength(0);
    expect(await store.pendingNotices('REQ001')).toEqual([]);
  });
});
