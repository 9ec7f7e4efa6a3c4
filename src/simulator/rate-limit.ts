export const RATE_LIMIT_REQUESTS = 1200;
export const RATE_LIMIT_WINDOW_MS = 5 * 60 * 1000;

interface TokenWindow {
  windowStartMs: number;
  count: number;
  blockedUntilMs: number;
  retryAfterFormat: 'seconds' | 'http-date';
}

export type RateLimitVerdict =
  | { blocked: false; headers: Record<string, string> }
  | { blocked: true; headers: Record<string, string> };

/**
 * Cloudflare's global limit (reference §10): 1200 requests per 5 minutes per token; going over blocks every call
 * with that token for the next 5 minutes. Runs on real time, since that is what a client's back-off waits on.
 */
export class RateLimiter {
  private readonly windows = new Map<string, TokenWindow>();

  constructor(
    private readonly limit = RATE_LIMIT_REQUESTS,
    private readonly windowMs = RATE_LIMIT_WINDOW_MS,
    private readonly realNow: () => number = Date.now,
  ) {}

  /** Counts one request and says whether it may proceed, with the headers to send either way. */
  check(token: string): RateLimitVerdict {
    const now = this.realNow();
    const window = this.windowFor(token, now);
    if (window.blockedUntilMs > now) return { blocked: true, headers: this.blockedHeaders(window, now) };
    if (now - window.windowStartMs >= this.windowMs) {
      window.windowStartMs = now;
      window.count = 0;
    }
    window.count += 1;
    if (window.count > this.limit) {
      this.block(token, this.windowMs, 'seconds');
      return { blocked: true, headers: this.blockedHeaders(window, now) };
    }
    return {
      blocked: false,
      headers: { 'x-ratelimit-limit': String(this.limit), 'x-ratelimit-remaining': String(this.limit - window.count) },
    };
  }

  /** Blocks the token for `ms`; a fresh window starts when the block ends. */
  block(token: string, ms: number, format: 'seconds' | 'http-date'): void {
    const now = this.realNow();
    const window = this.windowFor(token, now);
    // An HTTP date has whole seconds: round up so a client that waits until that date is never early.
    const until = format === 'http-date' ? Math.ceil((now + ms) / 1000) * 1000 : now + ms;
    window.blockedUntilMs = until;
    window.retryAfterFormat = format;
    window.windowStartMs = until;
    window.count = 0;
  }

  private windowFor(token: string, now: number): TokenWindow {
    let window = this.windows.get(token);
    if (!window) {
      window = { windowStartMs: now, count: 0, blockedUntilMs: 0, retryAfterFormat: 'seconds' };
      this.windows.set(token, window);
    }
    return window;
  }

  private blockedHeaders(window: TokenWindow, now: number): Record<string, string> {
    const resetDate = new Date(window.blockedUntilMs).toUTCString();
    return {
      'retry-after':
        window.retryAfterFormat === 'http-date'
          ? resetDate
          : String(Math.max(1, Math.ceil((window.blockedUntilMs - now) / 1000))),
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': resetDate,
    };
  }
}
