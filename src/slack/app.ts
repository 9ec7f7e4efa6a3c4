import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, isValidSlackRequest, type webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import {
  type CheckResult,
  type Exposition,
  Readiness,
  type ReadinessCheck,
  type ReadinessReport,
  type SlackCallEvent,
} from '../metrics.js';
import { boltLogger } from './bolt-logger.js';

export interface SlackAppOptions {
  slack: Config['slack'];
  port: number;
  /** Interface to listen on; all by default (a container's port mapping needs that). */
  host?: string;
  logger: Logger;
  /** What /readyz and /metrics serve; without it /readyz checks only the Slack token and /metrics is absent. */
  operations?: Operations;
  /** Called once per Web API HTTP call (metrics). */
  onApiCall?: (event: SlackCallEvent) => void;
}

export interface Operations {
  /** Readiness checks besides Slack's (this module adds "slack": the bot token accepted by auth.test). */
  checks: Record<string, ReadinessCheck>;
  metrics(): Promise<Exposition>;
}

export interface SlackApp {
  app: App;
  /** Starts receiving Slack requests (HTTP or Socket Mode); resolves with the HTTP port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

const HEALTH_PATH = '/healthz';
const READY_PATH = '/readyz';
const METRICS_PATH = '/metrics';
/** auth.test is cheap but rate limited (tier 4); probes come every few seconds. */
const SLACK_CHECK_CACHE_MS = 30_000;

/**
 * The Bolt app in either mode. HTTP: events, interactivity and options at /slack/events; /healthz, /readyz and
 * /metrics beside them. Socket Mode (SLACK_APP_TOKEN set): Slack connects out over a WebSocket; the same three
 * operations routes are still served on PORT.
 */
export function createSlackApp({ slack, port, host, logger, operations, onApiCall }: SlackAppOptions): SlackApp {
  const clientOptions = {
    slackApiUrl: slack.apiUrl,
    // Explicit, or Socket Mode would set 100 retries on every client (reference §7.3 #10).
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
    ...(onApiCall ? { fetch: countingFetch(onApiCall) } : {}),
  };
  const common = { token: slack.botToken, logger: boltLogger(logger), clientOptions, deferInitialization: true };
  const routesFor = (app: App) => {
    const readiness = new Readiness({
      ...operations?.checks,
      slack: { cacheMs: SLACK_CHECK_CACHE_MS, run: () => slackTokenCheck(app) },
    });
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
    return (req: IncomingMessage, res: ServerResponse) => operationsRoute(req, res, report, operations, logger);
  };

  if (slack.mode === 'socket' && slack.appToken) {
    const app = new App({ ...common, socketMode: true, appToken: slack.appToken });
    const serveOperations = routesFor(app);
    let health: Server | null = null;
    return {
      app,
      async start() {
        await app.init();
        await app.start();
        health = createServer((req, res) => {
          if (serveOperations(req, res)) return;
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        });
        await new Promise<void>((resolve) => health?.listen(port, host, resolve));
        return (health.address() as AddressInfo).port;
      },
      async stop() {
        await app.stop();
        await new Promise((resolve) => (health ? health.close(resolve) : resolve(undefined)));
        health?.closeAllConnections();
      },
    };
  }

  const signingSecret = slack.signingSecret ?? '';
  const receiver = new HTTPReceiver({
    signingSecret,
    endpoints: '/slack/events',
    logger: common.logger,
  });
  const app = new App({ ...common, receiver });
  const serveOperations = routesFor(app);
  // Our own server in front of Bolt's request listener: it serves /healthz, /readyz and /metrics, and refuses
  // requests signed with a timestamp more than 5 minutes away from now in either direction (Bolt alone accepts
  // future ones).
  const server = createServer((req, res) => {
    if (serveOperations(req, res)) return;
    if (!timestampIsFresh(req.headers['x-slack-request-timestamp'], Date.now())) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('request timestamp is not within 5 minutes of now');
      return;
    }
    // Bolt reads `body.ssl_check` of whatever the body parses to, in a promise nobody awaits: a signed body of
    // `null` would crash the process. Read and check the body here; Bolt uses the bytes we hand it.
    readBody(req, BODY_LIMIT_BYTES).then(
      (raw) => {
        const signed = isValidSlackRequest({
          signingSecret,
          body: raw.toString('utf8'),
          headers: {
            'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
            'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
          },
        });
        if (!signed) {
          res.writeHead(401, { 'content-type': 'text/plain' }).end('request signature is not valid');
          return;
        }
        if (!isObjectBody(raw, req.headers['content-type'])) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed request body');
          return;
        }
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        receiver.requestListener(req, res);
      },
      () => {
        if (!res.headersSent) res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
      },
    );
  });
  return {
    app,
    async start() {
      await app.init();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
    },
  };
}

/**
 * Serves GET /healthz (alive: answers without asking anything else), /readyz (store, Slack and Cloudflare
 * credentials) and /metrics. Returns false for any other request.
 */
function operationsRoute(
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
async function slackTokenCheck(app: App): Promise<CheckResult> {
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

/**
 * The Web API's fetch, counting each HTTP call by method (from `/api/<method>`) and HTTP status. An `ok:false`
 * answer is counted by its HTTP status (200): telling it apart would mean reading the body here too.
 */
function countingFetch(onApiCall: (event: SlackCallEvent) => void): webApi.FetchFunction {
  return async (url, init) => {
    const method = apiMethodOf(url);
    try {
      const response = await globalThis.fetch(url, init);
      onApiCall({ method, status: String(response.status) });
      return response;
    } catch (error) {
      onApiCall({ method, status: 'error' });
      throw error;
    }
  };
}

function apiMethodOf(url: string | URL): string {
  try {
    const match = /\/api\/([A-Za-z0-9_.]{1,64})$/.exec(new URL(url).pathname);
    return match?.[1] ?? 'other';
  } catch {
    return 'other';
  }
}

const FIVE_MINUTES_S = 5 * 60;

/** Slack signs the request time; one far from now in either direction is a replay or a wrong clock. */
export function timestampIsFresh(header: string | string[] | undefined, nowMs: number): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= FIVE_MINUTES_S;
}

/** Bolt's own default limit. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A Slack request body is a form (a slash command, or `payload=<JSON object>`) or a JSON object. */
function isObjectBody(raw: Buffer, contentType: string | undefined): boolean {
  const isObject = (text: string) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  };
  const text = raw.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    return payload === null || isObject(payload);
  }
  return isObject(text);
}
