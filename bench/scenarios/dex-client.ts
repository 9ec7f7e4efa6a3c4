import { DexClient } from '../../src/dex/index.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { runChild } from '../processes.js';
import type { Row } from '../report.js';
import { median, ms, ratio } from '../stats.js';

const CALLS = 2_000;
const CONCURRENCY = 10;
const RUNS = 3;

/**
 * Our DEX client against the official `cloudflare` SDK: the same 2,000 list calls of a full page, same
 * simulator, runs interleaved. Ours checks every field of every command with zod; the SDK checks nothing.
 */
export async function dexClientVsSdk(): Promise<Row[]> {
  // A simulator of its own with one busy page of commands: the one the other steps filled with 50,000 commands
  // spends longer filtering them than either client spends on a call, and the ratio would measure it instead.
  const sim = await startDexSimulator({ fleetSize: 50, seed: 11, rateLimitRequests: 1_000_000 });
  try {
    await fillFirstPage(sim);
    return await compare(sim);
  } finally {
    await sim.close();
  }
}

async function compare(sim: DexSimulator): Promise<Row[]> {
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

/** Full pages (50 commands each) are what a busy account lists: create enough if the account has fewer. */
async function fillFirstPage(sim: DexSimulator): Promise<void> {
  const dex = new DexClient({ baseUrl: sim.baseUrl, accountId: sim.accountId, token: sim.token });
  try {
    const devices = sim.fleet.filter((d) => d.eligible && !d.multiUser).slice(0, 10);
    while (sim.commands.length < 50) {
      await dex.createCommands(
        devices.map((d) => ({ deviceId: d.deviceId, userEmail: d.personEmail, type: 'warp-diag' as const })),
      );
    }
  } finally {
    await dex.close();
  }
}
