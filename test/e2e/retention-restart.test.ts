import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPDESK_GROUP } from '../../src/demo/local-environment.js';
import { type FakeMessage, type FakeSlack, type SlackDriver, startFakeSlack } from '../../src/fake-slack/index.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { type BotProcess, startBotProcess } from './bot-process.js';
import { openModal, pickDevices, visibleText } from './stack.js';

// The bot as it really runs (`node dist/main.js`), killed with SIGKILL while Slack is deleting the first expired
// file (Slack has done it; its answer has not come back), and started again on the same SQLite database.

/** Short and real: a child process's clock cannot be moved. Long enough that every file is posted first. */
const RETENTION = '8s';
const ENV = { ARTIFACT_RETENTION: RETENTION, NOTIFY_DEVICE_OWNER: 'false' };
const REMOVED_FOOTER =
  'The files were removed from Slack under the retention policy; what was inside them is still in this thread.';

let sim: DexSimulator;
let slack: FakeSlack;
const bots: BotProcess[] = [];

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // ×600: a one-minute capture takes a tenth of a second.
  sim = await startDexSimulator({ fleetSize: 50, timeScale: 600 });
  slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
}, 120_000);

afterAll(async () => {
  for (const bot of bots) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((bot) => bot.exited));
  await slack?.close();
  await sim?.close();
});

async function startBot(databaseUrl: string): Promise<BotProcess> {
  const bot = await startBotProcess(slack, sim, databaseUrl, ENV);
  bots.push(bot);
  return bot;
}

/** The one status message the bot posted in `channel`, read again each time. */
function statusIn(channel: string): FakeMessage | undefined {
  const messages = slack.messages(channel).filter((m): m is FakeMessage => m.kind === 'message');
  return messages.length === 1 ? messages[0] : undefined;
}

describe('file retention across a hard kill in the middle of a removal', () => {
  it('removes each file from Slack once and tells each thread once, after a restart on the same SQLite database', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'dex-bot-retention-')), 'bot.db')}`;
    // Two requests, so two threads: two laptops asked for from #helpdesk, one from #oncall.
    const requests = [
      { channel: 'C_HELPDESK', names: ['RETAIN-1', 'RETAIN-2'] },
      { channel: 'C_ONCALL', names: ['RETAIN-3'] },
    ];
    for (const { names } of requests) {
      for (const name of names) {
        sim.addDevice({ deviceName: name, personEmail: `${name.toLowerCase()}@example.com`, platform: 'linux' });
      }
    }
    // The first removal takes effect at Slack, then its answer hangs (and is finally lost): the kill lands while the
    // bot waits for it, before it can record anything.
    slack.failNext('files.delete', { afterProcessing: true, delayMs: 20_000, error: 'internal_error' });

    const first = await startBot(databaseUrl);
    for (const { channel, names } of requests) {
      const user: SlackDriver = slack.driver({
        botUrl: `http://127.0.0.1:${first.port}/slack/events`,
        userId: 'U_ALICE',
        channelId: channel,
      });
      const viewId = await openModal({ slack, user });
      expect((await user.submitView(viewId, await pickDevices({ slack, user }, viewId, names))).outcome).toBe('closed');
    }

    // Every file posted in its thread (the default form: a packet capture and WARP diagnostics per laptop).
    const threadOf = (channel: string) => {
      const status = statusIn(channel);
      return status ? slack.thread(channel, status.ts) : [];
    };
    const posted = () => slack.files().filter((f) => f.completed);
    // The reply after each file: what is inside it (figures, not payloads; they stay when the files go).
    const digestsIn = (channel: string) =>
      threadOf(channel).filter(
        (e): e is FakeMessage => e.kind === 'message' && /What is inside the /.test(visibleText(e)),
      ).length;
    await slack.waitFor(
      () =>
        posted().length === 6 &&
        requests.every(
          ({ channel, names }) =>
            digestsIn(channel) === 2 * names.length && /Finished/.test(visibleText(statusIn(channel) ?? {})),
        ),
      30_000,
    );
    const fileIds = posted().map((f) => f.id);
    const digestsBefore = requests.map(({ channel }) => digestsIn(channel));
    expect(digestsBefore).toEqual([4, 2]);

    // Kill it hard the moment Slack has deleted the first expired file: the bot is still waiting for the answer.
    const firstGone = await slack.waitFor(() => slack.files().find((f) => f.deleted), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(slack.files().filter((f) => f.deleted)).toHaveLength(1);
    expect(slack.callsTo('files.delete').filter((c) => c.ok)).toHaveLength(0);
    const removalLines = (channel: string) =>
      threadOf(channel).filter(
        (e): e is FakeMessage => e.kind === 'message' && /was removed from Slack/.test(e.text ?? ''),
      );
    expect(requests.flatMap(({ channel }) => removalLines(channel))).toHaveLength(0);

    // Restarted on the same database (a SQLite file serves one process: the dead one's lease on that removal is void
    // at start-up). The bound only fails inside the test's own timeout on a busy machine.
    const second = await startBot(databaseUrl);
    const everyThreadTold = () =>
      requests.every(
        ({ channel, names }) =>
          removalLines(channel).length >= 2 * names.length &&
          visibleText(statusIn(channel) ?? {}).includes(REMOVED_FOOTER),
      );
    await slack.waitFor(() => slack.files().every((f) => f.deleted) && everyThreadTold(), 60_000);
    // Two more poll ticks (each sweeps the due files): time for a second removal or line, were there one.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // Each file deleted once: one ok files.delete per file, except the one whose answer was lost, which Slack then
    // reports gone (file_not_found) and which counts as removed.
    const deletes = slack.callsTo('files.delete');
    const okPerFile = (id: string) => deletes.filter((c) => c.ok && c.args.file === id).length;
    for (const id of fileIds.filter((id) => id !== firstGone.id)) expect(okPerFile(id), id).toBe(1);
    expect(okPerFile(firstGone.id)).toBe(0);
    expect(
      deletes.filter((c) => c.args.file === firstGone.id && c.error !== 'internal_error').map((c) => c.error),
    ).toEqual(['file_not_found']);
    expect(new Set(deletes.map((c) => c.args.file))).toEqual(new Set(fileIds));
    expect(slack.files().every((f) => f.deleted)).toBe(true);

    // Each thread: one removal line per file, naming it; the digests still there; the footer says so.
    for (const [i, { channel, names }] of requests.entries()) {
      const lines = removalLines(channel).map((m) => m.text ?? '');
      expect(lines).toHaveLength(2 * names.length);
      const inThread = slack.files().filter((f) => f.completed?.channelId === channel);
      expect(inThread).toHaveLength(2 * names.length);
      for (const file of inThread) {
        const told = lines.filter((t) => t.includes(`\`${file.filename}\``));
        expect(told, file.filename).toHaveLength(1);
        expect(told[0]).toMatch(
          /was removed from Slack 8 seconds after it was posted, under this bot's retention policy/,
        );
      }
      const thread = threadOf(channel);
      expect(digestsIn(channel)).toBe(digestsBefore[i]);
      expect(thread.filter((e) => e.kind === 'file' && !e.deleted)).toHaveLength(0);
      expect(visibleText(statusIn(channel) as FakeMessage)).toContain(REMOVED_FOOTER);
    }

    // The restarted bot found the lost one already gone: no retry, no error.
    expect(second.output.join('')).not.toMatch(/Slack did not remove a file; will retry/);
    // And the audit trail has each removal once.
    const user = slack.driver({ botUrl: `http://127.0.0.1:${second.port}/slack/events`, userId: 'U_ALICE' });
    const responsesBefore = slack.responses.length;
    await user.slashCommand('audit');
    const reply = JSON.stringify(
      await slack.waitFor(() => slack.responses.length > responsesBefore && slack.responses.at(-1)),
    );
    expect(reply.match(/capture file removed under the retention policy:/g)).toHaveLength(6);
  }, 120_000);
});
