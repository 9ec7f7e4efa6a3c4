import { startEnvironment } from './environment.js';
import { markdownTable, type Row } from './report.js';
import { slashCommandAcks, viewSubmissionAcks } from './scenarios/acks.js';
import { memberReads } from './scenarios/budget.js';
import { dexClientVsSdk } from './scenarios/dex-client.js';
import { digestThroughput } from './scenarios/digest.js';
import { idleBot } from './scenarios/idle.js';
import { deviceSearch } from './scenarios/options.js';
import { pollingCosts } from './scenarios/polling.js';
import { artifactRelay } from './scenarios/relay.js';
import { simulatorAndStandIns } from './scenarios/simulator.js';

/*
 * `npm run bench`: the bot (`node main.js`, HTTP mode) against the DEX simulator and the Slack stand-in on
 * 127.0.0.1, each comparison measured in the same run. Prints one Markdown table; exits 1 when a target is
 * missed. Progress goes to stderr.
 */
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  const rows: Row[] = [];
  // `npm run bench -- relay search`: only the steps whose names contain one of the words (for investigating).
  const only = process.argv.slice(2).map((word) => word.toLowerCase());
  const wanted = (...names: string[]) =>
    only.length === 0 || names.some((name) => only.some((word) => name.toLowerCase().includes(word)));
  const step = async (name: string, run: () => Promise<Row[]>) => {
    if (!wanted(name)) return;
    progress(`${name}…`);
    const t = Date.now();
    rows.push(...(await run()));
    progress(`${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };

  // The shared environments start only when one of their steps is asked for.
  if (wanted('idle bot', 'slash command acks', 'view submission acks', 'device search', 'member reads budget')) {
    const fleet = await startEnvironment({ fleetSize: 20_000 });
    const benchDevices = Array.from({ length: 10 }, (_, i) => `BENCH-PC-${String(i).padStart(2, '0')}`);
    for (const deviceName of benchDevices) {
      fleet.sim.addDevice({ deviceName, personEmail: 'bench@example.com', platform: 'windows' });
    }
    try {
      await step('idle bot', () => idleBot(fleet));
      const bot = await fleet.startBot();
      const floor = await fleet.startBareBolt();
      await step('slash command acks', () => slashCommandAcks(fleet, bot, floor));
      await step('view submission acks', () => viewSubmissionAcks(fleet, bot, floor, benchDevices));
      await step('device search', () => deviceSearch(fleet, bot));
      // A bot of its own, that has not read the quota yet.
      await step('member reads budget', async () => memberReads(fleet, await fleet.startBot()));
    } finally {
      await fleet.close();
    }
  }

  await step('DEX client vs SDK', () => dexClientVsSdk());
  await step('polling costs', () => pollingCosts());
  await step('simulator and stand-ins', () => simulatorAndStandIns());
  await step('digest throughput', () => digestThroughput());

  if (wanted('artifact relay')) {
    // Captures that finish in well under a second (600 simulated seconds per real one), polled every second.
    const relay = await startEnvironment({ fleetSize: 20, timeScale: 600 });
    relay.sim.addDevice({ deviceName: 'RELAY-PC', personEmail: 'relay@example.com', platform: 'macos' });
    try {
      const bot = await relay.startBot({ pollIntervalSeconds: 1 });
      await step('artifact relay', () => artifactRelay(relay, bot));
    } finally {
      await relay.close();
    }
  }

  process.stdout.write(`${markdownTable(rows)}\n`);
  const missed = rows.filter((r) => !r.holds).length;
  progress(`${rows.length} rows, ${missed} missed, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return missed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
