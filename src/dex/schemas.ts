import { z } from 'zod';
import type { Command, CommandAnalysisDetection, CreatedCommand, Device, Quota } from './types.js';

// Response schemas: the v4 envelope, then each endpoint's `result`. Objects are loose (Cloudflare
// may add fields) but every field we rely on is checked, and mapped to camelCase domain values here.

const cloudflareMessage = z.looseObject({
  code: z.number(),
  message: z.string(),
  documentation_url: z.string().optional(),
  source: z.looseObject({ pointer: z.string().optional() }).optional(),
});

/**
 * A Cloudflare failure envelope: JSON with `success: false` and an `errors` array. All we want from it is the
 * messages, so one malformed message is dropped rather than losing the others. Anything else (a proxy's page or
 * JSON of its own) is not Cloudflare speaking, and fails to parse.
 */
export const failureEnvelope = z
  .looseObject({ success: z.literal(false), errors: z.array(z.unknown()) })
  .transform((body) => ({
    errors: body.errors.flatMap((message) => {
      const parsed = cloudflareMessage.safeParse(message);
      return parsed.success ? [parsed.data] : [];
    }),
  }));

const resultInfo = z.looseObject({
  count: z.number().optional(),
  page: z.number().optional(),
  per_page: z.number().optional(),
  total_count: z.number().optional(),
  total_pages: z.number().optional(),
});

function buildEnvelope<T extends z.ZodType>(result: T) {
  return z.looseObject({
    success: z.boolean(),
    errors: z.array(cloudflareMessage),
    messages: z.array(cloudflareMessage).optional(),
    result,
    result_info: resultInfo.nullish(),
  });
}

// zod compiles a schema's parser on first use: one envelope per result schema, not one per call.
const envelopes = new WeakMap<z.ZodType, z.ZodType>();

/** The v4 envelope around `result`. */
export function envelope<T extends z.ZodType>(result: T): ReturnType<typeof buildEnvelope<T>> {
  let built = envelopes.get(result);
  if (!built) {
    built = buildEnvelope(result);
    envelopes.set(result, built);
  }
  return built as ReturnType<typeof buildEnvelope<T>>;
}

const createdCommand = z
  .looseObject({
    id: z.string().min(1),
    type: z.string().optional(),
    status: z.string().optional(),
    device_id: z.string().nullish(),
    registration_id: z.string().nullish(),
    args: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform(
    (c): CreatedCommand => ({
      id: c.id,
      type: c.type ?? 'unknown',
      status: c.status ?? 'unknown',
      deviceId: c.device_id ?? null,
      registrationId: c.registration_id ?? null,
      args: Object.fromEntries(Object.entries(c.args ?? {}).map(([k, v]) => [k, String(v)])),
    }),
  );

// Strict, unlike the lists: every created command's id is needed to follow it, so a create answer we cannot read
// whole is an unknown outcome (see createOutcomeUnknown), never a partial success.
export const createResult = z.looseObject({ commands: z.array(createdCommand).default([]) });

// ---- list items ------------------------------------------------------------------------------------------------
// Cloudflare's OpenAPI (2026-07) makes every list-item field optional, and `completed_date` and `filename` nullable.
// Each item is read on its own, so one item we cannot use is skipped (and reported) without failing the page. Only
// the field that identifies an item is required: `id` for a command, `deviceId` for a device. Every other field that
// is missing, null, of the wrong type or (for a date) unreadable is read as absent, as if Cloudflare had left it out.

/** Our own wording for a missing or wrong required field: a problem names the field, never its value. */
const requiredId = z
  .string({
    error: (issue) => (issue.input === undefined ? 'missing' : `expected a string, got ${kindOf(issue.input)}`),
  })
  .min(1, { error: 'empty' });
const optionalText = z.string().nullish().catch(null);
const optionalDate = z.unknown().optional().transform(readDate);

function item<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.looseObject(shape, { error: (issue) => `expected an object, got ${kindOf(issue.input)}` });
}

export const listedCommand = item({
  id: requiredId,
  type: optionalText,
  status: optionalText,
  device_id: optionalText,
  registration_id: optionalText,
  user_email: optionalText,
  created_date: optionalDate,
  completed_date: optionalDate,
  filename: optionalText,
}).transform(
  (c): Command => ({
    id: c.id,
    type: c.type ?? 'unknown',
    status: c.status ?? 'unknown',
    deviceId: c.device_id ?? null,
    registrationId: c.registration_id ?? null,
    userEmail: c.user_email ?? null,
    createdAt: c.created_date,
    completedAt: c.completed_date,
    filename: c.filename ?? null,
  }),
);

export const listedDevice = item({
  deviceId: requiredId,
  deviceName: optionalText,
  eligible: z.boolean().nullish().catch(null),
  ineligibleReason: optionalText,
  personEmail: optionalText,
  platform: optionalText,
  registrationId: optionalText,
  status: optionalText,
  timestamp: optionalDate,
  version: optionalText,
}).transform(
  (d): Device => ({
    id: d.deviceId,
    name: d.deviceName || d.deviceId,
    // A device the API does not call eligible is not offered for capture.
    eligible: d.eligible === true,
    ineligibleReason: d.ineligibleReason || null,
    email: d.personEmail ?? '',
    platform: d.platform ?? 'unknown',
    registrationId: d.registrationId || null,
    networkStatus: d.status ?? null,
    lastSeenAt: d.timestamp,
    warpVersion: d.version ?? null,
  }),
);

// The page itself stays strict: `result` may be null or lack the array when nothing matched, but an array it must be.
export const listCommandsResult = z
  .looseObject({ commands: z.array(z.unknown()).nullish() })
  .nullable()
  .transform((r) => r?.commands ?? []);

export const listDevicesResult = z
  .looseObject({ devices: z.array(z.unknown()).nullish() })
  .nullable()
  .transform((r) => r?.devices ?? []);

/** Why one list item cannot be used, e.g. `id: missing`: the field path and what was wrong, never a value. */
export function describeItemIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? '(item)' : formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

// ---- dates -----------------------------------------------------------------------------------------------------

// RFC 3339 and the forms seen beside it: a space for the `T`, fractional seconds of any length, and offsets written
// `Z`, `+00`, `+0000` or `+00:00` (devices report `2023-10-11 00:00:00+00`). A time without a zone is not accepted:
// it could be any zone.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))? ?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** A date-time as Cloudflare writes it in any of the forms above, or null when it is not one. */
export function readDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as Six;
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  // Second 60 is RFC 3339's leap second.
  const valid =
    daysInMonth !== undefined && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60;
  if (!valid || offsetHours > 23 || offsetMinutes > 59) return null;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((match[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const sign = match[8] === '-' ? -1 : 1;
  return new Date(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

type Six = [number, number, number, number, number, number];

/**
 * We read `quota` as the TOTAL allowed per window. The spec said "remaining" until 2026-06 and
 * "total" since; the SDKs and docs now agree on total, and reading it as total fails safe: if it
 * really meant remaining we would under-report what is left, never let people overspend.
 */
export const quotaResult = z
  .looseObject({
    quota: z.number().nonnegative(),
    quota_usage: z.number().nonnegative(),
    reset_time: z.string().transform((value, context) => {
      const date = readDate(value);
      if (date) return date;
      context.addIssue({ code: 'custom', message: 'not a date-time' });
      return z.NEVER;
    }),
  })
  .transform(
    (q): Quota => ({
      total: q.quota,
      used: q.quota_usage,
      remaining: Math.max(0, q.quota - q.quota_usage),
      resetsAt: q.reset_time,
    }),
  );

/** `result.commands[3].created_date: Invalid ISO datetime` — says which field was wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---- the WARP-diag analysis (undocumented) -----------------------------------------------------------------------
// `GET …/dex/commands/{id}/analysis` is used by Cloudflare's DEX MCP server (reference §11), which passes the answer
// on unread and tells its reader that detections with zero occurrences can be ruled out and to start from the highest
// severity. Nothing more is published, so this reads any shape that has a list of detections, each with a name and a
// count, under the usual names (and the MCP server's own spelling, `occurences`); anything else reads as null.

/** Detections kept, highest severity first: more is not a summary. */
export const MAX_ANALYSIS_DETECTIONS = 50;
const MAX_DETECTION_NAME = 200;
const MAX_DETECTION_DESCRIPTION = 500;
const MAX_SEVERITY = 32;

const LIST_KEYS = ['detections', 'results', 'findings', 'issues', 'items', 'analysis'] as const;
const NAME_KEYS = [
  'name',
  'title',
  'detection',
  'detection_name',
  'label',
  'error_code',
  'code',
  'id',
  'type',
] as const;
const COUNT_KEYS = ['occurrences', 'occurences', 'occurrence_count', 'count', 'hits', 'matches'] as const;
const SEVERITY_KEYS = ['severity', 'level', 'priority', 'risk'] as const;
const DESCRIPTION_KEYS = ['description', 'details', 'detail', 'message', 'summary', 'explanation'] as const;

/**
 * Severity words, most severe first. Cloudflare's scale is not published: a number ranks below every word (higher
 * numbers first, assuming higher is worse), an unknown word or none last.
 */
const SEVERITY_RANKS: Readonly<Record<string, number>> = {
  critical: 5,
  fatal: 5,
  high: 4,
  error: 4,
  severe: 4,
  major: 4,
  medium: 3,
  moderate: 3,
  warning: 3,
  warn: 3,
  low: 2,
  minor: 2,
  info: 1,
  informational: 1,
  notice: 1,
};

export type AnalysisReading = { ok: true; detections: CommandAnalysisDetection[] } | { ok: false; problem: string };

/** The analysis route's JSON: its detections with occurrences above zero, highest severity first; or why not. */
export function readCommandAnalysis(body: unknown): AnalysisReading {
  if (!isRecord(body)) return { ok: false, problem: `body is ${kindOf(body)}, not an object` };
  if (body.success === false) return { ok: false, problem: 'success is false' };
  const list = detectionList('result' in body ? body.result : body);
  if (list === null) return { ok: false, problem: 'no list of detections in the result' };
  const detections: CommandAnalysisDetection[] = [];
  let unreadable = 0;
  for (const item of list) {
    const detection = readDetection(item);
    if (detection === null) unreadable += 1;
    else if (detection.occurrences > 0) detections.push(detection);
  }
  if (list.length > 0 && unreadable === list.length) {
    return { ok: false, problem: `none of the ${list.length} detections has a name and a count` };
  }
  detections.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      b.occurrences - a.occurrences ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return { ok: true, detections: detections.slice(0, MAX_ANALYSIS_DETECTIONS) };
}

function detectionList(result: unknown): unknown[] | null {
  if (Array.isArray(result)) return result;
  if (!isRecord(result)) return null;
  for (const key of LIST_KEYS) {
    const value = result[key];
    if (Array.isArray(value)) return value;
    // One level down: `{ analysis: { detections: [...] } }`.
    if (isRecord(value)) {
      for (const inner of LIST_KEYS) {
        const nested = value[inner];
        if (Array.isArray(nested)) return nested;
      }
    }
  }
  return null;
}

function readDetection(item: unknown): CommandAnalysisDetection | null {
  if (!isRecord(item)) return null;
  const name = firstText(item, NAME_KEYS, MAX_DETECTION_NAME);
  const occurrences = firstCount(item);
  if (name === null || occurrences === null) return null;
  return {
    name,
    severity: firstText(item, SEVERITY_KEYS, MAX_SEVERITY),
    occurrences,
    description: firstText(item, DESCRIPTION_KEYS, MAX_DETECTION_DESCRIPTION),
  };
}

// Controls and bidirectional marks out: these are strings from outside, shown to people.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

function firstText(item: Record<string, unknown>, keys: readonly string[], max: number): string | null {
  for (const key of keys) {
    const value = item[key];
    const text =
      typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? `${value}` : null;
    const clean = text?.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
    if (clean) return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
  }
  return null;
}

function firstCount(item: Record<string, unknown>): number | null {
  for (const key of COUNT_KEYS) {
    const value = item[key];
    const count =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d{1,15}$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (Number.isSafeInteger(count) && count >= 0) return count;
  }
  return null;
}

function severityRank(severity: string | null): number {
  if (severity === null) return 0;
  const word = SEVERITY_RANKS[severity.toLowerCase()];
  if (word !== undefined) return word;
  const number = Number(severity);
  return Number.isFinite(number) ? 0.5 + Math.max(0, Math.min(number, 1000)) / 2001 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
