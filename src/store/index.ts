import fs from 'node:fs';
import path from 'node:path';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export { PostgresStore } from './postgres-store.js';
export { SqliteStore } from './sqlite-store.js';
export type { CommandPatch, RequestPatch, RequestQuery, Store } from './store.js';

const ACCEPTED_FORMS =
  'sqlite:<path> (e.g. sqlite:./data/dex-capture-bot.db), sqlite::memory: or postgres://user:password@host:5432/db';

/**
 * Opens the store named by `DATABASE_URL`. Error messages never repeat the URL itself: it may carry a password.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return PostgresStore.open(url);
  }
  if (!/^sqlite:/i.test(url)) {
    // Only a well-formed scheme is echoed back, never anything that might be a credential.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    const what = scheme ? `the "${scheme}:" scheme` : 'this value';
    throw new Error(`Unsupported database URL (${what}): use ${ACCEPTED_FORMS}`);
  }

  const file = url.slice('sqlite:'.length);
  if (file === '') throw new Error(`The database URL names no file: use ${ACCEPTED_FORMS}`);
  if (file === ':memory:') return new SqliteStore(':memory:');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new SqliteStore(file);
}
