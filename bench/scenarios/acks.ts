import { request } from 'undici';
import { filledModal, optionFor } from '../../src/demo/local-environment.js';
import { type FakeView, type SlackDriver, values } from '../../src/fake-slack/index.js';
import { DEVICES_ACTION, DEVICES_BLOCK } from '../../src/slack/ui/ids.js';
import type { BenchEnvironment, BotProcess } from '../environment.js';
import type { Row } from '../report.js';
import { median, ms, percentile, ratio, timedLoad } from '../stats.js';

const LOAD = { total: 500, concurrency: 20 };
const SEQUENTIAL = 300;
const SUBMISSIONS = 500;
const RUNS = 5;

/** The bare Bolt app: a signed Slack client pointed at it. */
export interface Floor {
  driver(): SlackDriver;
}

/** Sends `/capture` and fails loudly on anything but an immediate 200. */
async function slashCommand(driver: SlackDriver): Promise<string> {
  const answer = await driver.slashCommand('');
  if (answer.status !== 200) throw new Error(`/capture answered ${answer.status}`);
  return answer.triggerId;
}

/** Waits until the bot has opened every modal it was asked for: its follow-up work must not spill into a timed pass. */
async function modalsOpened(env: BenchEnvironment, count: number): Promise<void> {
  await env.slack.waitFor(() => env.slack.callsTo('views.open').filter((c) => c.ok).length >= count, 60_000);
}

/**
 * Slash-command acks, the bot against a bare Bolt app that only acks: same machine, same run, same load,
 * passes interleaved so both see the same machine state.
 */
export async function slashCommandAcks(env: BenchEnvironment, bot: BotProcess, floor: Floor): Promise<Row[]> {
  const ours = bot.driver();
  const theirs = floor.driver();
  await timedLoad(100, 10, () => slashCommand(ours).then(() => {}));
  await timedLoad(100, 10, () => slashCommand(theirs).then(() => {}));
  await modalsOpened(env, 100);

  const p99 = { ours: [] as number[], bare: [] as number[] };
  const p50 = { ours: [] as number[], bare: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const bare = await timedLoad(LOAD.total, LOAD.concurrency, () => slashCommand(theirs).then(() => {}));
    const opened = env.slack.callsTo('views.open').length;
    const pass = await timedLoad(LOAD.total, LOAD.concurrency, () => slashCommand(ours).then(() => {}));
    await modalsOpened(env, opened + LOAD.total);
    p99.bare.push(percentile(bare, 99));
    p50.bare.push(percentile(bare, 50));
    p99.ours.push(percentile(pass, 99));
    p50.ours.push(percentile(pass, 50));
  }
  const sequential: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    sequential.push(percentile(await timedLoad(SEQUENTIAL, 1, () => slashCommand(ours).then(() => {})), 99));
  }
  const concurrentRatio = median(p99.ours) / median(p99.bare);
  return [
    {
      metric: `slash command ack, ${LOAD.total} at ${LOAD.concurrency} concurrent: p99 ours / bare Bolt`,
      target: '≤ 1.25',
      measured: `${ratio(concurrentRatio)} (ours p50 ${ms(median(p50.ours))}, p99 ${ms(median(p99.ours))}; bare p50 ${ms(median(p50.bare))}, p99 ${ms(median(p99.bare))})`,
      holds: concurrentRatio <= 1.25,
    },
    {
      metric: 'slash command ack, one at a time: p99',
      target: '≤ 10 ms',
      measured: ms(median(sequential)),
      holds: median(sequential) <= 10,
    },
  ];
}

/**
 * View submissions of 10 devices × 2 types, against a bare Bolt app acking the same submissions; then checks
 * that every submission became one create call at Cloudflare (made after the ack).
 */
export async function viewSubmissionAcks(
  env: BenchEnvironment,
  bot: BotProcess,
  floor: Floor,
  deviceNames: readonly string[],
): Promise<Row[]> {
  const ours = bot.driver();
  const theirs = floor.driver();
  // The devices, as the agent would pick them after a search (which is also how the bot learns them).
  const firstModal = await filledModal(env.slack, await slashCommand(ours));
  const answer = await ours.searchOptions(firstModal.id, DEVICES_ACTION, DEVICES_BLOCK, 'BENCH-PC');
  const picked = deviceNames.map((name) => optionFor(answer, name));
  const selection = values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, picked);

  const ourModals = async () => {
    const ids: string[] = [];
    for (let i = 0; i < SUBMISSIONS; i++) ids.push((await filledModal(env.slack, await slashCommand(ours))).id);
    return ids;
  };
  const bareModals = async () => {
    const ids: string[] = [];
    for (let i = 0; i < SUBMISSIONS; i++) ids.push(await sameModalFor(env, firstModal));
    return ids;
  };
  const p99 = { ours: [] as number[], bare: [] as number[] };
  const createsBefore = env.sim.requests.filter((r) => r.endpoint === 'create').length;
  let submitted = 0;
  for (let run = 0; run < RUNS; run++) {
    const bareViews = await bareModals();
    const ourViews = await ourModals();
    p99.bare.push(
      percentile(
        await timedLoad(SUBMISSIONS, LOAD.concurrency, (i) => submit(theirs, bareViews[i] as string, selection)),
        99,
      ),
    );
    p99.ours.push(
      percentile(
        await timedLoad(SUBMISSIONS, LOAD.concurrency, (i) => submit(ours, ourViews[i] as string, selection)),
        99,
      ),
    );
    submitted += SUBMISSIONS;
    // Each accepted submission creates its captures after the ack: wait for them before the next pass.
    await env.slack.waitFor(
      () => env.sim.requests.filter((r) => r.endpoint === 'create').length - createsBefore >= submitted,
      60_000,
    );
  }
  const creates = env.sim.requests.filter((r) => r.endpoint === 'create' && r.status === 200).length - createsBefore;
  const value = median(p99.ours) / median(p99.bare);
  return [
    {
      metric: `view submission ack (10 devices × 2 types), ${SUBMISSIONS} at ${LOAD.concurrency} concurrent: p99 ours / bare Bolt`,
      target: '≤ 1.5; captures created after the ack',
      measured: `${ratio(value)} (ours p99 ${ms(median(p99.ours))}, bare ${ms(median(p99.bare))}); ${creates} of ${submitted} submissions created at Cloudflare after their ack`,
      holds: value <= 1.5 && creates === submitted,
    },
  ];
}

/**
 * The bare app opens no modals: the same modal the bot opened is opened here with a fresh trigger, so its
 * submissions carry exactly the same view and state as the bot's.
 */
async function sameModalFor(env: BenchEnvironment, view: FakeView): Promise<string> {
  const answer = await request(`${env.slack.apiUrl}views.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.slack.botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ trigger_id: env.slack.issueTrigger(view.userId), view: view.view }),
  });
  const body = (await answer.body.json()) as { ok: boolean; view?: { id: string }; error?: string };
  if (!body.ok || !body.view) throw new Error(`views.open for the bare app failed: ${body.error}`);
  return body.view.id;
}

async function submit(driver: SlackDriver, viewId: string, selection: ReturnType<typeof values.multiExternal>) {
  const result = await driver.submitView(viewId, selection);
  if (result.status !== 200 || result.outcome !== 'closed') {
    throw new Error(`submission answered ${result.status} (${result.outcome}): ${JSON.stringify(result.body)}`);
  }
}
