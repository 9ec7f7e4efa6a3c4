import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELPDESK_GROUP, localEnvironment } from '../src/demo/local-environment.js';
import { type FakeSlack, type SlackDriver, startFakeSlack } from '../src/fake-slack/index.js';
import { type DexSimulator, type DexSimulatorOptions, startDexSimulator } from '../src/simulator/index.js';
import { NodeChild } from './processes.js';

export interface BotProcess {
  child: NodeChild;
  port: number;
  /** Milliseconds from spawning `node main.js` to its "ready" log line. */
  readyMs: number;
  /** A signed Slack client for `userId`, pointed at this bot. */
  driver(userId?: string): SlackDriver;
}

export interface BenchEnvironment {
  sim: DexSimulator;
  slack: FakeSlack;
  /** The real bot, `node main.js`, in its own process, on a fresh SQLite file. */
  startBot(options?: { pollIntervalSeconds?: number }): Promise<BotProcess>;
  /** A bare Bolt app that only acknowledges, in its own process: the floor. */
  startBareBolt(): Promise<{ child: NodeChild; driver(userId?: string): SlackDriver }>;
  close(): Promise<void>;
}

/** The DEX simulator and the Slack stand-in in this process; bots in child processes, all on 127.0.0.1. */
export async function startEnvironment(simOptions: DexSimulatorOptions = {}): Promise<BenchEnvironment> {
  // Far more traffic than one account's 1,200 requests per 5 minutes: the benchmarks lift the simulator's limit.
  const sim = await startDexSimulator({
    seed: 7,
    quota: { total: 1_000_000 },
    rateLimitRequests: 1_000_000,
    ...simOptions,
  });
  const slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
  const workDir = mkdtempSync(join(tmpdir(), 'dex-bench-'));
  const children: NodeChild[] = [];
  const driverFor =
    (port: number) =>
    (userId = 'U_ALICE') =>
      slack.driver({ botUrl: `http://127.0.0.1:${port}/slack/events`, userId, channelId: 'C_HELPDESK' });

  return {
    sim,
    slack,
    async startBot({ pollIntervalSeconds = 300 } = {}) {
      const env = localEnvironment(slack, sim, {
        databaseUrl: `sqlite:${join(workDir, `bot-${children.length}.db`)}`,
        pollIntervalSeconds,
      });
      const child = new NodeChild('src/main.js', env);
      children.push(child);
      const ready = await child.waitForJson<{ msg?: string; port?: number }>(
        (line) => line.msg === 'dex-capture-bot is ready',
      );
      const readyMs = performance.now() - child.startedAt;
      const port = Number(ready.port);
      return { child, port, readyMs, driver: driverFor(port) };
    },
    async startBareBolt() {
      const env = localEnvironment(slack, sim, { databaseUrl: 'sqlite::memory:', pollIntervalSeconds: 300 });
      const child = new NodeChild('bench/children/bare-bolt.js', env);
      children.push(child);
      const { port } = await child.waitForJson<{ port?: number }>((line) => typeof line.port === 'number');
      return { child, driver: driverFor(Number(port)) };
    },
    async close() {
      await Promise.all(children.map((child) => child.stop()));
      await slack.close();
      await sim.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
