import { z } from 'zod';
import type { CommandFilter } from './commands.js';
import type { CfMessage } from './envelope.js';
import { ErrorCode } from './errors.js';
import { COMMAND_STATUSES } from './lifecycle.js';
import { ApiFailure } from './reply.js';

export const MAX_PER_PAGE = 50;

export interface Pagination {
  page: number;
  perPage: number;
}

type Query = Readonly<Record<string, string>>;

const integerText = z.string().regex(/^\d+$/).transform(Number);
const pageSchema = integerText.pipe(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER));
const perPageSchema = integerText.pipe(z.number().int().min(1).max(MAX_PER_PAGE));
const commandTypeSchema = z.enum(['pcap', 'warp-diag', 'speed-test']);
const statusSchema = z.enum(COMMAND_STATUSES);
// RFC 3339 date-time: a date, a time, and a zone (Z or ±hh:mm).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `page` and `per_page` are required on both list endpoints (reference §4.1, §5.1). */
export function parsePagination(query: Query): Pagination {
  const errors: CfMessage[] = [];
  const page = parseRequired(query, 'page', pageSchema, 'an integer >= 1', errors);
  const perPage = parseRequired(query, 'per_page', perPageSchema, `an integer from 1 to ${MAX_PER_PAGE}`, errors);
  if (page === undefined || perPage === undefined) throw new ApiFailure(400, errors);
  return { page, perPage };
}

export function paginate<T>(items: readonly T[], { page, perPage }: Pagination): T[] {
  const start = (page - 1) * perPage;
  return start >= items.length ? [] : items.slice(start, start + perPage);
}

/** The list endpoint's optional filters; a value that cannot mean anything is refused, not ignored. */
export function parseCommandFilter(query: Query): CommandFilter {
  const errors: CfMessage[] = [];
  const filter: CommandFilter = {};
  const fromMs = parseDateTime(query, 'from', errors);
  const toMs = parseDateTime(query, 'to', errors);
  if (fromMs !== undefined) filter.fromMs = fromMs;
  if (toMs !== undefined) filter.toMs = toMs;
  if (query.device_id) filter.deviceId = query.device_id;
  if (query.user_email) filter.userEmail = query.user_email;
  if (query.command_type !== undefined) {
    const type = commandTypeSchema.safeParse(query.command_type);
    if (type.success) filter.type = type.data;
    else errors.push(invalid('command_type', query.command_type, `one of ${commandTypeSchema.options.join(', ')}`));
  }
  if (query.status !== undefined) {
    const status = statusSchema.safeParse(query.status);
    if (status.success) filter.status = status.data;
    else errors.push(invalid('status', query.status, `one of ${COMMAND_STATUSES.join(', ')}`));
  }
  if (errors.length > 0) throw new ApiFailure(400, errors);
  return filter;
}

function parseRequired<T>(
  query: Query,
  name: string,
  schema: z.ZodType<T, string>,
  expected: string,
  errors: CfMessage[],
): T | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') {
    errors.push({
      code: ErrorCode.invalidQuery,
      message: `${name}: required query parameter is missing (${expected})`,
    });
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  errors.push(invalid(name, raw, expected));
  return undefined;
}

function parseDateTime(query: Query, name: string, errors: CfMessage[]): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const ms = RFC3339.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isNaN(ms)) return ms;
  // An unencoded '+' in a query string arrives as a space: a classic client bug worth naming.
  const hint = raw.includes(' ') ? "; a '+' in a query string must be sent as %2B" : '';
  errors.push(invalid(name, raw, `an RFC 3339 date-time such as 2026-08-20T20:45:00Z${hint}`));
  return undefined;
}

function invalid(name: string, raw: string, expected: string): CfMessage {
  return { code: ErrorCode.invalidQuery, message: `${name}: must be ${expected}, got ${JSON.stringify(raw)}` };
}
