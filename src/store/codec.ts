import type { Refusal } from '../captures/access.js';
import type {
  Approval,
  AuditOutcome,
  DeniedAttempt,
  InterfaceResult,
  LaunchProgress,
  NoticeEvent,
  StartFailure,
  UploadFailure,
} from '../captures/model.js';
import type { ArtifactDigest } from '../digest/artifact-digest.js';

/**
 * How both stores keep the structured columns (JSON in a text column), in one place so SQLite and PostgreSQL read
 * and write them alike. Readers are lenient: a row written by an older version, or damaged, gives a safe value
 * rather than an exception in the middle of a poll.
 */

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function encodeStartFailure(failure: StartFailure | null | undefined): string | null | undefined {
  return failure === undefined ? undefined : failure && JSON.stringify(failure);
}

export function decodeStartFailure(text: string | null): StartFailure | null {
  if (text === null) return null;
  const value = parse(text);
  if (isRecord(value) && typeof value.reason === 'string') return value as StartFailure;
  // Versions before structured failures stored the sentence itself.
  return { reason: 'recorded', text };
}

export function encodeAuditOutcome(outcome: AuditOutcome): string {
  return JSON.stringify(outcome);
}

/** An audit outcome as stored; text written by an older version (a sentence), or damaged, reads back as written. */
export function decodeAuditOutcome(text: string): AuditOutcome {
  return auditOutcomeOf(parse(text)) ?? { kind: 'recorded', text };
}

const DENIED_ATTEMPTS: readonly DeniedAttempt[] = [
  'open-form',
  'read-audit',
  'start',
  'run-again',
  'stop-watching',
  'decide-approval',
];

function auditOutcomeOf(value: unknown): AuditOutcome | null {
  if (!isRecord(value)) return null;
  switch (value.kind) {
    case 'started':
      return { kind: 'started', confirmedFromList: value.confirmedFromList === true };
    case 'failed-to-start':
      return isRecord(value.failure) && typeof value.failure.reason === 'string'
        ? { kind: 'failed-to-start', failure: value.failure as StartFailure }
        : null;
    case 'stopped-watching':
    case 'opened-form-again':
      return { kind: value.kind };
    case 'denied': {
      const refusal = refusalOf(value.refusal);
      const attempted = DENIED_ATTEMPTS.find((attempt) => attempt === value.attempted);
      return refusal && attempted ? { kind: 'denied', attempted, refusal } : null;
    }
    case 'approval-asked':
      return typeof value.expiresAt === 'string' ? { kind: 'approval-asked', expiresAt: value.expiresAt } : null;
    case 'approval-decided':
      return typeof value.approved === 'boolean'
        ? {
            kind: 'approval-decided',
            approved: value.approved,
            note: typeof value.note === 'string' ? value.note : null,
          }
        : null;
    case 'recorded':
      return typeof value.text === 'string' ? { kind: 'recorded', text: value.text } : null;
    default:
      return null;
  }
}

function refusalOf(value: unknown): Refusal | null {
  if (!isRecord(value)) return null;
  switch (value.kind) {
    case 'not-in-groups':
    case 'not-approver':
      return Array.isArray(value.groups) && value.groups.every((group) => typeof group === 'string')
        ? { kind: value.kind, groups: value.groups }
        : null;
    case 'is-requester':
    case 'not-listed':
    case 'not-admin':
    case 'unconfirmed':
    case 'unknown-user':
      return { kind: value.kind };
    default:
      return null;
  }
}

export function encodeLaunch(launch: LaunchProgress | null | undefined): string | null | undefined {
  if (launch === undefined) return undefined;
  if (launch === null) return null;
  return JSON.stringify({
    createSentAt: launch.createSentAt?.toISOString() ?? null,
    unknownOutcome: launch.unknownOutcome,
    attempts: launch.attempts,
    nextAttemptAt: launch.nextAttemptAt?.toISOString() ?? null,
  });
}

const dateOrNull = (value: unknown): Date | null => {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

export function decodeLaunch(text: string | null): LaunchProgress | null {
  const value = parse(text);
  if (!isRecord(value)) return null;
  const unknownOutcome = value.unknownOutcome;
  return {
    createSentAt: dateOrNull(value.createSentAt),
    unknownOutcome: unknownOutcome === 'cloudflare-error' || unknownOutcome === 'lost-answer' ? unknownOutcome : null,
    attempts: typeof value.attempts === 'number' ? value.attempts : 0,
    nextAttemptAt: dateOrNull(value.nextAttemptAt),
  };
}

export function encodeApproval(approval: Approval | null | undefined): string | null | undefined {
  if (approval === undefined) return undefined;
  if (approval === null) return null;
  const { expiresAt, decision } = approval;
  return JSON.stringify({
    expiresAt: expiresAt.toISOString(),
    decision: decision && { ...decision, at: decision.at.toISOString() },
  });
}

/**
 * Null when no approval was asked. A damaged value reads as asked and already expired: a request never starts on an
 * approval the bot cannot read.
 */
export function decodeApproval(text: string | null): Approval | null {
  if (text === null) return null;
  const value = parse(text);
  const expiresAt = isRecord(value) ? (dateOrNull(value.expiresAt) ?? new Date(0)) : new Date(0);
  const decision = isRecord(value) && isRecord(value.decision) ? value.decision : null;
  const at = decision ? dateOrNull(decision.at) : null;
  if (!decision || !at || typeof decision.approved !== 'boolean' || typeof decision.by !== 'string') {
    return { expiresAt, decision: null };
  }
  const note = typeof decision.note === 'string' ? decision.note : null;
  return { expiresAt, decision: { approved: decision.approved, by: decision.by, at, note } };
}

export function encodeInterfaces(interfaces: InterfaceResult[] | null | undefined): string | null | undefined {
  return interfaces === undefined ? undefined : interfaces && JSON.stringify(interfaces);
}

export function decodeInterfaces(text: string | null): InterfaceResult[] | null {
  const value = parse(text);
  if (!Array.isArray(value)) return null;
  return value.flatMap((item): InterfaceResult[] =>
    isRecord(item) && typeof item.name === 'string'
      ? [{ name: item.name, ok: item.ok === true, error: typeof item.error === 'string' ? item.error : null }]
      : [],
  );
}

export function encodeDigest(digest: ArtifactDigest | null | undefined): string | null | undefined {
  return digest === undefined ? undefined : digest && JSON.stringify(digest);
}

/** A stored digest, or null for none, a damaged one, or a kind this version does not know. */
export function decodeDigest(text: string | null): ArtifactDigest | null {
  const value = parse(text);
  return isRecord(value) && (value.kind === 'warp-diag' || value.kind === 'pcap')
    ? (value as unknown as ArtifactDigest)
    : null;
}

const UPLOAD_FAILURES: readonly UploadFailure[] = ['cloudflare', 'slack', 'too-slow', 'unsafe-reference', 'unknown'];

export function decodeUploadFailure(text: string | null): UploadFailure | null {
  if (text === null) return null;
  return (UPLOAD_FAILURES as readonly string[]).includes(text) ? (text as UploadFailure) : 'unknown';
}

export function encodeNoticeEvent(event: NoticeEvent): string {
  return JSON.stringify(event);
}

/** A stored notice event, or null for one this version does not know (e.g. thread posts migrated from the old table). */
export function decodeNoticeEvent(text: string): NoticeEvent | null {
  const event = parse(text);
  return isRecord(event) && typeof event.kind === 'string' ? (event as NoticeEvent) : null;
}
