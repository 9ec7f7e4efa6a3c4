import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** dist-bench/, where `npm run bench` compiled the bot (src/) and the bench (bench/). */
export const compiledRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A Node.js child process whose stdout is read line by line (JSON lines from the bot and the bench children). */
export class NodeChild {
  readonly lines: string[] = [];
  readonly startedAt = performance.now();
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #stderr = '';
  #waiters: Array<() => void> = [];

  constructor(script: string, env: Record<string, string>, args: string[] = []) {
    // BENCH_NODE_ARGS (e.g. `--cpu-prof`) goes to every child: how to find where a missed target's time goes.
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    this.#child = spawn(process.execPath, [...nodeArgs, join(compiledRoot, script), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error('the child process did not start');
    return this.#child.pid;
  }

  /** The first stdout line (parsed as JSON) that `match` accepts; fails if the child exits or time runs out. */
  async waitForJson<T = Record<string, unknown>>(match: (entry: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.lines.length; checked++) {
        const entry = parseJson(this.lines[checked] as string) as T | undefined;
        if (entry !== undefined && match(entry)) return entry;
      }
      if (this.#child.exitCode !== null) {
        throw new Error(`child exited with ${this.#child.exitCode} before the expected line: ${this.#stderr.trim()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no expected line within ${timeoutMs} ms: ${this.#stderr.trim()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resident memory now and its peak since the start or the last `resetPeak()` (Linux /proc). */
  memory(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  }

  /** Sets the peak (VmHWM) back to the current RSS, so a later `memory().peak` covers only what follows. */
  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  /** Resolves when the child has exited by itself, or after `ms`. */
  async exited(ms: number): Promise<void> {
    await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 25_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Runs a bench child with `job` (BENCH_JOB) and returns the JSON line it reports. */
export async function runChild<T>(script: string, job: object, timeoutMs = 180_000): Promise<T> {
  const child = new NodeChild(script, { BENCH_JOB: JSON.stringify(job) });
  try {
    const result = await child.waitForJson<T>(() => true, timeoutMs);
    await child.exited(10_000);
    return result;
  } finally {
    await child.stop();
  }
}
