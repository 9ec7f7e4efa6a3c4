import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeFileShare, FakeMessage } from '../../src/fake-slack/index.js';
import { RETRY_FAILED_ACTION } from '../../src/slack/ui/ids.js';
import {
  artifactDigest,
  openModal,
  pickDevices,
  type Stack,
  startStack,
  statusMessageIn,
  visibleText,
  waitForStatus,
} from './stack.js';

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
});

afterEach(async () => {
  await stack.close();
});

function addLaptops(count: number, behaviour: 'normal' | 'fails' | 'offline' = 'normal', prefix = 'E2E-LAPTOP') {
  return Array.from({ length: count }, (_, i) =>
    stack.sim.addDevice({
      deviceName: `${prefix}-${40 + i}`,
      personEmail: `person${i}@example.com`,
      platform: i % 2 ? 'macos' : 'windows',
      behaviour,
    }),
  );
}

const filesIn = (thread: ReturnType<Stack['slack']['thread']>) =>
  thread.filter((entry): entry is FakeFileShare => entry.kind === 'file');
const textsIn = (thread: ReturnType<Stack['slack']['thread']>) =>
  thread.filter((entry): entry is FakeMessage => entry.kind === 'message').map((m) => m.text ?? '');

async function submitAndStart(names: string[]) {
  const viewId = await openModal(stack);
  const result = await stack.user.submitView(viewId, await pickDevices(stack, viewId, names));
  expect(result.body ?? null).toBe(null);
  expect(result.outcome).toBe('closed');
  const created = await stack.slack.waitFor(() => stack.sim.commands.length === names.length * 2 && stack.sim.commands);
  await waitForStatus(stack);
  return { viewId, created };
}

describe('/capture end to end over HTTP', () => {
  it('one device, both types: status message, options in the thread, both zips streamed into the thread', async () => {
    const [laptop] = addLaptops(1);
    const { created } = await submitAndStart(['E2E-LAPTOP-40']);
    expect(created.map((c) => [c.type, c.deviceId])).toEqual([
      ['pcap', laptop?.deviceId],
      ['warp-diag', laptop?.deviceId],
    ]);

    const status = statusMessageIn(stack);
    const running = visibleText(status);
    expect(running).toContain('<@U_ALICE>');
    expect(running).toContain('E2E-LAPTOP-40');
    expect(running).toContain('person0@example.com');
    // One line for the device, every type on it, state first.
    expect(running).toMatch(
      /\*E2E-LAPTOP-40\* · person0@example\.com — PCAP ⏳ running until <!date\^\d+\^\{time\}\|[^>]+> · WARP diagnostics ⏳ running/,
    );
    expect(running).toContain('dash.cloudflare.com');

    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const finished = statusMessageIn(stack);
    expect(visibleText(finished)).toMatch(/Finished/);
    expect(visibleText(finished)).not.toMatch(/running/);
    // One update when the captures started, one when they finished (the files on their way), and one as each file
    // came in with its verdict (two files arriving together may share one): only real changes.
    expect(finished.updates).toBeGreaterThanOrEqual(3);
    expect(finished.updates).toBeLessThanOrEqual(4);
    expect(visibleText(finished)).toMatch(/Finished — 2 of 2 done/);
    await stack.bot.poll();
    expect(statusMessageIn(stack).updates).toBe(finished.updates);

    const thread = stack.slack.thread('C_HELPDESK', finished.ts);
    const [options, ...replies] = textsIn(thread);
    expect(options).toMatch(/Packet capture: 5 min, 5 MB max, 160-byte packets/);
    // Last, one reply that mentions the requester (a notification): it is over, and how it went.
    expect(replies.at(-1)).toBe('<@U_ALICE> ✅ All 2 captures done; the files are in this thread.');
    expect(textsIn(thread).filter((t) => t.includes('<@U_ALICE>'))).toHaveLength(1);
    const figures = replies.slice(0, -1);
    // What is inside each file follows it, in the order the files came in.
    expect(figures).toHaveLength(2);
    expect(figures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\(PCAP, E2E-LAPTOP-40\)$/),
        expect.stringMatching(/^WARP is .*\(WARP diagnostics, E2E-LAPTOP-40\)$/),
      ]),
    );
    const files = filesIn(thread);
    expect(files.map((f) => f.name).sort()).toEqual([
      expect.stringMatching(/^E2E-LAPTOP-40-pcap-\d{8}-\d{4}\.zip$/),
      expect.stringMatching(/^E2E-LAPTOP-40-warp-diag-\d{8}-\d{4}\.zip$/),
    ]);
    const expected = await Promise.all(created.map((c) => artifactDigest(stack.sim, c.id)));
    expect(new Set(files.map((f) => f.sha256))).toEqual(new Set(expected.map((a) => a.sha256)));
    const pcap = files.find((f) => f.name.includes('-pcap-'));
    // The comment says what is inside; the title names the device and type, so the comment does not repeat them.
    expect(pcap?.title).toBe('Packet capture (PCAP) · E2E-LAPTOP-40');
    expect(pcap?.comment).toBeTruthy();
    expect(pcap?.comment).not.toContain('E2E-LAPTOP-40');
    expect(pcap?.comment).not.toContain('person0@example.com');
    const warp = files.find((f) => f.name.includes('-warp-diag-'));
    expect(warp?.comment).toMatch(/^WARP is /);
  });

  it('ten devices with both types: twenty commands in one create, twenty files, one status message', async () => {
    addLaptops(10);
    const names = Array.from({ length: 10 }, (_, i) => `E2E-LAPTOP-${40 + i}`);
    await submitAndStart(names);
    expect(stack.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);

    stack.sim.advance(15 * 60_000);
    stack.sim.clearRequests();
    await stack.bot.poll();
    // All twenty tracked commands read with one list call (one page of 50).
    expect(stack.sim.requests.filter((r) => r.endpoint === 'list')).toHaveLength(1);
    await stack.bot.idle();

    const status = statusMessageIn(stack);
    expect(status.blocks?.length).toBeLessThanOrEqual(50);
    const files = filesIn(stack.slack.thread('C_HELPDESK', status.ts));
    expect(files).toHaveLength(20);
    expect(new Set(files.map((f) => f.name)).size).toBe(20);
  });

  it('failures and time-outs are told once in the thread, and the status message ends true', async () => {
    stack.sim.addDevice({
      deviceName: 'BROKEN-1',
      personEmail: 'broken@example.com',
      platform: 'linux',
      behaviour: 'fails',
    });
    stack.sim.addDevice({
      deviceName: 'QUIET-1',
      personEmail: 'quiet@example.com',
      platform: 'linux',
      behaviour: 'normal',
    });
    await submitAndStart(['BROKEN-1', 'QUIET-1']);

    // BROKEN-1 fails quickly; QUIET-1 never gets a chance: the bot's clock passes 30 minutes first.
    stack.sim.advance(60_000);
    await stack.bot.poll();
    stack.clock.advance(31 * 60_000);
    await stack.bot.poll();
    await stack.bot.poll();

    const status = statusMessageIn(stack);
    const text = visibleText(status);
    expect(text).toMatch(/BROKEN-1.* — PCAP ❌ failed · WARP diagnostics ❌ failed/);
    expect(text).toMatch(/QUIET-1.* — PCAP ⏰ timed out · WARP diagnostics ⏰ timed out/);
    const said = textsIn(stack.slack.thread('C_HELPDESK', status.ts));
    // One reply per device, not per type; then the one reply to the requester, naming both.
    expect(said.filter((t) => t.startsWith('❌ *BROKEN-1*'))).toEqual([
      expect.stringMatching(/^❌ \*BROKEN-1\* \(broken@example\.com\): PCAP failed, WARP diagnostics failed\. /),
    ]);
    expect(said.filter((t) => t.startsWith('❌ *QUIET-1*'))).toEqual([
      expect.stringMatching(
        /QUIET-1\* \(quiet@example\.com\): PCAP timed out, WARP diagnostics timed out\. .*no result after 30 minutes/,
      ),
    ]);
    expect(said.at(-1)).toMatch(
      /^<@U_ALICE> ⚠️ 0 of 4 captures done\. Failed on BROKEN-1 \(PCAP, WARP diagnostics\), QUIET-1 /,
    );
    expect(JSON.stringify(status.blocks)).toContain('capture_retry_failed');
    expect(filesIn(stack.slack.thread('C_HELPDESK', status.ts))).toHaveLength(0);
  });

  it('"Retry failed" starts only what failed, through the same checks, once however often it is pressed', async () => {
    const broken = stack.sim.addDevice({
      deviceName: 'BROKEN-2',
      personEmail: 'broken@example.com',
      platform: 'linux',
      behaviour: 'fails',
    });
    addLaptops(1);
    await submitAndStart(['BROKEN-2', 'E2E-LAPTOP-40']);
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const status = statusMessageIn(stack);
    expect(visibleText(status)).toMatch(/Finished with problems — 2 of 4 done/);
    const actions = status.blocks?.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value?: string }>;
    };
    const requestId = actions.elements.find((e) => e.action_id === RETRY_FAILED_ACTION)?.value;
    expect(requestId).toBeTruthy();
    const before = stack.sim.commands.length;
    await stack.user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, RETRY_FAILED_ACTION, requestId);
    await stack.slack.waitFor(() => stack.sim.commands.length === before + 2);
    await stack.bot.idle();

    // Only the failed device, both of its failed types; the device that worked is not captured again.
    const retried = stack.sim.commands.slice(before);
    expect(retried.map((c) => [c.deviceId, c.type])).toEqual([
      [broken.deviceId, 'pcap'],
      [broken.deviceId, 'warp-diag'],
    ]);
    const [, second] = stack.slack.messages('C_HELPDESK').filter((m): m is FakeMessage => m.kind === 'message');
    expect(visibleText(second as FakeMessage)).toMatch(/\*BROKEN-2\* · broken@example\.com — PCAP/);
    expect(visibleText(second as FakeMessage)).not.toContain('E2E-LAPTOP-40');
    // The retry goes to the same public channel, and its audit row says so like the original's.
    const starts = stack.logs
      .filter((line) => line.includes('"audit"'))
      .map((line) => JSON.parse(line).audit)
      .filter((audit) => audit.action === 'start');
    expect(starts.map((audit) => audit.destinationPublic)).toEqual([true, true]);

    // Pressed again (a double click, a second agent): nothing more starts, and the clicker is told where it went.
    await stack.user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, RETRY_FAILED_ACTION, requestId);
    await stack.slack.waitFor(() => stack.slack.responses.some((r) => /retried already/.test(JSON.stringify(r))));
    expect(stack.sim.commands.length).toBe(before + 2);
  });

  it('a file Slack keeps refusing is retried, then the thread says so and links to the dashboard', async () => {
    addLaptops(1);
    await submitAndStart(['E2E-LAPTOP-40']);
    stack.slack.failNext('files.getUploadURLExternal', { error: 'file_upload_size_restricted', times: 6 });
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const status = statusMessageIn(stack);
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(filesIn(thread)).toHaveLength(0);
    const said = textsIn(thread).filter((t) => /Couldn.t post the/.test(t));
    expect(said).toHaveLength(2);
    expect(said[0]).toContain('dash.cloudflare.com');
    expect(stack.slack.callsTo('files.getUploadURLExternal')).toHaveLength(6);
  });

  it('Slack answering 429 or 500 is retried: the status ends true and nothing is posted twice', async () => {
    addLaptops(1);
    stack.slack.failNext('chat.postMessage', { status: 500 });
    await submitAndStart(['E2E-LAPTOP-40']);
    stack.slack.failNext('chat.update', { status: 429, retryAfter: 1 });
    stack.slack.failNext('files.completeUploadExternal', { status: 503 });
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const status = statusMessageIn(stack);
    expect(visibleText(status)).toMatch(/Finished/);
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(filesIn(thread)).toHaveLength(2);
    // The options, each file's figures and the final reply: each once.
    expect(textsIn(thread)).toHaveLength(4);
    expect(stack.slack.callsTo('chat.update').filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('a create whose connection dropped after sending is reconciled by listing, never sent again', async () => {
    addLaptops(1);
    stack.sim.faults.dropConnection({ when: 'after-processing', endpoint: 'create' });
    await submitAndStart(['E2E-LAPTOP-40']);
    expect(stack.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);
    expect(visibleText(statusMessageIn(stack))).toMatch(/PCAP ⏳ running until/);

    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    expect(filesIn(stack.slack.thread('C_HELPDESK', statusMessageIn(stack).ts))).toHaveLength(2);
  });

  it('tracking and relaying carry on after Cloudflare faults: malformed JSON, a 503 on a download', async () => {
    addLaptops(1);
    await submitAndStart(['E2E-LAPTOP-40']);
    stack.sim.advance(15 * 60_000);

    // The first poll gets a body that is not JSON: nothing changes, nothing breaks.
    stack.sim.faults.malformedJson({ endpoint: 'list' });
    await stack.bot.poll();
    expect(statusMessageIn(stack).updates).toBe(1);

    // The next one reads the finished captures; the first download attempt fails with 503s and is retried.
    stack.sim.faults.serverError({ status: 503, endpoint: 'download', times: 4 });
    await stack.bot.poll();
    await stack.bot.idle();
    const status = statusMessageIn(stack);
    expect(visibleText(status)).toMatch(/Finished/);
    expect(filesIn(stack.slack.thread('C_HELPDESK', status.ts))).toHaveLength(2);
    expect(stack.logs.some((l) => l.includes('capture poll failed'))).toBe(true);
  });
});
