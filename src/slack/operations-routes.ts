import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { CheckResult, ReadinessReport } from '../metrics.js';
import type { Operations } from './app.js';

const HEALTH_PATH = '/healthz';
const READY_PATH = '/readyz';
const METRICS_PATH = '/metrics';
/** auth.test is cheap but rate limited (tier 4); probes come every few seconds. */
export const SLACK_CHECK_CACHE_MS = 30_000;

/**
 * Serves GET /healthz (alive: answers without asking anything else), /readyz (store, Slack and Cloudflare
 * credentials) and /metrics. Returns false for any other request.
 */
export function operationsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  readiness: () => Promise<ReadinessReport>,
  operations: Operations | undefined,
  logger: Logger,
): boolean {
  if (req.method !== 'GET') return false;
  const path = (req.url ?? '').split('?')[0];
  if (path === HEALTH_PATH) {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok');
    return true;
  }
  if (path === READY_PATH) {
    readiness()
      .then((report) => {
        res
          .writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end(JSON.stringify(report));
      })
      .catch(() => answerError(res, 503));
    return true;
  }
  if (path === METRICS_PATH && operations) {
    operations
      .metrics()
      .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
      .catch((error) => {
        logger.error({ err: error }, 'metrics could not be collected');
        answerError(res, 500);
      });
    return true;
  }
  return false;
}

function answerError(res: ServerResponse, status: number): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
  res.end('error');
}

/** Slack accepted the bot token. The reason is Slack's error code only (never a message or a header). */
export async function slackTokenCheck(app: App): Promise<CheckResult> {
  try {
    await app.client.auth.test();
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
}
