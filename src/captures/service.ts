import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { DexClient } from '../dex/client.js';
import { createOutcomeUnknown, DexApiError, DexInputError, DexNetworkError, DexRateLimitError } from '../dex/errors.js';
import { type Command, type Device, MAX_DEVICES_PER_CREATE, type NewCommand, type Quota } from '../dex/types.js';
import type { Logger } from '../logger.js';
import { WorkQueue } from '../work-queue.js';
import { type AuditTrail, requestAuditEvent } from './audit.js';
import type { DeviceDirectory } from './device-directory.js';
import type { HeldLease, Leases } from './leases.js';
import {
  APPROVAL_TIMEOUT_MS,
  type Approval,
  type ApprovalDecision,
  type AuditAction,
  type AuditOutcome,
  type CaptureOptions,
  type CaptureRequest,
  type CaptureType,
  type LaunchProgress,
  type StartFailure,
  type TargetDevice,
  type TrackedCommand,
  type UnknownOutcome,
} from './model.js';
import type { NoticeBoard } from './notices.js';
import type { StatusView } from './notifier.js';
import { capturesNeeded, outcomeOf, typesFor } from './outcome.js';
import type { ArtifactRelay } from './relay.js';
import { SharedRead } from './shared-read.js';
import { type StatusSource, statusViewOf } from './status-view.js';
import type { CommandStore, RequestQuery, RequestStore } from './store.js';

/** Every Cloudflare read any member can trigger is shared for this long (see SharedRead). */
export const SHARED_READ_TTL_MS = 30_000;
/** The shared quota read gives up after this; callers bound their own wait below it. */
const QUOTA_LOAD_TIMEOUT_MS = 10_000;
/** A submission must be answered within Slack's 3 s; what cannot be checked by then is left to Cloudflare. */
const CHECK_TIMEOUT_MS = 1_500;
/** Cloudflare's clock and ours may differ: a command created this long before our "create sent" may still be ours. */
const CLOCK_SKEW_MS = 2 * 60_000;
/**
 * A request stored but never sent (the bot stopped right after accepting it) is sent after a restart only within
 * this time: captures starting on someone's device long after the agent asked would surprise everyone.
 */
const NEVER_SENT_MAX_AGE_MS = 15 * 60_000;
/** How long a losing decision waits for the winning one to be stored, to say who decided (about 2 s at most). */
const DECISION_SETTLE_TRIES = 10;
const DECISION_SETTLE_MS = 200;
/** A request's start before anything was sent. */
const NOT_SENT: LaunchProgress = { createSentAt: null, unknownOutcome: null, attempts: 0, nextAttemptAt: null };
/** Waits before each further try at confirming an unknown create from Cloudflare's list (about 4 minutes in all). */
const CONFIRM_DELAYS_MS = [5_000, 15_000, 60_000, 180_000];

export interface DeviceSelection {
  deviceId: string;
  registrationId: string | null;
  /** The device's name as the person saw it, to find it again if it is not in the directory. */
  hint: string;
  /** Only these capture types on this device (a retry of what failed); absent: every type asked for. */
  types?: CaptureType[];
}

/** What stops a selection from starting, for the person to fix first. Only facts: the Slack side words them. */
/** The devices that exactly match a person or a name: those that can be captured, and the others with Cloudflare's reason. */
export interface ExactMatches {
  capturable: TargetDevice[];
  leftOut: Array<{ name: string; reason: string | null }>;
}

export type SelectionProblem =
  /** Cloudflare no longer lists the device (devices must have connected in the last hour); `hint` is the name shown. */
  | { kind: 'device-not-listed'; deviceId: string; hint: string }
  /** Cloudflare lists the device but says it cannot be captured; `reason` is Cloudflare's (null when it gave none). */
  | { kind: 'device-ineligible'; deviceId: string; name: string; reason: string | null }
  /** The selection needs more captures than are left today. */
  | { kind: 'quota'; needed: number; remaining: number };

export interface CaptureSubmission {
  devices: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  channelId: string;
  /** The requester's reason or ticket (plain text); null when none was given. */
  reason: string | null;
  /** Whether the status goes to a public channel, where everyone can download the files; null when not known. */
  destinationPublic?: boolean | null;
}

export interface ServiceDeps {
  /** NOTIFY_DEVICE_OWNER: each device's owner is told by DM when captures start on it. */
  notifyDeviceOwner?: boolean;
  /** CAPTURE_APPROVERS is set: a submitted request waits for a second person's approval before it starts. */
  approvalRequired?: boolean;
  store: RequestStore & CommandStore & StatusSource;
  audit: AuditTrail;
  dex: Pick<DexClient, 'createCommands' | 'iterateCommands' | 'getQuota'>;
  directory: DeviceDirectory;
  notices: Pick<NoticeBoard, 'tell' | 'statusChanged'>;
  relay: Pick<ArtifactRelay, 'resume'>;
  /** With replicas on one store: starting a request is claimed by one of them. */
  leases?: Leases;
  logger: Logger;
  now: () => Date;
  /** Told once per request whether its captures started (for metrics). */
  onStart?: (outcome: 'started' | 'failed_to_start') => void;
}

/** What came of "Retry failed". Only facts: the Slack side words them. */
export type RetryOutcome =
  | { kind: 'started'; request: CaptureRequest }
  /** This request's failures were retried already (by anyone), as `request`. */
  | { kind: 'already-retried'; request: CaptureRequest }
  | { kind: 'nothing-failed' }
  | { kind: 'problems'; problems: SelectionProblem[] }
  | { kind: 'gone' };

/**
 * A request accepted and stored; `start` (called once the submission is acknowledged) starts its captures. A request
 * that needs approval is put before the approvers as it is stored: its `start` does nothing.
 */
export interface Accepted {
  request: CaptureRequest;
  /** False for a Slack retry of a submission already accepted: `start` does nothing then. */
  created: boolean;
  start(): Promise<void>;
}

/** What came of "Withdraw". Only facts: the Slack side words them. */
export type WithdrawOutcome =
  | { kind: 'withdrawn'; request: CaptureRequest }
  /** Only the requester may withdraw a request. */
  | { kind: 'not-requester'; request: CaptureRequest }
  /** It was decided (or expired) before the click arrived. */
  | { kind: 'not-waiting'; request: CaptureRequest }
  | { kind: 'gone' };

/** An approver's answer to a request (CAPTURE_APPROVERS). */
export type Verdict = { approved: true } | { approved: false; note: string };

/** What came of an approver's decision. Only facts: the Slack side words them. */
export type DecisionOutcome =
  /** This decision was the one taken: the request is starting (approved) or over (denied). */
  | { kind: 'decided'; request: CaptureRequest }
  /** It was no longer waiting: decided by someone else (a double click, a retry, two approvers at once) or expired. */
  | { kind: 'not-waiting'; request: CaptureRequest }
  | { kind: 'gone' };

/**
 * The rules of a capture request, from a submitted modal to commands running on devices. Slack is the notice board,
 * Cloudflare is the job: a request is stored before the submission is acknowledged, its create is recorded as sent
 * before it is sent, and its captures are created exactly once whatever Slack does. People are told through the
 * notice board, which retries on its own.
 */
export class CaptureService {
  readonly #now: () => Date;
  readonly #quota: SharedRead<Quota>;
  // One start at a time: under a burst, Slack's acknowledgements win the CPU; a start takes a create call
  // (well under a second at Cloudflare) and a few store writes, so even ten queued ones begin within seconds.
  readonly #launches = new WorkQueue(1);
  /** Requests this process is starting, so `resume` never starts one twice. */
  readonly #starting = new Set<string>();
  /** Starts queued or running (tests and shutdown wait for them). */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: ServiceDeps) {
    this.#now = deps.now;
    this.#quota = new SharedRead(
      () => deps.dex.getQuota({ signal: AbortSignal.timeout(QUOTA_LOAD_TIMEOUT_MS) }),
      SHARED_READ_TTL_MS,
      () => this.#now().getTime(),
    );
  }

  /** The account's capture quota: one Cloudflare call per 30 s however many ask; `signal` bounds this wait. */
  quota(signal?: AbortSignal): Promise<Quota> {
    return this.#quota.get(signal);
  }

  /** The quota fetched within the cache time, if any, without waiting: lets a modal open complete in one call. */
  cachedQuota(): Quota | null {
    return this.#quota.peek();
  }

  /**
   * The last quota Cloudflare gave, however old, and when it was fetched: what to show when Cloudflare does not
   * answer now. Null until one read has succeeded.
   */
  lastKnownQuota(): { quota: Quota; fetchedAt: Date } | null {
    const last = this.#quota.lastKnown();
    return last ? { quota: last.value, fetchedAt: new Date(last.at) } : null;
  }

  /** Device search for the picker; a person's searches that reach Cloudflare are limited (SearchLimitedError). */
  searchDevices(query: string, by: string, signal?: AbortSignal) {
    return this.deps.directory.search(query, { by, ...(signal ? { signal } : {}) });
  }

  /** A person's devices, for `/capture @alice` and `/capture alice@example.com`. */
  devicesOf(email: string, by: string): Promise<ExactMatches> {
    return this.#exactly(email, by, (d) => d.email);
  }

  /** The devices with exactly this name (case aside), for `/capture LAPTOP-42`. */
  devicesNamed(name: string, by: string): Promise<ExactMatches> {
    return this.#exactly(name, by, (d) => d.name);
  }

  /** Devices whose field is exactly `query`, case aside (a search also finds partial matches), split by eligibility. */
  async #exactly(query: string, by: string, field: (d: Device) => string): Promise<ExactMatches> {
    const devices = await this.deps.directory.search(query, { by });
    const matching = devices.filter((d) => field(d).toLowerCase() === query.toLowerCase());
    return {
      capturable: matching
        .filter((d) => d.eligible)
        .slice(0, MAX_DEVICES_PER_CREATE)
        .map(toTarget),
      leftOut: matching.filter((d) => !d.eligible).map((d) => ({ name: d.name, reason: d.ineligibleReason })),
    };
  }

  /**
   * Checks a selection against what Cloudflare said about each device, and the quota. Returns the devices, and the
   * problems (the devices' in the order selected, then the quota's). Fast: uses what is cached, and gives Cloudflare
   * at most 1.5 s.
   */
  async check(
    selection: DeviceSelection[],
    types: CaptureType[],
  ): Promise<{ devices: TargetDevice[]; problems: SelectionProblem[] }> {
    const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    const quota = this.quota(signal).catch(() => null);
    const devices: TargetDevice[] = [];
    const problems: SelectionProblem[] = [];
    for (const selected of selection) {
      const { deviceId } = selected;
      let device = this.deps.directory.known(deviceId, selected.registrationId);
      if (!device && selected.hint) {
        await this.deps.directory.search(selected.hint, { signal }).catch(() => []);
        device = this.deps.directory.known(deviceId, selected.registrationId);
      }
      if (!device) problems.push({ kind: 'device-not-listed', deviceId, hint: selected.hint });
      else if (!device.eligible)
        problems.push({ kind: 'device-ineligible', deviceId, name: device.name, reason: device.ineligibleReason });
      else devices.push(selected.types ? { ...toTarget(device), types: selected.types } : toTarget(device));
    }

    const needed = capturesNeeded(selection, types);
    const left = await quota;
    if (left && needed > left.remaining) problems.push({ kind: 'quota', needed, remaining: left.remaining });
    return { devices, problems };
  }

  /**
   * Stores the request (once per Slack interaction: a retry finds it and does nothing). Call it before
   * acknowledging the submission, so an acknowledged request is never lost; then call `start`.
   */
  async submit(submission: CaptureSubmission, requestedBy: string, dedupeKey: string): Promise<Accepted> {
    if (this.deps.approvalRequired) return this.#submitForApproval(submission, requestedBy, dedupeKey);
    const id = await this.#unusedRequestId();
    // The request's start is claimed before the request exists, so that neither `resume` here nor another
    // replica can take it for an abandoned one in between.
    this.#starting.add(id);
    let lease: HeldLease | null = null;
    const unclaim = async () => {
      this.#starting.delete(id);
      await lease?.release();
    };
    let stored: { request: CaptureRequest; created: boolean };
    try {
      lease = (await this.deps.leases?.hold(`launch:${id}`)) ?? null;
      stored = await this.deps.store.createRequestOnce(
        newRequest(id, submission, requestedBy, dedupeKey, this.#now(), null),
      );
    } catch (error) {
      await unclaim();
      throw error;
    }
    const { request, created } = stored;
    if (!created) {
      await unclaim();
      return { request, created, start: () => Promise.resolve() };
    }
    let started: Promise<void> | null = null;
    const start = () => {
      if (!started) {
        const run = this.#launches.run(() => this.#launch(request)).finally(unclaim);
        this.#inFlight.add(run);
        started = run.finally(() => this.#inFlight.delete(run));
      }
      return started;
    };
    return { request, created, start };
  }

  /**
   * Stores a request that waits for an approver, records that it was asked and asks for its status message (which
   * asks the approvers); nothing is claimed or sent, and `start` has nothing to do.
   */
  async #submitForApproval(submission: CaptureSubmission, requestedBy: string, dedupeKey: string): Promise<Accepted> {
    const now = this.#now();
    const approval = { expiresAt: new Date(now.getTime() + APPROVAL_TIMEOUT_MS), decision: null };
    const id = await this.#unusedRequestId();
    const { request, created } = await this.deps.store.createRequestOnce(
      newRequest(id, submission, requestedBy, dedupeKey, now, approval),
    );
    // Recorded before the submission is acknowledged: the outbox then posts the status (and asks the approvers)
    // whatever happens to this process. A retry of a submission stopped in between posts it too.
    if (created) {
      await this.#audit(request, 'approval-asked', [], {
        kind: 'approval-asked',
        expiresAt: approval.expiresAt.toISOString(),
      });
      await this.deps.notices.statusChanged(request.id);
    } else if (request.state === 'awaiting-approval' && !request.statusMessage) {
      await this.deps.notices.statusChanged(request.id);
    }
    return { request, created, start: () => Promise.resolve() };
  }

  /**
   * An approver's decision on a request waiting for one. The caller has checked that `by` may decide it
   * (AccessPolicy.mayApprove). Exactly one decision is taken, whatever the clicks, retries and replicas: the request
   * moves on from awaiting-approval in one conditional write, and only its winner acts. Approving starts the captures
   * (and resolves once the create is sent); denying ends the request with the approver's note.
   */
  async decide(requestId: string, by: string, verdict: Verdict): Promise<DecisionOutcome> {
    const request = await this.getRequest(requestId);
    if (!request) return { kind: 'gone' };
    // Another decision got there first; it may be writing itself down this moment: wait a little for it to show.
    const notWaiting = async (): Promise<DecisionOutcome> => {
      let current = request;
      for (let tries = 0; tries < DECISION_SETTLE_TRIES; tries++) {
        current = (await this.deps.store.getRequest(request.id)) ?? current;
        if (current.state !== 'awaiting-approval') break;
        await delay(DECISION_SETTLE_MS);
      }
      return { kind: 'not-waiting', request: current };
    };
    if (request.state !== 'awaiting-approval' || !request.approval) return notWaiting();
    if (this.#now().getTime() >= request.approval.expiresAt.getTime()) {
      await this.#expire(request);
      return notWaiting();
    }
    const decision: ApprovalDecision = {
      approved: verdict.approved,
      by,
      at: this.#now(),
      note: verdict.approved ? null : verdict.note,
    };
    const approval = { ...request.approval, decision };
    if (!verdict.approved) {
      const startError: StartFailure = { reason: 'denied', by, note: verdict.note };
      const patch = { state: 'failed-to-start' as const, startError, approval };
      if (!(await this.deps.store.updateRequestIf(request.id, 'awaiting-approval', patch))) return notWaiting();
      const denied = { ...request, ...patch };
      await this.#audit(denied, 'rejected', [], { kind: 'approval-decided', approved: false, note: verdict.note });
      // Its end: the status says so, and the requester is told in the thread, once.
      await this.deps.notices.statusChanged(request.id);
      return { kind: 'decided', request: denied };
    }

    // The start is claimed before the request can be seen as `starting`, so that neither `resume` here nor another
    // replica takes it up while this decision starts it.
    if (this.#starting.has(request.id)) return notWaiting();
    this.#starting.add(request.id);
    let lease: HeldLease | null = null;
    try {
      lease = (await this.deps.leases?.hold(`launch:${request.id}`)) ?? null;
      if (this.deps.leases && !lease) return await notWaiting();
      const patch = { state: 'starting' as const, approval, launch: NOT_SENT };
      if (!(await this.deps.store.updateRequestIf(request.id, 'awaiting-approval', patch))) return await notWaiting();
      const approved = { ...request, ...patch };
      await this.#audit(approved, 'approved', [], { kind: 'approval-decided', approved: true, note: null });
      await this.deps.notices.tell(request.id, { kind: 'approved' });
      const run = this.#launches.run(() => this.#launch(approved));
      this.#inFlight.add(run);
      await run.finally(() => this.#inFlight.delete(run));
      return { kind: 'decided', request: approved };
    } finally {
      this.#starting.delete(request.id);
      await lease?.release();
    }
  }

  /**
   * The requester takes back a request still waiting for an approver: it ends unstarted. Only the requester may (the
   * approvers deny instead); one conditional write, so an approval at the same moment either wins or loses whole.
   */
  async withdraw(requestId: string, by: string): Promise<WithdrawOutcome> {
    const request = await this.getRequest(requestId);
    if (!request) return { kind: 'gone' };
    if (request.requestedBy !== by) return { kind: 'not-requester', request };
    const withdrawn =
      request.state === 'awaiting-approval' ? await this.#endWaiting(request, { reason: 'withdrawn', by }) : null;
    if (!withdrawn) return { kind: 'not-waiting', request: (await this.deps.store.getRequest(request.id)) ?? request };
    return { kind: 'withdrawn', request: withdrawn };
  }

  /** A request nobody decided in time ends unstarted (once: of two replicas expiring it, one does). */
  async #expire(request: CaptureRequest): Promise<void> {
    await this.#endWaiting(request, { reason: 'approval-expired' });
  }

  /**
   * Ends a request still waiting for an approver, unstarted, in one conditional write: the ended request, or null
   * when something else moved it on first. The end is audited as the start that did not happen.
   */
  async #endWaiting(request: CaptureRequest, startError: StartFailure): Promise<CaptureRequest | null> {
    const patch = { state: 'failed-to-start' as const, startError };
    if (!(await this.deps.store.updateRequestIf(request.id, 'awaiting-approval', patch))) return null;
    const ended = { ...request, ...patch };
    await this.#audit(ended, 'start', [], { kind: 'failed-to-start', failure: startError });
    await this.deps.notices.statusChanged(request.id);
    return ended;
  }

  /**
   * Takes up starts that a stopped process left unfinished (after a restart, or, with replicas, when another
   * replica died: its leases have expired), and confirmations of unknown creates that are due; ends requests no
   * approver decided in time; then unfinished artifact uploads.
   */
  async resume(): Promise<void> {
    const now = this.#now().getTime();
    for (const request of await this.deps.store.activeRequests()) {
      const { id, state, launch, approval } = request;
      if (state === 'awaiting-approval') {
        if (!approval || approval.expiresAt.getTime() <= now) await this.#expire(request);
        continue;
      }
      if (state !== 'starting' || this.#starting.has(id)) continue;
      if (launch?.nextAttemptAt && launch.nextAttemptAt.getTime() > now) continue;
      const lease = (await this.deps.leases?.hold(`launch:${id}`)) ?? null;
      if (this.deps.leases && !lease) continue;
      this.#starting.add(id);
      try {
        // Read again under the lease: another replica may have finished starting it meanwhile.
        const request = await this.deps.store.getRequest(id);
        if (request?.state === 'starting') await this.#launch(request);
      } finally {
        this.#starting.delete(id);
        await lease?.release();
      }
    }
    await this.deps.relay.resume();
  }

  /** Resolves when no start is queued or running. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** "Stop watching": the API cannot cancel, so the bot stops following and says so. */
  async stopWatching(requestId: string, by: string): Promise<CaptureRequest | null> {
    const { store, notices } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request || (request.state !== 'running' && request.state !== 'starting')) return request;
    const commands = await store.commandsForRequest(requestId);
    for (const command of commands.filter((c) => c.tracking)) {
      await store.updateCommand(command.id, { tracking: false, updatedAt: this.#now() });
    }
    await store.updateRequest(requestId, { state: 'stopped', stoppedBy: by });
    const stopped: CaptureRequest = { ...request, state: 'stopped', stoppedBy: by };
    await this.#audit(stopped, 'stop-watching', commands, { kind: 'stopped-watching' });
    // The status message says it once; a reply in the thread would only repeat it.
    await notices.statusChanged(requestId);
    return stopped;
  }

  /**
   * "Retry failed": a new request for only what failed (each device with only its failed types), with the same
   * options and destination, through the same checks as a submission. Once per request: a second click, or a
   * Slack retry, finds the retry already made.
   */
  async retryFailed(requestId: string, by: string): Promise<RetryOutcome> {
    const original = await this.getRequest(requestId);
    if (!original) return { kind: 'gone' };
    const view = await this.statusView(original);
    const failed = outcomeOf(view).failedDevices;
    if (original.state !== 'finished' || failed.length === 0) return { kind: 'nothing-failed' };
    const selection = failed.map(({ device, commands }) => ({
      deviceId: device.deviceId,
      registrationId: device.registrationId,
      hint: device.name,
      types: original.types.filter((type) => commands.some((c) => c.type === type)),
    }));
    const types = original.types.filter((type) => selection.some((s) => s.types.includes(type)));
    const checked = await this.check(selection, types);
    if (checked.problems.length > 0) return { kind: 'problems', problems: checked.problems };
    const accepted = await this.submit(
      {
        devices: checked.devices,
        types,
        options: original.options,
        channelId: original.channelId,
        reason: original.reason,
        // The same conversation as the original's.
        destinationPublic: original.destinationPublic,
      },
      by,
      `retry-failed:${original.id}`,
    );
    if (!accepted.created) return { kind: 'already-retried', request: accepted.request };
    await accepted.start();
    return { kind: 'started', request: accepted.request };
  }

  getRequest(id: string): Promise<CaptureRequest | null> {
    return this.deps.store.getRequest(id.trim().toUpperCase());
  }

  /** What `/capture status` and `/capture list` show of a request: its commands and what became of their files. */
  statusView(request: CaptureRequest): Promise<StatusView> {
    return statusViewOf(this.deps.store, request);
  }

  listRequests(query: RequestQuery): Promise<CaptureRequest[]> {
    return this.deps.store.listRequests(query);
  }

  /** Short ids are typed by people; with many requests a random one can repeat, so make sure it is free. */
  async #unusedRequestId(): Promise<string> {
    for (;;) {
      const id = newRequestId();
      if (!(await this.deps.store.getRequest(id))) return id;
    }
  }

  /**
   * Starts a request, or takes it up where a stopped process left it: the create is recorded as sent, then sent once;
   * when its outcome is unknown, or it was sent before a restart, what it started is found in Cloudflare's list.
   */
  async #launch(request: CaptureRequest): Promise<void> {
    const { store, dex, logger, notices } = this.deps;
    try {
      const stored = await store.commandsForRequest(request.id);
      if (stored.length > 0) return await this.#running(request, stored, { inserted: true });

      // No progress stored: a request from a version before it was stored, which may have sent the create. Look.
      let launch: LaunchProgress = request.launch ?? {
        createSentAt: request.createdAt,
        unknownOutcome: 'lost-answer',
        attempts: 0,
        nextAttemptAt: null,
      };
      if (!launch.createSentAt) {
        // An approved request counts from its approval: that is when the approver expected it to start.
        const askedAt = request.approval?.decision?.at ?? request.createdAt;
        if (this.#now().getTime() - askedAt.getTime() > NEVER_SENT_MAX_AGE_MS) {
          return await this.#failToStart(request, { reason: 'expired' });
        }
        launch = { ...launch, createSentAt: this.#now() };
        await store.updateRequest(request.id, { launch });
        // "Starting" goes up while the create is on its way; Slack never holds the create back.
        void notices.statusChanged(request.id);
        const wanted = wireCommands(request);
        try {
          const created = await dex.createCommands(wanted);
          // The quota just went down: the next read asks Cloudflare rather than show the figure from before.
          this.#quota.expire();
          const commands = created.map((c, index) => {
            const { deviceId, registrationId, type } = wanted[index] as NewCommand;
            return this.#tracked(request, c.id, deviceId, registrationId ?? null, type, c.status);
          });
          return await this.#running(request, commands);
        } catch (error) {
          if (!createOutcomeUnknown(error)) return await this.#failToStart(request, startFailureOf(error));
          const unknownOutcome: UnknownOutcome =
            error instanceof DexApiError && error.status >= 500 ? 'cloudflare-error' : 'lost-answer';
          logger.warn(
            { requestId: request.id, err: error, unknownOutcome },
            'create outcome unknown; checking the list',
          );
          launch = { ...launch, unknownOutcome };
          await store.updateRequest(request.id, { launch });
        }
      }
      await this.#confirm(request, launch);
    } catch (error) {
      // A store failure or a bug: the request stays "starting" and is taken up again later, with backoff.
      logger.error({ err: error, requestId: request.id }, 'could not start a capture request; will retry');
      const launch = (await store.getRequest(request.id).catch(() => null))?.launch;
      // Once the create may have gone out, the honest end (after the last try) is "could not confirm".
      const failure: StartFailure = { reason: 'unconfirmed', after: launch?.unknownOutcome ?? 'lost-answer' };
      if (launch?.createSentAt) await this.#retryConfirm(request, launch, failure).catch(() => {});
    }
  }

  /** Looks in Cloudflare's list for what an unknown create started, a few times with backoff before concluding. */
  async #confirm(request: CaptureRequest, launch: LaunchProgress): Promise<void> {
    const after = launch.unknownOutcome ?? 'lost-answer';
    let found: TrackedCommand[];
    try {
      found = await this.#reconcile(request, launch.createSentAt ?? request.createdAt);
    } catch (error) {
      this.deps.logger.warn({ err: error, requestId: request.id }, 'could not read the list to confirm a create');
      return this.#retryConfirm(request, launch, { reason: 'unconfirmed', after });
    }
    if (found.length > 0) return this.#running(request, found);
    return this.#retryConfirm(request, launch, { reason: 'not-listed', after });
  }

  /** Schedules the next confirmation, or, once they are used up, ends the request with `failure`. */
  async #retryConfirm(request: CaptureRequest, launch: LaunchProgress, failure: StartFailure): Promise<void> {
    const delay = CONFIRM_DELAYS_MS[launch.attempts];
    if (delay === undefined) return this.#failToStart(request, failure);
    const next = { ...launch, attempts: launch.attempts + 1, nextAttemptAt: new Date(this.#now().getTime() + delay) };
    await this.deps.store.updateRequest(request.id, { launch: next });
    await this.deps.notices.statusChanged(request.id);
  }

  /**
   * What the request's create started, from Cloudflare's list: per device and type, a command created after the
   * create was sent (give or take clock skew) that no other request owns.
   */
  async #reconcile(request: CaptureRequest, createSentAt: Date): Promise<TrackedCommand[]> {
    const wanted = wireCommands(request);
    const deviceIds = new Set(wanted.map((c) => c.deviceId));
    const since = new Date(createSentAt.getTime() - CLOCK_SKEW_MS);
    const listed: Command[] = [];
    for await (const command of this.deps.dex.iterateCommands({ from: since })) {
      if (!command.deviceId || !deviceIds.has(command.deviceId)) continue;
      if (command.createdAt && command.createdAt.getTime() < since.getTime()) continue;
      listed.push(command);
    }
    const owned = await this.deps.store.ownedCommandIds(listed.map((c) => c.id));
    const candidates = listed.filter((c) => !owned.has(c.id));
    const taken = new Set<string>();
    const found: TrackedCommand[] = [];
    for (const want of wanted) {
      const match = candidates.find((c) => !taken.has(c.id) && c.deviceId === want.deviceId && c.type === want.type);
      if (!match) continue;
      taken.add(match.id);
      found.push(this.#tracked(request, match.id, want.deviceId, want.registrationId ?? null, want.type, match.status));
    }
    return found;
  }

  /** The create's commands are known: store them, and tell people (unless the request was stopped meanwhile). */
  async #running(request: CaptureRequest, commands: TrackedCommand[], { inserted = false } = {}): Promise<void> {
    const { store, notices } = this.deps;
    const current = (await store.getRequest(request.id)) ?? request;
    const stopped = current.state === 'stopped';
    if (!inserted) {
      await store.insertCommands(stopped ? commands.map((c) => ({ ...c, tracking: false })) : commands);
      await this.#audit(current, 'start', commands, {
        kind: 'started',
        confirmedFromList: Boolean(current.launch?.unknownOutcome),
      });
      this.deps.onStart?.('started');
    }
    if (!stopped) await store.updateRequest(request.id, { state: 'running' });
    await notices.statusChanged(request.id);
    if (!stopped) await notices.tell(request.id, { kind: 'options' });
    if (!stopped && this.deps.notifyDeviceOwner) {
      // Once per owner, however many of their devices: the outbox delivers it once across restarts and replicas.
      const started = new Set(commands.map((c) => c.deviceId));
      const emails = new Set(
        current.devices.filter((d) => started.has(d.deviceId) && d.email).map((d) => d.email.toLowerCase()),
      );
      for (const email of emails) await notices.tell(request.id, { kind: 'owner', email });
    }
  }

  async #failToStart(request: CaptureRequest, failure: StartFailure): Promise<void> {
    await this.deps.store.updateRequest(request.id, { state: 'failed-to-start', startError: failure });
    await this.#audit(request, 'start', [], { kind: 'failed-to-start', failure });
    this.deps.onStart?.('failed_to_start');
    await this.deps.notices.statusChanged(request.id);
  }

  #audit(
    request: CaptureRequest,
    action: Extract<AuditAction, 'start' | 'stop-watching' | 'approval-asked' | 'approved' | 'rejected'>,
    commands: TrackedCommand[],
    outcome: AuditOutcome,
  ) {
    const decision = request.approval?.decision ?? null;
    const actor =
      action === 'stop-watching'
        ? (request.stoppedBy ?? request.requestedBy)
        : action === 'approved' || action === 'rejected'
          ? (decision?.by ?? request.requestedBy)
          : request.requestedBy;
    return this.deps.audit.record(
      requestAuditEvent(request, {
        at: this.#now(),
        userId: actor,
        action,
        commandIds: commands.map((c) => c.id),
        outcome,
      }),
    );
  }

  #tracked(
    request: CaptureRequest,
    id: string,
    deviceId: string,
    registrationId: string | null,
    type: CaptureType,
    status: string,
  ): TrackedCommand {
    const now = this.#now();
    return {
      id,
      requestId: request.id,
      deviceId,
      registrationId,
      type,
      status,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      filename: null,
      tracking: true,
    };
  }
}

/** A request as submitted: starting at once, or (with `approval`) waiting for an approver. */
function newRequest(
  id: string,
  submission: CaptureSubmission,
  requestedBy: string,
  dedupeKey: string,
  createdAt: Date,
  approval: Approval | null,
): CaptureRequest {
  return {
    id,
    requestedBy,
    channelId: submission.channelId,
    devices: submission.devices,
    types: submission.types,
    options: submission.options,
    state: approval ? 'awaiting-approval' : 'starting',
    createdAt,
    statusMessage: null,
    startError: null,
    stoppedBy: null,
    dedupeKey,
    reason: submission.reason,
    destinationPublic: submission.destinationPublic ?? null,
    approval,
    launch: NOT_SENT,
  };
}

/** The create request for a capture request: each device × each type, in a stable order. */
function wireCommands(request: CaptureRequest): NewCommand[] {
  return request.devices.flatMap((device) =>
    typesFor(device, request.types).map((type): NewCommand => {
      const target = {
        deviceId: device.deviceId,
        userEmail: device.email,
        ...(device.registrationId ? { registrationId: device.registrationId } : {}),
      };
      // Each type's own options, whatever the type (src/capture-types/ declares them and their wire form).
      return { ...target, type, args: structuredClone(request.options[type]) } as NewCommand;
    }),
  );
}

function toTarget(device: {
  id: string;
  name: string;
  email: string;
  platform: string;
  registrationId: string | null;
}): TargetDevice {
  return {
    deviceId: device.id,
    name: device.name,
    email: device.email,
    platform: device.platform,
    registrationId: device.registrationId,
  };
}

/** Why a create that certainly started nothing was refused. */
function startFailureOf(error: unknown): StartFailure {
  if (error instanceof DexRateLimitError) return { reason: 'rate-limited', retryAt: error.retryAt.toISOString() };
  if (error instanceof DexApiError) {
    if (error.status === 401 || error.status === 403) return { reason: 'token-refused' };
    // Only messages from Cloudflare's own failure envelope, already masked by the client; never a response body.
    return { reason: 'refused', messages: error.errors.slice(0, 5).map((e) => e.message) };
  }
  if (error instanceof DexInputError) return { reason: 'invalid', problems: error.problems };
  if (error instanceof DexNetworkError) return { reason: 'unreachable' };
  return { reason: 'internal' };
}

/** Six characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
function newRequestId(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  return Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join('');
}
