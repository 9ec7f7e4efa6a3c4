import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { speedTest } from '../../src/capture-types/speed-test.js';
import { type FakeFileShare, type FakeMessage, values } from '../../src/fake-slack/index.js';
import { optionIds } from '../../src/slack/ui/ids.js';
import {
  artifactDigest,
  openModal,
  openOptions,
  pickDevices,
  type Stack,
  startStack,
  statusMessageIn,
  tickTypes,
  visibleText,
  waitForStatus,
} from './stack.js';

/** Speed tests, the third capture type, started through the modal; Cloudflare gives a file, or only the dashboard. */

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
  stack.sim.addDevice({ deviceName: 'SPEED-LAPTOP', personEmail: 'sam@example.com', platform: 'macos' });
});

afterEach(async () => {
  await stack.close();
});

const interfaces = optionIds(speedTest, 'interfaces');
const textsIn = (thread: ReturnType<Stack['slack']['thread']>) =>
  thread.filter((entry): entry is FakeMessage => entry.kind === 'message').map((m) => m.text ?? '');
const filesIn = (thread: ReturnType<Stack['slack']['thread']>) =>
  thread.filter((entry): entry is FakeFileShare => entry.kind === 'file');

/** Opens the form, ticks only "Speed test" on the WARP tunnel, submits, and waits for the status message. */
async function startSpeedTestOnTunnel() {
  const viewId = await openModal(stack);
  expect(JSON.stringify(stack.slack.view(viewId)?.view)).toContain('"Speed test"');
  await tickTypes(stack, viewId, ['speed-test']);
  expect(visibleText(stack.slack.view(viewId)?.view as { blocks?: unknown })).toContain(
    '*Speed test:* default interface and WARP tunnel',
  );
  await openOptions(stack, viewId, 'speed-test');
  const result = await stack.user.submitView(
    viewId,
    values.merge(
      await pickDevices(stack, viewId, ['SPEED-LAPTOP']),
      values.checkboxes(interfaces.block, interfaces.action, [{ text: 'WARP tunnel', value: 'tunnel' }]),
    ),
  );
  expect(result.outcome).toBe('closed');
  const [created] = await stack.slack.waitFor(() => stack.sim.commands.length === 1 && stack.sim.commands);
  await waitForStatus(stack);
  return created;
}

async function finish() {
  stack.sim.advance(15 * 60_000);
  await stack.bot.poll();
  await stack.bot.idle();
}

describe('speed tests through the modal', () => {
  it('starts a speed test on the tunnel only, counts it in the quota, and posts its file when Cloudflare gives one', async () => {
    const before = stack.sim.getQuota().used;
    const created = await startSpeedTestOnTunnel();
    expect(created).toMatchObject({ type: 'speed-test', args: { interfaces: expect.stringContaining('tunnel') } });
    expect(created?.args.interfaces).not.toContain('default');
    expect(stack.sim.getQuota().used).toBe(before + 1);
    expect(visibleText(statusMessageIn(stack))).toMatch(
      /SPEED-LAPTOP\* · sam@example\.com — Speed test (⏳ running|⏳ starting)/,
    );

    await finish();
    const status = statusMessageIn(stack);
    expect(visibleText(status)).toMatch(/Finished — 1 of 1 done/);
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(textsIn(thread)).toEqual([
      'Speed test: WARP tunnel',
      '<@U_ALICE> ✅ The capture is done; its file is in this thread.',
    ]);
    const [file] = filesIn(thread);
    expect(file?.name).toMatch(/^SPEED-LAPTOP-speed-test-\d{8}-\d{4}\.zip$/);
    expect(file?.sha256).toBe((await artifactDigest(stack.sim, created?.id as string)).sha256);
  });

  it('says the results are in the dashboard, once, when Cloudflare lists no file for it', async () => {
    stack.sim.setSpeedTestResults('dashboard');
    await startSpeedTestOnTunnel();
    await finish();
    await finish();

    const status = statusMessageIn(stack);
    expect(visibleText(status)).toMatch(/Finished — 1 of 1 done/);
    expect(visibleText(status)).toMatch(/Speed test ✅ done: results in the dashboard/);
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(filesIn(thread)).toEqual([]);
    const dashboard = textsIn(thread).filter((t) => /results are in the/.test(t));
    expect(dashboard).toHaveLength(1);
    expect(dashboard[0]).toMatch(/Speed test on SPEED-LAPTOP \(sam@example.com\) finished/);
    expect(dashboard[0]).toContain('dash.cloudflare.com');
    // Nothing was downloaded: there is nothing to download.
    expect(stack.sim.requests.filter((r) => r.endpoint === 'download')).toEqual([]);
  });
});
