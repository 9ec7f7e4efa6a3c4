import { request } from 'undici';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { runChild } from '../processes.js';
import type { Row } from '../report.js';
import { mb, median, ms } from '../stats.js';

/*
 * The speed and memory targets the unit tests of the test servers (the DEX simulator, the Slack stand-in) and of the
 * DEX client's download once asserted inline, where a busy machine made them flaky. The tests keep what they prove
 * about behaviour; the numbers are checked here.
 */

const MB = 1024 * 1024;
const SEED_RUNS = 3;
const SLOW_ROUNDS = 20;
const CLOSE_ROUNDS = 5;
const MEMORY_RUNS = 3;

export async function simulatorAndStandIns(): Promise<Row[]> {
  return [
    await seeding(),
    await slowFault(),
    await closeWhileHeld(),
    await artifacts(),
    await flat('simulator-download', 128 * MB, 64 * MB, 'DEX simulator: one download over HTTP'),
    await flat('dex-client-download', 300 * MB, 64 * MB, 'DEX client: `download()` from the simulator'),
    await flat('fake-slack-upload', 1024 * MB, 200 * MB, 'Slack stand-in: a streamed upload to its upload URL'),
  ];
}

/** From test/simulator/server.test.ts "seeds 20,000 deterministic rows…" (it was < 3000 ms, timed in its beforeAll). */
async function seeding(): Promise<Row> {
  const runs: number[] = [];
  for (let run = 0; run < SEED_RUNS; run++) {
    const { ms: took, devices } = await runChild<{ ms: number; devices: number }>('bench/children/seed-fleet.js', {
      fleetSize: 20_000,
      seed: 42,
    });
    if (devices !== 20_000) throw new Error(`seeded ${devices} devices`);
    runs.push(took);
  }
  return {
    metric: `DEX simulator: start with a seeded 20,000-device fleet, in a fresh process (median of ${SEED_RUNS})`,
    target: '< 3000 ms',
    measured: `${ms(median(runs))} (runs ${runs.map(ms).join(', ')})`,
    holds: median(runs) < 3000,
  };
}

/** From server.test.ts "slow: the answer waits…" (which now checks the order of the two answers). */
async function slowFault(): Promise<Row> {
  const sim = await startDexSimulator({ fleetSize: 10, rateLimitRequests: 1_000_000 });
  const slowed: number[] = [];
  const next: number[] = [];
  try {
    await quota(sim); // connection and code warm
    for (let round = 0; round < SLOW_ROUNDS; round++) {
      sim.faults.slow({ delayMs: 300, endpoint: 'quota' });
      slowed.push(await timed(() => quota(sim)));
      next.push(await timed(() => quota(sim)));
    }
  } finally {
    await sim.close();
  }
  const slowest = Math.max(...next);
  return {
    metric: `DEX simulator \`slow\` fault (300 ms, once), ${SLOW_ROUNDS} rounds: the slowed answer; the next answer, the fault spent`,
    target: '≥ 290 ms; < 250 ms',
    measured: `slowed ${ms(Math.min(...slowed))} to ${ms(Math.max(...slowed))}; next ${ms(median(next))} median, ${ms(slowest)} at most`,
    holds: Math.min(...slowed) >= 290 && slowest < 250,
  };
}

/** From server.test.ts "survives garbage and closes promptly with sockets still open". */
async function closeWhileHeld(): Promise<Row> {
  const closes: number[] = [];
  for (let round = 0; round < CLOSE_ROUNDS; round++) {
    const sim = await startDexSimulator({ fleetSize: 10 });
    sim.faults.slow({ delayMs: 30_000, endpoint: 'quota' });
    const hanging = quota(sim).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    closes.push(await timed(() => sim.close()));
    if ((await hanging) !== 'dropped') throw new Error('the held response was sent');
  }
  const slowest = Math.max(...closes);
  return {
    metric: `DEX simulator: \`close()\` with a response held back by a 30 s \`slow\` fault (${CLOSE_ROUNDS} rounds)`,
    target: '< 1000 ms',
    measured: `${ms(slowest)} at most (median ${ms(median(closes))})`,
    holds: slowest < 1000,
  };
}

interface Transfer {
  bytes: number;
  ms: number;
  peakGrowth: number;
}

/**
 * Peak growth of one transfer in MEMORY_RUNS fresh processes: the median, and every run (young-generation garbage
 * makes one run's peak vary by a few tens of MB).
 */
async function transfers(job: object, bytes: number): Promise<{ growth: number; runs: string; speed: string }> {
  const runs: Transfer[] = [];
  for (let run = 0; run < MEMORY_RUNS; run++) {
    const transfer = await runChild<Transfer>('bench/children/flat-memory.js', job);
    if (transfer.bytes < bytes * 0.95) throw new Error(`${JSON.stringify(job)}: moved ${transfer.bytes} bytes`);
    runs.push(transfer);
  }
  const growth = median(runs.map((r) => r.peakGrowth));
  const mbPerSecond = median(runs.map((r) => r.bytes / MB / (r.ms / 1000)));
  return { growth, runs: runs.map((r) => mb(r.peakGrowth)).join(', '), speed: `${Math.round(mbPerSecond)} MB/s` };
}

/** From test/simulator/artifacts.test.ts "large artifacts stream 300 MB". */
async function artifacts(): Promise<Row> {
  const growth: string[] = [];
  let holds = true;
  for (const kind of ['pcap', 'warp-diag'] as const) {
    const measured = await transfers({ task: 'artifact', kind, bytes: 300_000_000 }, 300_000_000);
    growth.push(`${kind} ${mb(measured.growth)} (runs ${measured.runs})`);
    holds &&= measured.growth < 64 * MB;
  }
  return {
    metric: `DEX simulator: a 300 MB artifact generated and read to the end (pcap; warp-diag), peak RSS growth, median of ${MEMORY_RUNS}`,
    target: '< 64 MB each',
    measured: growth.join('; '),
    holds,
  };
}

/**
 * From server.test.ts "streams a large artifact whole", test/dex/client.test.ts "streams a large artifact to the end"
 * and test/fake-slack "takes a 1 GiB streamed upload without keeping its bytes": server and client in one process, as
 * in those tests.
 */
async function flat(task: string, bytes: number, limit: number, what: string): Promise<Row> {
  const measured = await transfers({ task, bytes }, bytes);
  return {
    metric: `${what}, ${mb(bytes)}: peak RSS growth (both ends in one process), median of ${MEMORY_RUNS}`,
    target: `< ${limit / MB} MB`,
    measured: `${mb(measured.growth)} (runs ${measured.runs}; ${measured.speed})`,
    holds: measured.growth < limit,
  };
}

async function quota(sim: DexSimulator): Promise<void> {
  const answer = await request(`${sim.baseUrl}/accounts/${sim.accountId}/dex/commands/quota`, {
    headers: { authorization: `Bearer ${sim.token}` },
  });
  await answer.body.dump();
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}
