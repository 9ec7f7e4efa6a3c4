import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { NoticeMetrics } from '../captures/notices.js';
import type { RelayMetrics } from '../captures/relay.js';
import type { RetentionMetrics } from '../captures/retention.js';
import type { TrackerMetrics } from '../captures/tracker.js';
import type { DexCallEvent, DexSkippedItemEvent } from '../dex/client.js';

/**
 * Prometheus metrics, served at /metrics: one registry per bot, never prom-client's global one, so two bots in one
 * process count apart.
 */

export type CaptureStartOutcome = 'started' | 'failed_to_start';

/** One Slack Web API HTTP call: the method from `/api/<method>`, and the HTTP status ('error' without one). */
export interface SlackCallEvent {
  method: string;
  status: string;
}

export interface Exposition {
  contentType: string;
  body: string;
}

export interface BotMetrics
  extends Required<RelayMetrics>,
    Required<TrackerMetrics>,
    Required<NoticeMetrics>,
    Required<RetentionMetrics> {
  readonly registry: Registry;
  captureStarted(outcome: CaptureStartOutcome): void;
  /** DexClient's `onCall`: once per HTTP attempt. */
  dexCall(event: DexCallEvent): void;
  /** DexClient's `onSkippedItem`: once per list item that could not be read. */
  dexItemSkipped(event: DexSkippedItemEvent): void;
  slackCall(event: SlackCallEvent): void;
  /** The text exposition format (`text/plain; version=0.0.4`). */
  exposition(): Promise<Exposition>;
}

const PREFIX = 'dex_capture_';

export function createMetrics(): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const capturesStarted = new Counter({
    name: `${PREFIX}captures_started_total`,
    help: 'Capture requests that reached Cloudflare, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const commandsFinished = new Counter({
    name: `${PREFIX}commands_finished_total`,
    help: 'Capture commands that reached a final state, by state.',
    labelNames: ['state'] as const,
    registers,
  });
  const timeToArtifact = new Histogram({
    name: `${PREFIX}time_to_artifact_seconds`,
    help: 'Seconds from a command being created to its file being posted in Slack.',
    buckets: [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 7200],
    registers,
  });
  const dexCalls = new Counter({
    name: `${PREFIX}dex_api_calls_total`,
    help: 'HTTP attempts to the Cloudflare DEX API, by endpoint and HTTP status ("error": no response).',
    labelNames: ['endpoint', 'status'] as const,
    registers,
  });
  const dexDuration = new Histogram({
    name: `${PREFIX}dex_api_call_duration_seconds`,
    help: 'Time until the Cloudflare DEX API answered (headers), by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const rateLimitWaits = new Counter({
    name: `${PREFIX}dex_rate_limit_waits_total`,
    help: 'DEX API calls that waited for a Cloudflare rate-limit hold before going out.',
    registers,
  });
  const rateLimitWaitSeconds = new Counter({
    name: `${PREFIX}dex_rate_limit_wait_seconds_total`,
    help: 'Seconds DEX API calls spent waiting for Cloudflare rate-limit holds.',
    registers,
  });
  const dexItemsSkipped = new Counter({
    name: `${PREFIX}dex_items_skipped_total`,
    help: 'Cloudflare DEX list items skipped because they could not be read (the rest of the page is kept), by endpoint.',
    labelNames: ['endpoint'] as const,
    registers,
  });
  const slackCalls = new Counter({
    name: `${PREFIX}slack_api_calls_total`,
    help: 'HTTP calls to the Slack Web API, by method and HTTP status ("error": no response).',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const bytesRelayed = new Counter({
    name: `${PREFIX}bytes_relayed_total`,
    help: 'Artifact bytes streamed from Cloudflare into Slack.',
    registers,
  });
  const fileRemovals = new Counter({
    name: `${PREFIX}file_removals_total`,
    help: 'Files removed from Slack under ARTIFACT_RETENTION, by outcome (removed, already-gone, retried after a failure).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const notices = new Counter({
    name: `${PREFIX}notices_total`,
    help: 'Status messages and thread replies, by kind and outcome (delivered, retried after a failure, abandoned).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const trackedCommands = new Gauge({
    name: `${PREFIX}tracked_commands`,
    help: 'Commands the tracker follows, as of its last poll.',
    registers,
  });

  // Known label values start at zero, so rates and alerts work before the first event.
  for (const outcome of ['started', 'failed_to_start'] as const) capturesStarted.inc({ outcome }, 0);
  for (const state of ['SUCCESS', 'FAILED', 'TIMED_OUT']) commandsFinished.inc({ state }, 0);
  for (const outcome of ['delivered', 'retried', 'abandoned']) notices.inc({ kind: 'status', outcome }, 0);
  for (const endpoint of ['list', 'devices']) dexItemsSkipped.inc({ endpoint }, 0);

  return {
    registry,
    captureStarted: (outcome) => capturesStarted.inc({ outcome }),
    commandFinished: (state) => commandsFinished.inc({ state }),
    trackedCommands: (count) => trackedCommands.set(count),
    noticeOutcome: ({ kind, outcome }) => notices.inc({ kind, outcome }),
    fileRemoval: (outcome) => fileRemovals.inc({ outcome }),
    artifactPosted: ({ secondsSinceCreated }) => timeToArtifact.observe(Math.max(0, secondsSinceCreated)),
    bytesRelayed: (bytes) => bytesRelayed.inc(bytes),
    dexCall(event) {
      dexCalls.inc({ endpoint: event.endpoint, status: event.status > 0 ? String(event.status) : 'error' });
      dexDuration.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
      if (event.rateLimitWaitMs > 0) {
        rateLimitWaits.inc();
        rateLimitWaitSeconds.inc(event.rateLimitWaitMs / 1000);
      }
    },
    dexItemSkipped: ({ endpoint }) => dexItemsSkipped.inc({ endpoint }),
    slackCall: ({ method, status }) => slackCalls.inc({ method, status }),
    async exposition() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
