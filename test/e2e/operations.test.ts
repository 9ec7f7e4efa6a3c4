import { afterEach, describe, expect, it } from 'vitest';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import {
  openModal,
  pickDevices,
  type Stack,
  startStack,
  statusMessageIn,
  visibleText,
  waitForStatus,
} from './stack.js';

let stack: Stack | undefined;
let extra: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const thing of extra) await thing.close();
  extra = [];
});

async function get(s: Stack, path: string) {
  const response = await fetch(`http://127.0.0.1:${s.port}${path}`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

interface Readiness {
  ready: boolean;
  failed: string[];
  checks: Record<string, { ok: boolean; reason?: string }>;
}

async function readiness(s: Stack): Promise<{ status: number; body: Readiness; text: string }> {
  const answer = await get(s, '/readyz');
  expect(answer.contentType).toMatch(/^application\/json/);
  return { status: answer.status, body: JSON.parse(answer.text) as Readiness, text: answer.text };
}

/** One sample's value from the text exposition, e.g. `sample(text, 'x_total', { outcome: 'started' })`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Nothing secret in a readiness answer: no Slack token, no Cloudflare token. */
function expectNoSecrets(s: Stack, text: string) {
  expect(text).not.toMatch(/xox[abp]-/);
  expect(text).not.toMatch(/xapp-/);
  expect(text).not.toContain(s.sim.token);
}

describe('operations routes over HTTP', () => {
  it('/healthz is alive and /readyz is ready when the store, Slack and Cloudflare all answer', async () => {
    stack = await startStack();
    const health = await get(stack, '/healthz');
    expect(health).toMatchObject({ status: 200, text: 'ok' });

    const ready = await readiness(stack);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      ready: true,
      failed: [],
      checks: { store: { ok: true }, cloudflare: { ok: true }, slack: { ok: true } },
    });
    expect(stack.slack.callsTo('auth.test').length).toBeGreaterThan(0);

    // Answers are cached: probes do not spend the APIs' rate limits.
    const authTests = stack.slack.callsTo('auth.test').length;
    const quotaCalls = stack.sim.requests.filter((r) => r.endpoint === 'quota').length;
    expect((await readiness(stack)).status).toBe(200);
    expect(stack.slack.callsTo('auth.test')).toHaveLength(authTests);
    expect(stack.sim.requests.filter((r) => r.endpoint === 'quota')).toHaveLength(quotaCalls);
  });

  it('/readyz is 503 naming Cloudflare when Cloudflare refuses the API token; /healthz stays 200', async () => {
    stack = await startStack();
    const s = stack;
    // The same address, now answered by a Cloudflare that knows another token.
    const port = s.sim.port;
    await s.sim.close();
    const other: DexSimulator = await startDexSimulator({ port, token: 'another-token', fleetSize: 0 });
    extra.push(other);

    const ready = await readiness(s);
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.failed).toEqual(['cloudflare']);
    expect(ready.body.checks.cloudflare).toEqual({ ok: false, reason: 'Cloudflare refused the API token (HTTP 401)' });
    expect(ready.body.checks.slack).toEqual({ ok: true });
    expectNoSecrets(s, ready.text);
    expect((await get(s, '/healthz')).status).toBe(200);
  });

  it('/readyz is 503 naming Cloudflare when Cloudflare cannot be reached', async () => {
    stack = await startStack();
    await stack.sim.close();
    const ready = await readiness(stack);
    expect(ready.status).toBe(503);
    expect(ready.body.failed).toEqual(['cloudflare']);
    expect(ready.body.checks.cloudflare?.reason).toMatch(/Cloudflare could not be reached|no answer within 5 s/);
    expect((await get(stack, '/healthz')).status).toBe(200);
  });

  it('/readyz is 503 naming Slack when Slack refuses the bot token', async () => {
    stack = await startStack();
    stack.slack.failNext('auth.test', { error: 'invalid_auth', times: 5 });
    const ready = await readiness(stack);
    expect(ready.status).toBe(503);
    expect(ready.body.failed).toEqual(['slack']);
    expect(ready.body.checks.slack).toEqual({ ok: false, reason: 'Slack answered auth.test with invalid_auth' });
    expect(ready.body.checks.cloudflare).toEqual({ ok: true });
    expectNoSecrets(stack, ready.text);
    expect((await get(stack, '/healthz')).status).toBe(200);
  });

  it('/metrics counts a whole capture: started, final states, DEX and Slack calls, bytes, time to artifact', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.addDevice({ deviceName: 'OPS-LAPTOP-1', personEmail: 'ops@example.com', platform: 'macos' });
    const viewId = await openModal(s);
    const result = await s.user.submitView(viewId, await pickDevices(s, viewId, ['OPS-LAPTOP-1']));
    expect(result.outcome).toBe('closed');
    await s.slack.waitFor(() => s.sim.commands.length === 2);
    await waitForStatus(s);

    const during = await get(s, '/metrics');
    expect(sample(during.text, 'dex_capture_tracked_commands')).toBe(0); // no poll yet

    s.sim.advance(15 * 60_000);
    await s.bot.poll();
    await s.bot.idle();
    expect(visibleText(statusMessageIn(s))).toMatch(/Finished/);

    const metrics = await get(s, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.text;
    expect(sample(text, 'dex_capture_captures_started_total', { outcome: 'started' })).toBe(1);
    expect(sample(text, 'dex_capture_captures_started_total', { outcome: 'failed_to_start' })).toBe(0);
    expect(sample(text, 'dex_capture_commands_finished_total', { state: 'SUCCESS' })).toBe(2);
    expect(sample(text, 'dex_capture_commands_finished_total', { state: 'FAILED' })).toBe(0);
    expect(sample(text, 'dex_capture_bytes_relayed_total')).toBeGreaterThan(0);
    expect(sample(text, 'dex_capture_dex_api_calls_total', { endpoint: 'create', status: '200' })).toBe(1);
    expect(sample(text, 'dex_capture_dex_api_calls_total', { endpoint: 'download', status: '200' })).toBe(2);
    expect(sample(text, 'dex_capture_dex_api_call_duration_seconds_count', { endpoint: 'create' })).toBe(1);
    expect(sample(text, 'dex_capture_slack_api_calls_total', { method: 'chat.postMessage', status: '200' })).toBe(
      s.slack.callsTo('chat.postMessage').length,
    );
    expect(sample(text, 'dex_capture_slack_api_calls_total', { method: 'chat.postMessage' })).toBeGreaterThan(0);
    expect(sample(text, 'dex_capture_time_to_artifact_seconds_count')).toBe(2);
    expect(sample(text, 'dex_capture_tracked_commands')).toBe(0);
    expect(sample(text, 'dex_capture_dex_rate_limit_waits_total')).toBe(0);
    expect(sample(text, 'dex_capture_dex_rate_limit_wait_seconds_total')).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);

    // A second bot in the same process counts on its own.
    const other = await startStack();
    extra.push(other);
    const fresh = (await get(other, '/metrics')).text;
    expect(sample(fresh, 'dex_capture_captures_started_total', { outcome: 'started' })).toBe(0);
    expect(sample(fresh, 'dex_capture_time_to_artifact_seconds_count')).toBe(0);
  });
});

describe('operations routes in Socket Mode', () => {
  it('serves /healthz, /readyz and /metrics on PORT', async () => {
    stack = await startStack({ mode: 'socket' });
    expect((await get(stack, '/healthz')).status).toBe(200);
    const ready = await readiness(stack);
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    const metrics = await get(stack, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(metrics.text, 'dex_capture_slack_api_calls_total', { method: 'apps.connections.open' })).toBe(1);
    expect((await get(stack, '/slack/events')).status).toBe(404);
  });
});
