import { SlackApiError } from './api-error.js';
import type { FailureSpec } from './types.js';

interface Armed {
  spec: FailureSpec;
  remaining: number;
}

/** `failNext` knobs: each armed failure answers the next `times` calls to its method instead of the real handler. */
export class Failures {
  private readonly armed = new Map<string, Armed[]>();

  arm(method: string, spec: FailureSpec = {}): void {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new RangeError(`failNext: times must be positive, got ${times}`);
    const list = this.armed.get(method) ?? [];
    list.push({ spec, remaining: times });
    this.armed.set(method, list);
  }

  clear(): void {
    this.armed.clear();
  }

  /** The failure this call must give, if one is armed; counts it down. */
  take(
    method: string,
  ): { error: SlackApiError; headers: Record<string, string>; afterProcessing: boolean; delayMs: number } | undefined {
    const list = this.armed.get(method);
    const armed = list?.[0];
    if (!list || !armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) list.shift();
    // On the upload URL and response_urls only the HTTP status means anything: fail them with a 500 by default.
    const status = armed.spec.status ?? (method === 'upload' || method === 'respond' ? 500 : 200);
    const error = armed.spec.error ?? defaultError(status);
    const headers: Record<string, string> = status === 429 ? { 'retry-after': String(armed.spec.retryAfter ?? 1) } : {};
    return {
      error: new SlackApiError(error, {}, status),
      headers,
      afterProcessing: armed.spec.afterProcessing === true,
      delayMs: armed.spec.delayMs ?? 0,
    };
  }
}

function defaultError(status: number): string {
  if (status === 429) return 'ratelimited';
  if (status >= 500) return 'internal_error';
  return 'fatal_error';
}
