import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeFileShare, FakeMessage } from '../../src/fake-slack/index.js';
import {
  artifactDigest,
  openModal,
  pickDevices,
  type Stack,
  type StackOptions,
  startStack,
  visibleText,
} from './stack.js';

/**
 * Slack is the notice board, Cloudflare is the job: whatever Slack does (refusals, 5xx, lost answers, a deleted
 * status message), each capture is created once, every status ends true, and one request's trouble stays its own.
 */

let stack: Stack;

afterEach(async () => {
  await stack?.close();
});

async function start(options: StackOptions = {}) {
  stack = await startStack(options);
  return stack;
}

const topLevel = (channel = 'C_HELPDESK') =>
  stack.slack.messages(channel).filter((m): m is FakeMessage => m.kind === 'message');
const live = (channel = 'C_HELPDESK') => topLevel(channel).filter((m) => !m.deleted);
const filesIn = (message: FakeMessage) =>
  stack.slack.thread(message.channel, message.ts).filter((e): e is FakeFileShare => e.kind === 'file');
const repliesIn = (message: FakeMessage) =>
  stack.slack
    .thread(message.channel, message.ts)
    .filter((e): e is FakeMessage => e.kind === 'message')
    .map((m) => m.text ?? '');
const creates = () => stack.sim.requests.filter((r) => r.endpoint === 'create');

function addLaptop(name: string, behaviour: 'normal' | 'fails' | 'partial-pcap' = 'normal') {
  return stack.sim.addDevice({
    deviceName: name,
    personEmail: `${name.toLowerCase()}@example.com`,
    platform: 'linux',
    behaviour,
  });
}

/** Opens the modal, picks the devices and submits: the modal closes (the request is stored before that answer). */
async function submit(names: string[]) {
  const viewId = await openModal(stack);
  const result = await stack.user.submitView(viewId, await pickDevices(stack, viewId, names));
  expect(result.outcome).toBe('closed');
}

/** Runs the captures to the end on the simulator and lets the bot poll, relay and tell. */
async function finishEverything() {
  stack.sim.advance(15 * 60_000);
  await stack.bot.poll();
  await stack.bot.idle();
  await stack.bot.poll();
}

describe('when Slack fails, the captures still run and every status ends true', () => {
  it('a status post refused once: the captures are created once, and the status message ends finished', async () => {
    await start();
    addLaptop('POST-1');
    // An earlier request on the same device, minutes before: it must never be mistaken for this one.
    await submit(['POST-1']);
    await stack.slack.waitFor(() => live()[0] && repliesIn(live()[0] as FakeMessage).length === 1);
    const earlier = stack.sim.commands.map((c) => c.id);

    stack.slack.failNext('chat.postMessage', { error: 'internal_error' });
    await submit(['POST-1']);
    await stack.slack.waitFor(() => creates().length === 2);
    await stack.bot.idle();
    await stack.bot.poll();
    expect(creates()).toHaveLength(2);

    await finishEverything();
    const statuses = live();
    expect(statuses).toHaveLength(2);
    for (const status of statuses) {
      expect(visibleText(status)).toMatch(/Finished — 2 of 2 done/);
      expect(visibleText(status)).not.toMatch(/no record/);
      expect(filesIn(status)).toHaveLength(2);
    }
    // Four commands, each one's file once, in the thread of the request that started it.
    const later = stack.sim.commands.map((c) => c.id).filter((id) => !earlier.includes(id));
    expect(later).toHaveLength(2);
    const allFiles = statuses.flatMap(filesIn);
    expect(new Set(allFiles.map((f) => f.sha256)).size).toBe(4);
    const laterDigests = await Promise.all(later.map((id) => artifactDigest(stack.sim, id)));
    const secondThread = filesIn(statuses[1] as FakeMessage).map((f) => f.sha256);
    expect(secondThread.sort()).toEqual(laterDigests.map((d) => d.sha256).sort());
  });

  it('a Slack that hangs on the status post: the captures are created at once, and the status follows', async () => {
    await start();
    addLaptop('HANG-1');
    stack.slack.failNext('chat.postMessage', { delayMs: 4_000, error: 'internal_error' });
    const started = Date.now();
    await submit(['HANG-1']);
    await stack.slack.waitFor(() => creates().length === 1 && stack.sim.commands.length === 2, 3_000);
    // The create did not wait for Slack's answer.
    expect(Date.now() - started).toBeLessThan(3_000);
    await stack.bot.idle();
    await finishEverything();
    const [status, ...others] = live();
    expect(others).toEqual([]);
    expect(visibleText(status as FakeMessage)).toMatch(/Finished — 2 of 2 done/);
    expect(filesIn(status as FakeMessage)).toHaveLength(2);
    expect(creates()).toHaveLength(1);
  });

  it('a status message someone deleted: the other requests go on, and it gets a new status message', async () => {
    await start();
    addLaptop('KEEP-1');
    addLaptop('GONE-1');
    await submit(['KEEP-1']);
    await submit(['GONE-1']);
    await stack.slack.waitFor(() => creates().length === 2);
    await stack.bot.idle();
    const [kept, gone] = live();
    const web = new webApi.WebClient(stack.slack.botToken, { slackApiUrl: stack.slack.apiUrl });
    await web.chat.delete({ channel: 'C_HELPDESK', ts: (gone as FakeMessage).ts });

    await finishEverything();
    const keptNow = live().find((m) => m.ts === kept?.ts) as FakeMessage;
    expect(visibleText(keptNow)).toMatch(/Finished — 2 of 2 done/);
    expect(filesIn(keptNow)).toHaveLength(2);

    const replacement = live().find((m) => m.ts !== kept?.ts) as FakeMessage;
    expect(replacement).toBeDefined();
    expect(visibleText(replacement)).toContain('GONE-1');
    expect(visibleText(replacement)).toMatch(/Finished — 2 of 2 done/);
    expect(repliesIn(replacement)[0]).toMatch(/was deleted or can no longer be edited, so this one replaces it/);
    expect(filesIn(replacement)).toHaveLength(2);
    // Later polls change nothing and raise nothing.
    await stack.bot.poll();
    expect(stack.logs.filter((l) => l.includes('capture poll failed'))).toEqual([]);
  });

  it('a thread reply Slack refused is sent again later, never lost, never twice', async () => {
    await start();
    addLaptop('BROKEN-1', 'fails');
    await submit(['BROKEN-1']);
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    stack.sim.advance(60_000);
    // The first of the two failure replies is refused; the second goes through.
    stack.slack.failNext('chat.postMessage', { error: 'internal_error' });
    await stack.bot.poll();
    const [status] = live();
    expect(repliesIn(status as FakeMessage).filter((t) => /failed/.test(t))).toHaveLength(1);

    stack.clock.advance(5_000);
    await stack.bot.poll();
    await stack.bot.poll();
    expect(repliesIn(status as FakeMessage).filter((t) => /BROKEN-1.*failed/.test(t))).toHaveLength(2);
  });

  it('a file Slack shared although its answer was lost is not shared again', async () => {
    await start();
    addLaptop('LOST-1');
    await submit(['LOST-1']);
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    stack.slack.failNext('files.completeUploadExternal', { error: 'internal_error', afterProcessing: true });
    await finishEverything();
    const [status] = live();
    const files = filesIn(status as FakeMessage);
    expect(files).toHaveLength(2);
    expect(new Set(files.map((f) => f.fileId)).size).toBe(2);
    expect(stack.slack.callsTo('files.info').length).toBeGreaterThanOrEqual(1);
  });

  it('an upload URL refused while the download is still streaming: the bot stays up and the file lands', async () => {
    await start();
    stack.sim.setArtifactSize('pcap', 2 * 1024 * 1024);
    stack.sim.setArtifactSize('warp-diag', 2 * 1024 * 1024);
    addLaptop('BIG-1');
    await submit(['BIG-1']);
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    stack.slack.failNext('files.getUploadURLExternal', { error: 'internal_error', times: 2 });
    await finishEverything();
    const [status] = live();
    const files = filesIn(status as FakeMessage);
    expect(files).toHaveLength(2);
    const expected = await Promise.all(stack.sim.commands.map((c) => artifactDigest(stack.sim, c.id)));
    expect(new Set(files.map((f) => f.sha256))).toEqual(new Set(expected.map((d) => d.sha256)));
    expect(visibleText(status as FakeMessage)).toMatch(/Finished — 2 of 2 done/);
  });

  it('the capture form that will not open: the person is told privately', async () => {
    await start();
    stack.slack.failNext('views.open', { status: 500, times: 8 });
    const result = await stack.user.slashCommand('');
    expect(result.status).toBe(200);
    const told = await stack.slack.waitFor(() => stack.slack.responses.find((r) => r.url === result.responseUrl));
    const text = JSON.stringify(told.body);
    expect(text).toMatch(/capture form could not open/);
    expect(text).not.toMatch(/internal_error|An API error/);
  });
});

describe('what people read is true', () => {
  it('a file that never reached Slack is not "Done", and the request finished with problems', async () => {
    await start();
    addLaptop('REFUSED-1');
    await submit(['REFUSED-1']);
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    stack.slack.failNext('files.getUploadURLExternal', { error: 'internal_error', times: 6 });
    await finishEverything();
    const [status] = live();
    const text = visibleText(status as FakeMessage);
    expect(text).toMatch(/Finished with problems — 0 of 2 done/);
    expect(text.match(/⚠️ file not posted: get it from the dashboard/g)).toHaveLength(2);
    expect(text).not.toMatch(/✅ done/);
    const said = repliesIn(status as FakeMessage).filter((t) => /Couldn.t post the/.test(t));
    expect(said).toHaveLength(2);
    for (const reply of said) {
      expect(reply).toMatch(/Slack would not take the file/);
      expect(reply).not.toMatch(/internal_error|An API error occurred/);
    }
  });

  it('a packet capture whose tunnel interface failed is partial, and says which and why', async () => {
    await start();
    addLaptop('HALF-1', 'partial-pcap');
    await submit(['HALF-1']);
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    await finishEverything();
    const [status] = live();
    const text = visibleText(status as FakeMessage);
    expect(text).toMatch(/Finished with problems — 1 of 2 done/);
    expect(text).toMatch(/PCAP ⚠️ partly done: tunnel failed · WARP diagnostics ✅ done/);
    expect(text).toMatch(/1 done, 1 partly done/);
  });

  it('a create Cloudflare rate-limits says until when in a date token, never a raw ISO time', async () => {
    await start();
    addLaptop('LIMITED-1');
    stack.sim.faults.rateLimit({ retryAfterSeconds: 900, endpoint: 'create' });
    await submit(['LIMITED-1']);
    const status = await stack.slack.waitFor(() => live().find((m) => /Could not start/.test(visibleText(m))));
    const text = visibleText(status);
    expect(text).toMatch(/rate limiting this bot's API token until <!date\^\d+\^\{time\}\|/);
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(text).toMatch(/Nothing was started/);
  });
});
