import type { SlackDriver } from '../../src/fake-slack/index.js';
import type { BenchEnvironment } from '../environment.js';
import type { Row } from '../report.js';
import { median, ms, percentile, ratio, timedLoad } from '../stats.js';

const CONCURRENT = { total: 500, concurrency: 20 };
const SEQUENTIAL = 300;
const RUNS = 5;

/** Sends `/capture` and fails loudly on anything but an immediate 200. */
async function slashCommand(driver: SlackDriver): Promise<void> {
  const answer = await driver.slashCommand('');
  if (answer.status !== 200) throw new Error(`/capture answered ${answer.status}`);
}

/**
 * Slash-command acks, the bot against a bare Bolt app that only acks: same machine, same run, same load,
 * runs interleaved so both see the same machine state.
 */
export async function slashCommandAcks(env: BenchEnvironment): Promise<{ rows: Row[]; bareP99: number }> {
  const bot = await env.startBot();
  const bare = await env.startBareBolt();
  const ours = bot.driver();
  const floor = bare.driver();
  // Warm both up (JIT, connection pools, the bot's access cache).
  await timedLoad(100, 10, () => slashCommand(ours));
  await timedLoad(100, 10, () => slashCommand(floor));

  const oursP99: number[] = [];
  const bareP99: number[] = [];
  const oursP50: number[] = [];
  const bareP50: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const barePass = await timedLoad(CONCURRENT.total, CONCURRENT.concurrency, () => slashCommand(floor));
    const opened = env.slack.callsTo('views.open').length;
    const oursPass = await timedLoad(CONCURRENT.total, CONCURRENT.concurrency, () => slashCommand(ours));
    // The bot opens each modal after its ack: let that finish before the next pass is timed.
    await env.slack.waitFor(() => env.slack.callsTo('views.open').length >= opened + CONCURRENT.total, 30_000);
    bareP99.push(percentile(barePass, 99));
    bareP50.push(percentile(barePass, 50));
    oursP99.push(percentile(oursPass, 99));
    oursP50.push(percentile(oursPass, 50));
  }
  const sequential: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const pass = await timedLoad(SEQUENTIAL, 1, () => slashCommand(ours));
    sequential.push(percentile(pass, 99));
  }
  const concurrentRatio = median(oursP99) / median(bareP99);
  return {
    bareP99: median(bareP99),
    rows: [
      {
        metric: `slash command ack, ${CONCURRENT.total} at ${CONCURRENT.concurrency} concurrent: p99 ours / bare Bolt`,
        target: '≤ 1.25',
        measured: `${ratio(concurrentRatio)} (ours p50 ${ms(median(oursP50))}, p99 ${ms(median(oursP99))}; bare p50 ${ms(median(bareP50))}, p99 ${ms(median(bareP99))})`,
        holds: concurrentRatio <= 1.25,
      },
      {
        metric: 'slash command ack, one at a time: p99',
        target: '≤ 10 ms',
        measured: ms(median(sequential)),
        holds: median(sequential) <= 10,
      },
    ],
  };
}
