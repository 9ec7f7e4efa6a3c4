import type { DexClient } from '../dex/client.js';
import { DexApiError, DexNetworkError, DexRateLimitError, DexResponseError } from '../dex/errors.js';
import type { CheckResult, ReadinessCheck } from './readiness.js';

/**
 * The checks behind /readyz, one per dependency. Each asks the cheapest question that proves the dependency takes
 * our requests, and answers in our own words: an error's message or headers could carry a secret.
 */

/** auth.test is cheap but rate limited (tier 4); probes come every few seconds. */
const SLACK_CHECK_CACHE_MS = 30_000;
/** The quota endpoint counts against the token's 1200 requests per 5 minutes, shared with the dashboard. */
const CLOUDFLARE_CHECK_CACHE_MS = 30_000;

/** The store answers a primary-key read. Its error (maybe a connection string) is not shown. */
export function storeCheck(store: { getRequest(id: string): Promise<unknown> }): ReadinessCheck {
  return {
    run: () =>
      store.getRequest('readyz-probe').then(
        (): CheckResult => ({ ok: true }),
        (): CheckResult => ({ ok: false, reason: 'the store did not answer' }),
      ),
  };
}

/**
 * Slack accepted the bot token: `authTest` is the Web API's auth.test. The reason is Slack's error code only (never
 * a message or a header).
 */
export function slackTokenCheck(authTest: () => Promise<unknown>, cacheMs = SLACK_CHECK_CACHE_MS): ReadinessCheck {
  return {
    cacheMs,
    async run() {
      try {
        await authTest();
        return { ok: true };
      } catch (error) {
        const { code, data } = (error ?? {}) as { code?: string; data?: { error?: unknown } };
        if (code === 'slack_webapi_platform_error') {
          const said = typeof data?.error === 'string' && /^[a-z_]{1,64}$/.test(data.error) ? data.error : 'an error';
          return { ok: false, reason: `Slack answered auth.test with ${said}` };
        }
        if (code === 'slack_webapi_rate_limited_error') return { ok: true, reason: 'rate limited' };
        return { ok: false, reason: 'Slack could not be reached' };
      }
    },
  };
}

/** Cloudflare accepted the API token: the quota endpoint answers (a 429 means the token was accepted). */
export function cloudflareTokenCheck(
  dex: Pick<DexClient, 'getQuota'>,
  cacheMs = CLOUDFLARE_CHECK_CACHE_MS,
): ReadinessCheck {
  return {
    cacheMs,
    async run(signal) {
      try {
        await dex.getQuota({ signal });
        return { ok: true };
      } catch (error) {
        if (error instanceof DexRateLimitError) {
          return { ok: true, reason: `rate limited until ${error.retryAt.toISOString()}` };
        }
        if (error instanceof DexApiError) {
          return error.status === 401 || error.status === 403
            ? { ok: false, reason: `Cloudflare refused the API token (HTTP ${error.status})` }
            : { ok: false, reason: `Cloudflare answered HTTP ${error.status}` };
        }
        if (error instanceof DexNetworkError) return { ok: false, reason: 'Cloudflare could not be reached' };
        if (error instanceof DexResponseError) return { ok: false, reason: 'Cloudflare sent an unexpected answer' };
        return { ok: false, reason: 'the Cloudflare check failed' };
      }
    },
  };
}
