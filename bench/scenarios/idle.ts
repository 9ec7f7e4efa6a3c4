import { setTimeout as delay } from 'node:timers/promises';
import type { BenchEnvironment } from '../environment.js';
import type { Row } from '../report.js';
import { mb, median, ms } from '../stats.js';

const STARTS = 3;
const SETTLE_MS = 3_000;

/** A fresh `node main.js`, started three times: time to its "ready" line, and its memory once it sits idle. */
export async function idleBot(env: BenchEnvironment): Promise<Row[]> {
  const ready: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const bot = await env.startBot();
    ready.push(bot.readyMs);
    await delay(SETTLE_MS);
    rss.push(bot.child.memory().rss);
    await bot.child.stop();
  }
  return [
    {
      metric: 'idle bot: resident memory',
      target: '≤ 120 MB',
      measured: mb(median(rss)),
      holds: median(rss) <= 120 * 1024 * 1024,
    },
    {
      metric: 'idle bot: ready to serve after start (spawn to the "ready" log line)',
      target: '≤ 1.5 s',
      measured: ms(median(ready)),
      holds: median(ready) <= 1_500,
    },
  ];
}
