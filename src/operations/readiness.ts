/**
 * What /readyz answers: named checks of the bot's dependencies, run at once, each bounded in time and each answer
 * cached as its check asks. The checks themselves are in checks.ts.
 */

/** One dependency's answer. `reason` is our own wording: never an error message, which could carry a secret. */
export interface CheckResult {
  ok: boolean;
  reason?: string;
}

export interface ReadinessCheck {
  run(signal: AbortSignal): Promise<CheckResult>;
  /** How long an answer is reused (ok or not), so probes do not spend the APIs' rate limits; default 0. */
  cacheMs?: number;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed. */
  failed: string[];
  checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 5_000;

/** Runs named checks (at once, each bounded in time, each answer cached as it asks) and sums them up. */
export class Readiness {
  readonly #cache = new Map<string, { at: number; result: Promise<CheckResult> }>();

  constructor(
    private readonly checks: Record<string, ReadinessCheck>,
    private readonly options: { timeoutMs?: number; now?: () => number } = {},
  ) {}

  async report(): Promise<ReadinessReport> {
    const names = Object.keys(this.checks);
    const results = await Promise.all(names.map((name) => this.#result(name)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] as CheckResult]));
    const failed = names.filter((name) => !checks[name]?.ok);
    return { ready: failed.length === 0, failed, checks };
  }

  #result(name: string): Promise<CheckResult> {
    const check = this.checks[name] as ReadinessCheck;
    const now = (this.options.now ?? Date.now)();
    const cached = this.#cache.get(name);
    if (cached && now - cached.at < (check.cacheMs ?? 0)) return cached.result;
    const result = this.#run(check);
    this.#cache.set(name, { at: now, result });
    return result;
  }

  async #run(check: ReadinessCheck): Promise<CheckResult> {
    const timeoutMs = this.options.timeoutMs ?? CHECK_TIMEOUT_MS;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` });
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([
        check.run(controller.signal).catch((): CheckResult => ({ ok: false, reason: 'the check failed' })),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
