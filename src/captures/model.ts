import { type CaptureType, PCAP_LIMITS } from '../dex/types.js';

export type { CaptureType } from '../dex/types.js';

/** The options a helpdesk agent picks in the modal. */
export interface CaptureOptions {
  pcap: { timeLimitMin: number; maxFileSizeMb: number; packetSizeBytes: number };
  warpDiag: { testAllRoutes: boolean };
}

export const DEFAULT_CAPTURE_OPTIONS: CaptureOptions = {
  pcap: {
    timeLimitMin: PCAP_LIMITS.timeLimitMin.default,
    maxFileSizeMb: PCAP_LIMITS.maxFileSizeMb.default,
    packetSizeBytes: PCAP_LIMITS.packetSizeBytes.default,
  },
  warpDiag: { testAllRoutes: true },
};

/** A device as the request remembers it (Cloudflare's own list only shows recently connected devices). */
export interface TargetDevice {
  deviceId: string;
  name: string;
  email: string;
  platform: string;
  /** Needed on multi-user devices to reach the right user session. */
  registrationId: string | null;
}

/**
 * starting → running → finished, or failed-to-start (create refused: nothing runs), or stopped
 * ("Stop watching": the API has no cancel, so captures may still complete on the device).
 */
export type RequestState = 'starting' | 'running' | 'finished' | 'failed-to-start' | 'stopped';

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
  /** Why the captures could not be started (shown to people), when state is failed-to-start. */
  startError: string | null;
  stoppedBy: string | null;
  /** Identity of the Slack interaction that created it (view id + hash): Slack retries must not start twice. */
  dedupeKey: string;
}

/** Cloudflare's statuses, plus our own TIMED_OUT (no final state within 30 minutes). Unknown strings are kept. */
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
  /** e.g. "default interface ✓, tunnel ✗", read from results.json in a PCAP zip. */
  summary: string | null;
  error: string | null;
  attempts: number;
  updatedAt: Date;
}

export function isFinal(status: CommandStatus): boolean {
  return status === 'SUCCESS' || status === 'FAILED' || status === 'TIMED_OUT';
}

/** What the audit trail records: every start, "run again", "stop watching" and refused attempt. */
export type AuditAction = 'start' | 'run-again' | 'stop-watching' | 'denied';

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
  /** e.g. "started", "failed to start: …", "denied: not in an allowed group". */
  outcome: string;
}

/** One person's refused attempts in a period, summed up (each refusal is still recorded on its own). */
export interface AuditRefusals {
  userId: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
  /** The outcome of the latest refusal, e.g. "denied to open the capture form: Only members of …". */
  lastOutcome: string;
}
