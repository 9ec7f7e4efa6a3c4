/** What a bench child is asked to do: JSON in BENCH_JOB. Each child prints one JSON line with its result. */
export function readJob<T>(): T {
  const raw = process.env.BENCH_JOB;
  if (!raw) throw new Error('BENCH_JOB is not set');
  return JSON.parse(raw) as T;
}

export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** This process's resident memory now, and its peak so far (ru_maxrss). */
export function memory(): { rss: number; peak: number } {
  return { rss: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * 1024 };
}
