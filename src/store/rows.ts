import { readCaptureOptions } from '../capture-types/registry.js';
import type {
  ArtifactUpload,
  AuditEvent,
  AuditRefusals,
  CaptureRequest,
  CaptureType,
  Notice,
  RequestState,
  TargetDevice,
  TrackedCommand,
  UploadStep,
} from '../captures/model.js';
import {
  decodeApproval,
  decodeAuditOutcome,
  decodeDigest,
  decodeInterfaces,
  decodeLaunch,
  decodeNoticeEvent,
  decodeStartFailure,
  decodeUploadFailure,
} from './codec.js';

/**
 * Rows as either database gives them, read into the domain's types. The connections agree on JSON (text) and
 * numbers; timestamps come as ISO text (SQLite) or Date (PostgreSQL) and flags as 1/0 or booleans, which `date` and
 * `flag` both accept.
 */
type Timestamp = string | Date;
type Flag = number | boolean;

export const date = (value: Timestamp): Date => new Date(value);
const dateOrNull = (value: Timestamp | null): Date | null => (value === null ? null : new Date(value));
export const flag = (value: Flag): boolean => value === true || value === 1;

export interface RequestRow {
  id: string;
  dedupe_key: string;
  requested_by: string;
  channel_id: string;
  devices: string;
  types: string;
  options: string;
  state: string;
  created_at: Timestamp;
  status_channel: string | null;
  status_ts: string | null;
  start_error: string | null;
  stopped_by: string | null;
  launch: string | null;
  reason?: string | null;
  destination_public?: number | boolean | null;
  approval?: string | null;
}

export interface CommandRow {
  id: string;
  request_id: string;
  device_id: string;
  registration_id: string | null;
  type: string;
  status: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
  filename: string | null;
  tracking: Flag;
}

export interface UploadRow {
  command_id: string;
  request_id: string;
  step: string;
  file_name: string;
  file_id: string | null;
  bytes: number | null;
  summary: string | null;
  digest: string | null;
  error: string | null;
  failure: string | null;
  attempts: number;
  next_attempt_at: Timestamp | null;
  updated_at: Timestamp;
  posted_at?: Timestamp | null;
  removed_at?: Timestamp | null;
  removal_attempts?: number;
  removal_next_at?: Timestamp | null;
}

export interface AuditRow {
  at: Timestamp;
  user_id: string;
  action: string;
  channel_id: string | null;
  request_id: string | null;
  details: string;
  outcome: string;
}

export interface RefusalsRow {
  user_id: string;
  count: number;
  first_at: Timestamp;
  last_at: Timestamp;
  last_outcome: string;
  total_people: number;
  total_refusals: number;
}

export function toRequest(row: RequestRow): CaptureRequest {
  return {
    id: row.id,
    requestedBy: row.requested_by,
    channelId: row.channel_id,
    devices: JSON.parse(row.devices) as TargetDevice[],
    types: JSON.parse(row.types) as CaptureType[],
    // Older versions kept WARP's options under another key, and knew fewer types: defaults fill in.
    options: readCaptureOptions(JSON.parse(row.options)),
    state: row.state as RequestState,
    createdAt: date(row.created_at),
    statusMessage:
      row.status_channel !== null && row.status_ts !== null
        ? { channelId: row.status_channel, ts: row.status_ts }
        : null,
    startError: decodeStartFailure(row.start_error),
    stoppedBy: row.stopped_by,
    dedupeKey: row.dedupe_key,
    launch: decodeLaunch(row.launch),
    reason: row.reason ?? null,
    destinationPublic:
      row.destination_public === null || row.destination_public === undefined ? null : Boolean(row.destination_public),
    approval: decodeApproval(row.approval ?? null),
  };
}

export function toCommand(row: CommandRow): TrackedCommand {
  return {
    id: row.id,
    requestId: row.request_id,
    deviceId: row.device_id,
    registrationId: row.registration_id,
    type: row.type as CaptureType,
    status: row.status,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    completedAt: dateOrNull(row.completed_at),
    filename: row.filename,
    tracking: flag(row.tracking),
  };
}

export function toUpload(row: UploadRow): ArtifactUpload {
  return {
    commandId: row.command_id,
    requestId: row.request_id,
    step: row.step as UploadStep,
    fileName: row.file_name,
    fileId: row.file_id,
    bytes: row.bytes,
    interfaces: decodeInterfaces(row.summary),
    digest: decodeDigest(row.digest),
    error: row.error,
    failure: decodeUploadFailure(row.failure),
    attempts: row.attempts,
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    updatedAt: date(row.updated_at),
    postedAt: dateOrNull(row.posted_at ?? null),
    removedAt: dateOrNull(row.removed_at ?? null),
    removalAttempts: Number(row.removal_attempts ?? 0),
    removalNextAt: dateOrNull(row.removal_next_at ?? null),
  };
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const details = JSON.parse(row.details) as Pick<
    AuditEvent,
    'devices' | 'types' | 'options' | 'commandIds' | 'reason' | 'destinationPublic' | 'approvedBy'
  >;
  return {
    at: date(row.at),
    userId: row.user_id,
    action: row.action as AuditEvent['action'],
    channelId: row.channel_id,
    requestId: row.request_id,
    ...details,
    options: details.options ? readCaptureOptions(details.options) : null,
    outcome: decodeAuditOutcome(row.outcome),
  };
}

export function toAuditRefusals(row: RefusalsRow): AuditRefusals {
  return {
    userId: row.user_id,
    count: row.count,
    firstAt: date(row.first_at),
    lastAt: date(row.last_at),
    lastOutcome: decodeAuditOutcome(row.last_outcome),
  };
}

export interface NoticeRow {
  request_id: string;
  key: string;
  event: string;
  state: string;
  version: number;
  attempts: number;
  fallback: Flag;
  next_attempt_at: number;
  error: string | null;
}

/** Null for a row that is not a notice this version knows. */
export function toNotice(row: NoticeRow): Notice | null {
  const event = decodeNoticeEvent(row.event);
  if (!event) return null;
  return {
    requestId: row.request_id,
    key: row.key,
    event,
    state: row.state as Notice['state'],
    version: row.version,
    attempts: row.attempts,
    fallback: flag(row.fallback),
    nextAttemptAt: new Date(row.next_attempt_at),
    error: row.error,
  };
}
