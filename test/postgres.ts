import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore } from '../src/store/index.js';
import { whenTestFinishes } from './cleanup.js';
import { CONFIGURED_POSTGRES_URL } from './postgres-server.js';

/**
 * Where tests create their PostgreSQL databases: TEST_POSTGRES_URL or the machine's server (trust auth) if it answered,
 * else the embedded one this run started (test/postgres-server.ts, the globalSetup).
 */
export const TEST_POSTGRES_URL = inject('postgresUrl') ?? CONFIGURED_POSTGRES_URL;

/** `dex_bot_test_r<run>_<n>`: <run> (12 hex digits) names the ThrowawayDatabases that made it. */
const NAME = /^dex_bot_test_r([0-9a-f]{12})_\d+$/;
/**
 * While a ThrowawayDatabases is in use it holds a session advisory lock (this class, and its run's key) on a connection
 * of its own. A run whose lock is free is over (finished, killed or timed out), so its databases are leftovers.
 */
const LOCK_CLASS = 0x64657862; // "dexb"
/** Leftovers of earlier runs dropped per run at most, so the sweep costs the same however many runs were killed. */
const SWEEP_LIMIT = 4;

const runKey = (run: string) => Number.parseInt(run.slice(0, 8), 16) | 0;
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface ThrowawayDatabase {
  name: string;
  url: string;
}

/**
 * Throwaway PostgreSQL databases for one test file. What it costs does not grow with the number of tests in any one
 * hook: DROP DATABASE forces a checkpoint (about 0.1 s on an idle machine, over 1 s on a busy one), so tests share a
 * few databases instead of each making its own.
 *
 * - `create()` hands out a migrated database with no rows. Taken inside a test (or its beforeEach), it is given back
 *   when that test finishes (after its afterEach hooks): its connections are ended, its settings reset and every table
 *   but `schema_migrations` truncated (identities restarted), and the next test gets it. A file therefore uses as many
 *   databases as one test holds at once, not one per test. A database whose schema a test changed is dropped instead.
 * - `create({ migrated: false })` makes an empty database (no tables); one taken inside a test is dropped when the
 *   test finishes.
 * - Taken outside a test (beforeAll), a database stays until `dropAll()` (afterAll), which drops what is left, a few
 *   databases, in parallel. A drop that fails is only reported: the next run sweeps it.
 * - The first `create()` also starts, in the background, a sweep of up to SWEEP_LIMIT databases that earlier runs left
 *   behind (killed, or timed out in afterAll); runs still going, in this or another checkout, hold their lock and are
 *   left alone.
 */
export class ThrowawayDatabases {
  private readonly run = randomBytes(6).toString('hex');
  private made = 0;
  /** Every database of this run not dropped yet. */
  private readonly live = new Set<string>();
  /** Migrated, emptied, waiting for the next test. */
  private readonly idle: string[] = [];
  /** Handed out and not given back yet. */
  private readonly held = new Set<string>();
  private admin: pg.Pool | undefined;
  private started: Promise<void> | undefined;
  private lock: pg.Client | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** What a freshly migrated database holds (relations and migration versions), to spot one a test changed. */
  private migratedShape: string | undefined;

  constructor(private readonly adminUrl = TEST_POSTGRES_URL) {}

  /** A database with the current schema and no rows, or (`migrated: false`) with no tables at all. */
  async create({ migrated = true } = {}): Promise<ThrowawayDatabase> {
    await this.start();
    const name = migrated ? (this.idle.pop() ?? (await this.makeMigrated())) : await this.make();
    this.held.add(name);
    // Outside a test (beforeAll): kept until dropAll.
    whenTestFinishes(() => this.giveBack(name, migrated));
    return { name, url: this.url(name) };
  }

  url(name: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
    this.admin ??= new pg.Pool({ connectionString: this.adminUrl, max: 4 });
    return (await this.admin.query<Row>(sql, values)).rows;
  }

  /** Drops every database this run still has (as many as one test held at once, plus any taken in beforeAll). */
  async dropAll(): Promise<void> {
    if (!this.started) return;
    try {
      await this.started.catch(() => {});
      await this.sweeping;
      const names = [...this.live];
      this.idle.splice(0);
      this.held.clear();
      const failed = (await Promise.allSettled(names.map((name) => this.drop(name)))).flatMap((outcome, index) =>
        outcome.status === 'rejected' ? [`${names[index]}: ${String(outcome.reason)}`] : [],
      );
      if (failed.length > 0) console.warn(`left for the next run's sweep: ${failed.join('; ')}`);
    } finally {
      await this.lock?.end().catch(() => {});
      await this.admin?.end().catch(() => {});
    }
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.lock = new pg.Client({ connectionString: this.adminUrl });
      this.lock.on('error', () => {});
      await this.lock.connect();
      await this.lock.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, runKey(this.run)]);
      this.sweeping = this.sweep().catch((error: unknown) => console.warn(`sweeping old test databases: ${error}`));
    })();
    return this.started;
  }

  /** Drops up to SWEEP_LIMIT databases of runs that are over, in parallel. */
  private async sweep(): Promise<void> {
    const lock = this.lock as pg.Client;
    const runs = new Map<string, string[]>();
    for (const { datname } of await this.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'dex_bot_test_r%' ORDER BY datname`,
    )) {
      const run = NAME.exec(datname)?.[1];
      if (!run || runKey(run) === runKey(this.run)) continue;
      runs.set(run, [...(runs.get(run) ?? []), datname]);
    }
    const stale: string[] = [];
    const claimed: string[] = [];
    for (const [run, names] of runs) {
      if (stale.length >= SWEEP_LIMIT) break;
      const { rows } = await lock.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS free', [
        LOCK_CLASS,
        runKey(run),
      ]);
      if (!rows[0]?.free) continue;
      claimed.push(run);
      stale.push(...names.slice(0, SWEEP_LIMIT - stale.length));
    }
    try {
      await Promise.allSettled(stale.map((name) => this.drop(name)));
    } finally {
      for (const run of claimed) await lock.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, runKey(run)]);
    }
  }

  private async giveBack(name: string, migrated: boolean): Promise<void> {
    if (!this.held.delete(name)) return;
    if (migrated) {
      try {
        await this.empty(name);
        this.idle.push(name);
        return;
      } catch {
        // Changed beyond what a truncate undoes: dropped below.
      }
    }
    await this.drop(name);
  }

  /** Back to a freshly migrated database: no connections, default settings, no rows, identities restarted. */
  private async empty(name: string): Promise<void> {
    await this.terminate(name);
    await this.query(`ALTER DATABASE ${quoted(name)} RESET ALL`);
    await this.inDatabase(name, async (client) => {
      if ((await shape(client)) !== this.migratedShape) throw new Error(`${name}: the schema changed`);
      const { rows } = await client.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`,
      );
      if (rows.length > 0) {
        await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY CASCADE`);
      }
    });
  }

  private async make(): Promise<string> {
    const name = `dex_bot_test_r${this.run}_${this.made++}`;
    this.live.add(name);
    await this.query(`CREATE DATABASE ${quoted(name)} TEMPLATE template0`);
    return name;
  }

  private async makeMigrated(): Promise<string> {
    const name = await this.make();
    await (await openPostgresStore(this.url(name))).close();
    const migratedShape = await this.inDatabase(name, shape);
    this.migratedShape ??= migratedShape;
    return name;
  }

  private async drop(name: string): Promise<void> {
    await this.terminate(name);
    await this.query(`DROP DATABASE IF EXISTS ${quoted(name)}`);
    this.live.delete(name);
  }

  private async terminate(name: string): Promise<void> {
    await this.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  }

  private inDatabase<T>(name: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
    return withClient(this.url(name), run);
  }
}

/** Runs `run` on a client of its own connected to `url`, ended afterwards. */
export async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The relations in `public` and the migrations applied: equal for every database freshly migrated by this code. */
async function shape(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ relations: string; versions: string }>(
    `SELECT (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class
              WHERE relnamespace = 'public'::regnamespace) AS relations,
            (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations) AS versions`,
  );
  return JSON.stringify(rows[0]);
}
