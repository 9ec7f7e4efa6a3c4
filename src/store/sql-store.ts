import type {
  ArtifactUpload,
  AuditEvent,
  AuditRefusals,
  CaptureRequest,
  Notice,
  NoticeEvent,
  RequestState,
  TrackedCommand,
} from '../captures/model.js';
import type { CommandPatch, NoticePatch, RequestPatch, RequestQuery, Store, UploadPatch } from '../captures/store.js';
import {
  encodeApproval,
  encodeAuditOutcome,
  encodeDigest,
  encodeInterfaces,
  encodeLaunch,
  encodeNoticeEvent,
  encodeStartFailure,
} from './codec.js';
import { migrate } from './migrations.js';
import {
  type AuditRow,
  type CommandRow,
  type NoticeRow,
  type RefusalsRow,
  type RequestRow,
  toAuditEvent,
  toAuditRefusals,
  toCommand,
  toNotice,
  toRequest,
  toUpload,
  type UploadRow,
} from './rows.js';
import type { SqlConnection, SqlValue } from './sql-connection.js';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null | undefined): string | null | undefined =>
  date === undefined ? undefined : date && iso(date);
const bit = (value: boolean | undefined): number | undefined => (value === undefined ? undefined : value ? 1 : 0);
const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/**
 * The `limit` of the audit queries: a whole number ≥ 1, or undefined for all (the dialect's "no limit").
 */
function auditLimit(limit: number | undefined, noLimit: SqlValue): SqlValue {
  if (limit === undefined) return noLimit;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`audit limit must be a whole number ≥ 1, not ${limit}`);
  return limit;
}

/**
 * An UPDATE of only the columns a patch names (`undefined` = not named; `null` clears), or null when it names none,
 * so an empty patch costs nothing. Column names come from this file, never from callers.
 */
function patch(
  table: string,
  where: Record<string, SqlValue>,
  values: Record<string, SqlValue | undefined>,
): { sql: string; params: SqlValue[] } | null {
  const named = Object.entries(values).filter((entry): entry is [string, SqlValue] => entry[1] !== undefined);
  if (named.length === 0) return null;
  const conditions = Object.keys(where).map((column) => `${column} = ?`);
  return {
    sql: `UPDATE ${table} SET ${named.map(([column]) => `${column} = ?`).join(', ')} WHERE ${conditions.join(' AND ')}`,
    params: [...named.map(([, value]) => value), ...Object.values(where)],
  };
}

/** The columns a request patch names. */
function requestColumns(changes: RequestPatch): Record<string, SqlValue | undefined> {
  const message = changes.statusMessage;
  return {
    state: changes.state,
    status_channel: message === undefined ? undefined : (message?.channelId ?? null),
    status_ts: message === undefined ? undefined : (message?.ts ?? null),
    start_error: encodeStartFailure(changes.startError),
    stopped_by: changes.stoppedBy,
    launch: encodeLaunch(changes.launch),
    approval: encodeApproval(changes.approval),
  };
}

const COMMAND_COLUMNS =
  'id, request_id, device_id, registration_id, type, status, created_at, updated_at, completed_at, filename, tracking';

/**
 * The store, once, for SQLite and PostgreSQL: every statement is written here with `?` placeholders, and what the two
 * databases spell differently comes from the connection's dialect. Each statement is atomic on its own (upserts with
 * ON CONFLICT, multi-row inserts), so concurrent replicas need no locks beyond the rows they touch.
 */
export class SqlStore implements Store {
  private constructor(private readonly db: SqlConnection) {}

  /** Migrates the database (`now` stamps the steps applied) and returns the store over it. */
  static async open(connection: SqlConnection, now: Date): Promise<SqlStore> {
    try {
      await migrate(connection, now);
      // A SQLite file serves one bot process (replicas need PostgreSQL): leases left by its previous run are void.
      if (connection.dialect.singleProcess) await connection.run('DELETE FROM leases');
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
    return new SqlStore(connection);
  }

  private get order(): string {
    return this.db.dialect.insertionOrder;
  }

  async createRequestOnce(request: CaptureRequest): Promise<{ request: CaptureRequest; created: boolean }> {
    const created = await this.db.run(
      `INSERT INTO capture_requests (id, dedupe_key, requested_by, channel_id, devices, types, options, state,
         created_at, status_channel, status_ts, start_error, stopped_by, launch, reason, destination_public, approval)
       VALUES (${placeholders(17)})
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        request.id,
        request.dedupeKey,
        request.requestedBy,
        request.channelId,
        JSON.stringify(request.devices),
        JSON.stringify(request.types),
        JSON.stringify(request.options),
        request.state,
        iso(request.createdAt),
        request.statusMessage?.channelId ?? null,
        request.statusMessage?.ts ?? null,
        encodeStartFailure(request.startError) ?? null,
        request.stoppedBy,
        encodeLaunch(request.launch) ?? null,
        request.reason,
        request.destinationPublic === null ? null : request.destinationPublic ? 1 : 0,
        encodeApproval(request.approval) ?? null,
      ],
    );
    const [stored] = await this.db.all<RequestRow>('SELECT * FROM capture_requests WHERE dedupe_key = ?', [
      request.dedupeKey,
    ]);
    if (!stored) throw new Error(`capture request with dedupe key ${request.dedupeKey} vanished after insert`);
    return { request: toRequest(stored), created: created === 1 };
  }

  async getRequest(id: string): Promise<CaptureRequest | null> {
    const [row] = await this.db.all<RequestRow>('SELECT * FROM capture_requests WHERE id = ?', [id]);
    return row ? toRequest(row) : null;
  }

  async updateRequest(id: string, changes: RequestPatch): Promise<void> {
    await this.runPatch(patch('capture_requests', { id }, requestColumns(changes)));
  }

  async updateRequestIf(id: string, state: RequestState, changes: RequestPatch): Promise<boolean> {
    // One statement: of two replicas (or two clicks) changing the same request at once, one changes a row.
    const statement = patch('capture_requests', { id, state }, requestColumns(changes));
    return statement ? (await this.db.run(statement.sql, statement.params)) === 1 : false;
  }

  async listRequests(query: RequestQuery = {}): Promise<CaptureRequest[]> {
    const { jsonElements, position } = this.db.dialect;
    const device = query.device ? query.device.toLowerCase() : null;
    // Optional filters are NULL when absent, so one statement covers every query shape.
    const rows = await this.db.all<RequestRow>(
      `SELECT * FROM capture_requests AS r
       WHERE (CAST(? AS TEXT) IS NULL OR r.requested_by = ?)
         AND (CAST(? AS TEXT) IS NULL OR EXISTS (
           SELECT 1 FROM ${jsonElements('r.devices', 'd')}
           WHERE ${position}(lower(d.value ->> 'name'), ?) > 0
              OR ${position}(lower(d.value ->> 'deviceId'), ?) > 0
              OR ${position}(lower(d.value ->> 'email'), ?) > 0))
       ORDER BY r.created_at DESC, r.${this.order} DESC
       LIMIT ?`,
      [
        query.requestedBy ?? null,
        query.requestedBy ?? null,
        device,
        device,
        device,
        device,
        Math.max(0, Math.trunc(query.limit ?? 10)),
      ],
    );
    return rows.map(toRequest);
  }

  async activeRequests(): Promise<CaptureRequest[]> {
    const rows = await this.db.all<RequestRow>(
      `SELECT * FROM capture_requests WHERE state IN ('awaiting-approval', 'starting', 'running') ORDER BY created_at, ${this.order}`,
    );
    return rows.map(toRequest);
  }

  async insertCommands(commands: TrackedCommand[]): Promise<void> {
    if (commands.length === 0) return;
    // One statement: all or nothing without a transaction.
    await this.db.run(
      `INSERT INTO capture_commands (${COMMAND_COLUMNS}) VALUES ${commands.map(() => `(${placeholders(11)})`).join(', ')}`,
      commands.flatMap((command) => [
        command.id,
        command.requestId,
        command.deviceId,
        command.registrationId,
        command.type,
        command.status,
        iso(command.createdAt),
        iso(command.updatedAt),
        command.completedAt && iso(command.completedAt),
        command.filename,
        command.tracking ? 1 : 0,
      ]),
    );
  }

  async updateCommand(id: string, changes: CommandPatch): Promise<void> {
    await this.runPatch(
      patch(
        'capture_commands',
        { id },
        {
          status: changes.status,
          updated_at: isoOrNull(changes.updatedAt),
          completed_at: isoOrNull(changes.completedAt),
          filename: changes.filename,
          tracking: bit(changes.tracking),
        },
      ),
    );
  }

  async commandsForRequest(requestId: string): Promise<TrackedCommand[]> {
    const rows = await this.db.all<CommandRow>(
      `SELECT * FROM capture_commands WHERE request_id = ? ORDER BY created_at, ${this.order}`,
      [requestId],
    );
    return rows.map(toCommand);
  }

  async trackedCommands(): Promise<TrackedCommand[]> {
    const rows = await this.db.all<CommandRow>(
      `SELECT * FROM capture_commands WHERE tracking ORDER BY created_at, ${this.order}`,
    );
    return rows.map(toCommand);
  }

  async ownedCommandIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM capture_commands WHERE id IN (${placeholders(ids.length)})`,
      ids,
    );
    return new Set(rows.map((row) => row.id));
  }

  async ensureUpload(upload: ArtifactUpload): Promise<ArtifactUpload> {
    await this.db.run(
      `INSERT INTO artifact_uploads (command_id, request_id, step, file_name, file_id, bytes, summary, digest, error,
         failure, attempts, next_attempt_at, updated_at, posted_at, removed_at, removal_attempts, removal_next_at)
       VALUES (${placeholders(17)})
       ON CONFLICT (command_id) DO NOTHING`,
      [
        upload.commandId,
        upload.requestId,
        upload.step,
        upload.fileName,
        upload.fileId,
        upload.bytes,
        encodeInterfaces(upload.interfaces) ?? null,
        encodeDigest(upload.digest) ?? null,
        upload.error,
        upload.failure,
        upload.attempts,
        upload.nextAttemptAt && iso(upload.nextAttemptAt),
        iso(upload.updatedAt),
        upload.postedAt && iso(upload.postedAt),
        upload.removedAt && iso(upload.removedAt),
        upload.removalAttempts,
        upload.removalNextAt && iso(upload.removalNextAt),
      ],
    );
    const stored = await this.getUpload(upload.commandId);
    if (!stored) throw new Error(`artifact upload for command ${upload.commandId} vanished after insert`);
    return stored;
  }

  async updateUpload(commandId: string, changes: UploadPatch): Promise<void> {
    await this.runPatch(
      patch(
        'artifact_uploads',
        { command_id: commandId },
        {
          step: changes.step,
          file_name: changes.fileName,
          file_id: changes.fileId,
          bytes: changes.bytes,
          summary: encodeInterfaces(changes.interfaces),
          digest: encodeDigest(changes.digest),
          error: changes.error,
          failure: changes.failure,
          attempts: changes.attempts,
          next_attempt_at: isoOrNull(changes.nextAttemptAt),
          updated_at: isoOrNull(changes.updatedAt),
          posted_at: isoOrNull(changes.postedAt),
          removed_at: isoOrNull(changes.removedAt),
          removal_attempts: changes.removalAttempts,
          removal_next_at: isoOrNull(changes.removalNextAt),
        },
      ),
    );
  }

  async uploadsToRemove(postedBefore: Date, now: Date, limit: number): Promise<ArtifactUpload[]> {
    const rows = await this.db.all<UploadRow>(
      `SELECT * FROM artifact_uploads
       WHERE step = 'done' AND file_id IS NOT NULL AND removed_at IS NULL
         AND posted_at IS NOT NULL AND posted_at <= ?
         AND (removal_next_at IS NULL OR removal_next_at <= ?)
       ORDER BY posted_at, ${this.order}
       LIMIT ?`,
      [iso(postedBefore), iso(now), limit],
    );
    return rows.map(toUpload);
  }

  async getUpload(commandId: string): Promise<ArtifactUpload | null> {
    const [row] = await this.db.all<UploadRow>('SELECT * FROM artifact_uploads WHERE command_id = ?', [commandId]);
    return row ? toUpload(row) : null;
  }

  async uploadsForRequest(requestId: string): Promise<ArtifactUpload[]> {
    const rows = await this.db.all<UploadRow>(
      `SELECT * FROM artifact_uploads WHERE request_id = ? ORDER BY ${this.order}`,
      [requestId],
    );
    return rows.map(toUpload);
  }

  async unfinishedUploads(): Promise<ArtifactUpload[]> {
    const rows = await this.db.all<UploadRow>(
      `SELECT * FROM artifact_uploads WHERE step NOT IN ('done', 'failed') ORDER BY updated_at, ${this.order}`,
    );
    return rows.map(toUpload);
  }

  async enqueueNotice(
    requestId: string,
    key: string,
    event: NoticeEvent,
    now: Date,
    { repeat = false } = {},
  ): Promise<void> {
    // A repeatable notice asked for again is pending anew, with a new version and no attempts or fallback.
    await this.db.run(
      `INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
       VALUES (?, ?, ?, 'pending', 1, 0, ?, ?)
       ON CONFLICT (request_id, key) DO UPDATE SET event = excluded.event, state = 'pending',
         version = notices.version + 1, attempts = 0, fallback = excluded.fallback,
         next_attempt_at = excluded.next_attempt_at, error = NULL
       WHERE ? = 1`,
      [requestId, key, encodeNoticeEvent(event), 0, now.getTime(), repeat ? 1 : 0],
    );
  }

  async pendingNotices(requestId: string): Promise<Notice[]> {
    const rows = await this.db.all<NoticeRow>(
      `SELECT * FROM notices WHERE request_id = ? AND state = 'pending' ORDER BY key = 'status' DESC, ${this.order}`,
      [requestId],
    );
    return rows.flatMap((row) => toNotice(row) ?? []);
  }

  async updateNotice(requestId: string, key: string, changes: NoticePatch, ifVersion?: number): Promise<boolean> {
    const statement = patch(
      'notices',
      { request_id: requestId, key, ...(ifVersion === undefined ? {} : { version: ifVersion }) },
      {
        state: changes.state,
        attempts: changes.attempts,
        fallback: bit(changes.fallback),
        next_attempt_at: changes.nextAttemptAt?.getTime(),
        error: changes.error,
      },
    );
    return statement !== null && (await this.db.run(statement.sql, statement.params)) === 1;
  }

  async requestsWithDueNotices(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ request_id: string }>(
      `SELECT request_id FROM notices WHERE state = 'pending' AND next_attempt_at <= ?
       GROUP BY request_id ORDER BY min(next_attempt_at) LIMIT ?`,
      [now.getTime(), limit],
    );
    return rows.map((row) => row.request_id);
  }

  async acquireLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    // Taken when free, expired or already this owner's; the WHERE makes it a no-op otherwise.
    const changed = await this.db.run(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
      [name, owner, now.getTime() + ttlMs, now.getTime()],
    );
    return changed === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.db.run('DELETE FROM leases WHERE name = ? AND owner = ?', [name, owner]);
  }

  async rateLimitUntil(key: string): Promise<Date | null> {
    const [row] = await this.db.all<{ until: number }>('SELECT until FROM rate_limits WHERE key = ?', [key]);
    return row ? new Date(row.until) : null;
  }

  async holdRateLimit(key: string, until: Date): Promise<void> {
    await this.db.run(
      `INSERT INTO rate_limits (key, until) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET until = ${this.db.dialect.greatest}(rate_limits.until, excluded.until)`,
      [key, until.getTime()],
    );
  }

  async recordAudit(event: AuditEvent): Promise<void> {
    const { devices, types, options, commandIds, reason, destinationPublic, approvedBy } = event;
    await this.db.run(
      `INSERT INTO audit_events (at, user_id, action, channel_id, request_id, details, outcome)
       VALUES (${placeholders(7)})`,
      [
        iso(event.at),
        event.userId,
        event.action,
        event.channelId,
        event.requestId,
        JSON.stringify({
          devices,
          types,
          options,
          commandIds,
          ...(reason ? { reason } : {}),
          ...(typeof destinationPublic === 'boolean' ? { destinationPublic } : {}),
          ...(approvedBy ? { approvedBy } : {}),
        }),
        encodeAuditOutcome(event.outcome),
      ],
    );
  }

  async auditSince(since: Date, limit = 200): Promise<AuditEvent[]> {
    const rows = await this.db.all<AuditRow>(
      'SELECT * FROM audit_events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
      [iso(since), limit < 0 ? this.db.dialect.noLimit : limit],
    );
    return rows.map(toAuditEvent);
  }

  // The audit report's two queries: window functions count over every matching row before LIMIT, so one query gives
  // both the page and the totals.

  async auditActionsSince(since: Date, limit?: number): Promise<{ events: AuditEvent[]; total: number }> {
    const rows = await this.db.all<AuditRow & { total: number }>(
      `SELECT *, COUNT(*) OVER () AS total FROM audit_events
       WHERE at >= ? AND action <> 'denied' ORDER BY at DESC, id DESC LIMIT ?`,
      [iso(since), auditLimit(limit, this.db.dialect.noLimit)],
    );
    return { events: rows.map(toAuditEvent), total: rows[0]?.total ?? 0 };
  }

  async auditRefusalsSince(
    since: Date,
    limit?: number,
  ): Promise<{ people: AuditRefusals[]; totalPeople: number; totalRefusals: number }> {
    const rows = await this.db.all<RefusalsRow>(
      `SELECT user_id, count, first_at, last_at, outcome AS last_outcome,
         COUNT(*) OVER () AS total_people, SUM(count) OVER () AS total_refusals
       FROM (
         SELECT user_id, outcome,
           COUNT(*) OVER per_user AS count, MIN(at) OVER per_user AS first_at, MAX(at) OVER per_user AS last_at,
           ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS latest
         FROM audit_events WHERE action = 'denied' AND at >= ?
         WINDOW per_user AS (PARTITION BY user_id)
       ) AS per_user_latest
       WHERE latest = 1 ORDER BY last_at DESC, user_id LIMIT ?`,
      [iso(since), auditLimit(limit, this.db.dialect.noLimit)],
    );
    return {
      people: rows.map(toAuditRefusals),
      totalPeople: rows[0]?.total_people ?? 0,
      totalRefusals: rows[0]?.total_refusals ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async runPatch(statement: { sql: string; params: SqlValue[] } | null): Promise<void> {
    if (statement) await this.db.run(statement.sql, statement.params);
  }
}
