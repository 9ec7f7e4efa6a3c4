import { createHash } from 'node:crypto';

/**
 * Holds back every call made with one API token after Cloudflare answered 429. Cloudflare blocks the
 * whole token (shared with the dashboard) for the window, so any call sent meanwhile is wasted and
 * may extend the block. Keyed by a hash of the token so the token itself is never stored or logged.
 * An interface so replicas can share one gate (`sharedRateLimitGate`, kept in the store).
 */
export interface RateLimitGate {
  /** The time until which calls with this key must wait, or null when they may go now. */
  heldUntil(key: string): Promise<Date | null>;
  hold(key: string, until: Date): Promise<void>;
}

export class InMemoryRateLimitGate implements RateLimitGate {
  readonly #holds = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async heldUntil(key: string): Promise<Date | null> {
    const until = this.#holds.get(key);
    if (until === undefined) return null;
    if (until <= this.now()) {
      this.#holds.delete(key);
      return null;
    }
    return new Date(until);
  }

  async hold(key: string, until: Date): Promise<void> {
    // Never shorten an existing hold: two 429s may arrive out of order.
    const current = this.#holds.get(key) ?? 0;
    this.#holds.set(key, Math.max(current, until.getTime()));
  }
}

/** Where a shared gate keeps its holds: the bot's store, which every replica reads. */
export interface RateLimitHolds {
  rateLimitUntil(key: string): Promise<Date | null>;
  holdRateLimit(key: string, until: Date): Promise<void>;
}

/** A gate kept in shared storage: a 429 seen by one replica holds back every replica using the token. */
export function sharedRateLimitGate(holds: RateLimitHolds): RateLimitGate {
  return { heldUntil: (key) => holds.rateLimitUntil(key), hold: (key, until) => holds.holdRateLimit(key, until) };
}

export function rateLimitKey(token: string): string {
  return `cf-token:${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
}

/**
 * `Retry-After` is seconds or an HTTP date (RFC 9110). Falls back to Cloudflare's documented
 * five-minute block when the header is missing or unreadable.
 */
export function retryAfterToDate(header: string | null | undefined, now: number): Date {
  const FIVE_MINUTES = 5 * 60_000;
  if (header) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return new Date(now + Math.ceil(Number(trimmed) * 1000));
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return new Date(Math.max(date, now));
  }
  return new Date(now + FIVE_MINUTES);
}
