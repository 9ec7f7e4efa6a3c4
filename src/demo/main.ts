import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../bot.js';
import { pcap } from '../capture-types/pcap.js';
import { loadConfig } from '../config.js';
import { type FakeCall, type FakeFileShare, type FakeMessage, startFakeSlack, values } from '../fake-slack/index.js';
import { createLogger } from '../logger.js';
import { startDexSimulator } from '../simulator/index.js';
import {
  APPROVE_ACTION,
  CHANGE_OPTIONS_ACTION,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  optionIds,
  REASON_ACTION,
  REASON_BLOCK,
  RETRY_FAILED_ACTION,
} from '../slack/ui/ids.js';
import { renderConversationPage } from './html-page.js';
import { HELPDESK_GROUP, localEnvironment } from './local-environment.js';
import { htmlOutputPath, PageRecorder } from './page-recorder.js';
import { humanSize, messageLines, readable } from './render.js';

/*
 * `npm run demo`: a whole /capture run with no tokens and no network. A DEX API simulator and a local Slack
 * stand-in run on 127.0.0.1; the real bot talks to both; a scripted agent types and clicks as a person would;
 * the conversation is printed as it would read in Slack. With `--html FILE` it is also written as a Slack-like page.
 * With `--approvers`, a second approver (CAPTURE_APPROVERS=security, Bob) must approve each request before it starts.
 */

/** The demo's approvers with `--approvers`: Bob is the one member. */
const SECURITY_GROUP = { id: 'S0SECURITY', handle: 'security', users: ['U_BOB'] };

const TIME_SCALE = 120;
const pcapTime = optionIds(pcap, 'timeLimitMin'); // simulated ms per real ms: a 1-minute packet capture takes half a second
const DEADLINE_MS = 60_000;

async function main(): Promise<void> {
  const htmlFile = htmlOutputPath(process.argv.slice(2));
  const withApprovers = process.argv.includes('--approvers');
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const workDir = mkdtempSync(join(tmpdir(), 'dex-capture-demo-'));
  out('dex-capture-bot demo: a DEX API simulator and a local Slack stand-in on 127.0.0.1, no tokens needed.');
  out();

  const sim = await startDexSimulator({ fleetSize: 500, timeScale: TIME_SCALE, seed: 42 });
  sim.addDevice({
    deviceName: 'LAPTOP-42',
    personEmail: 'alice@example.com',
    platform: 'windows',
    behaviour: 'normal',
  });
  sim.addDevice({
    deviceName: 'MBP-ALICE',
    personEmail: 'alice@example.com',
    platform: 'macos',
    behaviour: 'partial-pcap',
  });
  sim.addDevice({
    deviceName: 'NUC-ALICE',
    personEmail: 'alice@example.com',
    platform: 'linux',
    behaviour: 'fails',
  });
  sim.addDevice({
    deviceName: 'IPAD-ALICE',
    personEmail: 'alice@example.com',
    platform: 'ios',
    eligible: false,
    ineligibleReason: 'Remote captures are not supported on iOS',
  });
  const slack = await startFakeSlack({
    usergroups: withApprovers ? [HELPDESK_GROUP, SECURITY_GROUP] : [HELPDESK_GROUP],
  });
  const logLines: string[] = [];
  const config = loadConfig({
    ...localEnvironment(slack, sim, {
      databaseUrl: `sqlite:${join(workDir, 'demo.db')}`,
      pollIntervalSeconds: 1,
      reasonRequired: true,
    }),
    ...(withApprovers ? { CAPTURE_APPROVERS: SECURITY_GROUP.handle } : {}),
  });
  const bot = await createBot(config, { logger: createLogger({ write: (l) => logLines.push(l) }), host: '127.0.0.1' });
  const { port } = await bot.start();
  const agent = slack.driver({
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    userId: 'U_ALICE',
    channelId: 'C_HELPDESK',
  });
  const names = (id: string) =>
    ({ U_ALICE: 'alice', U_BOB: 'bob', U_ADMIN: 'admin', [SECURITY_GROUP.id]: SECURITY_GROUP.handle })[id] ?? id;
  const bob = slack.driver({
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    userId: 'U_BOB',
    channelId: 'C_HELPDESK',
  });
  /** With `--approvers`: bob approves the newest status message once it asks for approval. */
  const approveAsBob = async () => {
    if (!withApprovers) return;
    const waiting = await slack.waitFor(() =>
      slack
        .messages('C_HELPDESK')
        .find((m): m is FakeMessage => m.kind === 'message' && JSON.stringify(m.blocks).includes(APPROVE_ACTION)),
    );
    narrate();
    out();
    actor = 'bob';
    say('bob, in @security, reads the request and presses "Approve" (alice may not approve her own).');
    await bob.clickButton({ channelId: 'C_HELPDESK', ts: waiting.ts }, APPROVE_ACTION);
    actor = 'alice';
  };
  const page = htmlFile ? new PageRecorder(slack) : null;
  // The story's own lines: printed, and on the page as captions between the Slack parts.
  const say = (line: string) => {
    out(line);
    page?.caption(line);
  };

  let actor = 'alice';
  let seen = 0;
  const narrate = () => {
    for (const call of slack.calls.slice(seen)) {
      if (!call.ok) continue;
      describeCall(call);
      page?.record(call, actor);
    }
    seen = slack.calls.length;
  };
  const describeCall = (call: FakeCall) => {
    const args = call.args as Record<string, unknown>;
    const blocks = typeof args.blocks === 'string' ? JSON.parse(args.blocks) : args.blocks;
    const body = (indent: string) => {
      for (const line of messageLines({ text: args.text as string | undefined, blocks }, names))
        out(`${indent}${line}`);
    };
    switch (call.method) {
      case 'views.open':
      case 'views.update': {
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as { blocks: unknown[] };
        out(
          call.method === 'views.open' ? '🪟  A modal opens at once ("DEX remote capture"):' : '🪟  The modal changes:',
        );
        for (const line of modalSummary(view.blocks)) out(`      ${readable(line, names)}`);
        break;
      }
      case 'views.publish': {
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as { blocks: unknown[] };
        out(`🏠 ${names(String(args.user_id))}'s Home tab with the bot:`);
        for (const line of messageLines({ blocks: view.blocks }, names)) out(`      ${line}`);
        break;
      }
      case 'chat.postMessage':
        if (args.thread_ts) {
          out('   ↳ in the thread:');
          body('       ');
        } else {
          out('💬 #helpdesk — dex-capture posts the status message:');
          body('      ');
        }
        break;
      case 'chat.update':
        out('✏️  The status message is updated in place:');
        body('      ');
        break;
      case 'files.completeUploadExternal': {
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as Array<{ id: string }>;
        const thread = slack.thread(String(args.channel_id), String(args.thread_ts));
        for (const { id } of files) {
          const file = thread.find((e): e is FakeFileShare => e.kind === 'file' && e.fileId === id);
          if (!file) continue;
          out(`   ↳ 📎 ${file.name} (${humanSize(file.bytes)}) in the thread`);
          for (const line of (file.comment ?? '').split('\n')) out(`        ${readable(line, names)}`);
        }
        break;
      }
      case 'respond': {
        const text = (args.text as string | undefined) ?? '';
        out(`🔒 Only ${actor} sees:`);
        for (const line of text.split('\n')) out(`      ${readable(line, names)}`);
        break;
      }
    }
  };

  try {
    say('alice types in #helpdesk:  /capture alice@example.com');
    await agent.slashCommand('alice@example.com');
    const filled = await slack.waitForCall('views.update');
    narrate();
    const viewId = String(filled.args.view_id);

    out();
    say('alice presses "Change" beside the packet capture line and sets its time limit to 2 minutes.');
    await agent.clickButton({ viewId }, CHANGE_OPTIONS_ACTION, 'pcap');
    await slack.waitFor(() => slack.callsTo('views.update').filter((c) => c.ok).length >= 2);
    narrate();

    out();
    say('alice also searches for "ubuntu" and picks nothing more; she types the ticket as the reason and submits.');
    await agent.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, 'ubuntu');
    const result = await agent.submitView(
      viewId,
      values.merge(
        values.number(pcapTime.block, pcapTime.action, 2),
        values.text(REASON_BLOCK, REASON_ACTION, 'INC-4821: Wi-Fi drops in the London office'),
      ),
    );
    say(
      result.outcome === 'closed' ? '🪟  The modal closes.' : `🪟  The modal answered: ${JSON.stringify(result.body)}`,
    );
    if (result.outcome !== 'closed') throw new Error('the capture request was not accepted');
    await approveAsBob();
    out();

    const started = Date.now();
    let finished = false;
    while (!finished) {
      if (Date.now() - started > DEADLINE_MS) throw new Error('the captures did not finish within a minute');
      await new Promise((resolve) => setTimeout(resolve, 250));
      narrate();
      const status = slack.messages('C_HELPDESK')[0];
      // Over once the requester is told so, in one reply that mentions them (not the one saying it was approved).
      const thread = status ? slack.thread('C_HELPDESK', status.ts) : [];
      finished = thread.some(
        (e) => e.kind === 'message' && /^<@U_ALICE>/.test(e.text ?? '') && !/approved this request/.test(e.text ?? ''),
      );
    }
    await bot.idle();
    narrate();

    out();
    say('alice presses "Retry failed": only what failed starts again, as a new capture.');
    const status = slack.messages('C_HELPDESK')[0] as FakeMessage;
    const requestId = (status.blocks ?? [])
      .flatMap((b) => (b as { elements?: Array<{ action_id?: string; value?: string }> }).elements ?? [])
      .find((e) => e.action_id === RETRY_FAILED_ACTION)?.value;
    await agent.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, RETRY_FAILED_ACTION, requestId);
    await slack.waitFor(() => slack.messages('C_HELPDESK').length === 2);
    await approveAsBob();
    await bot.idle();
    narrate();

    out();
    say("alice opens the bot's Home tab in Slack's sidebar.");
    const published = slack.callsTo('views.publish').length;
    await agent.openAppHome();
    await slack.waitFor(() => slack.callsTo('views.publish').length > published || slack.homeView('U_ALICE'));
    await bot.idle();
    narrate();

    out();
    actor = 'bob';
    say('bob, on call, types:  /capture quota');
    await slack
      .driver({ botUrl: `http://127.0.0.1:${port}/slack/events`, userId: 'U_BOB', channelId: 'C_ONCALL' })
      .slashCommand('quota');
    await slack.waitForCall('respond');
    narrate();
    out();
    say(
      `Done: 6 captures on 3 devices, every zip in the thread, what failed retried. (Simulated time ran ×${TIME_SCALE}.)`,
    );
    say('Next: put the bot in your workspace — see README.md, "Run it in Slack".');
    if (htmlFile && page) {
      writeFileSync(htmlFile, renderConversationPage(page.entries, names));
      out(`Wrote the conversation to ${htmlFile}`);
    }
  } finally {
    await bot.stop();
    await slack.close();
    await sim.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface ModalBlock {
  type: string;
  text?: { text: string };
  hint?: { text: string };
  label?: { text: string };
  element?: {
    initial_options?: Array<{ text: { text: string } }>;
    initial_value?: string;
    initial_conversation?: string;
  };
  elements?: Array<{ text?: string }>;
}

/** The modal's lines worth showing: labels, preselected devices, the quota line. */
function modalSummary(blocks: unknown[]): string[] {
  const lines: string[] = [];
  for (const block of blocks as ModalBlock[]) {
    if (block.type === 'input') {
      const initial = block.element?.initial_options?.map((o) => o.text.text) ?? [];
      const value =
        block.element?.initial_value ??
        (block.element?.initial_conversation ? `<#${block.element.initial_conversation}>` : '');
      lines.push(`${block.label?.text}${initial.length ? `: ${initial.join(', ')}` : value ? `: ${value}` : ''}`);
      if (block.hint?.text.startsWith('Left out') || block.hint?.text.startsWith('Looking up')) {
        lines.push(`  (${block.hint.text})`);
      }
    } else if (
      block.type === 'section' &&
      block.text &&
      /_summary$/.test(String((block as { block_id?: string }).block_id))
    ) {
      lines.push(`${block.text.text} [ Change ]`);
    } else if (block.type === 'context') {
      lines.push((block.elements ?? []).map((e) => e.text ?? '').join(' '));
    }
  }
  return lines;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
