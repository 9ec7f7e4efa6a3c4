import pg from 'pg';
import type {
  ArtifactUpload,
  AuditEvent,
  AuditRefusals,
  CaptureOptions,
  CaptureRequest,
  CaptureType,
  Notice,
  NoticeEvent,
  RequestState,
  TargetDevice,
  TrackedCommand,
  UploadStep,
} from '../captures/model.js';
import { auditActionsSql, auditRefusalsSql } from './audit-queries.js';
import {
  decodeAuditOutcome,
  decodeInterfaces,
  decodeLaunch,
  decodeStartFailure,
  decodeUploadFailure,
  encodeAuditOutcome,
  encodeInterfaces,
  encodeLaunch,
  encodeNoticeEvent,
  encodeStartFailure,
  type NoticeRow,
  toNotice,
} from './codec.js';
import {
  auditLimit,
  type CommandPatch,
  type NoticePatch,
  type RequestPatch,
  type RequestQuery,
  type Store,
  type UploadPatch,
} from './store.js';

/**
 * The same numbered steps as SqliteStore's, in PostgreSQL types. Never edit a released step: append a new one.
 * `seq` columns stand in for SQLite's rowid, the tie-breaker that keeps insertion order among equal timestamps.
 * JSON goes in `json` rather than `jsonb`: `json` keeps the text as written, so objects come back with their key order.
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE capture_requests (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        dedupe_key text NOT NULL UNIQUE,
        requested_by text NOT NULL,
        channel_id text NOT NULL,
        devices json NOT NULL,
        types json NOT NULL,
        options json NOT NULL,
        state text NOT NULL,
        created_at timestamptz NOT NULL,
        status_channel text,
        status_ts text,
        start_error text,
        stopped_by text
      );
      CREATE INDEX capture_requests_created_at ON capture_requests (created_at, seq);

      CREATE TABLE capture_commands (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        request_id text NOT NULL REFERENCES capture_requests (id),
        device_id text NOT NULL,
        registration_id text,
        type text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        completed_at timestamptz,
        filename text,
        tracking boolean NOT NULL
      );
      CREATE INDEX capture_commands_tracking ON capture_commands (tracking);
      CREATE INDEX capture_commands_request_id ON capture_commands (request_id);

      CREATE TABLE artifact_uploads (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        command_id text PRIMARY KEY,
        request_id text NOT NULL,
        step text NOT NULL,
        file_name text NOT NULL,
        file_id text,
        bytes bigint,
        summary text,
        error text,
        attempts integer NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX artifact_uploads_request_id ON artifact_uploads (request_id);

      CREATE TABLE thread_posts (
        request_id text NOT NULL,
        key text NOT NULL,
        PRIMARY KEY (request_id, key)
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL,
        user_id text NOT NULL,
        action text NOT NULL,
        channel_id text,
        request_id text,
        details json NOT NULL,
        outcome text NOT NULL
      );
      CREATE INDEX audit_events_at ON audit_events (at);
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        expires_at bigint NOT NULL
      );

      CREATE TABLE rate_limits (
        key text PRIMARY KEY,
        until bigint NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      ALTER TABLE capture_requests ADD COLUMN launch text;
      ALTER TABLE artifact_uploads ADD COLUMN failure text, ADD COLUMN next_attempt_at timestamptz;

      CREATE TABLE notices (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        request_id text NOT NULL,
        key text NOT NULL,
        event text NOT NULL,
        state text NOT NULL,
        version integer NOT NULL,
        attempts integer NOT NULL,
        fallback boolean NOT NULL,
        next_attempt_at bigint NOT NULL,
        error text,
        PRIMARY KEY (request_id, key)
      );
      CREATE INDEX notices_pending ON notices (next_attempt_at) WHERE state = 'pending';

      INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
        SELECT request_id, key, '{}', 'done', 1, 0, false, 0 FROM thread_posts;
      DROP TABLE thread_posts;
    `,
  },
];

/** Serialises migrations across replicas sharing one database; any fixed bigint works, it only has to be this one. */
const MIGRATION_LOCK_KEY = '4728391605537201013';

/** Pool size per replica: the bot's writes are short, and several replicas share the server's connection limit. */
const POOL_SIZE = 5;

/** `json` columns come back parsed by pg; timestamptz as Date; bigint as a decimal string (it may exceed 2^53). */
interface RequestRow {
  id: string;
  dedupe_key: string;
  requested_by: string;
  channel_id: string;
  devices: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  state: string;
  created_at: Date;
  status_channel: string | null;
  status_ts: string | null;
  start_error: string | null;
  stopped_by: string | null;
  launch: string | null;
}

interface CommandRow {
  id: string;
  request_id: string;
  device_id: string;
  registration_id: string | null;
  type: string;
  status: string;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  filename: string | null;
  tracking: boolean;
}

interface UploadRow {
  command_id: string;
  request_id: string;
  step: string;
  file_name: string;
  file_id: string | null;
  bytes: string | null;
  summary: string | null;
  error: string | null;
  failure: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  updated_at: Date;
}

interface AuditRow {
  at: Date;
  user_id: string;
  action: string;
  channel_id: string | null;
  request_id: string | null;
  details: Pick<AuditEvent, 'devices' | 'types' | 'options' | 'commandIds'>;
  outcome: string;
}

/** COUNT and SUM come back as decimal strings (bigint, numeric). */
interface RefusalsRow {
  user_id: string;
  count: string;
  first_at: Date;
  last_at: Date;
  last_outcome: string;
  total_people: string;
  total_refusals: string;
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    at: row.at,
    userId: row.user_id,
    action: row.action as AuditEvent['action'],
    channelId: row.channel_id,
    requestId: row.request_id,
    ...row.details,
    outcome: decodeAuditOutcome(row.outcome),
  };
}

// Dates are sent as ISO strings (always UTC, to the millisecond) rather than as Date objects, which pg would format
// in the process's local time zone.
const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null | undefined): string | null | undefined =>
  date === undefined ? undefined : date && iso(date);

function toRequest(row: RequestRow): CaptureRequest {
  return {
    id: row.id,
    requestedBy: row.requested_by,
    channelId: row.channel_id,
    devices: row.devices,
    types: row.types,
    options: row.options,
    state: row.state as RequestState,
    createdAt: row.created_at,
    statusMessage:
      row.status_channel !== null && row.status_ts !== null
        ? { channelId: row.status_channel, ts: row.status_ts }
        : null,
    startError: decodeStartFailure(row.start_error),
    stoppedBy: row.stopped_by,
    dedupeKey: row.dedupe_key,
    launch: decodeLaunch(row.launch),
  };
}

function toCommand(row: CommandRow): TrackedCommand {
  return {
    id: row.id,
    requestId: row.request_id,
    deviceId: row.device_id,
    registrationId: row.registration_id,
    type: row.type as CaptureType,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    filename: row.filename,
    tracking: row.tracking,
  };
}

function toUpload(row: UploadRow): ArtifactUpload {
  return {
    commandId: row.command_id,
    requestId: row.request_id,
    step: row.step as UploadStep,
    fileName: row.file_name,
    fileId: row.file_id,
    bytes: row.bytes === null ? null : Number(row.bytes),
    interfaces: decodeInterfaces(row.summary),
    error: row.error,
    failure: decodeUploadFailure(row.failure),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    updatedAt: row.updated_at,
  };
}

/**
 * An UPDATE of only the columns a patch names (`undefined` = not named; `null` clears). Column names come from this
 * file, never from callers. Null when the patch names nothing, so an empty patch costs no round trip.
 */
function patchStatement(
  table: string,
  key: string,
  id: string,
  values: Record<string, string | number | boolean | null | undefined>,
): { text: string; values: unknown[] } | null {
  const params: unknown[] = [id];
  const assignments: string[] = [];
  for (const [column, value] of Object.entries(values)) {
    if (value === undefined) continue;
    params.push(value);
    assignments.push(`${column} = $${params.length}`);
  }
  if (assignments.length === 0) return null;
  return { text: `UPDATE ${table} SET ${assignments.join(', ')} WHERE ${key} = $1`, values: params };
}

const INSERT_COMMAND = `INSERT INTO capture_commands (id, request_id, device_id, registration_id, type, status, created_at,
    updated_at, completed_at, filename, tracking)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

/** PostgreSQL error codes (and Node socket codes) worth a word of explanation when the first connection fails. */
const CONNECT_FAILURES: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
  '53300': 'too many connections',
  '57P03': 'the server is starting up or shutting down',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ERR_INVALID_URL: 'malformed URL',
};

/**
 * Replaces an error from the first connection with one that cannot leak credentials: pg's own messages may name the
 * host and user, and a malformed URL's error may carry the URL itself. Only a code from a fixed vocabulary survives.
 */
function connectError(error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  let reason = 'no response';
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) {
    reason = CONNECT_FAILURES[code] ? `${code}: ${CONNECT_FAILURES[code]}` : code;
  } else if (error instanceof Error && /timeout/i.test(error.message)) {
    reason = 'timed out';
  }
  return new Error(`Could not connect to PostgreSQL (${reason}): check DATABASE_URL`);
}

/**
 * A PostgreSQL database shared by any number of replicas. Statements are single round trips and atomic on their own
 * (upserts with ON CONFLICT), so concurrent replicas need no locks beyond the rows they touch.
 */
export class PostgresStore implements Store {
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects, applies pending migrations, and fails with a credential-free message when the database is unusable. */
  static async open(url: string): Promise<PostgresStore> {
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: 10_000 });
    } catch (error) {
      throw connectError(error);
    }
    // An idle client that breaks (server restart, network cut) is dropped by the pool and replaced on the next query,
    // which reports any lasting failure. Without a listener the 'error' event would crash the process.
    pool.on('error', () => {});

    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => {});
      throw connectError(error);
    }
    try {
      await migrate(client);
    } catch (error) {
      client.release(true);
      await pool.end().catch(() => {});
      throw error;
    }
    client.release();
    return new PostgresStore(pool);
  }

  async createRequestOnce(request: CaptureRequest): Promise<{ request: CaptureRequest; created: boolean }> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO capture_requests (id, dedupe_key, requested_by, channel_id, devices, types, options, state,
         created_at, status_channel, status_ts, start_error, stopped_by, launch)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        request.id,
        request.dedupeKey,
        request.requestedBy,
        request.channelId,
        // Stringified here: pg would turn a JS array into a PostgreSQL array literal, not JSON.
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
      ],
    );
    const { rows } = await this.pool.query<RequestRow>('SELECT * FROM capture_requests WHERE dedupe_key = $1', [
      request.dedupeKey,
    ]);
    const stored = rows[0];
    if (!stored) throw new Error(`capture request with dedupe key ${request.dedupeKey} vanished after insert`);
    return { request: toRequest(stored), created: rowCount === 1 };
  }

  async getRequest(id: string): Promise<CaptureRequest | null> {
    const { rows } = await this.pool.query<RequestRow>('SELECT * FROM capture_requests WHERE id = $1', [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async updateRequest(id: string, patch: RequestPatch): Promise<void> {
    const message = patch.statusMessage;
    await this.runPatch(
      patchStatement('capture_requests', 'id', id, {
        state: patch.state,
        status_channel: message === undefined ? undefined : (message?.channelId ?? null),
        status_ts: message === undefined ? undefined : (message?.ts ?? null),
        start_error: encodeStartFailure(patch.startError),
        stopped_by: patch.stoppedBy,
        launch: encodeLaunch(patch.launch),
      }),
    );
  }

  async listRequests(query: RequestQuery = {}): Promise<CaptureRequest[]> {
    // As in SqliteStore: optional filters are NULL when absent, and strpos() rather than LIKE/ILIKE so that a search
    // for "a_b" or "50%" matches literally.
    const { rows } = await this.pool.query<RequestRow>(
      `SELECT * FROM capture_requests AS r
       WHERE ($1::text IS NULL OR r.requested_by = $1)
         AND ($2::text IS NULL OR EXISTS (
           SELECT 1 FROM json_array_elements(r.devices) AS d
           WHERE strpos(lower(d ->> 'name'), $2) > 0
              OR strpos(lower(d ->> 'deviceId'), $2) > 0
              OR strpos(lower(d ->> 'email'), $2) > 0))
       ORDER BY r.created_at DESC, r.seq DESC
       LIMIT $3`,
      [
        query.requestedBy ?? null,
        query.device ? query.device.toLowerCase() : null,
        Math.max(0, Math.trunc(query.limit ?? 10)),
      ],
    );
    return rows.map(toRequest);
  }

  async activeRequests(): Promise<CaptureRequest[]> {
    const { rows } = await this.pool.query<RequestRow>(
      `SELECT * FROM capture_requests WHERE state IN ('starting', 'running') ORDER BY created_at, seq`,
    );
    return rows.map(toRequest);
  }

  async insertCommands(commands: TrackedCommand[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const command of commands) {
        await client.query(INSERT_COMMAND, [
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
          command.tracking,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      // A client whose ROLLBACK failed is in an unknown state: destroy it rather than return it to the pool.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError as Error,
      );
      client.release(rollback);
      throw error;
    }
    client.release();
  }

  async updateCommand(id: string, patch: CommandPatch): Promise<void> {
    await this.runPatch(
      patchStatement('capture_commands', 'id', id, {
        status: patch.status,
        updated_at: isoOrNull(patch.updatedAt),
        completed_at: isoOrNull(patch.completedAt),
        filename: patch.filename,
        tracking: patch.tracking,
      }),
    );
  }

  async commandsForRequest(requestId: string): Promise<TrackedCommand[]> {
    const { rows } = await this.pool.query<CommandRow>(
      'SELECT * FROM capture_commands WHERE request_id = $1 ORDER BY created_at, seq',
      [requestId],
    );
    return rows.map(toCommand);
  }

  async trackedCommands(): Promise<TrackedCommand[]> {
    const { rows } = await this.pool.query<CommandRow>(
      'SELECT * FROM capture_commands WHERE tracking ORDER BY created_at, seq',
    );
    return rows.map(toCommand);
  }

  async ownedCommandIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM capture_commands WHERE id = ANY($1)', [ids]);
    return new Set(rows.map((row) => row.id));
  }

  async ensureUpload(upload: ArtifactUpload): Promise<ArtifactUpload> {
    await this.pool.query(
      `INSERT INTO artifact_uploads (command_id, request_id, step, file_name, file_id, bytes, summary, error,
         failure, attempts, next_attempt_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (command_id) DO NOTHING`,
      [
        upload.commandId,
        upload.requestId,
        upload.step,
        upload.fileName,
        upload.fileId,
        upload.bytes,
        encodeInterfaces(upload.interfaces) ?? null,
        upload.error,
        upload.failure,
        upload.attempts,
        upload.nextAttemptAt && iso(upload.nextAttemptAt),
        iso(upload.updatedAt),
      ],
    );
    const { rows } = await this.pool.query<UploadRow>('SELECT * FROM artifact_uploads WHERE command_id = $1', [
      upload.commandId,
    ]);
    const stored = rows[0];
    if (!stored) throw new Error(`artifact upload for command ${upload.commandId} vanished after insert`);
    return toUpload(stored);
  }

  async updateUpload(commandId: string, patch: UploadPatch): Promise<void> {
    await this.runPatch(
      patchStatement('artifact_uploads', 'command_id', commandId, {
        step: patch.step,
        file_name: patch.fileName,
        file_id: patch.fileId,
        bytes: patch.bytes,
        summary: encodeInterfaces(patch.interfaces),
        error: patch.error,
        failure: patch.failure,
        attempts: patch.attempts,
        next_attempt_at: isoOrNull(patch.nextAttemptAt),
        updated_at: isoOrNull(patch.updatedAt),
      }),
    );
  }

  async getUpload(commandId: string): Promise<ArtifactUpload | null> {
    const { rows } = await this.pool.query<UploadRow>('SELECT * FROM artifact_uploads WHERE command_id = $1', [
      commandId,
    ]);
    return rows[0] ? toUpload(rows[0]) : null;
  }

  async uploadsForRequest(requestId: string): Promise<ArtifactUpload[]> {
    const { rows } = await this.pool.query<UploadRow>(
      'SELECT * FROM artifact_uploads WHERE request_id = $1 ORDER BY seq',
      [requestId],
    );
    return rows.map(toUpload);
  }

  async unfinishedUploads(): Promise<ArtifactUpload[]> {
    const { rows } = await this.pool.query<UploadRow>(
      `SELECT * FROM artifact_uploads WHERE step NOT IN ('done', 'failed') ORDER BY updated_at, seq`,
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
    // As in SqliteStore: a repeatable notice asked for again is pending anew, with a new version.
    await this.pool.query(
      `INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
       VALUES ($1, $2, $3, 'pending', 1, 0, false, $4)
       ON CONFLICT (request_id, key) DO UPDATE SET event = excluded.event, state = 'pending',
         version = notices.version + 1, attempts = 0, fallback = false, next_attempt_at = excluded.next_attempt_at,
         error = NULL
       WHERE $5`,
      [requestId, key, encodeNoticeEvent(event), now.getTime(), repeat],
    );
  }

  async pendingNotices(requestId: string): Promise<Notice[]> {
    const { rows } = await this.pool.query<NoticeRow>(
      `SELECT * FROM notices WHERE request_id = $1 AND state = 'pending' ORDER BY key = 'status' DESC, seq`,
      [requestId],
    );
    return rows.flatMap((row) => toNotice(row) ?? []);
  }

  async updateNotice(requestId: string, key: string, patch: NoticePatch, ifVersion?: number): Promise<boolean> {
    const statement = patchStatement('notices', 'request_id', requestId, {
      state: patch.state,
      attempts: patch.attempts,
      fallback: patch.fallback,
      next_attempt_at: patch.nextAttemptAt?.getTime(),
      error: patch.error,
    });
    if (!statement) return false;
    const values = [...statement.values, key];
    let text = `${statement.text} AND key = $${values.length}`;
    if (ifVersion !== undefined) {
      values.push(ifVersion);
      text += ` AND version = $${values.length}`;
    }
    const { rowCount } = await this.pool.query(text, values);
    return rowCount === 1;
  }

  async requestsWithDueNotices(now: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ request_id: string }>(
      `SELECT request_id FROM notices WHERE state = 'pending' AND next_attempt_at <= $1
       GROUP BY request_id ORDER BY min(next_attempt_at) LIMIT $2`,
      [now.getTime(), limit],
    );
    return rows.map((row) => row.request_id);
  }

  async acquireLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    // Taken when free, expired or already this owner's; the WHERE makes it a no-op (no row returned) otherwise.
    const { rows } = await this.pool.query(
      `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= $4
       RETURNING name`,
      [name, owner, now.getTime() + ttlMs, now.getTime()],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
  }

  async rateLimitUntil(key: string): Promise<Date | null> {
    const { rows } = await this.pool.query<{ until: string }>('SELECT until FROM rate_limits WHERE key = $1', [key]);
    return rows[0] ? new Date(Number(rows[0].until)) : null;
  }

  async holdRateLimit(key: string, until: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO rate_limits (key, until) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET until = GREATEST(rate_limits.until, excluded.until)`,
      [key, until.getTime()],
    );
  }

  async recordAudit(event: AuditEvent): Promise<void> {
    const { devices, types, options, commandIds } = event;
    await this.pool.query(
      `INSERT INTO audit_events (at, user_id, action, channel_id, request_id, details, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        iso(event.at),
        event.userId,
        event.action,
        event.channelId,
        event.requestId,
        JSON.stringify({ devices, types, options, commandIds }),
        encodeAuditOutcome(event.outcome),
      ],
    );
  }

  async auditSince(since: Date, limit = 200): Promise<AuditEvent[]> {
    // SQLite reads a negative LIMIT as "no limit"; PostgreSQL refuses one, and reads NULL that way.
    const { rows } = await this.pool.query<AuditRow>(
      'SELECT * FROM audit_events WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2',
      [iso(since), limit < 0 ? null : limit],
    );
    return rows.map(toAuditEvent);
  }

  async auditActionsSince(since: Date, limit?: number): Promise<{ events: AuditEvent[]; total: number }> {
    const { rows } = await this.pool.query<AuditRow & { total: string }>(auditActionsSql('$1', '$2'), [
      iso(since),
      auditLimit(limit),
    ]);
    return { events: rows.map(toAuditEvent), total: Number(rows[0]?.total ?? 0) };
  }

  async auditRefusalsSince(
    since: Date,
    limit?: number,
  ): Promise<{ people: AuditRefusals[]; totalPeople: number; totalRefusals: number }> {
    const { rows } = await this.pool.query<RefusalsRow>(auditRefusalsSql('$1', '$2'), [iso(since), auditLimit(limit)]);
    return {
      people: rows.map((row) => ({
        userId: row.user_id,
        count: Number(row.count),
        firstAt: row.first_at,
        lastAt: row.last_at,
        lastOutcome: decodeAuditOutcome(row.last_outcome),
      })),
      totalPeople: Number(rows[0]?.total_people ?? 0),
      totalRefusals: Number(rows[0]?.total_refusals ?? 0),
    };
  }

  async close(): Promise<void> {
    // pg's Pool.end() throws when called twice; closing twice is harmless elsewhere.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async runPatch(statement: { text: string; values: unknown[] } | null): Promise<void> {
    if (statement) await this.pool.query(statement.text, statement.values);
  }
}

/**
 * Applies pending migrations in one transaction. The advisory lock comes first, before even the CREATE TABLE IF NOT
 * EXISTS (which is not safe against itself running concurrently), so replicas starting together take turns: the first
 * migrates, the others find nothing left to do.
 */
async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)',
    );
    const { rows } = await client.query<{ current: number }>(
      'SELECT coalesce(max(version), 0) AS current FROM schema_migrations',
    );
    const current = rows[0]?.current ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        migration.version,
        iso(new Date()),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
