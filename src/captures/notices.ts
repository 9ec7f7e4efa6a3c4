import type { Logger } from '../logger.js';
import { WorkQueue } from '../work-queue.js';
import { type AuditTrail, requestAuditEvent } from './audit.js';
import type { DeviceDirectory } from './device-directory.js';
import type { Leases } from './leases.js';
import type { Notice, NoticeEvent } from './model.js';
import { DeliveryError, type Notifier, type StatusView, type ThreadEvent } from './notifier.js';
import { failuresOn, isOver, outcomeOf } from './outcome.js';
import { type StatusSource, statusViewOf } from './status-view.js';
import type { NoticeStore, RequestStore } from './store.js';

/** Tries in one place before a notice goes to the requester's DM instead, and then before it is given up. */
const MAX_ATTEMPTS = 6;
/** Doubles with each attempt (2 s, 4 s, … about two minutes in all), capped; Slack's Retry-After wins if longer. */
const BASE_DELAY_MS = 2_000;
const MAX_DELAY_MS = 5 * 60_000;
/** A thread reply waits this long (no attempt counted) while its status message is not posted yet. */
const WAIT_FOR_STATUS_MS = 2_000;
/** Requests whose notices are delivered at once; Slack allows about one message a second per channel anyway. */
const CONCURRENCY = 4;

export interface NoticeMetrics {
  /** A notice reached Slack, or was retried after a failure, or was given up for good. */
  noticeOutcome?(event: { kind: NoticeEvent['kind']; outcome: 'delivered' | 'retried' | 'abandoned' }): void;
}

export interface NoticeBoardDeps {
  store: NoticeStore & Pick<RequestStore, 'getRequest' | 'updateRequest'> & StatusSource;
  notifier: Notifier;
  logger: Logger;
  /** With replicas on one store: one replica at a time delivers a request's notices. */
  leases?: Leases;
  now: () => Date;
  metrics?: NoticeMetrics;
  /** What Cloudflare last said about a device (online, last seen): the likely cause of a failure. */
  devices?: Pick<DeviceDirectory, 'known'>;
  /** Where telling a device's owner (or finding none in Slack) is recorded. */
  audit?: Pick<AuditTrail, 'record'>;
}

/** The store key of a one-time notice; the status is the one repeatable notice. */
function keyOf(event: NoticeEvent): string {
  switch (event.kind) {
    case 'command-failed':
      return `failed:${event.commandId}`;
    case 'command-timed-out':
      return `timed-out:${event.commandId}`;
    case 'upload-failed':
      return `upload-failed:${event.commandId}`;
    case 'results-in-dashboard':
      return `results-in-dashboard:${event.commandId}`;
    case 'digest':
      return `digest:${event.commandId}`;
    case 'device-failed':
      return `device-failed:${event.deviceId}`;
    case 'status-replaced':
      return `status-replaced:${event.previousTs ?? 'none'}`;
    case 'owner':
      return `owner:${event.email}`;
    case 'file-removed':
      return `file-removed:${event.commandId}`;
    default:
      return event.kind;
  }
}

/**
 * Slack is the notice board, Cloudflare is the job: what people must be told is written to the store first (an
 * outbox), then delivered, and marked done only once Slack took it. A failure stays with its own request and is
 * retried with backoff; after repeated failures the notice goes to the requester's DM, and only then is it given up.
 * A status message that was deleted, or can no longer be edited, is replaced by a new one. Nothing here throws to
 * the caller: the capture goes on whatever Slack does.
 */
export class NoticeBoard {
  readonly #now: () => Date;
  readonly #slots = new WorkQueue(CONCURRENCY);
  /** Requests being delivered now; `again` asks for one more pass (something new arrived meanwhile). */
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(private readonly deps: NoticeBoardDeps) {
    this.#now = deps.now;
  }

  /** Records that people must be told this (once per request and event), then delivers it in the background. */
  async tell(requestId: string, event: NoticeEvent): Promise<void> {
    await this.#enqueue(requestId, keyOf(event), event, false);
  }

  /** The request's status message must show what the store says now: posted if there is none, else edited. */
  async statusChanged(requestId: string): Promise<void> {
    await this.#enqueue(requestId, 'status', { kind: 'status' }, true);
    // Once it is over, the requester is told how it went (once: the notice's key is the same every time). Only a
    // request in a final state can be over, so a running one costs no read of its commands and uploads.
    const request = await this.deps.store.getRequest(requestId).catch(() => null);
    if (request?.state !== 'finished' && request?.state !== 'failed-to-start') return;
    const view = await statusViewOf(this.deps.store, request).catch(() => null);
    if (view && isOver(view)) await this.tell(requestId, { kind: 'finished' });
  }

  /** Delivers every notice that is due (each poll tick: retries after backoff, and what a stopped replica left). */
  async flush(): Promise<void> {
    const due = await this.deps.store.requestsWithDueNotices(this.#now(), 200);
    for (const requestId of due) this.#schedule(requestId);
  }

  isIdle(): boolean {
    return this.#running.size === 0;
  }

  /** Resolves when no delivery is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  async #enqueue(requestId: string, key: string, event: NoticeEvent, repeat: boolean): Promise<void> {
    try {
      await this.deps.store.enqueueNotice(requestId, key, event, this.#now(), { repeat });
    } catch (error) {
      this.deps.logger.error({ err: error, requestId, notice: key }, 'could not record a notice');
      return;
    }
    this.#schedule(requestId);
  }

  #schedule(requestId: string): void {
    const running = this.#running.get(requestId);
    if (running) {
      running.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        await this.#slots.run(() => this.#deliverDue(requestId));
      } while (entry.again);
    })()
      .catch((error) => this.deps.logger.error({ err: error, requestId }, 'notice delivery failed unexpectedly'))
      .finally(() => this.#running.delete(requestId));
    this.#running.set(requestId, entry);
  }

  async #deliverDue(requestId: string): Promise<void> {
    const { store, leases } = this.deps;
    const lease = (await leases?.hold(`notices:${requestId}`)) ?? null;
    if (leases && !lease) return;
    try {
      const now = this.#now();
      const due = (await store.pendingNotices(requestId)).filter((n) => n.nextAttemptAt.getTime() <= now.getTime());
      for (const notice of due) {
        // Read again for each: delivering the status may have just posted (or replaced) the message a reply needs.
        const view = await this.#view(requestId);
        if (!view) {
          await store.updateNotice(requestId, notice.key, { state: 'abandoned', error: 'the request is gone' });
          continue;
        }
        await this.#deliver(view, notice);
      }
    } finally {
      await lease?.release();
    }
  }

  async #view(requestId: string): Promise<StatusView | null> {
    const request = await this.deps.store.getRequest(requestId);
    return request && statusViewOf(this.deps.store, request);
  }

  async #deliver(view: StatusView, notice: Notice): Promise<void> {
    const { store, notifier, logger } = this.deps;
    const { request } = view;
    try {
      if (notice.event.kind === 'status') {
        await this.#showStatus(view, notice);
      } else if (notice.event.kind === 'owner') {
        await this.#tellOwner(view, notice.event.email);
      } else {
        if (!request.statusMessage && !notice.fallback) {
          await store.updateNotice(request.id, notice.key, {
            nextAttemptAt: new Date(this.#now().getTime() + WAIT_FOR_STATUS_MS),
          });
          return;
        }
        const event = threadEvent(view, notice.event, this.deps.devices);
        if (!event) {
          await store.updateNotice(request.id, notice.key, { state: 'abandoned', error: 'nothing left to tell' });
          return;
        }
        await notifier.postInThread(request, event, notice.fallback ? 'requester-dm' : 'usual');
      }
      await store.updateNotice(request.id, notice.key, { state: 'done', error: null }, notice.version);
      this.deps.metrics?.noticeOutcome?.({ kind: notice.event.kind, outcome: 'delivered' });
    } catch (error) {
      if (error instanceof DeliveryError && error.kind === 'gone' && notice.event.kind !== 'status') {
        // The thread's message is gone: replace the status message, then reply in the new thread.
        logger.warn({ requestId: request.id, notice: notice.key }, 'status thread gone; replacing the status message');
        await store.updateRequest(request.id, { statusMessage: null });
        await this.statusChanged(request.id);
        await this.tell(request.id, { kind: 'status-replaced', previousTs: request.statusMessage?.ts ?? null });
        return;
      }
      await this.#failed(notice, error);
    }
  }

  /** The owner's DM; whether they were told (or have no Slack account) goes into the audit trail. */
  async #tellOwner(view: StatusView, email: string): Promise<void> {
    const outcome = await this.deps.notifier.tellDeviceOwner(view, email);
    if (outcome === 'is-requester') return;
    const { request } = view;
    await this.deps.audit
      ?.record(
        requestAuditEvent(request, {
          at: this.#now(),
          userId: request.requestedBy,
          action: 'owner-notice',
          channelId: request.channelId,
          devices: request.devices.filter((d) => d.email.toLowerCase() === email),
          options: null,
          outcome: { kind: 'owner-notice', email, told: outcome === 'told' },
        }),
      )
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not record an owner notice'));
  }

  /** Edits the status message, or posts one; a message that is gone is replaced, and its new thread says so. */
  async #showStatus(view: StatusView, notice: Notice): Promise<void> {
    const { store, notifier, logger } = this.deps;
    const { request } = view;
    let replacing = notice.fallback;
    if (request.statusMessage && !notice.fallback) {
      try {
        await notifier.updateStatus(view);
        return;
      } catch (error) {
        if (!(error instanceof DeliveryError && error.kind === 'gone')) throw error;
        logger.warn(
          { requestId: request.id },
          'status message gone (deleted, or can no longer be edited); posting anew',
        );
        replacing = true;
      }
    }
    const fresh = { ...view, request: { ...request, statusMessage: null } };
    const statusMessage = await notifier.postStatus(fresh, notice.fallback ? 'requester-dm' : 'usual');
    await store.updateRequest(request.id, { statusMessage });
    if (replacing)
      await this.tell(request.id, { kind: 'status-replaced', previousTs: request.statusMessage?.ts ?? null });
  }

  async #failed(notice: Notice, error: unknown): Promise<void> {
    const { store, logger, metrics } = this.deps;
    const { requestId, key } = notice;
    const reason = error instanceof Error ? error.message : String(error);
    const attempts = notice.attempts + 1;
    const now = this.#now().getTime();
    const fields = { requestId, notice: key, attempts, reason, fallback: notice.fallback };
    // The version guard: a status asked for again meanwhile starts over with its own attempts.
    if (attempts < MAX_ATTEMPTS) {
      const retryAfter = error instanceof DeliveryError ? (error.retryAfterMs ?? 0) : 0;
      const delay = Math.max(retryAfter, Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempts - 1)));
      logger.warn({ ...fields, retryInMs: delay }, 'Slack did not take a notice; will retry');
      await store.updateNotice(
        requestId,
        key,
        { attempts, nextAttemptAt: new Date(now + delay), error: reason },
        notice.version,
      );
      metrics?.noticeOutcome?.({ kind: notice.event.kind, outcome: 'retried' });
    } else if (!notice.fallback && notice.event.kind !== 'owner') {
      logger.warn(fields, "Slack kept refusing a notice where it belongs; sending it to the requester's DM");
      await store.updateNotice(
        requestId,
        key,
        { attempts: 0, fallback: true, nextAttemptAt: new Date(now), error: reason },
        notice.version,
      );
      this.#schedule(requestId);
    } else {
      logger.error(fields, 'gave up on a notice: Slack refused it in the thread and in the DM');
      await store.updateNotice(requestId, key, { state: 'abandoned', error: reason }, notice.version);
      metrics?.noticeOutcome?.({ kind: notice.event.kind, outcome: 'abandoned' });
    }
  }
}

/** The stored event with the request's own records filled in; null when what it was about is no longer there. */
function threadEvent(
  view: StatusView,
  event: NoticeEvent,
  devices?: Pick<DeviceDirectory, 'known'>,
): ThreadEvent | null {
  const { request, commands, uploads } = view;
  switch (event.kind) {
    case 'options':
      return { kind: 'options' };
    case 'status-replaced':
      return { kind: 'status-replaced' };
    case 'stopped':
      return { kind: 'stopped', by: event.by };
    case 'approved': {
      const decision = request.approval?.decision;
      return decision?.approved ? { kind: 'approved', by: decision.by } : null;
    }
    case 'status':
    case 'owner':
      return null;
    case 'finished':
      return { kind: 'finished', outcome: outcomeOf(view) };
    case 'device-failed': {
      const device = request.devices.find((d) => d.deviceId === event.deviceId);
      const failed = device ? failuresOn(device, request.types, commands) : [];
      if (!device || !failed[0]) return null;
      const seen = devices?.known(device.deviceId, device.registrationId);
      const facts = seen ? { networkStatus: seen.networkStatus, lastSeenAt: seen.lastSeenAt } : null;
      return { kind: 'device-failed', ...failed[0], facts };
    }
    case 'command-failed':
    case 'command-timed-out':
    case 'results-in-dashboard':
    case 'upload-failed':
    case 'file-removed':
    case 'digest': {
      const command = commands.find((c) => c.id === event.commandId);
      const device = command && request.devices.find((d) => d.deviceId === command.deviceId);
      if (!command || !device) return null;
      if (
        event.kind === 'command-failed' ||
        event.kind === 'command-timed-out' ||
        event.kind === 'results-in-dashboard'
      )
        return { kind: event.kind, device, command };
      const upload = uploads.find((u) => u.commandId === command.id);
      if (event.kind === 'upload-failed') return upload ? { kind: 'upload-failed', device, command, upload } : null;
      if (event.kind === 'file-removed') return upload ? { kind: 'file-removed', device, command, upload } : null;
      return upload?.digest ? { kind: 'digest', device, command, digest: upload.digest } : null;
    }
  }
}
