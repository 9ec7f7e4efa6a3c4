import { createServer, type Server } from 'node:http';
import { App, HTTPReceiver, type webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { closeNow, listen } from '../http-lifecycle.js';
import type { Logger } from '../logger.js';
import type { OperationsRoutes, SlackCallEvent } from '../operations/index.js';
import { boltLogger } from './bolt-logger.js';
import { gateSlackRequest } from './request-gate.js';
import { undiciFetch } from './web-api-fetch.js';

export interface SlackAppOptions {
  slack: Config['slack'];
  port: number;
  /** Interface to listen on; all by default (a container's port mapping needs that). */
  host?: string;
  logger: Logger;
  /** /healthz, /readyz and /metrics (src/operations/), served on PORT before anything else. */
  operations: OperationsRoutes;
  /** Called once per Web API HTTP call (metrics). */
  onApiCall?: (event: SlackCallEvent) => void;
}

export interface SlackApp {
  app: App;
  /** Starts receiving Slack requests (HTTP or Socket Mode); resolves with the HTTP port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

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

  if (slack.mode === 'socket' && slack.appToken) {
    const app = new App({ ...common, socketMode: true, appToken: slack.appToken });
    let health: Server | null = null;
    return {
      app,
      async start() {
        await app.init();
        await app.start();
        health = createServer((req, res) => {
          if (operations(req, res)) return;
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        });
        return listen(health, port, host);
      },
      async stop() {
        await app.stop();
        if (health) await closeNow(health);
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
  // Our own server in front of Bolt's request listener: it serves /healthz, /readyz and /metrics, and lets a
  // request reach Bolt only through the gate (fresh timestamp, valid signature, an object body).
  const server = createServer((req, res) => {
    if (operations(req, res)) return;
    gateSlackRequest(req, res, signingSecret, () => receiver.requestListener(req, res));
  });
  return {
    app,
    async start() {
      await app.init();
      return listen(server, port, host);
    },
    async stop() {
      // Keep-alive connections would hold a plain close() open.
      await closeNow(server);
    },
  };
}

/**
 * The Web API's fetch, counting each HTTP call by method (from `/api/<method>`) and HTTP status. An `ok:false`
 * answer is counted by its HTTP status (200): telling it apart would mean reading the body here too.
 */
function countingFetch(onApiCall: (event: SlackCallEvent) => void): webApi.FetchFunction {
  const fetch = undiciFetch();
  return async (url, init) => {
    const method = apiMethodOf(url);
    try {
      const response = await fetch(url, init);
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
