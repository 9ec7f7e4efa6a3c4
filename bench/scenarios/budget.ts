import { setTimeout as delay } from 'node:timers/promises';
import type { BenchEnvironment, BotProcess } from '../environment.js';
import type { Row } from '../report.js';

const PEOPLE = 30;
const EACH = 10;
const SPREAD_MS = 5_000;

/**
 * Cloudflare reads any member can trigger: 300 `/capture quota` from 30 people within 5 s, against a bot that has not
 * read the quota yet. The token's 1,200 calls per 5 minutes are shared with the dashboard; every such read goes
 * through one shared 30 s answer.
 */
export async function memberReads(env: BenchEnvironment, bot: BotProcess): Promise<Row[]> {
  const people = Array.from({ length: PEOPLE }, (_, i) => `U_BENCH${String(i).padStart(2, '0')}`);
  for (const id of people) env.slack.addUser({ id, name: id.toLowerCase() });
  const drivers = people.map((id) => bot.driver(id));
  const quotaCalls = () => env.sim.requests.filter((r) => r.endpoint === 'quota').length;
  const answered = () => env.slack.responses.filter((r) => /captures left today/.test(JSON.stringify(r.body))).length;
  const before = { calls: quotaCalls(), answered: answered() };

  const started = Date.now();
  const sends: Promise<unknown>[] = [];
  for (let round = 0; round < EACH; round++) {
    for (const driver of drivers) sends.push(driver.slashCommand('quota'));
    await delay(SPREAD_MS / EACH);
  }
  await Promise.all(sends);
  while (answered() - before.answered < PEOPLE * EACH && Date.now() - started < 30_000) await delay(50);
  const seconds = (Date.now() - started) / 1000;
  const calls = quotaCalls() - before.calls;
  const replies = answered() - before.answered;
  return [
    {
      metric: `${PEOPLE * EACH} \`/capture quota\` from ${PEOPLE} people in ${SPREAD_MS / 1000} s: Cloudflare calls`,
      target: '≤ 1, every one answered',
      measured: `${calls} (${replies} of ${PEOPLE * EACH} answered in ${seconds.toFixed(1)} s)`,
      holds: calls <= 1 && replies === PEOPLE * EACH,
    },
  ];
}
