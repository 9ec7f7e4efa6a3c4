import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bot, createBot } from '../../src/bot.js';
import { type CaptureType, descriptorOf } from '../../src/capture-types/registry.js';
import type { RelayTiming } from '../../src/captures/relay.js';
import { loadConfig, secretsOf } from '../../src/config.js';
import { filledModal, HELPDESK_GROUP, localEnvironment, optionFor } from '../../src/demo/local-environment.js';
import { DexClient } from '../../src/dex/index.js';
import {
  type FakeMessage,
  type FakeSlack,
  type SlackDriver,
  startFakeSlack,
  values,
} from '../../src/fake-slack/index.js';
import { createLogger } from '../../src/logger.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import {
  CHANGE_OPTIONS_ACTION,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  TYPES_ACTION,
  TYPES_BLOCK,
} from '../../src/slack/ui/ids.js';

export interface Stack {
  sim: DexSimulator;
  slack: FakeSlack;
  bot: Bot;
  user: SlackDriver;
  /** Where Slack sends events in HTTP mode. */
  botUrl: string;
  /** The bot's HTTP port (events in HTTP mode; /healthz, /readyz, /metrics in both modes). */
  port: number;
  /** A Slack client for another person, over the same transport. */
  as(userId: string): SlackDriver;
  /** Every log line the bot wrote. */
  logs: string[];
  /** The bot's clock: tests move it to reach time-outs. */
  clock: { advance(ms: number): void };
  databaseUrl: string;
  close(): Promise<void>;
}

export interface StackOptions {
  mode?: 'http' | 'socket';
  /** CAPTURE_ALLOWED_USERGROUPS; default the helpdesk group (Alice in, Bob out). '' means admins only. */
  allowedUsergroups?: string;
  /** More environment variables for the bot (e.g. ARTIFACT_DESTINATION). */
  env?: Record<string, string>;
  fleetSize?: number;
  databaseUrl?: string;
  /** The relay's transfer deadlines and retry waits (shortened by tests of slow transfers). */
  relayTiming?: Partial<RelayTiming>;
}

/** The simulator, the fake Slack and the whole bot, in this process, on 127.0.0.1. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startDexSimulator({ fleetSize: options.fleetSize ?? 120, seed: 5 });
  const slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'dex-bot-')), 'bot.db')}`;
  // Tests poll by hand (bot.poll()): a long interval keeps the timer from racing them.
  const config = loadConfig({
    ...localEnvironment(slack, sim, {
      databaseUrl,
      pollIntervalSeconds: 300,
      socketMode: options.mode === 'socket',
      ...(options.allowedUsergroups !== undefined ? { allowedUsergroups: options.allowedUsergroups } : {}),
    }),
    ...options.env,
  });
  const logs: string[] = [];
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const bot = await createBot(config, {
    // As in production (src/main.ts): every credential is masked in the logs.
    logger: createLogger({ write: (line) => logs.push(line), level: 'debug', secrets: secretsOf(config) }),
    host: '127.0.0.1',
    now,
    ...(options.relayTiming ? { relayTiming: options.relayTiming } : {}),
  });
  const { port } = await bot.start();
  const as = (userId: string) =>
    options.mode === 'socket'
      ? slack.driver({ mode: 'socket', userId, channelId: 'C_HELPDESK' })
      : slack.driver({ botUrl: `http://127.0.0.1:${port}/slack/events`, userId, channelId: 'C_HELPDESK' });
  const user = as('U_ALICE');
  return {
    sim,
    slack,
    bot,
    user,
    as,
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    port,
    logs,
    databaseUrl,
    clock: { advance: (ms) => (offset += ms) },
    async close() {
      await bot.stop();
      await slack.close();
      await sim.close();
    },
  };
}

/**
 * Another bot on the stack's database, Slack stand-in and simulator (a restart, or a second replica), with its own
 * clock offset and its own port for Slack to send to.
 */
export async function startAnotherBot(of: Stack, env: Record<string, string> = {}) {
  let offset = 0;
  const config = loadConfig({
    ...localEnvironment(of.slack, of.sim, { databaseUrl: of.databaseUrl, pollIntervalSeconds: 300 }),
    ...env,
  });
  const bot = await createBot(config, {
    logger: createLogger({ write: () => {} }),
    host: '127.0.0.1',
    now: () => new Date(Date.now() + offset),
  });
  const { port } = await bot.start();
  return { bot, botUrl: `http://127.0.0.1:${port}/slack/events`, clock: (ms: number) => (offset = ms) };
}

/** `/capture [text]` and wait for the modal to be complete (opened whole, or opened and then filled in). */
export async function openModal(stack: Pick<Stack, 'slack' | 'user'>, text = ''): Promise<string> {
  const result = await stack.user.slashCommand(text);
  if (result.status !== 200) throw new Error(`slash command answered ${result.status}`);
  return (await filledModal(stack.slack, result.triggerId)).id;
}

/**
 * Presses "Change" beside a capture type's options summary, as a person would before typing an option, and waits
 * for the modal to show that type's fields.
 */
export async function openOptions(stack: Pick<Stack, 'slack' | 'user'>, viewId: string, type: CaptureType) {
  const result = await stack.user.clickButton({ viewId }, CHANGE_OPTIONS_ACTION, type);
  if (result.status !== 200) throw new Error(`Change answered ${result.status}`);
  const summary = `capture_${descriptorOf(type)?.slug}_summary`;
  await stack.slack.waitFor(() => {
    const blocks = (stack.slack.view(viewId)?.view.blocks ?? []) as Array<{ block_id?: string }>;
    return blocks.length > 0 && !blocks.some((b) => b.block_id === summary);
  });
}

/** Ticks exactly these capture types, as a person would; the modal is rebuilt (each type's summary shows). */
export async function tickTypes(stack: Pick<Stack, 'slack' | 'user'>, viewId: string, types: CaptureType[]) {
  const updates = () => stack.slack.callsTo('views.update').filter((c) => c.ok).length;
  const seen = updates();
  const ticked = types.map((type) => ({ text: descriptorOf(type)?.label ?? type, value: type }));
  await stack.user.changeInput(viewId, TYPES_BLOCK, TYPES_ACTION, values.checkboxes(TYPES_BLOCK, TYPES_ACTION, ticked));
  await stack.slack.waitFor(() => updates() > seen);
}

/** Types each device's name into the device picker and picks the matching option, as a person would. */
export async function pickDevices(stack: Pick<Stack, 'slack' | 'user'>, viewId: string, names: string[]) {
  const picked = [];
  for (const name of names) {
    picked.push(optionFor(await stack.user.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, name), name));
  }
  return values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, picked);
}

/** The one status message the bot posted in a channel. */
export function statusMessageIn(stack: Pick<Stack, 'slack'>, channelId = 'C_HELPDESK'): FakeMessage {
  const messages = stack.slack.messages(channelId).filter((m): m is FakeMessage => m.kind === 'message');
  if (messages.length !== 1) throw new Error(`expected one status message in ${channelId}, found ${messages.length}`);
  return messages[0] as FakeMessage;
}

/** All the text a person sees in a message: fallback text and every text in its blocks. */
export function visibleText(message: { text?: string | undefined; blocks?: unknown }): string {
  const texts: string[] = [message.text ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else walk(value);
      }
    }
  };
  walk(message.blocks);
  return texts.join('\n');
}

/** Waits until the status message exists and `ready` holds for it (the bot works after it acks). */
export function waitForStatus(
  stack: Pick<Stack, 'slack'>,
  ready: (status: FakeMessage) => boolean = (s) => s.updates >= 1,
  timeoutMs?: number,
) {
  return stack.slack.waitFor(() => {
    const messages = stack.slack.messages('C_HELPDESK').filter((m): m is FakeMessage => m.kind === 'message');
    const status = messages.length === 1 ? messages[0] : undefined;
    return status && ready(status) ? status : undefined;
  }, timeoutMs);
}

/** An artifact straight from the simulator (no faults armed), to compare with what reached Slack. */
export async function artifactDigest(sim: DexSimulator, commandId: string): Promise<{ bytes: number; sha256: string }> {
  const dex = new DexClient({ baseUrl: sim.baseUrl, accountId: sim.accountId, token: sim.token });
  try {
    const download = await dex.download({ id: commandId, filename: null });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of download.stream) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    return { bytes, sha256: hash.digest('hex') };
  } finally {
    await dex.close();
  }
}
