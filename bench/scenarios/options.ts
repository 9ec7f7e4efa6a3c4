import { request } from 'undici';
import { filledModal, offeredOptions } from '../../src/demo/local-environment.js';
import { DEVICES_ACTION, DEVICES_BLOCK } from '../../src/slack/ui/ids.js';
import type { BenchEnvironment, BotProcess } from '../environment.js';
import type { Row } from '../report.js';
import { ms, percentile, timedLoad } from '../stats.js';

const SEARCHES = 300;
const IDENTICAL = { concurrent: 20, repeated: 30 };

/**
 * The device picker's options load with the simulator's whole fleet (20,000 devices): each search a different
 * device name, so none is answered from the bot's cache, timed against the simulator answering the same search
 * directly. Then many identical searches inside 30 s, counted at the simulator.
 */
export async function deviceSearch(env: BenchEnvironment, bot: BotProcess): Promise<Row[]> {
  const driver = bot.driver();
  const trigger = (await driver.slashCommand('')).triggerId;
  const modal = await filledModal(env.slack, trigger);
  const direct = async (query: string) => {
    const url = new URL(`${env.sim.baseUrl}/accounts/${env.sim.accountId}/dex/commands/devices`);
    url.search = new URLSearchParams({ page: '1', per_page: '50', search: query }).toString();
    const answer = await request(url, { headers: { authorization: `Bearer ${env.sim.token}` } });
    const body = (await answer.body.json()) as { result?: { devices?: unknown[] } };
    if (answer.statusCode !== 200) throw new Error(`the simulator answered ${answer.statusCode}`);
    return body.result?.devices?.length ?? 0;
  };
  // Names spread over the fleet, keeping those Cloudflare lists (devices seen in the last hour).
  const queries: string[] = [];
  const step = Math.max(1, Math.floor(env.sim.fleet.length / (4 * (SEARCHES + 50))));
  for (let i = 0; i < env.sim.fleet.length && queries.length < SEARCHES + 50; i += step) {
    const name = env.sim.fleet[i]?.deviceName;
    if (name && !queries.includes(name) && (await direct(name)) > 0) queries.push(name);
  }
  if (queries.length < SEARCHES + 50) throw new Error('the fleet has too few listed devices');
  const throughBot = async (query: string) => {
    const answer = await driver.searchOptions(modal.id, DEVICES_ACTION, DEVICES_BLOCK, query);
    if (offeredOptions(answer).length === 0) throw new Error(`no options for ${query}`);
  };
  // Warm-up on queries of their own, then the timed searches, alternating so both see the same machine.
  for (const query of queries.slice(SEARCHES)) {
    await direct(query);
    await throughBot(query);
  }
  const simTimes: number[] = [];
  const botTimes: number[] = [];
  for (const query of queries.slice(0, SEARCHES)) {
    simTimes.push(...(await timedLoad(1, 1, () => direct(query).then(() => {}))));
    botTimes.push(...(await timedLoad(1, 1, () => throughBot(query))));
  }
  const overhead = percentile(botTimes, 99) - percentile(simTimes, 99);

  // Identical searches: an agent typing, several agents looking for the same laptop.
  const query = 'bench@example.com';
  const callsFor = () => env.sim.requests.filter((r) => r.endpoint === 'devices' && r.query.search === query).length;
  const before = callsFor();
  await Promise.all(Array.from({ length: IDENTICAL.concurrent }, () => throughBot(query)));
  for (let i = 0; i < IDENTICAL.repeated; i++) await throughBot(query);
  const calls = callsFor() - before;
  return [
    {
      metric: `options load (device search), ${env.sim.fleet.length.toLocaleString('en')} devices: p99 over the simulator's own p99`,
      target: '≤ 15 ms',
      measured: `+${ms(overhead)} (bot p50 ${ms(percentile(botTimes, 50))}, p99 ${ms(percentile(botTimes, 99))}; simulator p50 ${ms(percentile(simTimes, 50))}, p99 ${ms(percentile(simTimes, 99))})`,
      holds: overhead <= 15,
    },
    {
      metric: `identical searches within 30 s (${IDENTICAL.concurrent} concurrent, then ${IDENTICAL.repeated} one by one): Cloudflare calls`,
      target: '≤ 1',
      measured: String(calls),
      holds: calls <= 1,
    },
  ];
}
