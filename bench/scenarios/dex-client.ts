import type { DexSimulator } from '../../src/simulator/index.js';
import { runChild } from '../processes.js';
import type { Row } from '../report.js';
import { median, ms, ratio } from '../stats.js';

const CALLS = 2_000;
const CONCURRENCY = 10;
const RUNS = 3;

/** Our DEX client against the official `cloudflare` SDK: the same 2,000 list calls, same simulator, interleaved. */
export async function dexClientVsSdk(sim: DexSimulator): Promise<Row[]> {
  const job = {
    baseUrl: sim.baseUrl,
    accountId: sim.accountId,
    token: sim.token,
    calls: CALLS,
    concurrency: CONCURRENCY,
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    theirs.push((await runChild<{ ms: number }>('bench/children/list-calls.js', { ...job, client: 'sdk' })).ms);
    ours.push((await runChild<{ ms: number }>('bench/children/list-calls.js', { ...job, client: 'ours' })).ms);
  }
  const value = median(ours) / median(theirs);
  return [
    {
      metric: `DEX client vs the \`cloudflare\` SDK: ${CALLS} list calls (${CONCURRENCY} at a time), wall time ours / theirs`,
      target: '≤ 1.00',
      measured: `${ratio(value)} (ours ${ms(median(ours))}, SDK ${ms(median(theirs))})`,
      holds: value <= 1,
    },
  ];
}
