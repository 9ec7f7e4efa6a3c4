import Database from 'better-sqlite3';
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
 * Numbered schema steps, applied in order and recorded in `schema_migrations`. Never edit a released step: append a
 * new one, so databases created by older versions catch up on open.
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE capture_requests (
        id TEXT PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        requested_by TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        devices TEXT NOT NULL,
        types TEXT NOT NULL,
        options TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status_channel TEXT,
        status_ts TEXT,
        start_error TEXT,
        stopped_by TEXT
      ) STRICT;
      CREATE INDEX capture_requests_created_at ON capture_requests (created_at);

      CREATE TABLE capture_commands (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES capture_requests (id),
        device_id TEXT NOT NULL,
        registration_id TEXT,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        completed_at TEXT,
        filename TEXT,
        tracking INTEGER NOT NULL CHECK (tracking IN (0, 1))
      ) STRICT;
      CREATE INDEX capture_commands_tracking ON capture_commands (tracking);
      CREATE INDEX capture_commands_request_id ON capture_commands (request_id);

      CREATE TABLE artifact_uploads (
        command_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        step TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_id TEXT,
        bytes INTEGER,
        summary TEXT,
        error TEXT,
        attempts INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX artifact_uploads_request_id ON artifact_uploads (request_id);

      CREATE TABLE thread_posts (
        request_id TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (request_id, key)
      ) STRICT;
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        channel_id TEXT,
        request_id TEXT,
        details TEXT NOT NULL,
        outcome TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_events_at ON audit_events (at);
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        until INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Starting is recorded step by step (launch); uploads keep why they failed and when to try again; thread posts
    // become an outbox of notices, marked done only once Slack took them (the rows already posted come along as done).
    version: 4,
    sql: `
      ALTER TABLE capture_requests ADD COLUMN launch TEXT;
      ALTER TABLE artifact_uploads ADD COLUMN failure TEXT;
      ALTER TABLE artifact_uploads ADD COLUMN next_attempt_at TEXT;

      CREATE TABLE notices (
        request_id TEXT NOT NULL,
        key TEXT NOT NULL,
        event TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        fallback INTEGER NOT NULL CHECK (fallback IN (0, 1)),
        next_attempt_at INTEGER NOT NULL,
        error TEXT,
        PRIMARY KEY (request_id, key)
      ) STRICT;
      CREATE INDEX notices_pending ON notices (next_attempt_at) WHERE state = 'pending';

      INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
        SELECT request_id, key, '{}', 'done', 1, 0, 0, 0 FROM thread_posts;
      DROP TABLE thread_posts;
    `,
  },
];

interface AuditRow {
  at: string;
  user_id: string;
  action: string;
  channel_id: string | null;
  request_id: string | null;
  details: string;
  outcome: string;
}

interface RefusalsRow {
  user_id: string;
  count: number;
  first_at: string;
  last_at: string;
  last_outcome: string;
  total_people: number;
  total_refusals: number;
}

interface RequestRow {
  id: string;
  dedupe_key: string;
  requested_by: string;
  channel_id: string;
  devices: string;
  types: string;
  options: string;
  state: string;
  created_at: string;
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
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  filename: string | null;
  tracking: number;
}

interface UploadRow {
  command_id: string;
  request_id: string;
  step: string;
  file_name: string;
  file_id: string | null;
  bytes: number | null;
  summary: string | null;
  error: string | null;
  failure: string | null;
  attempts: number;
  next_attempt_at: string | null;
  updated_at: string;
}

/**
 * A patch statement is prepared once with a `set_<column>` flag per column, so one statement serves every patch
 * shape and an explicit `null` in a patch can still clear a column.
 */
function patchParams(values: Record<string, string | number | null | undefined>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(values)) {
    params[`set_${column}`] = value === undefined ? 0 : 1;
    params[column] = value ?? null;
  }
  return params;
}

function patchSql(table: string, key: string, columns: string[]): string {
  const assignments = columns.map(
    (column) => `${column} = CASE WHEN @set_${column} THEN @${column} ELSE ${column} END`,
  );
  return `UPDATE ${table} SET ${assignments.join(', ')} WHERE ${key} = @id`;
}

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null | undefined): string | null | undefined =>
  date === undefined ? undefined : date && iso(date);
const dateOrNull = (value: string | null): Date | null => (value === null ? null : new Date(value));

function toRequest(row: RequestRow): CaptureRequest {
  return {
    id: row.id,
    requestedBy: row.requested_by,
    channelId: row.channel_id,
    devices: JSON.parse(row.devices) as TargetDevice[],
    types: JSON.parse(row.types) as CaptureType[],
    options: JSON.parse(row.options) as CaptureOptions,
    state: row.state as RequestState,
    createdAt: new Date(row.created_at),
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
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    completedAt: dateOrNull(row.completed_at),
    filename: row.filename,
    tracking: row.tracking === 1,
  };
}

function toUpload(row: UploadRow): ArtifactUpload {
  return {
    commandId: row.command_id,
    requestId: row.request_id,
    step: row.step as UploadStep,
    fileName: row.file_name,
    fileId: row.file_id,
    bytes: row.bytes,
    interfaces: decodeInterfaces(row.summary),
    error: row.error,
    failure: decodeUploadFailure(row.failure),
    attempts: row.attempts,
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toAuditEvent(row: AuditRow): AuditEvent {
  const details = JSON.parse(row.details) as Pick<AuditEvent, 'devices' | 'types' | 'options' | 'commandIds'>;
  return {
    at: new Date(row.at),
    userId: row.user_id,
    action: row.action as AuditEvent['action'],
    channelId: row.channel_id,
    requestId: row.request_id,
    ...details,
    outcome: decodeAuditOutcome(row.outcome),
  };
}

/** Every statement the store runs, prepared once when it opens. */
function prepareStatements(db: Database.Database) {
  return {
    insertRequest: db.prepare(
      `INSERT INTO capture_requests (id, dedupe_key, requested_by, channel_id, devices, types, options, state,
         created_at, status_channel, status_ts, start_error, stopped_by, launch)
       VALUES (@id, @dedupe_key, @requested_by, @channel_id, @devices, @types, @options, @state,
         @created_at, @status_channel, @status_ts, @start_error, @stopped_by, @launch)
       ON CONFLICT (dedupe_key) DO NOTHING`,
    ),
    requestById: db.prepare<[string], RequestRow>('SELECT * FROM capture_requests WHERE id = ?'),
    requestByDedupeKey: db.prepare<[string], RequestRow>('SELECT * FROM capture_requests WHERE dedupe_key = ?'),
    patchRequest: db.prepare(
      patchSql('capture_requests', 'id', [
        'state',
        'status_channel',
        'status_ts',
        'start_error',
        'stopped_by',
        'launch',
      ]),
    ),
    // Optional filters are NULL when absent, so one statement covers every query shape. instr() rather than LIKE:
    // a search for "a_b" or "50%" must match literally.
    listRequests: db.prepare<[{ requested_by: string | null; device: string | null; limit: number }], RequestRow>(
      `SELECT * FROM capture_requests AS r
       WHERE (@requested_by IS NULL OR r.requested_by = @requested_by)
         AND (@device IS NULL OR EXISTS (
           SELECT 1 FROM json_each(r.devices) AS d
           WHERE instr(lower(d.value ->> 'name'), @device) > 0
              OR instr(lower(d.value ->> 'deviceId'), @device) > 0
              OR instr(lower(d.value ->> 'email'), @device) > 0))
       ORDER BY r.created_at DESC, r.rowid DESC
       LIMIT @limit`,
    ),
    activeRequests: db.prepare<[], RequestRow>(
      `SELECT * FROM capture_requests WHERE state IN ('starting', 'running') ORDER BY created_at, rowid`,
    ),
    insertCommand: db.prepare(
      `INSERT INTO capture_commands (id, request_id, device_id, registration_id, type, status, created_at,
         updated_at, completed_at, filename, tracking)
       VALUES (@id, @request_id, @device_id, @registration_id, @type, @status, @created_at,
         @updated_at, @completed_at, @filename, @tracking)`,
    ),
    patchCommand: db.prepare(
      patchSql('capture_commands', 'id', ['status', 'updated_at', 'completed_at', 'filename', 'tracking']),
    ),
    commandsForRequest: db.prepare<[string], CommandRow>(
      'SELECT * FROM capture_commands WHERE request_id = ? ORDER BY created_at, rowid',
    ),
    trackedCommands: db.prepare<[], CommandRow>(
      'SELECT * FROM capture_commands WHERE tracking = 1 ORDER BY created_at, rowid',
    ),
    ownedCommandIds: db
      .prepare<[string], string>('SELECT id FROM capture_commands WHERE id IN (SELECT value FROM json_each(?))')
      .pluck(),
    insertUploadIfAbsent: db.prepare(
      `INSERT INTO artifact_uploads (command_id, request_id, step, file_name, file_id, bytes, summary, error,
         failure, attempts, next_attempt_at, updated_at)
       VALUES (@command_id, @request_id, @step, @file_name, @file_id, @bytes, @summary, @error,
         @failure, @attempts, @next_attempt_at, @updated_at)
       ON CONFLICT (command_id) DO NOTHING`,
    ),
    uploadByCommandId: db.prepare<[string], UploadRow>('SELECT * FROM artifact_uploads WHERE command_id = ?'),
    patchUpload: db.prepare(
      patchSql('artifact_uploads', 'command_id', [
        'step',
        'file_name',
        'file_id',
        'bytes',
        'summary',
        'error',
        'failure',
        'attempts',
        'next_attempt_at',
        'updated_at',
      ]),
    ),
    uploadByCommand: db.prepare<[string], UploadRow>('SELECT * FROM artifact_uploads WHERE command_id = ?'),
    uploadsForRequest: db.prepare<[string], UploadRow>(
      'SELECT * FROM artifact_uploads WHERE request_id = ? ORDER BY rowid',
    ),
    unfinishedUploads: db.prepare<[], UploadRow>(
      `SELECT * FROM artifact_uploads WHERE step NOT IN ('done', 'failed') ORDER BY updated_at, rowid`,
    ),
    // A repeatable notice asked for again is pending anew, with a new version and no attempts or fallback.
    enqueueNotice: db.prepare<{
      request_id: string;
      key: string;
      event: string;
      now: number;
      repeat: number;
    }>(
      `INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
       VALUES (@request_id, @key, @event, 'pending', 1, 0, 0, @now)
       ON CONFLICT (request_id, key) DO UPDATE SET event = excluded.event, state = 'pending',
         version = notices.version + 1, attempts = 0, fallback = 0, next_attempt_at = excluded.next_attempt_at,
         error = NULL
       WHERE @repeat = 1`,
    ),
    pendingNotices: db.prepare<[string], NoticeRow>(
      `SELECT * FROM notices WHERE request_id = ? AND state = 'pending' ORDER BY key = 'status' DESC, rowid`,
    ),
    patchNotice: db.prepare(
      `UPDATE notices SET
         state = CASE WHEN @set_state THEN @state ELSE state END,
         attempts = CASE WHEN @set_attempts THEN @attempts ELSE attempts END,
         fallback = CASE WHEN @set_fallback THEN @fallback ELSE fallback END,
         next_attempt_at = CASE WHEN @set_next_attempt_at THEN @next_attempt_at ELSE next_attempt_at END,
         error = CASE WHEN @set_error THEN @error ELSE error END
       WHERE request_id = @request_id AND key = @key AND (@if_version IS NULL OR version = @if_version)`,
    ),
    requestsWithDueNotices: db
      .prepare<[number, number], string>(
        `SELECT request_id FROM notices WHERE state = 'pending' AND next_attempt_at <= ?
         GROUP BY request_id ORDER BY min(next_attempt_at) LIMIT ?`,
      )
      .pluck(),
    insertAudit: db.prepare(
      `INSERT INTO audit_events (at, user_id, action, channel_id, request_id, details, outcome)
       VALUES (@at, @user_id, @action, @channel_id, @request_id, @details, @outcome)`,
    ),
    // Taken when free, expired or already this owner's; the WHERE makes it a no-op otherwise.
    acquireLease: db.prepare<{ name: string; owner: string; expires_at: number; now: number }>(
      `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expires_at)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`,
    ),
    releaseLease: db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND owner = ?'),
    rateLimitUntil: db.prepare<[string], number>('SELECT until FROM rate_limits WHERE key = ?').pluck(),
    holdRateLimit: db.prepare<[string, number]>(
      `INSERT INTO rate_limits (key, until) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET until = max(rate_limits.until, excluded.until)`,
    ),
    auditSince: db.prepare<[string, number], AuditRow>(
      'SELECT * FROM audit_events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    ),
    auditActionsSince: db.prepare<[string, number], AuditRow & { total: number }>(auditActionsSql('?', '?')),
    auditRefusalsSince: db.prepare<[string, number], RefusalsRow>(auditRefusalsSql('?', '?')),
  };
}

/** The default store: one SQLite file (or `:memory:`), synchronous underneath, async to match `Store`. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly insertCommandsAtomically: (commands: TrackedCommand[]) => void;

  constructor(databaseOrPath: Database.Database | string) {
    this.db = typeof databaseOrPath === 'string' ? new Database(databaseOrPath) : databaseOrPath;
    // WAL lets readers run beside the writer. With WAL, NORMAL cannot corrupt the file (a power cut may lose the
    // last commits) and saves an fsync per commit. busy_timeout makes a second process wait instead of failing.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    // A SQLite file serves one bot process (replicas need PostgreSQL): leases left by its previous run are void,
    // so a restart takes over that run's unfinished work at once instead of waiting for them to expire.
    this.db.exec('DELETE FROM leases');

    this.statements = prepareStatements(this.db);

    this.insertCommandsAtomically = this.db.transaction((commands: TrackedCommand[]) => {
      for (const command of commands) {
        this.statements.insertCommand.run({
          id: command.id,
          request_id: command.requestId,
          device_id: command.deviceId,
          registration_id: command.registrationId,
          type: command.type,
          status: command.status,
          created_at: iso(command.createdAt),
          updated_at: iso(command.updatedAt),
          completed_at: command.completedAt && iso(command.completedAt),
          filename: command.filename,
          tracking: command.tracking ? 1 : 0,
        });
      }
    });
  }

  /** Applies pending migrations in one IMMEDIATE transaction, so two processes opening one file cannot both migrate. */
  private migrate(): void {
    const apply = this.db.transaction(() => {
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT',
      );
      const current = this.db
        .prepare('SELECT coalesce(max(version), 0) FROM schema_migrations')
        .pluck()
        .get() as number;
      const record = this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        this.db.exec(migration.sql);
        record.run(migration.version, iso(new Date()));
      }
    });
    apply.immediate();
  }

  async createRequestOnce(request: CaptureRequest): Promise<{ request: CaptureRequest; created: boolean }> {
    const { changes } = this.statements.insertRequest.run({
      id: request.id,
      dedupe_key: request.dedupeKey,
      requested_by: request.requestedBy,
      channel_id: request.channelId,
      devices: JSON.stringify(request.devices),
      types: JSON.stringify(request.types),
      options: JSON.stringify(request.options),
      state: request.state,
      created_at: iso(request.createdAt),
      status_channel: request.statusMessage?.channelId ?? null,
      status_ts: request.statusMessage?.ts ?? null,
      start_error: encodeStartFailure(request.startError) ?? null,
      stopped_by: request.stoppedBy,
      launch: encodeLaunch(request.launch) ?? null,
    });
    const stored = this.statements.requestByDedupeKey.get(request.dedupeKey);
    if (!stored) throw new Error(`capture request with dedupe key ${request.dedupeKey} vanished after insert`);
    return { request: toRequest(stored), created: changes === 1 };
  }

  async getRequest(id: string): Promise<CaptureRequest | null> {
    const row = this.statements.requestById.get(id);
    return row ? toRequest(row) : null;
  }

  async updateRequest(id: string, patch: RequestPatch): Promise<void> {
    const message = patch.statusMessage;
    this.statements.patchRequest.run({
      id,
      ...patchParams({
        state: patch.state,
        status_channel: message === undefined ? undefined : (message?.channelId ?? null),
        status_ts: message === undefined ? undefined : (message?.ts ?? null),
        start_error: encodeStartFailure(patch.startError),
        stopped_by: patch.stoppedBy,
        launch: encodeLaunch(patch.launch),
      }),
    });
  }

  async listRequests(query: RequestQuery = {}): Promise<CaptureRequest[]> {
    const rows = this.statements.listRequests.all({
      requested_by: query.requestedBy ?? null,
      device: query.device ? query.device.toLowerCase() : null,
      limit: Math.max(0, Math.trunc(query.limit ?? 10)),
    });
    return rows.map(toRequest);
  }

  async activeRequests(): Promise<CaptureRequest[]> {
    return this.statements.activeRequests.all().map(toRequest);
  }

  async insertCommands(commands: TrackedCommand[]): Promise<void> {
    this.insertCommandsAtomically(commands);
  }

  async updateCommand(id: string, patch: CommandPatch): Promise<void> {
    this.statements.patchCommand.run({
      id,
      ...patchParams({
        status: patch.status,
        updated_at: isoOrNull(patch.updatedAt),
        completed_at: isoOrNull(patch.completedAt),
        filename: patch.filename,
        tracking: patch.tracking === undefined ? undefined : patch.tracking ? 1 : 0,
      }),
    });
  }

  async commandsForRequest(requestId: string): Promise<TrackedCommand[]> {
    return this.statements.commandsForRequest.all(requestId).map(toCommand);
  }

  async trackedCommands(): Promise<TrackedCommand[]> {
    return this.statements.trackedCommands.all().map(toCommand);
  }

  async ownedCommandIds(ids: string[]): Promise<Set<string>> {
    return new Set(ids.length === 0 ? [] : this.statements.ownedCommandIds.all(JSON.stringify(ids)));
  }

  async ensureUpload(upload: ArtifactUpload): Promise<ArtifactUpload> {
    this.statements.insertUploadIfAbsent.run({
      command_id: upload.commandId,
      request_id: upload.requestId,
      step: upload.step,
      file_name: upload.fileName,
      file_id: upload.fileId,
      bytes: upload.bytes,
      summary: encodeInterfaces(upload.interfaces) ?? null,
      error: upload.error,
      failure: upload.failure,
      attempts: upload.attempts,
      next_attempt_at: upload.nextAttemptAt && iso(upload.nextAttemptAt),
      updated_at: iso(upload.updatedAt),
    });
    const stored = this.statements.uploadByCommandId.get(upload.commandId);
    if (!stored) throw new Error(`artifact upload for command ${upload.commandId} vanished after insert`);
    return toUpload(stored);
  }

  async updateUpload(commandId: string, patch: UploadPatch): Promise<void> {
    this.statements.patchUpload.run({
      id: commandId,
      ...patchParams({
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
    });
  }

  async getUpload(commandId: string): Promise<ArtifactUpload | null> {
    const row = this.statements.uploadByCommand.get(commandId);
    return row ? toUpload(row) : null;
  }

  async uploadsForRequest(requestId: string): Promise<ArtifactUpload[]> {
    return this.statements.uploadsForRequest.all(requestId).map(toUpload);
  }

  async unfinishedUploads(): Promise<ArtifactUpload[]> {
    return this.statements.unfinishedUploads.all().map(toUpload);
  }

  async enqueueNotice(
    requestId: string,
    key: string,
    event: NoticeEvent,
    now: Date,
    { repeat = false } = {},
  ): Promise<void> {
    this.statements.enqueueNotice.run({
      request_id: requestId,
      key,
      event: encodeNoticeEvent(event),
      now: now.getTime(),
      repeat: repeat ? 1 : 0,
    });
  }

  async pendingNotices(requestId: string): Promise<Notice[]> {
    return this.statements.pendingNotices.all(requestId).flatMap((row) => toNotice(row) ?? []);
  }

  async updateNotice(requestId: string, key: string, patch: NoticePatch, ifVersion?: number): Promise<boolean> {
    const { changes } = this.statements.patchNotice.run({
      request_id: requestId,
      key,
      if_version: ifVersion ?? null,
      ...patchParams({
        state: patch.state,
        attempts: patch.attempts,
        fallback: patch.fallback === undefined ? undefined : patch.fallback ? 1 : 0,
        next_attempt_at: patch.nextAttemptAt?.getTime(),
        error: patch.error,
      }),
    });
    return changes === 1;
  }

  async requestsWithDueNotices(now: Date, limit: number): Promise<string[]> {
    return this.statements.requestsWithDueNotices.all(now.getTime(), limit);
  }

  async acquireLease(name: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    const { changes } = this.statements.acquireLease.run({
      name,
      owner,
      expires_at: now.getTime() + ttlMs,
      now: now.getTime(),
    });
    return changes === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.statements.releaseLease.run(name, owner);
  }

  async rateLimitUntil(key: string): Promise<Date | null> {
    const until = this.statements.rateLimitUntil.get(key);
    return until === undefined ? null : new Date(until);
  }

  async holdRateLimit(key: string, until: Date): Promise<void> {
    this.statements.holdRateLimit.run(key, until.getTime());
  }

  async recordAudit(event: AuditEvent): Promise<void> {
    const { devices, types, options, commandIds } = event;
    this.statements.insertAudit.run({
      at: iso(event.at),
      user_id: event.userId,
      action: event.action,
      channel_id: event.channelId,
      request_id: event.requestId,
      details: JSON.stringify({ devices, types, options, commandIds }),
      outcome: encodeAuditOutcome(event.outcome),
    });
  }

  async auditSince(since: Date, limit = 200): Promise<AuditEvent[]> {
    return this.statements.auditSince.all(iso(since), limit).map(toAuditEvent);
  }

  async auditActionsSince(since: Date, limit?: number): Promise<{ events: AuditEvent[]; total: number }> {
    const rows = this.statements.auditActionsSince.all(iso(since), auditLimit(limit) ?? -1);
    return { events: rows.map(toAuditEvent), total: rows[0]?.total ?? 0 };
  }

  async auditRefusalsSince(
    since: Date,
    limit?: number,
  ): Promise<{ people: AuditRefusals[]; totalPeople: number; totalRefusals: number }> {
    const rows = this.statements.auditRefusalsSince.all(iso(since), auditLimit(limit) ?? -1);
    return {
      people: rows.map((row) => ({
        userId: row.user_id,
        count: row.count,
        firstAt: new Date(row.first_at),
        lastAt: new Date(row.last_at),
        lastOutcome: decodeAuditOutcome(row.last_outcome),
      })),
      totalPeople: rows[0]?.total_people ?? 0,
      totalRefusals: rows[0]?.total_refusals ?? 0,
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
