import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPDESK_GROUP } from '../../src/demo/local-environment.js';
import { type FakeFileShare, type FakeMessage, type FakeSlack, startFakeSlack } from '../../src/fake-slack/index.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { startBotProcess } from './bot-process.js';
import { artifactDigest, openModal, pickDevices, statusMessageIn, visibleText, waitForStatus } from './stack.js';

// The bot as it really runs (`node dist/main.js`), killed with SIGKILL in the middle of its uploads and
// started again on the same database.

const ARTIFACT_BYTES = 24 * 1024 * 1024;
let sim: DexSimulator;
let slack: FakeSlack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // ×600: a one-minute capture takes a tenth of a second.
  sim = await startDexSimulator({
    fleetSize: 50,
    timeScale: 600,
    artifactSizeBytes: { pcap: ARTIFACT_BYTES, 'warp-diag': ARTIFACT_BYTES },
  });
  slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await slack.close();
  await sim.close();
});

function startBot(databaseUrl: string) {
  return startBotProcess(slack, sim, databaseUrl).then((bot) => {
    children.push(bot.child);
    return bot;
  });
}

describe('a restart in the middle of uploads', () => {
  it('resumes from the database: every artifact lands in its thread exactly once, and the status ends true', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'dex-bot-restart-')), 'bot.db')}`;
    const names = ['RESTART-1', 'RESTART-2', 'RESTART-3'];
    for (const name of names) {
      sim.addDevice({ deviceName: name, personEmail: `${name.toLowerCase()}@example.com`, platform: 'linux' });
    }

    const first = await startBot(databaseUrl);
    const user = slack.driver({ botUrl: `http://127.0.0.1:${first.port}/slack/events`, userId: 'U_ALICE' });
    const viewId = await openModal({ slack, user });
    expect((await user.submitView(viewId, await pickDevices({ slack, user }, viewId, names))).outcome).toBe('closed');

    // Kill it hard once the first artifact's bytes are on their way to Slack.
    await slack.waitFor(() => slack.callsTo('files.getUploadURLExternal').some((c) => c.ok), 20_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const sharedBeforeRestart = slack.callsTo('files.completeUploadExternal').filter((c) => c.ok).length;
    expect(sharedBeforeRestart).toBeLessThan(6);

    await startBot(databaseUrl);
    // Six 24 MB relays after a restart: seconds when the machine is idle, many more when it is busy. The bound is
    // only there to fail within the test's own timeout.
    const status = await waitForStatus(
      { slack },
      (s) => {
        const files = slack.thread('C_HELPDESK', s.ts).filter((e) => e.kind === 'file');
        return files.length >= 6 && /Finished/.test(visibleText(s));
      },
      60_000,
    );
    // Give a duplicate, if there were one, the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const thread = slack.thread('C_HELPDESK', status.ts);
    const files = thread.filter((e): e is FakeFileShare => e.kind === 'file');
    expect(files).toHaveLength(6);
    expect(new Set(files.map((f) => f.name)).size).toBe(6);
    const commands = sim.commands.filter((c) => names.includes(c.device.deviceName));
    expect(commands).toHaveLength(6);
    const expected = await Promise.all(commands.map(async (c) => (await artifactDigest(sim, c.id)).sha256));
    expect(new Set(files.map((f) => f.sha256))).toEqual(new Set(expected));
    expect(files.every((f) => f.bytes >= ARTIFACT_BYTES * 0.9)).toBe(true);

    // The story is told once: one options message, no repeated lines.
    const said = thread.filter((e): e is FakeMessage => e.kind === 'message').map((m) => m.text);
    expect(said.filter((t) => /Packet capture: /.test(t ?? ''))).toHaveLength(1);
    expect(visibleText(statusMessageIn({ slack }))).toMatch(/Finished/);
    // Nothing was created twice.
    expect(sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);
  }, 90_000);
});

describe('a kill right after the submission is acknowledged', () => {
  it('loses nothing: the request was stored before the answer, and it starts after the restart, once', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'dex-bot-acked-')), 'bot.db')}`;
    sim.addDevice({ deviceName: 'ACKED-1', personEmail: 'acked@example.com', platform: 'linux' });
    const channel = 'C_ONCALL';
    const createsBefore = sim.requests.filter((r) => r.endpoint === 'create').length;

    const first = await startBot(databaseUrl);
    const user = slack.driver({
      botUrl: `http://127.0.0.1:${first.port}/slack/events`,
      userId: 'U_ALICE',
      channelId: channel,
    });
    const viewId = await openModal({ slack, user });
    const picked = await pickDevices({ slack, user }, viewId, ['ACKED-1']);
    // Cloudflare takes a while to answer: the kill lands after the create reached it, before the bot knows what it
    // started. (A kill in the instant between recording "create sent" and sending it cannot be told apart from a lost
    // answer: the list then shows nothing, and the status says so.)
    sim.faults.slow({ endpoint: 'create', delayMs: 3_000 });
    const commandsBefore = sim.commands.length;
    const submitted = await user.submitView(viewId, picked);
    expect(submitted.outcome).toBe('closed');
    await slack.waitFor(() => sim.commands.length === commandsBefore + 2, 10_000);
    // Its "Starting" status message is up (the bot posts it while the create is on its way). A kill in the instant
    // Slack is answering that post would leave a message the bot never learnt of, and it would post another.
    await slack.waitFor(() => slack.messages(channel).length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    await startBot(databaseUrl);
    const status = await slack.waitFor(() => {
      const message = slack.messages(channel).find((m): m is FakeMessage => m.kind === 'message');
      const files = message ? slack.thread(channel, message.ts).filter((e) => e.kind === 'file') : [];
      return message && files.length === 2 && /Finished/.test(visibleText(message)) ? message : undefined;
    }, 30_000);
    expect(visibleText(status)).toContain('ACKED-1');
    expect(sim.requests.filter((r) => r.endpoint === 'create').length - createsBefore).toBe(1);
    expect(slack.messages(channel).filter((m) => m.kind === 'message')).toHaveLength(1);
  }, 60_000);
});

describe('the process', () => {
  it('refuses to start without configuration: every problem named at once, no stack trace, exit code 1', async () => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { PATH: process.env.PATH, SLACK_BOT_TOKEN: 'not-a-token', PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('SLACK_BOT_TOKEN must start with xoxb-');
    expect(stderr).toContain('PORT must be a port number');
    expect(stderr).toContain('CLOUDFLARE_API_TOKEN is required');
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(stderr).not.toContain('not-a-token');
  });

  it('stops cleanly on SIGTERM: exit code 0', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'dex-bot-term-')), 'bot.db')}`;
    const { child } = await startBot(databaseUrl);
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
