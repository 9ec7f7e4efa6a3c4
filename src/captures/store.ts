import type { RateLimitHolds } from '../dex/rate-limit.js';
import type {
  ArtifactUpload,
  AuditEvent,
  AuditRefusals,
  CaptureRequest,
  Notice,
  NoticeEvent,
  RequestState,
  TrackedCommand,
} from './model.js';

/**
 * What the domain needs remembered across restarts, split by role. Every state change is written here before it is
 * acted on. One implementation serves SQLite and PostgreSQL (src/store/); tests may pass any object that fills the
 * roles a class asks for.
 */

export interface RequestQuery {
  /** Only requests by this Slack user. */
  requestedBy?: string;
  /** Only requests that include a device whose name, id or person email contains this (case-insensitive). */
  device?: string;
  /** Newest first; default 10. */
  limit?: number;
}

export type RequestPatch = Partial<
  Pick<CaptureRequest, 'state' | 'statusMessage' | 'startError' | 'stoppedBy' | 'launch' | 'approval'>
>;
export type CommandPatch = Partial<
  Pick<TrackedCommand, 'status' | 'updatedAt' | 'completedAt' | 'filename' | 'tracking'>
>;
export type UploadPatch = Partial<Omit<ArtifactUpload, 'commandId' | 'requestId'>>;
export type NoticePatch = Partial<Pick<Notice, 'state' | 'attempts' | 'fallback' | 'nextAttemptAt' | 'error'>>;

export interface RequestStore {
  /**
   * Inserts the request unless one with the same `dedupeKey` exists. Returns the stored request and whether it
   * was created by this call: a Slack retry of the same submission gets `created: false`.
   */
  createRequestOnce(request: CaptureRequest): Promise<{ request: CaptureRequest; created: boolean }>;
  getRequest(id: string): Promise<CaptureRequest | null>;
  updateRequest(id: string, patch: RequestPatch): Promise<void>;
  /**
   * Changes the request only while it is in `state`, atomically: true when it did. Of two replicas (or two approvers)
   * moving a request on at once, exactly one gets true.
   */
  updateRequestIf(id: string, state: RequestState, patch: RequestPatch): Promise<boolean>;
  listRequests(query?: RequestQuery): Promise<CaptureRequest[]>;
  /** Requests in state `awaiting-approval`, `starting` or `running` (to resume after a restart). */
  activeRequests(): Promise<CaptureRequest[]>;
}

export interface CommandStore {
  /** All or nothing. */
  insertCommands(commands: TrackedCommand[]): Promise<void>;
  updateCommand(id: string, patch: CommandPatch): Promise<void>;
  /** In creation order. */
  commandsForRequest(requestId: string): Promise<TrackedCommand[]>;
  /** Commands with `tracking: true`, oldest first. */
  trackedCommands(): Promise<TrackedCommand[]>;
  /** Which of these Cloudflare command ids some request already owns. */
  ownedCommandIds(ids: string[]): Promise<Set<string>>;
}

export interface UploadStore {
  /** Creates the upload row if absent (step `pending`) and returns the stored row. */
  ensureUpload(upload: ArtifactUpload): Promise<ArtifactUpload>;
  updateUpload(commandId: string, patch: UploadPatch): Promise<void>;
  getUpload(commandId: string): Promise<ArtifactUpload | null>;
  /** Files in Slack posted at or before `postedBefore`, not removed yet, whose next removal attempt is due. */
  uploadsToRemove(postedBefore: Date, now: Date, limit: number): Promise<ArtifactUpload[]>;
  uploadsForRequest(requestId: string): Promise<ArtifactUpload[]>;
  /** Uploads not yet `done` or `failed`, oldest first (to resume after a restart). */
  unfinishedUploads(): Promise<ArtifactUpload[]>;
}

export interface NoticeStore {
  /**
   * Records a notice to deliver (the outbox). A one-time notice (`options`, `failed:<commandId>`, …) is added once:
   * asking again for the same key changes nothing, so the thread tells each part of the story once, even across
   * restarts and replicas. With `repeat` (the status message), asking again makes it pending anew with a new version
   * and no attempts, so the latest state is what gets delivered.
   */
  enqueueNotice(
    requestId: string,
    key: string,
    event: NoticeEvent,
    now: Date,
    options?: { repeat?: boolean },
  ): Promise<void>;
  /** A request's pending notices, the status first, then in the order they were added. */
  pendingNotices(requestId: string): Promise<Notice[]>;
  /**
   * Changes a notice. With `ifVersion`, only when it still has that version: a delivery that finished after the
   * status was asked for again must leave the newer request pending. True when a row changed.
   */
  updateNotice(requestId: string, key: string, patch: NoticePatch, ifVersion?: number): Promise<boolean>;
  /** Requests with a pending notice due by `now`, soonest first. */
  requestsWithDueNotices(now: Date, limit: number): Promise<string[]>;
}

export interface LeaseStore {
  /**
   * Takes the lease `name` for `owner` until `now + ttlMs` when it is free, expired, or already `owner`'s (a
   * renewal). True when `owner` holds it afterwards. Replicas sharing one database use leases so that polling an
   * account and relaying an artifact are done by one of them at a time; a replica that dies loses its leases
   * when they expire. Atomic: two owners asking at once cannot both get it.
   */
  acquireLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the lease up now, if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
}

export interface AuditStore {
  /** Appends to the audit trail. */
  recordAudit(event: AuditEvent): Promise<void>;
  /** Audit events since a time, newest first (default: at most 200). */
  auditSince(since: Date, limit?: number): Promise<AuditEvent[]>;
  /**
   * Every audit event but refusals (starts, "run again", "stop watching") since a time, newest first, at most
   * `limit` of them (a whole number ≥ 1; default: all), and how many there are in all. Refusals can be many (anyone
   * can type `/capture`); this is what they can never push out of sight.
   */
  auditActionsSince(since: Date, limit?: number): Promise<{ events: AuditEvent[]; total: number }>;
  /**
   * Refusals since a time, one summary per person, the most recently refused first, at most `limit` people (a whole
   * number ≥ 1; default: all), with how many people and how many refusals there are in all.
   */
  auditRefusalsSince(
    since: Date,
    limit?: number,
  ): Promise<{ people: AuditRefusals[]; totalPeople: number; totalRefusals: number }>;
}

/** Every role at once (with the rate-limit holds src/dex asks for), as the bot opens it (src/store/openStore). */
export interface Store
  extends RequestStore,
    CommandStore,
    UploadStore,
    NoticeStore,
    LeaseStore,
    RateLimitHolds,
    AuditStore {
  close(): Promise<void>;
}
