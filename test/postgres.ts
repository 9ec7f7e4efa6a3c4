import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../src/store/index.js';

/** Where tests create their PostgreSQL databases: TEST_POSTGRES_URL, or the machine's server (trust auth). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Throwaway PostgreSQL databases for this file run, all named `dex_bot_test_<hex>…` and dropped in afterAll. The first
 * is migrated once and then cloned for each fresh store (CREATE DATABASE … TEMPLATE takes a few tens of milliseconds).
 */
export class ThrowawayDatabases {
  private readonly prefix = `dex_bot_test_${randomBytes(6).toString('hex')}`;
  private readonly names: string[] = [];
  private admin: pg.Pool | undefined;
  private template: Promise<string> | undefined;

  constructor(private readonly adminUrl = TEST_POSTGRES_URL) {}

  /** A new database: the current schema and no rows, or (`migrated: false`) no tables at all. */
  async create({ migrated = true } = {}): Promise<{ name: string; url: string }> {
    const name = await this.createFrom(migrated ? await this.migratedTemplate() : 'template0');
    return { name, url: this.url(name) };
  }

  url(name: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
    this.admin ??= new pg.Pool({ connectionString: this.adminUrl, max: 2 });
    return (await this.admin.query<Row>(sql, values)).rows;
  }

  async dropAll(): Promise<void> {
    if (!this.admin) return;
    try {
      await this.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY($1)', [this.names]);
      for (const name of this.names) await this.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await this.admin.end();
    }
  }

  private async createFrom(template: string): Promise<string> {
    const name = this.names.length === 0 ? this.prefix : `${this.prefix}_${this.names.length}`;
    this.names.push(name);
    await this.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    return name;
  }

  private migratedTemplate(): Promise<string> {
    this.template ??= (async () => {
      const name = await this.createFrom('template0');
      await (await PostgresStore.open(this.url(name))).close();
      return name;
    })();
    return this.template;
  }
}
