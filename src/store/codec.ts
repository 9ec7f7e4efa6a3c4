import type { InterfaceResult, LaunchProgress, NoticeEvent, StartFailure, UploadFailure } from '../captures/model.js';

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

const UPLOAD_FAILURES: readonly UploadFailure[] = ['cloudflare', 'slack', 'too-slow', 'unsafe-reference', 'unknown'];

export function decodeUploadFailure(text: string | null): UploadFailure | null {
  if (text === null) return null;
  return (UPLOAD_FAILURES as readonly string[]).includes(text) ? (text as UploadFailure) : 'unknown';
}

export function encodeNoticeEvent(event: NoticeEvent): string {
  return JSON.stringify(event);
}

/** Null for a row that is not a notice this version knows (e.g. thread posts migrated from the old table). */
export function decodeNoticeEvent(text: string): NoticeEvent | null {
  const value = parse(text);
  return isRecord(value) && typeof value.kind === 'string' ? (value as NoticeEvent) : null;
}
