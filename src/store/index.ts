import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Store } from '../captures/store.js';
import { PostgresConnection } from './postgres-connection.js';
import { SqlStore } from './sql-store.js';
import { SqliteConnection } from './sqlite-connection.js';

export type { CommandPatch, RequestPatch, RequestQuery, Store } from '../captures/store.js';
export { SqlStore } from './sql-store.js';

const ACCEPTED_FORMS =
  'sqlite:<path> (e.g. sqlite:./data/dex-capture-bot.db), sqlite::memory: or postgres://user:password@host:5432/db';

/** A store over one SQLite file, `:memory:`, or an open better-sqlite3 database. */
export function openSqliteStore(databaseOrPath: Database.Database | string, now = new Date()): Promise<Store> {
  return SqlStore.open(new SqliteConnection(databaseOrPath), now);
}

/** A store over a PostgreSQL database that any number of replicas share. */
export async function openPostgresStore(url: string, now = new Date()): Promise<Store> {
  return SqlStore.open(await PostgresConnection.open(url), now);
}

/**
 * Opens the store named by `DATABASE_URL`. Error messages never repeat the URL itself: it may carry a password.
 * `now` only stamps the schema steps applied (the bot passes its clock; tests need not).
 */
export async function openStore(databaseUrl: string, now = new Date()): Promise<Store> {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresStore(url, now);
  if (!/^sqlite:/i.test(url)) {
    // Only a well-formed scheme is echoed back, never anything that might be a credential.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    const what = scheme ? `the "${scheme}:" scheme` : 'this value';
    throw new Error(`Unsupported database URL (${what}): use ${ACCEPTED_FORMS}`);
  }

  const file = url.slice('sqlite:'.length);
  if (file === '') throw new Error(`The database URL names no file: use ${ACCEPTED_FORMS}`);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return openSqliteStore(file, now);
}
