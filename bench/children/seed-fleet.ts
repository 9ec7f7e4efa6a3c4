import { startDexSimulator } from '../../src/simulator/index.js';
import { readJob, report } from './job.js';

/*
 * A DEX simulator started with a large seeded fleet in a fresh process (nothing compiled yet, as in a test file's
 * beforeAll): the time from the call to a listening server.
 */
const job = readJob<{ fleetSize: number; seed: number }>();
const started = performance.now();
const sim = await startDexSimulator({ fleetSize: job.fleetSize, seed: job.seed });
const ms = performance.now() - started;
const devices = sim.fleet.length;
await sim.close();
report({ ms, devices });
