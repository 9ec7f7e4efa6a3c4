import Database from 'better-sqlite3';
import type { Dialect, SqlConnection, SqlExecutor, SqlValue } from './sql-connection.js';

const SQLITE: Dialect = {
  name: 'sqlite',
  types: {
    text: 'TEXT',
    integer: 'INTEGER',
    bigint: 'INTEGER',
    timestamp: 'TEXT',
    json: 'TEXT',
    flag: (column) => `${column} INTEGER NOT NULL CHECK (${column} IN (0, 1))`,
    autoId: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    orderColumn: '',
    orderIndexTail: '',
    tableOptions: ' STRICT',
    false: '0',
  },
  insertionOrder: 'rowid',
  jsonElements: (array, alias) => `json_each(${array}) AS ${alias}`,
  position: 'instr',
  greatest: 'max',
  noLimit: -1,
  singleProcess: true,
};

/**
 * One SQLite file (or `:memory:`) through better-sqlite3: synchronous underneath, so each statement is atomic with
 * respect to the event loop; async to fill the same seam as PostgreSQL. Statements are prepared once and reused.
 */
export class SqliteConnection implements SqlConnection {
  readonly dialect = SQLITE;
  readonly database: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(databaseOrPath: Database.Database | string) {
    this.database = typeof databaseOrPath === 'string' ? new Database(databaseOrPath) : databaseOrPath;
    // WAL lets readers run beside the writer. With WAL, NORMAL cannot corrupt the file (a power cut may lose the
    // last commits) and saves an fsync per commit. busy_timeout makes a second process wait instead of failing.
    this.database.pragma('journal_mode = WAL');
    this.database.pragma('synchronous = NORMAL');
    this.database.pragma('busy_timeout = 5000');
    this.database.pragma('foreign_keys = ON');
  }

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.statement(sql).all(...params) as Row[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.statement(sql).run(...params).changes;
  }

  async exec(script: string): Promise<void> {
    this.database.exec(script);
  }

  async exclusively<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T> {
    await this.beginImmediate();
    try {
      const result = await work(this);
      this.database.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Takes the write lock without blocking the thread: `work` awaits between statements, so another connection in
   * this process that holds the lock can only finish if this one waits asynchronously (busy_timeout would block).
   */
  private async beginImmediate(): Promise<void> {
    const busyTimeout = this.database.pragma('busy_timeout', { simple: true }) as number;
    const deadline = Date.now() + busyTimeout;
    this.database.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          this.database.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } finally {
      this.database.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  async close(): Promise<void> {
    this.database.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
