import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { Exposition } from './metrics.js';
import type { ReadinessReport } from './readiness.js';

const HEALTH_PATH = '/healthz';
const READY_PATH = '/readyz';
const METRICS_PATH = '/metrics';

/** Answers the request and returns true if it is one of the operations routes; returns false for any other. */
export type OperationsRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface OperationsRoutesOptions {
  /** What /readyz sums up (a `Readiness`). */
  readiness: { report(): Promise<ReadinessReport> };
  /** What /metrics serves (the bot's `BotMetrics`). */
  metrics: { exposition(): Promise<Exposition> };
  logger: Logger;
}

/**
 * GET /healthz (alive: answers without asking anything else), /readyz (200 or 503 with the report as JSON) and
 * /metrics (the Prometheus text exposition). Whoever serves HTTP mounts these first and handles the rest.
 */
export function createOperationsRoutes({ readiness, metrics, logger }: OperationsRoutesOptions): OperationsRoutes {
  let wasReady: boolean | null = null;
  const report = async () => {
    const answer = await readiness.report();
    // Logged when readiness changes, not on every probe.
    if (answer.ready !== wasReady) {
      if (answer.ready) logger.info({ checks: answer.checks }, 'ready');
      else logger.warn({ failed: answer.failed, checks: answer.checks }, 'not ready');
    }
    wasReady = answer.ready;
    return answer;
  };

  return (req, res) => {
    if (req.method !== 'GET') return false;
    const path = (req.url ?? '').split('?')[0];
    if (path === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok');
      return true;
    }
    if (path === READY_PATH) {
      report()
        .then((answer) => {
          res
            .writeHead(answer.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
            .end(JSON.stringify(answer));
        })
        .catch(() => answerError(res, 503));
      return true;
    }
    if (path === METRICS_PATH) {
      metrics
        .exposition()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
        .catch((error) => {
          logger.error({ err: error }, 'metrics could not be collected');
          answerError(res, 500);
        });
      return true;
    }
    return false;
  };
}

function answerError(res: ServerResponse, status: number): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
  res.end('error');
}
