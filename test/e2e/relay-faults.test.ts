import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFileShare, type FakeMessage, values } from '../../src/fake-slack/index.js';
import { TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
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

const SIZE = 2 * 1024 * 1024;
const CUT_AFTER = 200 * 1024;

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
});

afterEach(async () => {
  await stack.close();
});

/** One PCAP on one laptop, finished on the simulator but not yet polled: the next poll starts the relay. */
async function finishedPcap(): Promise<string> {
  stack.sim.setArtifactSize('pcap', SIZE);
  stack.sim.addDevice({ deviceName: 'CUT-1', personEmail: 'cut@example.com', platform: 'linux' });
  const viewId = await openModal(stack);
  const pcapOnly = values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: 'Packet capture (PCAP)', value: 'pcap' }]);
  const result = await stack.user.submitView(
    viewId,
    values.merge(await pickDevices(stack, viewId, ['CUT-1']), pcapOnly),
  );
  expect(result.outcome).toBe('closed');
  const [command] = await stack.slack.waitFor(() => stack.sim.commands.length === 1 && stack.sim.commands);
  await waitForStatus(stack);
  stack.sim.advance(15 * 60_000);
  stack.sim.clearRequests();
  return command?.id ?? '';
}

async function relay(): Promise<{ files: FakeFileShare[]; texts: string[] }> {
  await stack.bot.poll();
  await stack.bot.idle();
  const thread = stack.slack.thread('C_HELPDESK', statusMessageIn(stack).ts);
  return {
    files: thread.filter((e): e is FakeFileShare => e.kind === 'file'),
    texts: thread.filter((e): e is FakeMessage => e.kind === 'message').map((m) => m.text ?? ''),
  };
}

const downloads = () => stack.sim.requests.filter((r) => r.endpoint === 'download');

describe('a Cloudflare download cut off partway', () => {
  it('is resumed into the same Slack upload: one upload URL, the complete file', async () => {
    const id = await finishedPcap();
    stack.sim.faults.dropDownload({ afterBytes: CUT_AFTER });
    const { files, texts } = await relay();

    // The request log keeps no headers: the second download is the resume (a restart would also need a new upload URL).
    expect(downloads().map((r) => r.status)).toEqual([200, 206]);
    expect(stack.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(texts.filter((t) => /Couldn.t post the/.test(t))).toHaveLength(0);
    expect(files).toHaveLength(1);
    const expected = await artifactDigest(stack.sim, id);
    expect(expected.bytes).toBeGreaterThan(SIZE * 0.95);
    expect(files[0]?.bytes).toBe(expected.bytes);
    expect(files[0]?.sha256).toBe(expected.sha256);
    // results.json is still read from the combined stream.
    // The whole zip was read on its way: the comment is the digest's verdict, with nothing it could not read.
    expect(files[0]?.comment).toBeTruthy();
    expect(files[0]?.comment).not.toMatch(/could not read|No capture file|missing/i);
  });

  it('is resumed again when the resumed download is cut too', async () => {
    const id = await finishedPcap();
    stack.sim.faults.dropDownload({ afterBytes: CUT_AFTER, times: 2 });
    const { files } = await relay();

    expect(downloads().map((r) => r.status)).toEqual([200, 206, 206]);
    expect(stack.slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(files).toHaveLength(1);
    const expected = await artifactDigest(stack.sim, id);
    expect(files[0]?.bytes).toBe(expected.bytes);
    expect(files[0]?.sha256).toBe(expected.sha256);
  });

  it('that keeps being cut fails after the bounded resumes and retries, and the thread says so', async () => {
    await finishedPcap();
    stack.sim.faults.dropDownload({ afterBytes: CUT_AFTER, times: Number.POSITIVE_INFINITY });
    const { files, texts } = await relay();

    expect(files).toHaveLength(0);
    const said = texts.filter((t) => /Couldn.t post the/.test(t));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('dash.cloudflare.com');
    expect(said[0]).toMatch(/kept cutting the download off/);
    // Three attempts, each a fresh upload and a first download plus three resumes.
    expect(stack.slack.callsTo('files.getUploadURLExternal')).toHaveLength(3);
    expect(downloads()).toHaveLength(12);
  });
});

describe('a Cloudflare download without a length', () => {
  it('is spooled to a private temporary file and relayed whole; the file is gone afterwards', async () => {
    const id = await finishedPcap();
    stack.sim.faults.chunkedDownload({ times: Number.POSITIVE_INFINITY });
    const { files, texts } = await relay();
    expect(texts.filter((t) => /Couldn.t post the/.test(t))).toHaveLength(0);
    expect(files).toHaveLength(1);
    const expected = await artifactDigest(stack.sim, id);
    expect(files[0]?.bytes).toBe(expected.bytes);
    expect(files[0]?.sha256).toBe(expected.sha256);
    // The whole zip was read on its way: the comment is the digest's verdict, with nothing it could not read.
    expect(files[0]?.comment).toBeTruthy();
    expect(files[0]?.comment).not.toMatch(/could not read|No capture file|missing/i);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`dex-capture-spool-${process.pid}-`))).toEqual([]);
  });
});

describe('downloads that drip a byte at a time', () => {
  async function threeLaptops(): Promise<string[]> {
    stack.sim.setArtifactSize('pcap', 128 * 1024);
    const names = ['DRIP-1', 'DRIP-2', 'QUICK-3'];
    for (const name of names) {
      stack.sim.addDevice({ deviceName: name, personEmail: `${name.toLowerCase()}@example.com`, platform: 'linux' });
    }
    const viewId = await openModal(stack);
    const pcapOnly = values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: 'Packet capture (PCAP)', value: 'pcap' }]);
    const picked = await pickDevices(stack, viewId, names);
    expect((await stack.user.submitView(viewId, values.merge(picked, pcapOnly))).outcome).toBe('closed');
    await stack.slack.waitFor(() => stack.sim.commands.length === 3);
    await stack.bot.idle();
    stack.sim.advance(15 * 60_000);
    return names;
  }

  const fileNames = () =>
    stack.slack
      .thread('C_HELPDESK', statusMessageIn(stack).ts)
      .filter((e): e is FakeFileShare => e.kind === 'file')
      .map((f) => f.name.split('-pcap-')[0]);

  it('cannot hold the relay: the next file goes ahead, and the slow ones are cut off by their deadline and retried', async () => {
    await stack.close();
    stack = await startStack({
      relayTiming: { pace: { graceMs: 600, minBytesPerSecond: 256 * 1024 }, slowAfterMs: 300, retryDelayMs: 100 },
    });
    await threeLaptops();
    // The first two downloads (two slots' worth) drip one byte every 1.5 s.
    stack.sim.faults.slowDownload({ bytesPerChunk: 1, intervalMs: 1_500, times: 2 });
    await stack.bot.poll();
    const quick = await stack.slack.waitFor(() => fileNames().includes('QUICK-3') && fileNames(), 10_000);
    expect(quick).toEqual(['QUICK-3']);
    await stack.bot.idle();
    expect(fileNames().sort()).toEqual(['DRIP-1', 'DRIP-2', 'QUICK-3']);
    expect(stack.logs.filter((l) => /artifact relay attempt failed/.test(l) && /too slow/.test(l))).toHaveLength(2);
  });

  it('every time: the thread says the transfer was too slow, and the status does not say Done', async () => {
    await stack.close();
    stack = await startStack({
      relayTiming: { pace: { graceMs: 300, minBytesPerSecond: 256 * 1024 }, slowAfterMs: 200, retryDelayMs: 50 },
    });
    await threeLaptops();
    stack.sim.faults.slowDownload({ bytesPerChunk: 1, intervalMs: 1_000, times: Number.POSITIVE_INFINITY });
    await stack.bot.poll();
    await stack.bot.idle();
    await stack.bot.poll();
    const status = statusMessageIn(stack);
    const said = stack.slack
      .thread('C_HELPDESK', status.ts)
      .filter((e): e is FakeMessage => e.kind === 'message')
      .map((m) => m.text ?? '')
      .filter((t) => /Couldn.t post the/.test(t));
    expect(said).toHaveLength(3);
    expect(said.every((t) => /the transfer was too slow every time it was tried/.test(t))).toBe(true);
    expect(visibleText(status)).toMatch(/Finished with problems — 0 of 3 done/);
  });
});
