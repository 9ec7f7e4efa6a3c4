import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  /** Retries after the first try, for safe (GET) calls only. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A rate-limit hold longer than this is not waited out inside one call: the call fails at once. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRateLimitWaitMs: 5 * 60_000,
};

/** Time and randomness, injectable so tests can run retries without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};

/** Exponential backoff with "equal jitter": half fixed, half random, so retries from many callers spread out. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
