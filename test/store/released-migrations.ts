/**
 * The schema steps as released (versions 1–4), copied verbatim from the two stores that came before the one SQL
 * store (git: src/store/sqlite-store.ts and src/store/postgres-store.ts at 1606d5f). Databases in the field were made
 * by these; test/store/released-databases.test.ts checks that the one migration list makes the same schema and that
 * such a database opens and reads. Never edit: this is history.
 */

/** How the released versions created their bookkeeping table. */
export const SQLITE_RELEASED_BOOKKEEPING =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT';
export const POSTGRES_RELEASED_BOOKKEEPING =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)';

export const SQLITE_RELEASED: readonly { version: number; sql: string }[] = [
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

export const POSTGRES_RELEASED: readonly { version: number; sql: string }[] = [
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
