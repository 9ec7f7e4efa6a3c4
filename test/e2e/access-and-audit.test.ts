import { afterEach, describe, expect, it } from 'vitest';
import { HELPDESK_GROUP } from '../../src/demo/local-environment.js';
import { imIdFor, values } from '../../src/fake-slack/index.js';
import {
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  CHANNEL_WARNING_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
} from '../../src/slack/ui/ids.js';
import { openModal, pickDevices, type Stack, startStack, visibleText, waitForStatus } from './stack.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const as = (s: Stack, userId: string) => s.as(userId);
const creates = (s: Stack) => s.sim.requests.filter((r) => r.endpoint === 'create');
const auditLines = (s: Stack) => s.logs.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l));

describe('who may capture', () => {
  it('a person outside the allowed user group is told why, nothing opens, and the refusal is audited', async () => {
    stack = await startStack();
    const bob = as(stack, 'U_BOB');
    const answer = await bob.slashCommand('');
    expect(JSON.stringify(answer.body)).toMatch(/Only members of @helpdesk may start captures/);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(auditLines(stack)).toEqual([
      expect.objectContaining({ audit: expect.objectContaining({ userId: 'U_BOB', action: 'denied' }) }),
    ]);
    // Reading stays open to everyone.
    await bob.slashCommand('quota');
    await stack.slack.waitFor(() => stack?.slack.responses.length === 1);
    expect(JSON.stringify(stack.slack.responses[0])).toMatch(/captures left today/);
  });

  it('is decided again on submit: someone removed from the group after opening the modal starts nothing', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.addDevice({ deviceName: 'ACCESS-1', personEmail: 'access@example.com', platform: 'linux' });
    const viewId = await openModal(s);
    const picked = await pickDevices(s, viewId, ['ACCESS-1']);
    // Alice leaves the group; the bot's one-minute membership cache runs out.
    s.slack.addUsergroup({ ...HELPDESK_GROUP, users: [] });
    s.clock.advance(61_000);

    const result = await s.user.submitView(viewId, picked);
    expect(result.outcome).toBe('errors');
    expect(JSON.stringify(result.body)).toMatch(/Only members of @helpdesk/);
    expect(creates(s)).toHaveLength(0);
    // And the device search (which names people) answers her nothing.
    const options = await s.user.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, 'ACCESS');
    expect(options.options ?? options.option_groups).toEqual([]);
  });

  it('fails closed when Slack cannot say who is in the group', async () => {
    stack = await startStack();
    stack.slack.failNext('usergroups.users.list', { error: 'internal_error', times: 5 });
    const answer = await stack.user.slashCommand('');
    expect(JSON.stringify(answer.body)).toMatch(/could not confirm that you may start captures/);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('with no allowlist, only workspace admins and owners may capture', async () => {
    stack = await startStack({ allowedUsergroups: '' });
    const alice = await stack.user.slashCommand('');
    expect(JSON.stringify(alice.body)).toMatch(/Only workspace admins and owners/);
    const admin = await as(stack, 'U_ADMIN').slashCommand('');
    expect(admin.status).toBe(200);
    await stack.slack.waitForCall('views.open');
  });
});

describe('the audit trail', () => {
  it('records starts, stops and refusals, and `/capture audit` shows them to those allowed to capture', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.addDevice({ deviceName: 'AUDIT-1', personEmail: 'audited@example.com', platform: 'windows' });
    const viewId = await openModal(s);
    await s.user.submitView(viewId, await pickDevices(s, viewId, ['AUDIT-1']));
    await waitForStatus(s);
    await as(s, 'U_BOB').slashCommand('');

    const start = auditLines(s).find((l) => l.audit.action === 'start');
    expect(start.audit).toMatchObject({
      userId: 'U_ALICE',
      channelId: 'C_HELPDESK',
      types: ['pcap', 'warp-diag'],
      outcome: 'started',
      devices: [expect.objectContaining({ name: 'AUDIT-1', email: 'audited@example.com' })],
    });
    expect(start.audit.commandIds).toHaveLength(2);
    expect(start.audit.options.pcap).toEqual({ timeLimitMin: 5, maxFileSizeMb: 5, packetSizeBytes: 160 });

    await s.user.slashCommand('audit');
    await s.slack.waitFor(() => s.slack.responses.length === 1);
    const shown = JSON.stringify(s.slack.responses[0]);
    expect(shown).toMatch(/Audit trail, last 7 days/);
    expect(shown).toMatch(/started/);
    expect(shown).toContain('AUDIT-1');
    expect(shown).toMatch(
      /<@U_BOB> was refused once, <!date\^\d+\^[^|]+\|[^>]+ UTC> · denied to open the capture form/,
    );

    // Bob may not read it.
    const refused = await as(s, 'U_BOB').slashCommand('audit 30');
    expect(JSON.stringify(refused.body)).toMatch(/Only members of @helpdesk/);
  });
});

describe('the audit trail cannot be drowned', () => {
  it('150 refused /capture by one person: the audit still shows every start, and the refusals on one line', async () => {
    stack = await startStack();
    const s = stack;
    const names = ['DROWN-1', 'DROWN-2'];
    for (const name of names)
      s.sim.addDevice({ deviceName: name, personEmail: `${name}@example.com`, platform: 'linux' });
    for (const name of names) {
      const viewId = await openModal(s);
      const result = await s.user.submitView(viewId, await pickDevices(s, viewId, [name]));
      expect(result.outcome).toBe('closed');
    }
    const starts = await s.slack.waitFor(() => {
      const found = auditLines(s).filter((l) => l.audit.action === 'start');
      return found.length === names.length ? found : undefined;
    });

    const bob = as(s, 'U_BOB');
    for (let i = 0; i < 150; i++) {
      const refused = await bob.slashCommand('');
      expect(JSON.stringify(refused.body)).toMatch(/Only members of @helpdesk/);
    }
    // Every refusal is still recorded, one by one.
    expect(auditLines(s).filter((l) => l.audit.action === 'denied' && l.audit.userId === 'U_BOB')).toHaveLength(150);

    await s.user.slashCommand('audit');
    await s.slack.waitFor(() => s.slack.responses.length === 1);
    const reply = s.slack.responses[0]?.body as { text: string; blocks: Array<{ text?: { text: string } }> };
    const lines = reply.blocks.flatMap((b) => b.text?.text.split('\n') ?? []);
    for (const start of starts) {
      expect(lines.filter((l) => l.includes(`<@U_ALICE> started \`${start.audit.requestId}\``))).toHaveLength(1);
    }
    const bobLines = lines.filter((l) => l.includes('<@U_BOB>'));
    expect(bobLines).toHaveLength(1);
    expect(bobLines[0]).toMatch(
      /^• <@U_BOB> was refused 150 times, <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>–<!date\^\d+\^[^|]+\|[^>]+ UTC> · latest: denied to open the capture form: Only members of @helpdesk/,
    );
    expect(reply.text).toBe('Audit trail, the last 7 days: 4 recorded actions, 150 refused attempts by 1 person');
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
    for (const block of reply.blocks) expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
  });
});

describe('sensitive files', () => {
  it('the modal says plainly when the files would be visible to a public channel, and the warning follows the choice', async () => {
    stack = await startStack();
    const s = stack;
    s.sim.addDevice({ deviceName: 'PUB-1', personEmail: 'pub@example.com', platform: 'macos' });
    const viewId = await openModal(s);
    const warning = () =>
      (
        (s.slack.view(viewId)?.view.blocks ?? []) as Array<{ block_id?: string; elements?: Array<{ text: string }> }>
      ).find((b) => b.block_id === CHANNEL_WARNING_BLOCK)?.elements?.[0]?.text;
    expect(warning()).toMatch(/^⚠️ <#C_HELPDESK> is a public channel: everyone in it can download the files/);

    // Picking the private channel: the conversation select dispatches an action and the warning goes.
    const updates = () => s.slack.callsTo('views.update').filter((c) => c.ok).length;
    let seen = updates();
    await s.user.changeInput(
      viewId,
      CHANNEL_BLOCK,
      CHANNEL_ACTION,
      values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, 'G_SECURITY'),
    );
    await s.slack.waitFor(() => updates() > seen);
    expect(warning()).toBeUndefined();

    // Another public channel: warned about it by name.
    seen = updates();
    await s.user.changeInput(
      viewId,
      CHANNEL_BLOCK,
      CHANNEL_ACTION,
      values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, 'C_ONCALL'),
    );
    await s.slack.waitFor(() => updates() > seen);
    expect(warning()).toMatch(/^⚠️ <#C_ONCALL> is a public channel/);

    // Submit re-checks: a public channel the modal did not warn about (the change never reached the bot) is warned
    // about first, in the modal; nothing starts until the person submits again.
    const devices = await pickDevices(s, viewId, ['PUB-1']);
    const first = await s.user.submitView(
      viewId,
      values.merge(devices, values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, 'C_HELPDESK')),
    );
    expect(first.outcome).toBe('updated');
    expect(warning()).toMatch(/^⚠️ <#C_HELPDESK> is a public channel/);
    expect(s.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(0);
    const second = await s.user.submitView(viewId, devices);
    expect(second.outcome).toBe('closed');
    await waitForStatus(s);
  });

  it('a modal opened again soon after opens whole in one call, still with the quota and the warning', async () => {
    const s = await startStack();
    stack = s;
    await openModal(s);
    const calls = (method: string) => s.slack.callsTo(method).filter((c) => c.ok).length;
    const before = { open: calls('views.open'), update: calls('views.update'), info: calls('conversations.info') };
    const again = await openModal(s);
    expect(calls('views.open')).toBe(before.open + 1);
    expect(calls('views.update')).toBe(before.update);
    expect(calls('conversations.info')).toBe(before.info);
    expect(s.sim.requests.filter((r) => r.endpoint === 'quota')).toHaveLength(1);
    const text = visibleText(s.slack.view(again)?.view as { blocks?: unknown });
    expect(text).toMatch(/captures left today/);
    expect(text).toMatch(/a public channel: everyone in it can download the files/);
  });

  it('ARTIFACT_DESTINATION=dm sends the zips to the requester by DM, not to the thread', async () => {
    stack = await startStack({ env: { ARTIFACT_DESTINATION: 'dm' } });
    const s = stack;
    s.sim.addDevice({ deviceName: 'DM-1', personEmail: 'dm@example.com', platform: 'macos' });
    const viewId = await openModal(s);
    expect(visibleText(s.slack.view(viewId)?.view as { blocks?: unknown })).not.toMatch(/public channel/);
    await s.user.submitView(viewId, await pickDevices(s, viewId, ['DM-1']));
    const status = await waitForStatus(s);
    expect(visibleText(status)).toMatch(/(are|were) sent to <@U_ALICE> by direct message/);
    s.sim.advance(15 * 60_000);
    await s.bot.poll();
    await s.bot.idle();

    expect(s.slack.thread('C_HELPDESK', status.ts).filter((e) => e.kind === 'file')).toHaveLength(0);
    const dm = s.slack.messages(imIdFor('U_ALICE')).filter((e) => e.kind === 'file');
    expect(dm).toHaveLength(2);
    expect(dm[0]?.kind === 'file' && dm[0].comment).toMatch(/From capture `[A-Z0-9]{6}` in <#C_HELPDESK>/);
  });
});
