import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeFileShare, FakeMessage } from '../../src/fake-slack/index.js';
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
    expect(running).toContain('windows');
    expect(running).toMatch(/Running on the device/);
    expect(running).toContain('dash.cloudflare.com');

    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const finished = statusMessageIn(stack);
    expect(visibleText(finished)).toMatch(/Finished/);
    expect(visibleText(finished)).not.toMatch(/Running on the device/);
    // One update when the captures started, one when they finished (the files on their way), and one as each file
    // came in with its verdict (two files arriving together may share one): only real changes.
    expect(finished.updates).toBeGreaterThanOrEqual(3);
    expect(finished.updates).toBeLessThanOrEqual(4);
    expect(visibleText(finished)).toMatch(/Finished — 2 of 2 done/);
    await stack.bot.poll();
    expect(statusMessageIn(stack).updates).toBe(finished.updates);

    const thread = stack.slack.thread('C_HELPDESK', finished.ts);
    const [options, ...figures] = textsIn(thread);
    expect(options).toMatch(/Packet capture: 5 min, 5 MB max, 160-byte packets/);
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
    expect(pcap?.comment).toMatch(/E2E-LAPTOP-40 · person0@example.com · windows · \d+(\.\d+)? ?(KB|MB)/);
    expect(pcap?.comment).toMatch(/Interfaces: default ✓, tunnel ✓/);
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
    expect(text).toMatch(/Failed/);
    expect(text).toMatch(/Timed out/);
    const said = textsIn(stack.slack.thread('C_HELPDESK', status.ts));
    expect(said.filter((t) => /BROKEN-1.*failed/.test(t))).toHaveLength(2);
    expect(said.filter((t) => /QUIET-1.*timed out/.test(t))).toHaveLength(2);
    expect(filesIn(stack.slack.thread('C_HELPDESK', status.ts))).toHaveLength(0);
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
    // The options, and each file's figures: each once.
    expect(textsIn(thread)).toHaveLength(3);
    expect(stack.slack.callsTo('chat.update').filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('a create whose connection dropped after sending is reconciled by listing, never sent again', async () => {
    addLaptops(1);
    stack.sim.faults.dropConnection({ when: 'after-processing', endpoint: 'create' });
    await submitAndStart(['E2E-LAPTOP-40']);
    expect(stack.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);
    expect(visibleText(statusMessageIn(stack))).toMatch(/Running on the device/);

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
