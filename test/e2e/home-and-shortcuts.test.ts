import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filledModal } from '../../src/demo/local-environment.js';
import { type FakeMessage, imIdFor } from '../../src/fake-slack/index.js';
import {
  CAPTURE_AUTHOR_SHORTCUT,
  DEVICES_BLOCK,
  OPEN_FORM_ACTION,
  START_CAPTURE_SHORTCUT,
} from '../../src/slack/ui/ids.js';
import { pickDevices, type Stack, startStack, visibleText } from './stack.js';

/** The ways in besides `/capture`: the Home tab and the two shortcuts, each through the same access check. */

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
  stack.sim.addDevice({ deviceName: 'HOME-LAPTOP', personEmail: 'alice@example.com', platform: 'windows' });
  stack.sim.addDevice({ deviceName: 'BOB-LAPTOP', personEmail: 'bob@example.com', platform: 'macos' });
});

afterEach(async () => {
  await stack.close();
});

const homeText = (userId: string) => visibleText((stack.slack.homeView(userId) ?? {}) as { blocks?: unknown });
const homeButtons = (userId: string) =>
  JSON.stringify(stack.slack.homeView(userId) ?? {}).match(/"action_id":"[a-z_]+"/g) ?? [];
const auditLines = () => stack.logs.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l));
const publishes = () => stack.slack.callsTo('views.publish').filter((c) => c.ok).length;

describe('App Home', () => {
  it('shows New capture and the quota; a capture started from it appears there with its state, and follows it', async () => {
    await stack.user.openAppHome();
    await stack.slack.waitFor(() => stack.slack.homeView('U_ALICE'));
    expect(homeText('U_ALICE')).toContain('Quota: *800 of 800* captures left today');
    expect(homeText('U_ALICE')).toContain('You have started none yet.');
    expect(homeButtons('U_ALICE')).toEqual([`"action_id":"${OPEN_FORM_ACTION}"`]);

    // "New capture" opens the form through the same check as /capture.
    const click = await stack.user.clickButton({ homeOf: 'U_ALICE' }, OPEN_FORM_ACTION);
    expect(click.status).toBe(200);
    const view = await filledModal(stack.slack, click.triggerId);
    const result = await stack.user.submitView(view.id, await pickDevices(stack, view.id, ['HOME-LAPTOP']));
    expect(result.outcome).toBe('closed');
    // Opened from the Home tab there is no conversation to default to: the status goes to her DM with the bot.
    const status = await stack.slack.waitFor(() =>
      stack.slack.messages(imIdFor('U_ALICE')).find((m): m is FakeMessage => m.kind === 'message' && Boolean(m.botId)),
    );
    const requestId = /capture `([A-Z0-9]+)`/.exec(visibleText(status))?.[1];
    expect(requestId).toBeTruthy();

    // Without opening it again, the tab follows the capture: listed with its state first, then finished.
    await stack.slack.waitFor(() => homeText('U_ALICE').includes(`\`${requestId}\``));
    expect(homeText('U_ALICE')).toMatch(new RegExp(`⏳ \\*(Starting|Running)[^*]*\\* · \`${requestId}\``));
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    await stack.slack.waitFor(() => /✅ \*Finished — 2 of 2 done\*/.test(homeText('U_ALICE')));
    expect(homeText('U_ALICE')).toMatch(/\|Thread>/);

    // Opening the tab again with nothing changed publishes nothing new.
    const before = publishes();
    await stack.user.openAppHome();
    await stack.bot.idle();
    expect(publishes()).toBe(before);
  });

  it('for someone who may not capture: why, and what they may still do; no New capture button', async () => {
    await stack.as('U_BOB').openAppHome();
    await stack.slack.waitFor(() => stack.slack.homeView('U_BOB'));
    expect(homeText('U_BOB')).toContain('Only members of @helpdesk may start captures. Ask an admin to add you.');
    expect(homeText('U_BOB')).toContain('You can still check the quota with `/capture quota`');
    expect(homeButtons('U_BOB')).toEqual([]);
  });
});

describe('shortcuts', () => {
  it('"Start a DEX capture" opens the form; for someone not allowed it is refused privately by DM and audited', async () => {
    const opened = await stack.user.globalShortcut(START_CAPTURE_SHORTCUT);
    expect(opened.status).toBe(200);
    const view = await filledModal(stack.slack, opened.triggerId);
    expect(view.view.callback_id).toBe('capture_modal');

    const refused = await stack.as('U_BOB').globalShortcut(START_CAPTURE_SHORTCUT);
    expect(refused.status).toBe(200);
    const dm = await stack.slack.waitFor(() =>
      stack.slack.callsTo('chat.postMessage').find((c) => c.ok && c.args.channel === 'U_BOB'),
    );
    expect(dm.args.text).toBe('🚫 Only members of @helpdesk may start captures. Ask an admin to add you.');
    expect(stack.slack.viewOpenedWith(refused.triggerId)).toBeUndefined();
    expect(auditLines()).toContainEqual(
      expect.objectContaining({ audit: expect.objectContaining({ userId: 'U_BOB', action: 'denied' }) }),
    );
  });

  it("\"Capture this person's devices\" on a message picks its author's devices; on a bot's message it says why not", async () => {
    const message = stack.slack.postAs('U_BOB', 'C_HELPDESK', 'my wifi keeps dropping since this morning');
    const shortcut = await stack.user.messageShortcut(CAPTURE_AUTHOR_SHORTCUT, {
      channelId: 'C_HELPDESK',
      ts: message.ts,
    });
    expect(shortcut.status).toBe(200);
    const filled = await filledModal(stack.slack, shortcut.triggerId);
    const devices = (filled.view.blocks as Array<{ block_id?: string; element?: Record<string, unknown> }>).find(
      (b) => b.block_id === DEVICES_BLOCK,
    );
    const picked = (devices?.element?.initial_options as Array<{ text: { text: string } }> | undefined) ?? [];
    expect(picked.map((o) => o.text.text)).toEqual(['BOB-LAPTOP · bob@example.com · macos']);
    expect(JSON.stringify(filled.view)).toContain('"initial_conversation":"C_HELPDESK"');

    // The bot's own status message has no person behind it.
    const result = await stack.user.submitView(filled.id, {});
    expect(result.outcome).toBe('closed');
    const status = await stack.slack.waitFor(() =>
      stack.slack.messages('C_HELPDESK').find((m): m is FakeMessage => m.kind === 'message' && Boolean(m.botId)),
    );
    const onBot = await stack.user.messageShortcut(CAPTURE_AUTHOR_SHORTCUT, { channelId: 'C_HELPDESK', ts: status.ts });
    const noAuthor = await filledModal(stack.slack, onBot.triggerId);
    expect(visibleText(noAuthor.view as { blocks?: unknown })).toContain(
      'That message was not written by a person (a bot or a workflow posted it), so no devices were picked.',
    );
  });
});
