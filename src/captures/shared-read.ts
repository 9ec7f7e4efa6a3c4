/**
 * One short-lived answer shared by everyone who asks: at most one load per `ttlMs`, however many ask, and callers
 * who ask while it loads wait for that same load. A failure is kept for the same time, so an outage or a burst of
 * requests cannot multiply calls against a budget shared with others (Cloudflare's 1200 calls per 5 minutes per token,
 * which the dashboard uses too). Each caller may bound its own wait without cancelling the shared load.
 */
export class SharedRead<T> {
  #entry: { at: number; value: Promise<T> } | null = null;
  #last: { at: number; value: T } | null = null;

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
      this.#entry = { at: now, value };
      value.then(
        (loaded) => {
          this.#last = { at: now, value: loaded };
        },
        () => {},
      );
    }
    return signal ? raceSignal(this.#entry.value, signal) : this.#entry.value;
  }

  /** The last successful answer if it is fresh, without waiting or loading. */
  peek(): T | null {
    const last = this.#last;
    return last && this.now() - last.at < this.ttlMs ? last.value : null;
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
