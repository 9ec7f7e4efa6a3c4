import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMessage, imIdFor, values } from '../../src/fake-slack/index.js';
import { REASON_ACTION, REASON_BLOCK, STATUS_REASON_BLOCK } from '../../src/slack/ui/ids.js';
import { openModal, pickDevices, type Stack, startStack, visibleText, waitForStatus } from './stack.js';

/** Privacy by default: a reason on every capture, the device owner told, files that expire. */

let stack: Stack;

afterEach(async () => {
  await stack?.close();
});

const HOSTILE_REASON = 'INC-4821 <!channel> *urgent* <https://evil.example|click> @here';
const auditLines = () => stack.logs.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);

describe('a reason on every capture', () => {
  it('is required by default, shown as plain text in the status message, and kept in the audit', async () => {
    stack = await startStack({ env: { CAPTURE_REASON_REQUIRED: 'true', NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'REASON-1', personEmail: 'alice@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    const devices = await pickDevices(stack, viewId, ['REASON-1']);

    const refused = await stack.user.submitView(viewId, devices);
    expect(refused.outcome).toBe('errors');
    expect((refused.body as { errors: Record<string, string> }).errors).toEqual({
      [REASON_BLOCK]: "Give a reason or a ticket reference: it is shown to the device's owner and kept in the audit.",
    });
    expect(stack.sim.commands).toHaveLength(0);

    const accepted = await stack.user.submitView(
      viewId,
      values.merge(devices, values.text(REASON_BLOCK, REASON_ACTION, HOSTILE_REASON)),
    );
    expect(accepted.outcome).toBe('closed');
    const status = await waitForStatus(stack);
    const reasonBlock = (status.blocks ?? []).find((b) => b.block_id === STATUS_REASON_BLOCK) as {
      elements: Array<{ type: string; text: string }>;
    };
    // Plain text: Slack shows it as typed and nothing in it mentions, links or formats.
    expect(reasonBlock.elements).toEqual([{ type: 'plain_text', text: `Reason: ${HOSTILE_REASON}`, emoji: false }]);
    expect(JSON.stringify(status.blocks)).not.toContain('"type":"mrkdwn","text":"Reason');
    await stack.bot.idle();
    const start = auditLines().find((a) => a.action === 'start');
    expect(start.reason).toBe(HOSTILE_REASON);

    await stack.user.slashCommand('audit');
    const reply = await stack.slack.waitFor(() => stack.slack.responses.at(-1));
    const shown = JSON.stringify(reply);
    // Inert: no mention, no bold, no link, no @here.
    expect(shown).toContain('reason: “INC-4821 &lt;!channel&gt; ∗urgent∗ &lt;https://evil.example|click&gt; ＠here”');
    expect(shown).not.toContain('<!channel>');
  });
});

describe('the device owner is told', () => {
  it('by DM, once, with who, what, how long and the reason; never the requester; the audit notes an owner not in Slack', async () => {
    stack = await startStack();
    stack.sim.addDevice({ deviceName: 'BOB-LAPTOP', personEmail: 'bob@example.com', platform: 'macos' });
    stack.sim.addDevice({ deviceName: 'BOB-DESKTOP', personEmail: 'bob@example.com', platform: 'windows' });
    stack.sim.addDevice({ deviceName: 'ALICE-OWN', personEmail: 'alice@example.com', platform: 'linux' });
    stack.sim.addDevice({ deviceName: 'GHOST-PC', personEmail: 'ghost@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    const devices = await pickDevices(stack, viewId, ['BOB-LAPTOP', 'BOB-DESKTOP', 'ALICE-OWN', 'GHOST-PC']);
    const result = await stack.user.submitView(
      viewId,
      values.merge(devices, values.text(REASON_BLOCK, REASON_ACTION, 'INC-77: VPN drops')),
    );
    expect(result.outcome).toBe('closed');
    await waitForStatus(stack);
    await stack.bot.idle();

    const toBob = stack.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.channel === 'U_BOB');
    expect(toBob).toHaveLength(1);
    const dm = visibleText(toBob[0]?.args as { text?: string; blocks?: unknown });
    expect(dm).toContain('<@U_ALICE> started remote captures on your devices *BOB-LAPTOP*, *BOB-DESKTOP*');
    expect(dm).toContain('The packet capture stops by itself within 5 min');
    expect(dm).toContain('Reason given: INC-77: VPN drops');
    expect(dm).toContain('Questions: ask <@U_ALICE>, or in <#C_HELPDESK>.');
    // The requester is not told about her own device.
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U_ALICE')).toHaveLength(0);
    expect(stack.slack.messages(imIdFor('U_ALICE')).filter((m): m is FakeMessage => m.kind === 'message')).toHaveLength(
      0,
    );

    const notices = auditLines().filter((a) => a.action === 'owner-notice');
    expect(
      notices.map((a) => a.outcomeDetails).sort((x, y) => String(x.email).localeCompare(String(y.email))),
    ).toEqual([
      { email: 'bob@example.com', told: true },
      { email: 'ghost@example.com', told: false },
    ]);

    // A poll, a restart of delivery: nobody is told twice.
    await stack.bot.poll();
    await stack.bot.idle();
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.channel === 'U_BOB')).toHaveLength(1);
  });

  it('NOTIFY_DEVICE_OWNER=false sends no DM', async () => {
    stack = await startStack({ env: { NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'BOB-LAPTOP', personEmail: 'bob@example.com', platform: 'macos' });
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['BOB-LAPTOP']));
    await waitForStatus(stack);
    await stack.bot.idle();
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U_BOB')).toHaveLength(0);
  });
});
