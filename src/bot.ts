import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { AccessPolicy } from './captures/access.js';
import { AuditTrail } from './captures/audit.js';
import { DeviceDirectory } from './captures/device-directory.js';
import { Leases } from './captures/leases.js';
import { NoticeBoard } from './captures/notices.js';
import { ArtifactRelay, type RelayTiming } from './captures/relay.js';
import { FileRetention } from './captures/retention.js';
import { CaptureService } from './captures/service.js';
import { sweepSpools } from './captures/spool.js';
import { CaptureTracker } from './captures/tracker.js';
import type { Config } from './config.js';
import { DexClient } from './dex/client.js';
import { sharedRateLimitGate } from './dex/rate-limit.js';
import type { Logger } from './logger.js';
import {
  cloudflareTokenCheck,
  createMetrics,
  createOperationsRoutes,
  Readiness,
  slackTokenCheck,
  storeCheck,
} from './operations/index.js';
import { createSlackApp } from './slack/app.js';
import { AppHome, followingStatus } from './slack/app-home.js';
import { ChannelVisibility } from './slack/channels.js';
import { registerListeners } from './slack/listeners/index.js';
import { SlackNotifier } from './slack/notifier.js';
import { SlackPeople } from './slack/people.js';
import { Permalinks } from './slack/permalinks.js';
import { openStore } from './store/index.js';
import { WorkQueue } from './work-queue.js';

/** The shortest lease term (leases last three poll intervals): renewals must not crowd the store. */
const MIN_LEASE_MS = 10_000;

/** How long a shutdown waits for running uploads. */
const SHUTDOWN_GRACE_MS = 20_000;

/** Cloudflare's documented deep link to the remote captures page (it asks for the account when needed). */
const DASHBOARD_URL = 'https://dash.cloudflare.com/?to=/:account/dex/remote-captures';

export interface Bot {
  /** Resolves once the bot takes requests; gives the HTTP port (events or health). */
  start(): Promise<{ port: number }>;
  /** Stops taking requests and polling, lets running uploads finish, closes the store. */
  stop(): Promise<void>;
  /** Runs one poll now, and waits for what it has to tell people to be delivered (tests, demo). */
  poll(): Promise<void>;
  /** Resolves when no artifact is being relayed and no notice is being delivered. */
  idle(): Promise<void>;
}

export interface BotOptions {
  logger: Logger;
  host?: string;
  now?: () => Date;
  /** Transfer deadlines and retry waits of the artifact relay; tests shorten them. */
  relayTiming?: Partial<RelayTiming>;
}

/** Builds the whole bot from configuration: every dependency is made here and passed in. */
export async function createBot(
  config: Config,
  { logger, host, now = () => new Date(), relayTiming }: BotOptions,
): Promise<Bot> {
  const store = await openStore(config.databaseUrl, now());
  // One registry per bot: two bots in one process never share counters.
  const metrics = createMetrics();
  const dex = new DexClient({
    baseUrl: config.cloudflare.apiUrl,
    accountId: config.cloudflare.accountId,
    token: config.cloudflare.apiToken,
    onCall: metrics.dexCall,
    onSkippedItem: (event) => {
      metrics.dexItemSkipped(event);
      logger.warn({ ...event }, 'Cloudflare list item skipped');
    },
    // Held in the store: a 429 seen by one replica holds back every replica using the token.
    rateLimitGate: sharedRateLimitGate(store),
    logger,
  });
  // Work done by one replica at a time; a stopped replica's share is taken over within three poll intervals.
  const leases = new Leases(
    store,
    `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    Math.max(3 * config.pollIntervalSeconds * 1000, MIN_LEASE_MS),
    logger,
    now,
  );
  const slack = createSlackApp({
    slack: config.slack,
    port: config.port,
    host,
    logger,
    onApiCall: metrics.slackCall,
    operations: createOperationsRoutes({
      readiness: new Readiness({
        store: storeCheck(store),
        // Through the shared quota read: probes cost no more Cloudflare calls than a burst of /capture quota.
        cloudflare: cloudflareTokenCheck({ getQuota: (options) => service.quota(options?.signal) }),
        // The bot token, through this Slack app's own Web API client (read at probe time, after the start).
        slack: slackTokenCheck(() => slack.app.client.auth.test()),
      }),
      metrics,
      logger,
    }),
  });
  // App Home is built once the service exists; until then there is no tab to follow.
  let home: AppHome | null = null;
  const people = new SlackPeople(slack.app.client);
  const slackNotifier = new SlackNotifier({
    client: slack.app.client,
    dashboardUrl: DASHBOARD_URL,
    artifactDestination: config.artifactDestination,
    retentionMs: config.artifactRetentionMs,
    approvers: { groups: config.access.approverGroups, idOf: (group) => people.groupId(group) },
    now,
  });
  const notifier = followingStatus(slackNotifier, (request) => home?.captureChanged(request.requestedBy));
  const directory = new DeviceDirectory(dex, () => now().getTime());
  const audit = new AuditTrail(store, logger);
  const notices = new NoticeBoard({ store, notifier, logger, now, leases, metrics, devices: directory, audit });
  const relay = new ArtifactRelay({
    store,
    dex,
    sink: notifier.artifacts,
    notices,
    logger,
    now,
    metrics,
    leases,
    ...(relayTiming ? { timing: relayTiming } : {}),
  });
  const retention =
    // Digests only: no file ever reaches Slack, so there is nothing to remove.
    config.artifactRetentionMs === null || config.artifactDestination === 'digest'
      ? null
      : new FileRetention({
          store,
          files: slackNotifier,
          notices,
          retentionMs: config.artifactRetentionMs,
          logger,
          now,
          leases,
          metrics,
          audit,
        });
  const tracker = new CaptureTracker({
    store,
    dex,
    notices,
    relay,
    logger,
    now,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
    metrics,
    leases,
    adoptAbandoned: () => service.resume(),
    sweep: async () => {
      await retention?.sweep();
    },
  });
  const access = new AccessPolicy(config.access, people, () => now().getTime());
  const service = new CaptureService({
    store,
    dex,
    directory,
    notices,
    relay,
    audit,
    logger,
    now,
    onStart: metrics.captureStarted,
    leases,
    notifyDeviceOwner: config.notifyDeviceOwner,
    approvalRequired: access.approvalRequired,
  });
  const permalinks = new Permalinks(slack.app.client);
  home = new AppHome({ client: slack.app.client, service, access, permalinks, logger, now });
  registerListeners(slack.app, {
    service,
    access,
    home,
    permalinks,
    channels: new ChannelVisibility(slack.app.client, () => now().getTime()),
    followUps: new WorkQueue(4),
    audit,
    logger,
    now,
    artifactDestination: config.artifactDestination,
    reasonRequired: config.reasonRequired,
  });

  return {
    async start() {
      await sweepSpools();
      const port = await slack.start();
      await service.resume();
      await tracker.resume();
      tracker.start();
      logger.info({ port, mode: config.slack.mode }, 'dex-capture-bot is ready');
      return { port };
    },
    async stop() {
      // Stop taking work, let running uploads finish for a bounded time (each step is stored, so one cut
      // short resumes at the next start), then close.
      await slack.stop();
      await tracker.stop();
      relay.stopWaiting();
      const finished = await Promise.race([
        Promise.all([relay.idle(), notices.idle(), home?.idle()]).then(() => true),
        delay(SHUTDOWN_GRACE_MS, false, { ref: false }),
      ]);
      if (!finished)
        logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'uploads still running at shutdown; they resume at the next start');
      // Closing waits for requests in flight; an upload cut short above must not hold the exit.
      await Promise.race([dex.close().catch(() => {}), delay(2_000, undefined, { ref: false })]);
      await store.close();
    },
    async poll() {
      await tracker.tick();
      await notices.idle();
    },
    async idle() {
      // A notice may start an upload's wait and an upload may add notices: until both are quiet.
      do {
        await service.idle();
        await relay.idle();
        await notices.idle();
        await home?.idle();
      } while (!relay.isIdle() || !notices.isIdle());
    },
  };
}
