/**
 * One short-lived answer shared by everyone who asks: at most one load per `ttlMs`, however many ask, and callers
 * who ask while it loads wait for that same load. A failure is kept for the same time, so an outage or a burst of
 * requests cannot multiply calls against a budget shared with others (Cloudflare's 1200 calls per 5 minutes per token,
 * which the dashboard uses too). Each caller may bound its own wait without cancelling the shared load.
 */
export class SharedRead<T> {
  #entry: { at: number; value: Promise<T> } | null = null;
  #last: { at: number; value: T } | null = null;
  /** Set by `expire` until the next load: `lastKnown` still has the old answer, `peek` no longer gives it. */
  #expired = false;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The answer from the last `ttlMs`, or a new load; `signal` ends this caller's wait only. */
  get(signal?: AbortSignal): Promise<T> {
    const now = this.now();
    if (!this.#entry || now - this.#entry.at >= this.ttlMs) {
      const value = this.load();
      const entry = { at: now, value };
      this.#entry = entry;
      value.then(
        (loaded) => {
          this.#last = { at: now, value: loaded };
          // Only the load started after an expiry makes the answer fresh again.
          if (this.#entry === entry) this.#expired = false;
        },
        () => {},
      );
    }
    return signal ? raceSignal(this.#entry.value, signal) : this.#entry.value;
  }

  /** The last successful answer if it is fresh, without waiting or loading. */
  peek(): T | null {
    const last = this.#last;
    return last && !this.#expired && this.now() - last.at < this.ttlMs ? last.value : null;
  }

  /** What was read is known to be out of date (the quota, once captures were created): the next `get` loads. */
  expire(): void {
    this.#entry = null;
    this.#expired = true;
  }

  /** The last successful answer however old, with when it was loaded (asked for): for "last known: …, 12 min ago". */
  lastKnown(): { value: T; at: number } | null {
    return this.#last ? { ...this.#last } : null;
  }
}

function raceSignal<T>(value: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    value.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
