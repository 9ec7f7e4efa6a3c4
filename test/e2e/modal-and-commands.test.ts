import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filledModal, offeredOptions } from '../../src/demo/local-environment.js';
import { type FakeMessage, imIdFor, values } from '../../src/fake-slack/index.js';
import {
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  CHANNEL_WARNING_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  OPEN_FORM_ACTION,
  QUOTA_BLOCK,
  REASON_BLOCK,
  RUN_AGAIN_ACTION,
  STOP_WATCHING_ACTION,
  TYPES_ACTION,
  TYPES_BLOCK,
} from '../../src/slack/ui/ids.js';
import { PCAP_PACKET_ACTION, PCAP_PACKET_BLOCK, PCAP_TIME_ACTION, PCAP_TIME_BLOCK } from '../option-ids.js';
import {
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

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
  stack.sim.addDevice({
    deviceName: 'ZED-LAPTOP-42',
    personEmail: 'alice@example.com',
    platform: 'windows',
    behaviour: 'normal',
  });
  stack.sim.addDevice({
    deviceName: 'ZED-MBP-ALICE',
    personEmail: 'alice@example.com',
    platform: 'macos',
    behaviour: 'normal',
  });
});

afterEach(async () => {
  await stack.close();
});

const creates = () => stack.sim.requests.filter((r) => r.endpoint === 'create');

async function submitErrors(submitted: Parameters<Stack['user']['submitView']>[1], viewId?: string) {
  const id = viewId ?? (await openModal(stack));
  const result = await stack.user.submitView(id, submitted);
  expect(result.outcome).toBe('errors');
  return (result.body as { errors: Record<string, string> }).errors;
}

describe('the modal refuses bad requests inline, and nothing reaches Cloudflare', () => {
  it('no device', async () => {
    expect(await submitErrors({})).toEqual({ [DEVICES_BLOCK]: 'Pick at least one device.' });
    expect(creates()).toHaveLength(0);
  });

  it('more than 10 devices (a forged payload: the picker allows 10)', async () => {
    for (let i = 0; i < 11; i++) {
      stack.sim.addDevice({ deviceName: `BULK-${i}`, personEmail: `bulk${i}@example.com`, platform: 'linux' });
    }
    const viewId = await openModal(stack);
    const picked = await pickDevices(
      stack,
      viewId,
      Array.from({ length: 11 }, (_, i) => `BULK-${i}`),
    );
    expect((await submitErrors(picked, viewId))[DEVICES_BLOCK]).toBe('Pick at most 10 devices.');
    expect(creates()).toHaveLength(0);
  });

  it('an ineligible device, with its reason', async () => {
    const phone = stack.sim.addDevice({ deviceName: 'IPHONE-7', personEmail: 'bob@example.com', platform: 'ios' });
    const viewId = await openModal(stack);
    const errors = await submitErrors(await pickDevices(stack, viewId, ['IPHONE-7']), viewId);
    expect(errors[DEVICES_BLOCK]).toContain('IPHONE-7');
    expect(errors[DEVICES_BLOCK]).toContain(phone.ineligibleReason);
    expect(creates()).toHaveLength(0);
  });

  it('no capture type, and numbers out of range, all at once', async () => {
    const viewId = await openModal(stack);
    await openOptions(stack, viewId, 'pcap');
    const errors = await submitErrors(
      values.merge(
        await pickDevices(stack, viewId, ['ZED-LAPTOP-42']),
        values.checkboxes(TYPES_BLOCK, TYPES_ACTION, []),
        values.number(PCAP_TIME_BLOCK, PCAP_TIME_ACTION, 11),
        values.number(PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '2.5'),
      ),
      viewId,
    );
    expect(Object.keys(errors).sort()).toEqual([PCAP_PACKET_BLOCK, PCAP_TIME_BLOCK, TYPES_BLOCK].sort());
    expect(errors[TYPES_BLOCK]).toBe('Pick at least one capture type.');
    expect(errors[PCAP_TIME_BLOCK]).toMatch(/from 1 to 10/);
    expect(creates()).toHaveLength(0);
  });

  it('not enough quota left', async () => {
    stack.sim.setQuota({ total: 800, used: 799 });
    const viewId = await openModal(stack);
    const errors = await submitErrors(await pickDevices(stack, viewId, ['ZED-LAPTOP-42']), viewId);
    expect(errors[DEVICES_BLOCK]).toMatch(/Not enough quota: this needs 2 captures and 1 are left today/);
    expect(creates()).toHaveLength(0);
  });
});

describe('the modal', () => {
  const viewOf = (viewId: string) => stack.slack.view(viewId)?.view as { blocks: Array<Record<string, unknown>> };
  const blockIds = (viewId: string) => viewOf(viewId).blocks.map((b) => b.block_id);

  it('shows each ticked type as one line; Change opens its fields; the typed and the folded options both start', async () => {
    const viewId = await openModal(stack);
    expect(blockIds(viewId)).toEqual([
      'capture_intro',
      DEVICES_BLOCK,
      TYPES_BLOCK,
      'capture_pcap_summary',
      'capture_warp_summary',
      REASON_BLOCK,
      CHANNEL_BLOCK,
      CHANNEL_WARNING_BLOCK,
      QUOTA_BLOCK,
    ]);
    // Ticking the speed test adds its line; unticking WARP removes its line.
    await tickTypes(stack, viewId, ['pcap', 'speed-test']);
    expect(blockIds(viewId)).toContain('capture_speed_summary');
    expect(blockIds(viewId)).not.toContain('capture_warp_summary');
    expect((viewOf(viewId) as { submit?: { text: string } }).submit?.text).toBe('Start capture');

    await openOptions(stack, viewId, 'pcap');
    expect(blockIds(viewId)).toEqual(
      expect.arrayContaining([PCAP_TIME_BLOCK, PCAP_PACKET_BLOCK, 'capture_speed_summary']),
    );
    const result = await stack.user.submitView(
      viewId,
      values.merge(
        await pickDevices(stack, viewId, ['ZED-LAPTOP-42']),
        values.number(PCAP_TIME_BLOCK, PCAP_TIME_ACTION, 7),
      ),
    );
    expect(result.outcome).toBe('closed');
    await stack.slack.waitFor(() => stack.sim.commands.length === 2);
    const byType = Object.fromEntries(stack.sim.commands.map((c) => [c.type, c.args]));
    expect(byType.pcap).toMatchObject({ 'time-limit-min': '7', 'packet-size-bytes': '160' });
    // The folded speed test keeps its defaults: both interfaces.
    expect(String(byType['speed-test']?.interfaces)).toBe('default,tunnel');
  });

  it('`/capture alice@example.com` says it is looking up her devices, then which were left out and why', async () => {
    stack.sim.addDevice({
      deviceName: 'ZED-IPAD-ALICE',
      personEmail: 'alice@example.com',
      platform: 'ios',
      eligible: false,
      ineligibleReason: 'WARP client version 2024.3.1.0 is below the minimum version 2024.12.0 for remote captures',
    });
    const result = await stack.user.slashCommand('alice@example.com');
    const opened = await stack.slack.waitFor(() => stack.slack.viewOpenedWith(result.triggerId));
    const hint = (view: { blocks?: unknown }) =>
      ((view.blocks ?? []) as Array<{ block_id?: string; hint?: { text: string } }>).find(
        (b) => b.block_id === DEVICES_BLOCK,
      )?.hint?.text;
    const openCall = stack.slack.callsTo('views.open').at(-1);
    const raw = openCall?.args.view;
    const firstView = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { blocks?: unknown };
    expect(hint(firstView)).toBe('Looking up the devices of alice@example.com…');
    const filled = await filledModal(stack.slack, result.triggerId);
    expect(filled.id).toBe(opened.id);
    expect(hint(filled.view)).toBe(
      "Left out, as they can't be captured: ZED-IPAD-ALICE (WARP client version 2024.3.1.0 is below the minimum version 2024.12.0 for remote captures).",
    );
    const picked = (
      (
        filled.view.blocks as Array<{
          block_id?: string;
          element?: { initial_options?: Array<{ text: { text: string } }> };
        }>
      ).find((b) => b.block_id === DEVICES_BLOCK)?.element?.initial_options ?? []
    ).map((o) => o.text.text.split(' · ')[0]);
    expect(picked.sort()).toEqual(['ZED-LAPTOP-42', 'ZED-MBP-ALICE']);
  });

  it('a device search that Cloudflare does not answer says so as an option, and picking it is refused', async () => {
    const viewId = await openModal(stack);
    stack.sim.faults.serverError({ endpoint: 'devices', times: 50 });
    const answer = await stack.user.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, 'nobody-cached');
    const [option] = offeredOptions(answer);
    expect(option?.text.text).toBe('Cloudflare did not answer. Type again to retry.');
    const errors = await submitErrors(
      values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, [
        { text: option?.text.text ?? '', value: option?.value ?? '' },
      ]),
      viewId,
    );
    expect(errors[DEVICES_BLOCK]).toMatch(/is a message, not a device: remove it and search again\.$/);
  });

  it('opens at once, then shows the quota left and what a request uses', async () => {
    const viewId = await openModal(stack);
    const opened = stack.slack.callsTo('views.open')[0];
    expect(opened?.ok).toBe(true);
    const view = stack.slack.view(viewId);
    expect(visibleText(view?.view as { blocks?: unknown })).toMatch(/800 of 800 captures left today/);
  });

  it('says what the request will use as devices and types are picked', async () => {
    const viewId = await openModal(stack);
    const quotaText = () => visibleText(stack.slack.view(viewId)?.view as { blocks?: unknown });
    expect(quotaText()).toMatch(/each device × capture type uses 1/);

    const picked = await pickDevices(stack, viewId, ['ZED-LAPTOP-42', 'ZED-MBP-ALICE']);
    const updates = stack.slack.callsTo('views.update').length;
    await stack.user.changeInput(viewId, DEVICES_BLOCK, DEVICES_ACTION, picked);
    await stack.slack.waitFor(() => stack.slack.callsTo('views.update').filter((c) => c.ok).length > updates);
    expect(quotaText()).toMatch(/800 of 800 captures left today .* this request uses 4 \(2 devices × 2 types\)/);

    await stack.user.changeInput(
      viewId,
      TYPES_BLOCK,
      TYPES_ACTION,
      values.merge(
        picked,
        values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: 'Packet capture (PCAP)', value: 'pcap' }]),
      ),
    );
    await stack.slack.waitFor(() => /uses 2 \(2 devices × 1 type\)/.test(quotaText()));
  });

  it('`/capture alice@example.com` preselects her eligible devices', async () => {
    const viewId = await openModal(stack, 'alice@example.com');
    type InputBlock = { block_id?: string; element?: { initial_options?: Array<{ text: { text: string } }> } };
    const blocks = (stack.slack.view(viewId)?.view.blocks ?? []) as InputBlock[];
    const devicesBlock = blocks.find((b) => b.block_id === DEVICES_BLOCK);
    expect(devicesBlock?.element?.initial_options?.map((o) => o.text.text).sort()).toEqual([
      'ZED-LAPTOP-42 · alice@example.com · windows',
      'ZED-MBP-ALICE · alice@example.com · macos',
    ]);
  });

  it('`/capture ZED-LAPTOP-42` (a name pasted from a ticket) picks that device when it is the only one', async () => {
    const viewId = await openModal(stack, 'zed-laptop-42');
    type InputBlock = { block_id?: string; element?: { initial_options?: Array<{ text: { text: string } }> } };
    const blocks = (stack.slack.view(viewId)?.view.blocks ?? []) as InputBlock[];
    expect(blocks.find((b) => b.block_id === DEVICES_BLOCK)?.element?.initial_options?.map((o) => o.text.text)).toEqual(
      ['ZED-LAPTOP-42 · alice@example.com · windows'],
    );
    // No such device: nothing picked, and the form says so.
    const none = await openModal(stack, 'NO-SUCH-PC');
    const view = stack.slack.view(none)?.view as { blocks?: unknown };
    expect(visibleText(view)).toContain('No device named “NO-SUCH-PC” can be captured right now');
    const noneBlocks = (view.blocks ?? []) as InputBlock[];
    expect(noneBlocks.find((b) => b.block_id === DEVICES_BLOCK)?.element?.initial_options ?? []).toEqual([]);
  });

  it('`/capture @alice` does the same through her Slack profile', async () => {
    const viewId = await openModal(stack, '<@U_ALICE|alice>');
    expect(visibleText(stack.slack.view(viewId)?.view as { blocks?: unknown })).toContain(
      'ZED-LAPTOP-42 · alice@example.com',
    );
  });
});

describe('buttons on the status message', () => {
  async function startOne() {
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['ZED-LAPTOP-42']));
    await waitForStatus(stack);
    return statusMessageIn(stack);
  }

  it('"Run again" opens the modal prefilled with the same devices and options', async () => {
    const status = await startOne();
    const requestId = JSON.stringify(status.blocks).match(/"value":"([A-Z0-9]{6})"/)?.[1];
    const click = await stack.user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, RUN_AGAIN_ACTION, requestId);
    const view = await filledModal(stack.slack, click.triggerId);
    expect(visibleText(view.view as { blocks?: unknown })).toContain('ZED-LAPTOP-42 · alice@example.com · windows');
  });

  it('"Stop watching" stops tracking and says exactly what that means', async () => {
    const status = await startOne();
    const requestId = JSON.stringify(status.blocks).match(/"value":"([A-Z0-9]{6})"/)?.[1];
    await stack.user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, STOP_WATCHING_ACTION, requestId);
    await waitForStatus(stack, (s) => /Stopped watching/.test(visibleText(s)));

    stack.sim.advance(15 * 60_000);
    stack.sim.clearRequests();
    await stack.bot.poll();
    await stack.bot.idle();
    // Nothing is followed any more: no list call, no files.
    expect(stack.sim.requests).toHaveLength(0);
    // The status message says it once, with what stopping means; the thread does not repeat it.
    const stopped = statusMessageIn(stack);
    expect(JSON.stringify(stopped.blocks).match(/Stopped watching/g)).toHaveLength(1);
    expect(visibleText(stopped)).toContain('may still complete on the devices');
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(
      thread.filter((e) => e.kind === 'message' && /Stopped watching|may still complete/.test(e.text ?? '')),
    ).toEqual([]);
    expect(thread.filter((e) => e.kind === 'file')).toHaveLength(0);
  });
});

describe('Slack retries', () => {
  it('the same submission delivered twice starts the captures once', async () => {
    const viewId = await openModal(stack);
    const first = await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['ZED-LAPTOP-42']));
    expect(first.outcome).toBe('closed');
    const retry = await stack.user.resend(first.request, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await waitForStatus(stack);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(creates()).toHaveLength(1);
    expect(stack.slack.messages('C_HELPDESK').filter((m) => m.kind === 'message')).toHaveLength(1);
  });
});

describe('where the status goes', () => {
  it('to the requester’s DM, saying why, when the bot cannot post in the chosen conversation', async () => {
    const viewId = await openModal(stack);
    const picked = await pickDevices(stack, viewId, ['ZED-LAPTOP-42']);
    const result = await stack.user.submitView(
      viewId,
      values.merge(picked, values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, 'C_NOT_INVITED')),
    );
    expect(result.outcome).toBe('closed');
    const dm = imIdFor('U_ALICE');
    const status = await stack.slack.waitFor(() => stack.slack.messages(dm).find((m) => m.kind === 'message'));
    expect(visibleText(status as FakeMessage)).toContain('ZED-LAPTOP-42');
    await stack.slack.waitFor(() =>
      stack.slack
        .thread(dm, status.ts)
        .some(
          (e) => e.kind === 'message' && /can't post in <#C_NOT_INVITED>.*\/invite @dex-capture/.test(e.text ?? ''),
        ),
    );
    await stack.slack.waitFor(() => creates().length === 1);
  });
});

describe('quick answers', () => {
  const lastResponse = () => stack.slack.responses.at(-1) as { body?: { text?: string } } | undefined;

  it('`/capture quota` when Cloudflare fails says so, with the last known figure and its age', async () => {
    stack.sim.setQuota({ used: 12 });
    await stack.user.slashCommand('quota');
    await stack.slack.waitFor(() => /788 of 800/.test(JSON.stringify(lastResponse())));
    // Past the 30 s shared read, Cloudflare fails.
    stack.clock.advance(12 * 60_000);
    stack.sim.faults.serverError({ endpoint: 'quota', times: 20 });
    await stack.user.slashCommand('quota');
    const response = await stack.slack.waitFor(() =>
      /did not answer/.test(JSON.stringify(lastResponse())) ? lastResponse() : undefined,
    );
    expect(response?.body?.text).toMatch(
      /^Cloudflare did not answer just now, so I cannot tell the quota\. Last known: \*788 of 800\* left, 12 min ago/,
    );
  });

  it('`/capture quota` says used, total, and when it resets', async () => {
    stack.sim.setQuota({ used: 12 });
    await stack.user.slashCommand('quota');
    const response = await stack.slack.waitFor(() => lastResponse());
    expect(JSON.stringify(response)).toMatch(/788 of 800/);
    expect(JSON.stringify(response)).toMatch(/Resets in/);
    expect(JSON.stringify(response)).toMatch(/<!date\^\d+\^/);
  });

  it('`/capture help` and anything not understood get short help, never silence', async () => {
    const help = await stack.user.slashCommand('help');
    expect(JSON.stringify(help.body)).toContain('/capture quota');
    const unknown = await stack.user.slashCommand('reboot everything');
    expect(JSON.stringify(unknown.body)).toMatch(/didn.t understand/i);
    expect(JSON.stringify(unknown.body)).toContain('/capture list');
  });

  it("the help's button opens the capture form; for someone who may not capture it is refused in place", async () => {
    const help = await stack.user.slashCommand('help');
    expect(help.ephemeralTs).toBeTruthy();
    const click = await stack.user.clickButton({ ephemeral: help.ephemeralTs as string }, OPEN_FORM_ACTION);
    expect(click.status).toBe(200);
    const view = await filledModal(stack.slack, click.triggerId);
    expect(view.view.callback_id).toBe('capture_modal');

    const bob = stack.as('U_BOB');
    const bobsHelp = await bob.slashCommand('help');
    const refused = await bob.clickButton({ ephemeral: bobsHelp.ephemeralTs as string }, OPEN_FORM_ACTION);
    await stack.slack.waitFor(() =>
      stack.slack.ephemerals('U_BOB').some((e) => (e.text ?? '').startsWith('🚫 Only members of @helpdesk')),
    );
    expect(stack.slack.viewOpenedWith(refused.triggerId)).toBeUndefined();
  });

  it('`/capture list mine` and `/capture status <id>` read the bot’s own records', async () => {
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['ZED-LAPTOP-42']));
    await waitForStatus(stack);
    const requestId = JSON.stringify(statusMessageIn(stack).blocks).match(/"value":"([A-Z0-9]{6})"/)?.[1] ?? '';

    await stack.user.slashCommand('list mine');
    const list = JSON.stringify(await stack.slack.waitFor(() => lastResponse()));
    expect(list).toContain(requestId);
    expect(list).toContain('ZED-LAPTOP-42');

    await stack.user.slashCommand(`status ${requestId.toLowerCase()}`);
    await stack.slack.waitFor(() => stack.slack.responses.length === 2);
    expect(JSON.stringify(lastResponse())).toContain('ZED-LAPTOP-42');

    await stack.user.slashCommand('status ZZZZZZ');
    await stack.slack.waitFor(() => stack.slack.responses.length === 3);
    expect(JSON.stringify(lastResponse())).toMatch(/No capture `ZZZZZZ`/);
  });
});
