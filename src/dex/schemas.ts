import { z } from 'zod';
import type { Command, CreatedCommand, Device, Quota } from './types.js';

// Response schemas: the v4 envelope, then each endpoint's `result`. Objects are loose (Cloudflare
// may add fields) but every field we rely on is checked, and mapped to camelCase domain values here.

const cloudflareMessage = z.looseObject({
  code: z.number(),
  message: z.string(),
  documentation_url: z.string().optional(),
  source: z.looseObject({ pointer: z.string().optional() }).optional(),
});

/** Failure bodies are read leniently: all we want from them is `errors[]`. */
export const failureEnvelope = z.looseObject({
  errors: z.array(cloudflareMessage).catch([]),
});

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

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** Devices report timestamps like `2023-10-11 00:00:00+00` (not RFC 3339): read them leniently. */
const looseTimestamp = z
  .string()
  .nullish()
  .transform((s) => {
    if (!s) return null;
    const normalised = s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
    const date = new Date(normalised);
    return Number.isNaN(date.getTime()) ? null : date;
  });

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

export const createResult = z.looseObject({ commands: z.array(createdCommand).default([]) });

const listedCommand = z
  .looseObject({
    id: z.string().min(1),
    type: z.string().nullish(),
    status: z.string().nullish(),
    device_id: z.string().nullish(),
    registration_id: z.string().nullish(),
    user_email: z.string().nullish(),
    created_date: isoDate.nullish(),
    completed_date: isoDate.nullish(),
    filename: z.string().nullish(),
  })
  .transform(
    (c): Command => ({
      id: c.id,
      type: c.type ?? 'unknown',
      status: c.status ?? 'unknown',
      deviceId: c.device_id ?? null,
      registrationId: c.registration_id ?? null,
      userEmail: c.user_email ?? null,
      createdAt: c.created_date ?? null,
      completedAt: c.completed_date ?? null,
      filename: c.filename ?? null,
    }),
  );

// `result` may be null or lack the array when nothing matched.
export const listCommandsResult = z
  .looseObject({ commands: z.array(listedCommand).nullish() })
  .nullable()
  .transform((r) => r?.commands ?? []);

const device = z
  .looseObject({
    deviceId: z.string().min(1),
    deviceName: z.string().nullish(),
    eligible: z.boolean().nullish(),
    ineligibleReason: z.string().nullish(),
    personEmail: z.string().nullish(),
    platform: z.string().nullish(),
    registrationId: z.string().nullish(),
    status: z.string().nullish(),
    timestamp: looseTimestamp,
    version: z.string().nullish(),
  })
  .transform(
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

export const listDevicesResult = z
  .looseObject({ devices: z.array(device).nullish() })
  .nullable()
  .transform((r) => r?.devices ?? []);

/**
 * We read `quota` as the TOTAL allowed per window. The spec said "remaining" until 2026-06 and
 * "total" since; the SDKs and docs now agree on total, and reading it as total fails safe: if it
 * really meant remaining we would under-report what is left, never let people overspend.
 */
export const quotaResult = z
  .looseObject({
    quota: z.number().nonnegative(),
    quota_usage: z.number().nonnegative(),
    reset_time: isoDate,
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
