import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/captures/model.js';
import { openStore, type Store } from '../../src/store/index.js';
import { whenTestFinishes } from '../cleanup.js';
import { ThrowawayDatabases, withClient } from '../postgres.js';
import {
  POSTGRES_RELEASED,
  POSTGRES_RELEASED_BOOKKEEPING,
  SQLITE_RELEASED,
  SQLITE_RELEASED_BOOKKEEPING,
} from './released-migrations.js';

/**
 * Databases in the field were made by the two stores that came before the one SQL store. The one migration list must
 * make the same schema, and a database they made, with rows they wrote, must open and read as before.
 */

const postgresDatabases = new ThrowawayDatabases();
afterAll(() => postgresDatabases.dropAll());

function temporaryFile(name: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dex-capture-bot-released-'));
  whenTestFinishes(() => fs.rmSync(directory, { recursive: true, force: true }));
  return path.join(directory, name);
}

/** Rows as a released version wrote them: WARP's options under `warpDiag`, sentences where facts now go. */
const OLD_ROWS = {
  request: [
    'C7K2Q9',
    'view-1:hash-1',
    'U_AGENT',
    'C_HELPDESK',
    JSON.stringify([
      { deviceId: 'dev-1', name: 'LAPTOP-42', email: 'alice@example.com', platform: 'mac', registrationId: null },
    ]),
    JSON.stringify(['pcap', 'warp-diag']),
    JSON.stringify({
      pcap: { timeLimitMin: 3, maxFileSizeMb: 10, packetSizeBytes: 160 },
      warpDiag: { testAllRoutes: false },
    }),
    'failed-to-start',
    '2025-05-01T10:00:00.123Z',
    'Cloudflare refused the request: Not enough quota left today.',
  ],
  audit: [
    '2025-05-01T10:00:01.000Z',
    'U_AGENT',
    'start',
    JSON.stringify({
      devices: [],
      types: ['warp-diag'],
      options: { warpDiag: { testAllRoutes: true } },
      commandIds: [],
    }),
    'failed to start (rate-limited)',
  ],
};

async function expectOldRowsRead(store: Store): Promise<void> {
  const request = await store.getRequest('C7K2Q9');
  expect(request?.options).toEqual({
    ...DEFAULT_CAPTURE_OPTIONS,
    pcap: { timeLimitMin: 3, maxFileSizeMb: 10, packetSizeBytes: 160 },
    'warp-diag': { testAllRoutes: false },
  });
  expect(request?.startError).toEqual({
    reason: 'recorded',
    text: 'Cloudflare refused the request: Not enough quota left today.',
  });
  const [event] = await store.auditSince(new Date('2025-05-01T00:00:00Z'));
  expect(event?.options?.['warp-diag']).toEqual({ testAllRoutes: true });
  expect(event?.outcome).toEqual({ kind: 'recorded', text: 'failed to start (rate-limited)' });
  // And it takes new rows like a database made today.
  await store.enqueueNotice('C7K2Q9', 'options', { kind: 'options' }, new Date('2025-05-01T10:00:02Z'));
  expect((await store.pendingNotices('C7K2Q9')).map((notice) => notice.key)).toEqual(['options']);
}

describe('SQLite databases made by released versions', () => {
  function released(file: string): void {
    const database = new Database(file);
    database.exec(SQLITE_RELEASED_BOOKKEEPING);
    for (const step of SQLITE_RELEASED) {
      database.exec(step.sql);
      database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(step.version, 'x');
    }
    database
      .prepare(
        `INSERT INTO capture_requests (id, dedupe_key, requested_by, channel_id, devices, types, options, state,
           created_at, start_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...OLD_ROWS.request);
    database
      .prepare('INSERT INTO audit_events (at, user_id, action, details, outcome) VALUES (?, ?, ?, ?, ?)')
      .run(...OLD_ROWS.audit);
    database.close();
  }

  /** Every table and index: columns with types, nullability, keys and defaults; STRICT; index columns and SQL. */
  function schemaOf(file: string): unknown {
    const database = new Database(file, { readonly: true });
    try {
      const objects = database
        .prepare(`SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
        .all() as { type: string; name: string; tbl_name: string }[];
      return objects.map((object) =>
        object.type === 'table'
          ? {
              table: object.name,
              columns: database.pragma(`table_xinfo(${object.name})`),
              strict: (database.pragma(`table_list(${object.name})`) as { strict: number }[])[0]?.strict,
              foreignKeys: database.pragma(`foreign_key_list(${object.name})`),
            }
          : { index: object.name, on: object.tbl_name, columns: database.pragma(`index_xinfo(${object.name})`) },
      );
    } finally {
      database.close();
    }
  }

  it('a released database, once opened, has the schema the one migration list makes', async () => {
    const old = temporaryFile('released.db');
    released(old);
    await (await openStore(`sqlite:${old}`)).close();
    const fresh = temporaryFile('fresh.db');
    await (await openStore(`sqlite:${fresh}`)).close();
    expect(schemaOf(fresh)).toEqual(schemaOf(old));
  });

  it('opens a released database and reads what it holds', async () => {
    const file = temporaryFile('released.db');
    released(file);
    const store = await openStore(`sqlite:${file}`);
    try {
      await expectOldRowsRead(store);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL databases made by released versions', () => {
  async function released(url: string): Promise<void> {
    await withClient(url, async (client) => {
      await client.query(POSTGRES_RELEASED_BOOKKEEPING);
      for (const step of POSTGRES_RELEASED) {
        await client.query(step.sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [step.version]);
      }
      await client.query(
        `INSERT INTO capture_requests (id, dedupe_key, requested_by, channel_id, devices, types, options, state,
           created_at, start_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        OLD_ROWS.request,
      );
      await client.query(
        'INSERT INTO audit_events (at, user_id, action, details, outcome) VALUES ($1, $2, $3, $4, $5)',
        OLD_ROWS.audit,
      );
    });
  }

  /** Columns (types, nullability, identity, defaults in order), constraints and indexes of every table. */
  async function schemaOf(url: string): Promise<unknown> {
    return withClient(url, async (client) => ({
      columns: (
        await client.query(
          `SELECT table_name, ordinal_position, column_name, data_type, is_nullable, column_default, is_identity,
                  identity_generation
           FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
        )
      ).rows,
      constraints: (
        await client.query(
          `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
        )
      ).rows,
      indexes: (
        await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`)
      ).rows,
    }));
  }

  it('a released database, once opened, has the schema the one migration list makes', async () => {
    const old = await postgresDatabases.create({ migrated: false });
    await released(old.url);
    await (await openStore(old.url)).close();
    const fresh = await postgresDatabases.create({ migrated: false });
    await (await openStore(fresh.url)).close();
    expect(await schemaOf(fresh.url)).toEqual(await schemaOf(old.url));
  });

  it('opens a released database and reads what it holds', async () => {
    const { url } = await postgresDatabases.create({ migrated: false });
    await released(url);
    const store = await openStore(url);
    try {
      await expectOldRowsRead(store);
    } finally {
      await store.close();
    }
  });
});
