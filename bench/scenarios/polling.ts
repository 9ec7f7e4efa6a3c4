import { createBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { filledModal, HELPDESK_GROUP, localEnvironment, offeredOptions } from '../../src/demo/local-environment.js';
import { type FakeMessage, type FakeSlack, startFakeSlack, values } from '../../src/fake-slack/index.js';
import { createLogger } from '../../src/logger.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { typeLabel } from '../../src/slack/ui/format.js';
import { DEVICES_ACTION, DEVICES_BLOCK, TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
import type { Row } from '../report.js';

const TRACKED = [0, 1, 10, 100, 1_000];
const DEVICES = 10;

interface Tick {
  listCalls: number;
  chatUpdates: number;
}

/**
 * What polling costs, counted rather than timed: the bot in this process (so a test-style `poll()` drives each
 * tick), with 0 to 1,000 commands tracked. For each tick: Cloudflare list calls, and `chat.update` calls.
 */
export async function pollingCosts(): Promise<Row[]> {
  const callsPerTick: string[] = [];
  let callsHold = true;
  let unchangedUpdates = 0;
  let noOpUpdates = 0;
  let updates = 0;
  for (const tracked of TRACKED) {
    const run = await trackAndPoll(tracked);
    const allowed = Math.ceil(tracked / 50);
    const worst = Math.max(...run.ticks.map((t) => t.listCalls));
    callsPerTick.push(`${tracked} → ${worst}`);
    callsHold &&= worst <= allowed;
    unchangedUpdates += run.unchanged.chatUpdates;
    noOpUpdates += run.noOpUpdates;
    updates += run.ticks.reduce((sum, t) => sum + t.chatUpdates, 0);
  }
  return [
    {
      metric: 'Cloudflare calls per poll tick, by commands tracked (most in any tick)',
      target: '≤ ceil(tracked / 50); 0 when none',
      measured: callsPerTick.join(', '),
      holds: callsHold,
    },
    {
      metric: '`chat.update` calls: updates that changed nothing, and updates on polls where nothing changed',
      target: '0 and 0 (one per real change)',
      measured: `${noOpUpdates} of ${updates} changed nothing; ${unchangedUpdates} on unchanged polls`,
      holds: noOpUpdates === 0 && unchangedUpdates === 0,
    },
  ];
}

async function trackAndPoll(tracked: number) {
  const sim = await startDexSimulator({
    fleetSize: 20,
    seed: 3,
    quota: { total: 1_000_000 },
    rateLimitRequests: 1_000_000,
    artifactSizeBytes: { 'warp-diag': 4096, pcap: 4096 },
  });
  for (let i = 0; i < DEVICES; i++) {
    sim.addDevice({ deviceName: `POLL-PC-${i}`, personEmail: 'poll@example.com', platform: 'windows' });
  }
  const slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
  const config = loadConfig(localEnvironment(slack, sim, { databaseUrl: 'sqlite::memory:', pollIntervalSeconds: 300 }));
  const bot = await createBot(config, { logger: createLogger({ write: () => {} }), host: '127.0.0.1' });
  try {
    const { port } = await bot.start();
    const agent = slack.driver({
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      userId: 'U_ALICE',
      channelId: 'C_HELPDESK',
    });
    await startCaptures(slack, sim, agent, tracked);

    const tick = async (): Promise<Tick> => {
      sim.clearRequests();
      const before = slack.callsTo('chat.update').length;
      await bot.poll();
      await bot.idle();
      return {
        listCalls: sim.requests.filter((r) => r.endpoint === 'list').length,
        chatUpdates: slack.callsTo('chat.update').length - before,
      };
    };
    const first = await tick();
    const unchanged = await tick();
    sim.advance(60 * 60_000); // every capture finishes
    const finished = await tick();
    const after = await tick();
    return { ticks: [first, unchanged, finished, after], unchanged: unchanged, noOpUpdates: noOpUpdates(slack) };
  } finally {
    await bot.stop();
    await slack.close();
    await sim.close();
  }
}

/** `tracked` WARP diagnostics started through Slack, ten devices per request, as an agent would. */
async function startCaptures(
  slack: FakeSlack,
  sim: DexSimulator,
  agent: ReturnType<FakeSlack['driver']>,
  tracked: number,
): Promise<void> {
  if (tracked === 0) return;
  const first = await filledModal(slack, (await agent.slashCommand('')).triggerId);
  const answer = await agent.searchOptions(first.id, DEVICES_ACTION, DEVICES_BLOCK, 'POLL-PC');
  const options = offeredOptions(answer);
  const types = values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: typeLabel('warp-diag'), value: 'warp-diag' }]);
  let started = 0;
  let requests = 0;
  let viewId = first.id;
  while (started < tracked) {
    const count = Math.min(DEVICES, tracked - started);
    const picked = options.slice(0, count).map((o) => ({ text: o.text.text, value: o.value }));
    const result = await agent.submitView(
      viewId,
      values.merge(values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, picked), types),
    );
    if (result.outcome !== 'closed') throw new Error(`submission refused: ${JSON.stringify(result.body)}`);
    started += count;
    requests += 1;
    if (started < tracked) viewId = (await filledModal(slack, (await agent.slashCommand('')).triggerId)).id;
  }
  // Every request created at Cloudflare and its status message posted.
  await slack.waitFor(
    () =>
      sim.commands.length >= tracked &&
      slack.messages('C_HELPDESK').filter((m) => m.kind === 'message' && !m.threadTs).length >= requests,
    30_000,
  );
}

/** Edits that left a message exactly as it was. */
function noOpUpdates(slack: FakeSlack): number {
  let count = 0;
  for (const message of slack.messages('C_HELPDESK')) {
    if (message.kind !== 'message') continue;
    const versions = [...(message as FakeMessage).history, message as FakeMessage].map((v) =>
      JSON.stringify([v.text, v.blocks]),
    );
    for (let i = 1; i < versions.length; i++) if (versions[i] === versions[i - 1]) count++;
  }
  return count;
}
