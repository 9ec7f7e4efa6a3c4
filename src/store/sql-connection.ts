/**
 * The seam between the one SQL store and its two databases. Statements are written once, with `?` placeholders;
 * what differs between SQLite and PostgreSQL is named here, in the dialect, and nowhere else.
 *
 * Values go in as strings, numbers, null (booleans as 1/0; dates as ISO strings) and come out as the database gives
 * them, normalised by each connection so far as the rows can agree: JSON columns as text, counts and bigints as
 * numbers. What still differs (timestamps as Date or ISO text, flags as booleans or 1/0) the row readers accept both.
 */

export type SqlValue = string | number | null;

export interface SqlExecutor {
  /** Rows of a query. */
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs a statement; how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs a script of several statements without parameters (a migration). */
  exec(script: string): Promise<void>;
}

export interface SqlConnection extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * Runs `work` in one transaction that no other process migrating the same database runs beside (SQLite: BEGIN
   * IMMEDIATE; PostgreSQL: an advisory lock): replicas starting together take turns and the first one migrates.
   */
  exclusively<T>(work: (transaction: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Column types for the schema, so that one migration list creates the tables in either database. */
export interface SchemaTypes {
  text: string;
  integer: string;
  bigint: string;
  timestamp: string;
  json: string;
  /** A column definition for a true/false flag. */
  flag(column: string): string;
  /** A table's own increasing id, as its primary key. */
  autoId: string;
  /** Leads a CREATE TABLE's column list with the insertion-order column, where the database has none built in. */
  orderColumn: string;
  /** Ends an index over a time column with the insertion-order column, where it is not implied. */
  orderIndexTail: string;
  /** Follows a CREATE TABLE's closing parenthesis. */
  tableOptions: string;
  false: string;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  types: SchemaTypes;
  /** The column that keeps insertion order among rows with equal timestamps (SQLite's rowid, PostgreSQL's seq). */
  insertionOrder: string;
  /** A FROM item over a JSON array's elements, each element in column `<alias>.value`. */
  jsonElements(array: string, alias: string): string;
  /** The function giving a substring's 1-based position (0 when absent): LIKE would read `_` and `%`. */
  position: string;
  /** The function giving the larger of two values. */
  greatest: string;
  /** The LIMIT value meaning "no limit". */
  noLimit: SqlValue;
  /**
   * True when one database serves one process (a SQLite file): the leases a previous run left are void, so a restart
   * takes over its unfinished work at once instead of waiting for them to expire.
   */
  singleProcess: boolean;
}
