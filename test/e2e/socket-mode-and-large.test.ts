import { afterEach, describe, expect, it } from 'vitest';
import { type FakeFileShare, values } from '../../src/fake-slack/index.js';
import { TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
import { openModal, pickDevices, type Stack, startStack, visibleText, waitForStatus } from './stack.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('Socket Mode', () => {
  it('runs the same /capture flow over a Socket Mode link, with no public URL', async () => {
    stack = await startStack({ mode: 'socket' });
    const s = stack;
    expect(s.slack.callsTo('apps.connections.open').some((c) => c.ok)).toBe(true);
    s.sim.addDevice({ deviceName: 'SOCKET-1', personEmail: 'socket@example.com', platform: 'macos' });

    const viewId = await openModal(s);
    const result = await s.user.submitView(viewId, await pickDevices(s, viewId, ['SOCKET-1']));
    expect(result.outcome).toBe('closed');
    await waitForStatus(s);
    s.sim.advance(15 * 60_000);
    await s.bot.poll();
    await s.bot.idle();

    const status = await waitForStatus(s, (m) => /Finished/.test(visibleText(m)));
    const files = s.slack.thread('C_HELPDESK', status.ts).filter((e) => e.kind === 'file');
    expect(files).toHaveLength(2);
  });
});

describe('a large artifact', () => {
  it('relays 100 MB from Cloudflare into the thread', async () => {
    stack = await startStack();
    const s = stack;
    const size = 100 * 1024 * 1024;
    s.sim.setArtifactSize('pcap', size);
    s.sim.addDevice({ deviceName: 'BIG-1', personEmail: 'big@example.com', platform: 'linux' });

    const viewId = await openModal(s);
    const pcapOnly = values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: 'Packet capture (PCAP)', value: 'pcap' }]);
    await s.user.submitView(viewId, values.merge(await pickDevices(s, viewId, ['BIG-1']), pcapOnly));
    await waitForStatus(s);
    s.sim.advance(15 * 60_000);

    await s.bot.poll();
    await s.bot.idle();

    const status = await waitForStatus(s, (m) => /Finished/.test(visibleText(m)));
    const [file] = s.slack.thread('C_HELPDESK', status.ts).filter((e): e is FakeFileShare => e.kind === 'file');
    expect(file?.bytes).toBeGreaterThan(size * 0.95);
    // That the whole path streams (the bot's peak memory ≤ 64 MB over its rest, at 50 MB to 1 GiB) is the
    // "artifact relay" rows of `npm run bench`, measured on `node main.js` in a process of its own.
  });
});
