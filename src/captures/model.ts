import type { InterfaceResult } from '../capture-types/descriptor.js';
import type { CaptureOptions, CaptureType } from '../capture-types/registry.js';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import type { Refusal } from './access.js';

/** Capture types and their options are declared once, in src/capture-types/. */
export type { InterfaceResult } from '../capture-types/descriptor.js';
export type { CaptureOptions, CaptureType } from '../capture-types/registry.js';
export { DEFAULT_CAPTURE_OPTIONS } from '../capture-types/registry.js';

/** A device as the request remembers it (Cloudflare's own list only shows recently connected devices). */
export interface TargetDevice {
  deviceId: string;
  name: string;
  email: string;
  platform: string;
  /** Needed on multi-user devices to reach the right user session. */
  registrationId: string | null;
  /** Only these of the request's capture types run on this device (a retry of what failed); absent: all of them. */
  types?: CaptureType[];
}

/**
 * starting → running → finished, or failed-to-start (create refused: nothing runs), or stopped
 * ("Stop watching": the API has no cancel, so captures may still complete on the device). With a second approver
 * (CAPTURE_APPROVERS) a request begins awaiting-approval: approved → starting; denied or expired → failed-to-start.
 */
export type RequestState = 'awaiting-approval' | 'starting' | 'running' | 'finished' | 'failed-to-start' | 'stopped';

/** A request waits this long for an approver's decision, then expires unstarted. */
export const APPROVAL_TIMEOUT_MS = 30 * 60_000;

/** The second approver's part in a request (CAPTURE_APPROVERS). */
export interface Approval {
  /** Not decided by then: the request expires, and nothing starts. */
  expiresAt: Date;
  decision: ApprovalDecision | null;
}

export interface ApprovalDecision {
  approved: boolean;
  /** The approver's Slack user id (never the requester). */
  by: string;
  at: Date;
  /** Why it was denied, as the approver typed it (plain text); null for an approval. */
  note: string | null;
}

export interface StatusMessageRef {
  channelId: string;
  ts: string;
}

export interface CaptureRequest {
  /** Short, human-typable id, e.g. `C7K2Q9`: used in `/capture status <id>`. */
  id: string;
  /** Slack user id of the person who asked. */
  requestedBy: string;
  /** The conversation the status message goes to. */
  channelId: string;
  devices: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  state: RequestState;
  createdAt: Date;
  /** Set once the status message is posted; the thread hangs off it. */
  statusMessage: StatusMessageRef | null;
  /** Why the captures could not be started, when state is failed-to-start. The Slack side words it. */
  startError: StartFailure | null;
  /** How far starting got: whether the create was sent, and the retries of confirming it. Null before the start. */
  launch: LaunchProgress | null;
  stoppedBy: string | null;
  /** Identity of the Slack interaction that created it (view id + hash): Slack retries must not start twice. */
  dedupeKey: string;
  /** The reason or ticket the requester gave (plain text, at most 200 characters); null when none was asked for. */
  reason: string | null;
  /** Whether the status conversation was a public channel when it was submitted; null when not known. */
  destinationPublic: boolean | null;
  /** Asked for and decided by a second person (CAPTURE_APPROVERS); null when no approval was needed. */
  approval: Approval | null;
}

/**
 * Why a request did not start. Only facts: whether anything could be running is part of each case, and the Slack
 * side says it in words.
 */
export type StartFailure =
  /** Cloudflare holds back every call with the token until `retryAt` (ISO time). Nothing was sent. */
  | { reason: 'rate-limited'; retryAt: string }
  /** Cloudflare refused the API token (401/403). Nothing was started. */
  | { reason: 'token-refused' }
  /** Cloudflare refused the create (4xx) and said why; messages are masked like log lines. Nothing was started. */
  | { reason: 'refused'; messages: string[] }
  /** The create was never sent: Cloudflare could not be reached. */
  | { reason: 'unreachable' }
  /** Our own checks refused the create before sending it. */
  | { reason: 'invalid'; problems: string[] }
  /**
   * The create's outcome was unknown (an error from Cloudflare, or its answer was lost), and none of these captures
   * was listed by Cloudflare afterwards, so none are running.
   */
  | { reason: 'not-listed'; after: UnknownOutcome }
  /** The create's outcome was unknown and Cloudflare's list could not be read to confirm it: check the dashboard. */
  | { reason: 'unconfirmed'; after: UnknownOutcome }
  /** The bot stopped before sending the create and came back too late to start it unasked. Nothing was sent. */
  | { reason: 'expired' }
  /** An approver denied the request (CAPTURE_APPROVERS), saying why. Nothing was sent. */
  | { reason: 'denied'; by: string; note: string }
  /** No approver decided within APPROVAL_TIMEOUT_MS. Nothing was sent. */
  | { reason: 'approval-expired' }
  /** The requester withdrew it while it waited for an approver. Nothing was sent. */
  | { reason: 'withdrawn'; by: string }
  /** A bug or a store failure. Nothing was sent. */
  | { reason: 'internal' }
  /** Text recorded by an older version. */
  | { reason: 'recorded'; text: string };

/** What made a create's outcome unknown: Cloudflare answered with an error (5xx), or its answer never arrived whole. */
export type UnknownOutcome = 'cloudflare-error' | 'lost-answer';

/** Starting a request, step by step, so that a restart neither sends a create twice nor forgets one never sent. */
export interface LaunchProgress {
  /** When the create was about to be sent (recorded first). Null: never sent. */
  createSentAt: Date | null;
  /** Set once the create's outcome was found unknown: it is being confirmed from Cloudflare's list. */
  unknownOutcome: UnknownOutcome | null;
  /** Tries at confirming an unknown outcome so far. */
  attempts: number;
  /** Not before this time is the next try made (backoff). */
  nextAttemptAt: Date | null;
}

/** A capture with no final state after this long is reported as timed out and no longer followed. */
export const COMMAND_TIMEOUT_MS = 30 * 60_000;

/** Cloudflare's statuses, plus our own TIMED_OUT (no final state within COMMAND_TIMEOUT_MS). Unknown strings are kept. */
export type CommandStatus = 'PENDING_EXEC' | 'PENDING_UPLOAD' | 'SUCCESS' | 'FAILED' | 'TIMED_OUT' | (string & {});

export interface TrackedCommand {
  /** Cloudflare's command id. */
  id: string;
  requestId: string;
  deviceId: string;
  registrationId: string | null;
  type: CaptureType;
  status: CommandStatus;
  createdAt: Date;
  /** When the status last changed. */
  updatedAt: Date;
  completedAt: Date | null;
  /** The artifact reference from the list (URL, bare name or null). */
  filename: string | null;
  /** Still polled? False once final, timed out, or the request was stopped. */
  tracking: boolean;
}

/**
 * Each artifact's trip to Slack, stored step by step so a restart resumes without posting twice:
 * pending → uploading (upload URL obtained: fileId) → completing (bytes sent) → done | failed.
 */
export type UploadStep = 'pending' | 'uploading' | 'completing' | 'done' | 'failed';

export interface ArtifactUpload {
  commandId: string;
  requestId: string;
  step: UploadStep;
  fileName: string;
  fileId: string | null;
  bytes: number | null;
  /** For a packet capture: each interface's result, read from results.json in the zip as it streamed past. */
  interfaces: InterfaceResult[] | null;
  /** What is inside the file (a packet capture's traffic, a WARP bundle's state), read as it streamed past. */
  digest: ArtifactDigest | null;
  /** The last attempt's error, for the logs (never shown to people). */
  error: string | null;
  /** Why it was given up, once `failed`. */
  failure: UploadFailure | null;
  attempts: number;
  /** The next attempt waits until then (backoff); null: now. */
  nextAttemptAt: Date | null;
  updatedAt: Date;
  /** When the file appeared in Slack (step `done`): the retention policy counts from here. */
  postedAt: Date | null;
  /** When the bot removed it from Slack under the retention policy (or found it already gone). */
  removedAt: Date | null;
  removalAttempts: number;
  /** A removal Slack refused waits until then. */
  removalNextAt: Date | null;
}

/** The file id of an upload made with ARTIFACT_DESTINATION=digest: read and digested, never a file in Slack. */
export const DIGEST_ONLY_FILE_ID = 'digest-only';

/** Why a file did not reach Slack. */
export type UploadFailure =
  /** Cloudflare would not give the file (an error answer, or the download kept being cut off). */
  | 'cloudflare'
  /** Slack would not take the file. */
  | 'slack'
  /** The transfer was slower than its deadline, every time. */
  | 'too-slow'
  /** Cloudflare named the file in a way the bot refuses to follow. */
  | 'unsafe-reference'
  | 'unknown';

export function isFinal(status: CommandStatus): boolean {
  return status === 'SUCCESS' || status === 'FAILED' || status === 'TIMED_OUT';
}

/** Something people must be told about a request. Stored first (an outbox), then delivered, retried until Slack takes it. */
export type NoticeEvent =
  /** The status message must show what the store says now (posted the first time, edited after). */
  | { kind: 'status' }
  | { kind: 'options' }
  /** Every capture on a device is final and some failed or timed out: one reply for the device. */
  | { kind: 'device-failed'; deviceId: string }
  /** Every capture is final and every file posted (or given up): the requester is told how it went. */
  | { kind: 'finished' }
  /** Per command, from versions before failures were told per device (still delivered if stored). */
  | { kind: 'command-failed'; commandId: string }
  | { kind: 'command-timed-out'; commandId: string }
  | { kind: 'upload-failed'; commandId: string }
  /** A file was posted whose digest has figures to show: they follow it in the thread. */
  | { kind: 'digest'; commandId: string }
  /** It finished without a file (a speed test the list names no file for): its results are in the dashboard. */
  | { kind: 'results-in-dashboard'; commandId: string }
  | { kind: 'stopped'; by: string }
  /** The status message was deleted or can no longer be edited; this thread belongs to its replacement. */
  | { kind: 'status-replaced'; previousTs: string | null }
  /** A file was removed from Slack under the retention policy (ARTIFACT_RETENTION): its thread says so, once. */
  | { kind: 'file-removed'; commandId: string }
  /** Captures started on devices of this email: their owner is told, by DM (NOTIFY_DEVICE_OWNER). */
  | { kind: 'owner'; email: string }
  /** An approver approved the request: the requester is told in the thread (a denial is told as its end). */
  | { kind: 'approved' };

export interface Notice {
  requestId: string;
  /** One per request and thing to tell: `status`, `options`, `failed:<commandId>`, … */
  key: string;
  event: NoticeEvent;
  state: 'pending' | 'done' | 'abandoned';
  /** Bumped each time a repeatable notice (the status) is asked for again, so a delivery of an older one is not the last. */
  version: number;
  attempts: number;
  /** Given up where it belongs (the thread, the channel): now going to the requester's DM instead. */
  fallback: boolean;
  nextAttemptAt: Date;
  /** The last failure, for the logs. */
  error: string | null;
}

/**
 * What the audit trail records: every start, "run again", "stop watching" and refused attempt; with a second
 * approver, each request for approval and each decision (`approved`, `rejected`: `denied` is a refused attempt).
 */
export type AuditAction =
  | 'start'
  | 'run-again'
  | 'stop-watching'
  | 'denied'
  | 'owner-notice'
  | 'file-removed'
  | 'approval-asked'
  | 'approved'
  | 'rejected';

export interface AuditEvent {
  at: Date;
  /** The Slack user who acted (or tried to). */
  userId: string;
  action: AuditAction;
  /** Where it happened (the conversation of the command, button or status message). */
  channelId: string | null;
  requestId: string | null;
  devices: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions | null;
  commandIds: string[];
  outcome: AuditOutcome;
  /** The reason the requester gave for the request (absent on rows that had none). */
  reason?: string | null;
  /** Whether the request's status conversation was a public channel (absent when not known). */
  destinationPublic?: boolean | null;
  /** Who approved the request (CAPTURE_APPROVERS), on rows of an approved request. */
  approvedBy?: string | null;
}

/** What someone was refused when they tried it. */
export type DeniedAttempt = 'open-form' | 'read-audit' | 'start' | 'run-again' | 'stop-watching' | 'decide-approval';

/** What came of an audited action. Only facts: the Slack side says it in words. */
export type AuditOutcome =
  /** The captures started (their ids are the event's `commandIds`); `confirmedFromList`: found there after an unknown create. */
  | { kind: 'started'; confirmedFromList: boolean }
  | { kind: 'failed-to-start'; failure: StartFailure }
  /** "Stop watching": the captures may still complete on the devices. */
  | { kind: 'stopped-watching' }
  /** "Run again": the capture form opened with the same devices and options. */
  | { kind: 'opened-form-again' }
  | { kind: 'denied'; attempted: DeniedAttempt; refusal: Refusal }
  /** The devices' owner was told by DM that captures started (`told`), or has no Slack account with that email. */
  | { kind: 'owner-notice'; email: string; told: boolean }
  /** The request now waits for an approver (CAPTURE_APPROVERS) until `expiresAt` (ISO time). */
  | { kind: 'approval-asked'; expiresAt: string }
  /** An approver approved the request (the captures start next) or denied it, saying why (`note`). */
  | { kind: 'approval-decided'; approved: boolean; note: string | null }
  /** A file of the request was removed from Slack under ARTIFACT_RETENTION (`alreadyGone`: Slack no longer had it). */
  | { kind: 'file-removed'; fileName: string; alreadyGone: boolean }
  /** Text recorded by an older version. */
  | { kind: 'recorded'; text: string };

/** One person's refused attempts in a period, summed up (each refusal is still recorded on its own). */
export interface AuditRefusals {
  userId: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
  /** The outcome of the latest refusal. */
  lastOutcome: AuditOutcome;
}
