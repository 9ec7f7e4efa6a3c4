import pg from 'pg';
import type { Dialect, SqlConnection, SqlExecutor, SqlValue } from './sql-connection.js';

const POSTGRES: Dialect = {
  name: 'postgres',
  types: {
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    timestamp: 'timestamptz',
    // `json` rather than `jsonb`: it keeps the text as written, so objects come back with their key order.
    json: 'json',
    flag: (column) => `${column} boolean NOT NULL`,
    autoId: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
    // Stands in for SQLite's rowid, the tie-breaker that keeps insertion order among equal timestamps.
    orderColumn: 'seq bigint GENERATED ALWAYS AS IDENTITY,',
    orderIndexTail: ', seq',
    tableOptions: '',
    false: 'false',
  },
  insertionOrder: 'seq',
  jsonElements: (array, alias) => `json_array_elements(${array}) AS ${alias}(value)`,
  position: 'strpos',
  greatest: 'GREATEST',
  noLimit: null,
  singleProcess: false,
};

/** Serialises migrations across replicas sharing one database; any fixed bigint works, it only has to be this one. */
const MIGRATION_LOCK_KEY = '4728391605537201013';

/** Pool size per replica: the bot's writes are short, and several replicas share the server's connection limit. */
const POOL_SIZE = 5;

const JSON_OID = 114;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * JSON stays text (as SQLite gives it, for one reader); bigints and numerics (COUNT, SUM, millisecond times, byte
 * counts, all far below 2^53) become numbers. Per pool, so nothing else in the process is affected.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === JSON_OID) return (value: string) => value;
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** `?` placeholders as PostgreSQL's `$1, $2, …`, outside quoted strings and names. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = '';
  for (const char of sql) {
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '?') {
      out += `$${++n}`;
      continue;
    }
    out += char;
  }
  return out;
}

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

/** Runs statements on a pool or on one client (inside a transaction); text with `$n` is cached per statement. */
class PostgresExecutor implements SqlExecutor {
  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly texts: Map<string, string>,
  ) {}

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.target.query(this.text(sql), params as SqlValue[])).rows as Row[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.target.query(this.text(sql), params as SqlValue[])).rowCount ?? 0;
  }

  async exec(script: string): Promise<void> {
    await this.target.query(script);
  }

  private text(sql: string): string {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = numberedPlaceholders(sql);
      this.texts.set(sql, text);
    }
    return text;
  }
}

/**
 * A PostgreSQL database shared by any number of replicas. Each statement is a single round trip and atomic on its own
 * (upserts with ON CONFLICT), so concurrent replicas need no locks beyond the rows they touch.
 */
export class PostgresConnection extends PostgresExecutor implements SqlConnection {
  readonly dialect = POSTGRES;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly sharedTexts: Map<string, string>,
  ) {
    super(pool, sharedTexts);
  }

  /** Connects (one round trip to prove it) and fails with a credential-free message when the database is unusable. */
  static async open(url: string): Promise<PostgresConnection> {
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: 10_000, types: TYPES });
    } catch (error) {
      throw connectError(error);
    }
    // An idle client that breaks (server restart, network cut) is dropped by the pool and replaced on the next query,
    // which reports any lasting failure. Without a listener the 'error' event would crash the process.
    pool.on('error', () => {});
    try {
      (await pool.connect()).release();
    } catch (error) {
      await pool.end().catch(() => {});
      throw connectError(error);
    }
    return new PostgresConnection(pool, new Map());
  }

  async exclusively<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The lock comes first, before even a CREATE TABLE IF NOT EXISTS (not safe against itself run concurrently).
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      const result = await work(new PostgresExecutor(client, this.sharedTexts));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A client whose ROLLBACK failed is in an unknown state: destroy it rather than return it to the pool.
      const rollback = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError as Error,
      );
      client.release(rollback ?? true);
      throw error;
    }
  }

  async close(): Promise<void> {
    // pg's Pool.end() throws when called twice; closing twice is harmless elsewhere.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
