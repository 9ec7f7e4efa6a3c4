import { type ChildProcess, spawn } from 'node:child_process';
import { localEnvironment } from '../../src/demo/local-environment.js';
import type { FakeSlack } from '../../src/fake-slack/index.js';
import type { DexSimulator } from '../../src/simulator/index.js';

export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** Everything it wrote to stdout and stderr. */
  output: string[];
  /** Ends once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts the bot as it really runs (`node dist/main.js`, built beforehand) against the local Slack and DEX
 * simulator, polling every second; resolves once it says it is ready.
 */
export function startBotProcess(
  slack: FakeSlack,
  sim: DexSimulator,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<BotProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH: process.env.PATH, ...localEnvironment(slack, sim, { databaseUrl, pollIntervalSeconds: 1 }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${output.join('')}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = chunk.toString();
      const ready = text.includes('"msg":"dex-capture-bot is ready"') ? text.match(/"port":(\d+)/) : null;
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve({ child, port: Number(ready[1]), output, exited });
      }
    });
    exited.then((code) => reject(new Error(`bot exited with ${code}:\n${output.join('')}`)));
  });
}
