/** What a bench child is asked to do: JSON in BENCH_JOB. Each child prints one JSON line with its result. */
export function readJob<T>(): T {
  const raw = process.env.BENCH_JOB;
  if (!raw) throw new Error('BENCH_JOB is not set');
  return JSON.parse(raw) as T;
}

/** Prints the result and exits (stdout to a pipe is written synchronously on Linux, so nothing is lost). */
export function report(result: Record<string, unknown>): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** This process's resident memory now, and its peak so far (ru_maxrss). */
export function memory(): { rss: number; peak: number } {
  return { rss: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * 1024 };
}
