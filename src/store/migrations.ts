import type { SchemaTypes, SqlConnection } from './sql-connection.js';

/**
 * Numbered schema steps, one list for both databases (their column types come from the dialect), applied in order
 * and recorded in `schema_migrations`. Never edit a released step: append a new one, so databases created by older
 * versions catch up on open. test/store/released-databases.test.ts holds the steps as released and checks that a
 * database made by them and one made by this list are the same.
 */
const MIGRATIONS: readonly { version: number; sql: (t: SchemaTypes) => string }[] = [
  {
    version: 1,
    sql: (t) => `
      CREATE TABLE capture_requests (
        ${t.orderColumn}
        id ${t.text} PRIMARY KEY,
        dedupe_key ${t.text} NOT NULL UNIQUE,
        requested_by ${t.text} NOT NULL,
        channel_id ${t.text} NOT NULL,
        devices ${t.json} NOT NULL,
        types ${t.json} NOT NULL,
        options ${t.json} NOT NULL,
        state ${t.text} NOT NULL,
        created_at ${t.timestamp} NOT NULL,
        status_channel ${t.text},
        status_ts ${t.text},
        start_error ${t.text},
        stopped_by ${t.text}
      )${t.tableOptions};
      CREATE INDEX capture_requests_created_at ON capture_requests (created_at${t.orderIndexTail});

      CREATE TABLE capture_commands (
        ${t.orderColumn}
        id ${t.text} PRIMARY KEY,
        request_id ${t.text} NOT NULL REFERENCES capture_requests (id),
        device_id ${t.text} NOT NULL,
        registration_id ${t.text},
        type ${t.text} NOT NULL,
        status ${t.text} NOT NULL,
        created_at ${t.timestamp} NOT NULL,
        updated_at ${t.timestamp} NOT NULL,
        completed_at ${t.timestamp},
        filename ${t.text},
        ${t.flag('tracking')}
      )${t.tableOptions};
      CREATE INDEX capture_commands_tracking ON capture_commands (tracking);
      CREATE INDEX capture_commands_request_id ON capture_commands (request_id);

      CREATE TABLE artifact_uploads (
        ${t.orderColumn}
        command_id ${t.text} PRIMARY KEY,
        request_id ${t.text} NOT NULL,
        step ${t.text} NOT NULL,
        file_name ${t.text} NOT NULL,
        file_id ${t.text},
        bytes ${t.bigint},
        summary ${t.text},
        error ${t.text},
        attempts ${t.integer} NOT NULL,
        updated_at ${t.timestamp} NOT NULL
      )${t.tableOptions};
      CREATE INDEX artifact_uploads_request_id ON artifact_uploads (request_id);

      CREATE TABLE thread_posts (
        request_id ${t.text} NOT NULL,
        key ${t.text} NOT NULL,
        PRIMARY KEY (request_id, key)
      )${t.tableOptions};
    `,
  },
  {
    version: 2,
    sql: (t) => `
      CREATE TABLE audit_events (
        id ${t.autoId},
        at ${t.timestamp} NOT NULL,
        user_id ${t.text} NOT NULL,
        action ${t.text} NOT NULL,
        channel_id ${t.text},
        request_id ${t.text},
        details ${t.json} NOT NULL,
        outcome ${t.text} NOT NULL
      )${t.tableOptions};
      CREATE INDEX audit_events_at ON audit_events (at);
    `,
  },
  {
    version: 3,
    sql: (t) => `
      CREATE TABLE leases (
        name ${t.text} PRIMARY KEY,
        owner ${t.text} NOT NULL,
        expires_at ${t.bigint} NOT NULL
      )${t.tableOptions};

      CREATE TABLE rate_limits (
        key ${t.text} PRIMARY KEY,
        until ${t.bigint} NOT NULL
      )${t.tableOptions};
    `,
  },
  {
    // Starting is recorded step by step (launch); uploads keep why they failed and when to try again; thread posts
    // become an outbox of notices, marked done only once Slack took them (the rows already posted come along as done).
    version: 4,
    sql: (t) => `
      ALTER TABLE capture_requests ADD COLUMN launch ${t.text};
      ALTER TABLE artifact_uploads ADD COLUMN failure ${t.text};
      ALTER TABLE artifact_uploads ADD COLUMN next_attempt_at ${t.timestamp};

      CREATE TABLE notices (
        ${t.orderColumn}
        request_id ${t.text} NOT NULL,
        key ${t.text} NOT NULL,
        event ${t.text} NOT NULL,
        state ${t.text} NOT NULL,
        version ${t.integer} NOT NULL,
        attempts ${t.integer} NOT NULL,
        ${t.flag('fallback')},
        next_attempt_at ${t.bigint} NOT NULL,
        error ${t.text},
        PRIMARY KEY (request_id, key)
      )${t.tableOptions};
      CREATE INDEX notices_pending ON notices (next_attempt_at) WHERE state = 'pending';

      INSERT INTO notices (request_id, key, event, state, version, attempts, fallback, next_attempt_at)
        SELECT request_id, key, '{}', 'done', 1, 0, ${t.false}, 0 FROM thread_posts;
      DROP TABLE thread_posts;
    `,
  },
  {
    // The digest of what is inside each file (JSON), read as it streamed to Slack.
    version: 5,
    sql: (t) => `ALTER TABLE artifact_uploads ADD COLUMN digest ${t.text};`,
  },
  {
    // Privacy: the reason given for each request and whether its status went to a public channel; when each file was posted, and its removal under the retention
    // policy (removed_at once Slack no longer has it; attempts and the next try while Slack refuses). Files posted
    // before this step count from their last update, so they expire too.
    version: 6,
    sql: (t) => `
      ALTER TABLE capture_requests ADD COLUMN reason ${t.text};
      ALTER TABLE capture_requests ADD COLUMN destination_public ${t.integer};
      ALTER TABLE artifact_uploads ADD COLUMN posted_at ${t.timestamp};
      ALTER TABLE artifact_uploads ADD COLUMN removed_at ${t.timestamp};
      ALTER TABLE artifact_uploads ADD COLUMN removal_attempts ${t.integer} NOT NULL DEFAULT 0;
      ALTER TABLE artifact_uploads ADD COLUMN removal_next_at ${t.timestamp};
      UPDATE artifact_uploads SET posted_at = updated_at WHERE step = 'done';
    `,
  },
  {
    // A second approver (CAPTURE_APPROVERS): when the request expires unapproved, and who decided what (JSON).
    version: 7,
    sql: (t) => `ALTER TABLE capture_requests ADD COLUMN approval ${t.text};`,
  },
  {
    // The retention sweep asks on every poll tick, on every replica, for files posted before a time and not removed:
    // without this it reads every upload ever made.
    version: 8,
    sql: () => `
      CREATE INDEX artifact_uploads_to_remove ON artifact_uploads (posted_at)
        WHERE step = 'done' AND removed_at IS NULL;
    `,
  },
];

/** The versions this code knows, in order. */
export const SCHEMA_VERSIONS = MIGRATIONS.map((migration) => migration.version);

/** Applies the steps a database lacks, all in one exclusive transaction; `now` stamps them. */
export async function migrate(connection: SqlConnection, now: Date): Promise<void> {
  const t = connection.dialect.types;
  await connection.exclusively(async (transaction) => {
    await transaction.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version ${t.integer} PRIMARY KEY, applied_at ${t.timestamp} NOT NULL)${t.tableOptions}`,
    );
    const [row] = await transaction.all<{ current: number }>(
      'SELECT coalesce(max(version), 0) AS current FROM schema_migrations',
    );
    const current = row?.current ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await transaction.exec(migration.sql(t));
      await transaction.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
        migration.version,
        now.toISOString(),
      ]);
    }
  });
}
