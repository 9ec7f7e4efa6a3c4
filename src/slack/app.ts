import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';

export interface SlackAppOptions {
  slack: Config['slack'];
  port: number;
  /** Interface to listen on; all by default (a container's port mapping needs that). */
  host?: string;
  logger: Logger;
}

export interface SlackApp {
  app: App;
  /** Starts receiving Slack requests (HTTP or Socket Mode); resolves with the HTTP port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

const HEALTH_PATH = '/healthz';

/**
 * The Bolt app in either mode. HTTP: events, interactivity and options at /slack/events, health at /healthz.
 * Socket Mode (SLACK_APP_TOKEN set): Slack connects out over a WebSocket; /healthz is still served on PORT.
 */
export function createSlackApp({ slack, port, host, logger }: SlackAppOptions): SlackApp {
  const clientOptions = {
    slackApiUrl: slack.apiUrl,
    // Explicit, or Socket Mode would set 100 retries on every client (reference §7.3 #10).
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true },
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
          const ok = req.method === 'GET' && req.url === HEALTH_PATH;
          res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not found');
        });
        await new Promise<void>((resolve) => health?.listen(port, host, resolve));
        return (health.address() as AddressInfo).port;
      },
      async stop() {
        await app.stop();
        await new Promise((resolve) => (health ? health.close(resolve) : resolve(undefined)));
      },
    };
  }

  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: common.logger,
  });
  const app = new App({ ...common, receiver });
  // Our own server in front of Bolt's request listener: it serves /healthz, and refuses requests signed with a
  // timestamp more than 5 minutes away from now in either direction (Bolt alone accepts future ones).
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!timestampIsFresh(req.headers['x-slack-request-timestamp'], Date.now())) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('request timestamp is not within 5 minutes of now');
      return;
    }
    receiver.requestListener(req, res);
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

const FIVE_MINUTES_S = 5 * 60;

/** Slack signs the request time; one far from now in either direction is a replay or a wrong clock. */
export function timestampIsFresh(header: string | string[] | undefined, nowMs: number): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= FIVE_MINUTES_S;
}
