import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type FakeMessage, imIdFor, values } from '../../src/fake-slack/index.js';
import {
  APPROVE_ACTION,
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  DENY_ACTION,
  DENY_NOTE_ACTION,
  DENY_NOTE_BLOCK,
  RUN_AGAIN_ACTION,
  STATUS_APPROVAL_BLOCK,
  WITHDRAW_ACTION,
} from '../../src/slack/ui/ids.js';
import { ThrowawayDatabases } from '../postgres.js';
import {
  openModal,
  pickDevices,
  type Stack,
  startAnotherBot,
  startStack,
  visibleText,
  waitForStatus,
} from './stack.js';

/**
 * Four eyes (CAPTURE_APPROVERS): a submitted request waits on its status message; only an approver who is not the
 * requester may approve or deny it; one decision is taken however many clicks arrive; unanswered, it expires.
 */

let stack: Stack;
const databases = new ThrowawayDatabases();
afterEach(async () => {
  await stack?.close();
});
afterAll(async () => {
  await databases.dropAll();
});

/** Approvers: Alice (who asks, so may not approve her own), Bob and Carol. Ada the admin is not one. */
const SECURITY = { id: 'S0SECURITY', handle: 'security', users: ['U_ALICE', 'U_BOB', 'U_CAROL'] };
const CAROL = { id: 'U_CAROL', name: 'carol', realName: 'Carol Approver', email: 'carol@example.com', tz: 'UTC' };

const APPROVAL_ENV = { CAPTURE_APPROVERS: 'security', NOTIFY_DEVICE_OWNER: 'false' };

async function startWithApprovers(databaseUrl?: string) {
  stack = await startStack({ env: APPROVAL_ENV, ...(databaseUrl ? { databaseUrl } : {}) });
  stack.slack.addUser(CAROL);
  stack.slack.addUsergroup(SECURITY);
  stack.sim.addDevice({ deviceName: 'FOUR-EYES-1', personEmail: 'dan@example.com', platform: 'windows' });
}

/** Alice asks for the default captures on FOUR-EYES-1 in #helpdesk; resolves with the waiting status message. */
async function askForApproval(): Promise<FakeMessage> {
  const viewId = await openModal(stack);
  const modal = stack.slack.view(viewId)?.view as { submit?: { text: string }; blocks: unknown };
  const picked = await pickDevices(stack, viewId, ['FOUR-EYES-1']);
  expect(visibleText({ blocks: modal.blocks })).toContain('An approver must approve before anything starts.');
  expect((await stack.user.submitView(viewId, picked)).outcome).toBe('closed');
  const status = await waitForStatus(stack, (s) => /Waiting for approval/.test(visibleText(s)));
  await stack.bot.idle();
  return status;
}

const where = (status: FakeMessage) => ({ channelId: 'C_HELPDESK', ts: status.ts });
const privateAnswer = (responseUrl: string | undefined) =>
  stack.slack.waitFor(() => {
    const answer = stack.slack.responses.find((r) => r.url === responseUrl);
    return answer ? JSON.stringify(answer.body) : undefined;
  });
const auditLines = () => stack.logs.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);
const statusNow = (status: FakeMessage) =>
  stack.slack.messages('C_HELPDESK').find((m): m is FakeMessage => m.kind === 'message' && m.ts === status.ts);

describe('a second approver', () => {
  it('refuses the requester and a non-approver, and starts the captures once when an approver approves', async () => {
    await startWithApprovers();
    const status = await askForApproval();

    // Waiting: nothing sent to Cloudflare; the approvers' group is mentioned (resolved from its handle) on the new
    // post; Approve and Deny, no Run again.
    expect(stack.sim.commands).toHaveLength(0);
    const posted = stack.slack.callsTo('chat.postMessage').find((c) => c.ok && c.args.channel === 'C_HELPDESK');
    expect(JSON.stringify(posted?.args.blocks)).toContain('<!subteam^S0SECURITY> may approve or deny this.');
    const approvalBlock = (status.blocks ?? []).find((b) => b.block_id === STATUS_APPROVAL_BLOCK);
    expect(visibleText({ blocks: [approvalBlock] })).toContain('Nothing starts until someone other than <@U_ALICE>');
    const buttons = JSON.stringify(status.blocks);
    expect(buttons).toContain(APPROVE_ACTION);
    expect(buttons).toContain(DENY_ACTION);
    expect(buttons).not.toContain(RUN_AGAIN_ACTION);
    const requestId = /capture `([A-Z0-9]{6})`/.exec(visibleText(status))?.[1];
    expect(requestId).toBeTruthy();

    // The requester may not approve her own request, though she is in the group.
    const own = await stack.user.clickButton(where(status), APPROVE_ACTION);
    expect(await privateAnswer(own.responseUrl)).toContain(
      'You asked for these captures, so someone else must approve or deny them',
    );
    // Ada is an admin, but not an approver.
    const admin = await stack.as('U_ADMIN').clickButton(where(status), APPROVE_ACTION);
    expect(await privateAnswer(admin.responseUrl)).toContain('Only members of @security may approve or deny captures.');
    await stack.bot.idle();
    expect(stack.sim.commands).toHaveLength(0);
    expect(
      auditLines()
        .filter((a) => a.action === 'denied')
        .map((a) => [a.userId, a.requestId]),
    ).toEqual([
      ['U_ALICE', requestId],
      ['U_ADMIN', requestId],
    ]);

    // Bob and Carol click Approve at the same moment, and Slack retries Bob's click: one decision, one create.
    const [bob, carol] = await Promise.all([
      stack.as('U_BOB').clickButton(where(status), APPROVE_ACTION),
      stack.as('U_CAROL').clickButton(where(status), APPROVE_ACTION),
    ]);
    const retried = await stack.as('U_BOB').resend(bob.request, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retried.status).toBe(200);
    // Each click is acknowledged before it is decided: wait for the card to say who approved, then for quiet.
    const card = await stack.slack.waitFor(() => {
      const now = statusNow(status);
      return now && /Running/.test(visibleText(now)) ? now : undefined;
    });
    await stack.slack.waitFor(
      () => stack.slack.responses.filter((r) => /already approved/.test(JSON.stringify(r.body))).length >= 2,
    );
    await stack.bot.idle();
    expect(stack.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);
    expect(stack.sim.commands).toHaveLength(2);

    const decisions = auditLines().filter((a) => a.action === 'approved');
    expect(decisions).toHaveLength(1);
    const approver = decisions[0].userId as string;
    expect(['U_BOB', 'U_CAROL']).toContain(approver);
    const start = auditLines().find((a) => a.action === 'start');
    expect(start).toMatchObject({ userId: 'U_ALICE', approvedBy: approver });

    // The others are told privately who decided; the card says who approved; Alice hears it in the thread.
    const loser = approver === 'U_BOB' ? carol : bob;
    expect(await privateAnswer(loser.responseUrl)).toContain(
      `<@${approver}> already approved capture \`${requestId}\``,
    );
    if (approver === 'U_BOB') {
      // Bob's own retried click: he is told he did it already.
      await stack.slack.waitFor(() =>
        stack.slack.responses.some(
          (r) =>
            r.url === bob.responseUrl &&
            JSON.stringify(r.body).includes(`You already approved capture \`${requestId}\``),
        ),
      );
    }
    expect(visibleText(card)).toContain(`Approved by <@${approver}> at`);
    expect(JSON.stringify(card.blocks)).not.toContain(APPROVE_ACTION);
    const thread = stack.slack.thread('C_HELPDESK', status.ts).filter((e): e is FakeMessage => e.kind === 'message');
    expect(thread.filter((m) => /approved this request/.test(m.text ?? '')).map((m) => m.text)).toEqual([
      `<@U_ALICE> ✅ <@${approver}> approved this request; the captures are starting.`,
    ]);
  });

  it('takes one decision when two approvers click at once on two replicas on PostgreSQL', async () => {
    await startWithApprovers((await databases.create()).url);
    const second = await startAnotherBot(stack, APPROVAL_ENV);
    try {
      const status = await askForApproval();
      // Bob's click reaches this bot, Carol's the other, at the same moment.
      const carol = stack.slack.driver({ botUrl: second.botUrl, userId: 'U_CAROL', channelId: 'C_HELPDESK' });
      await Promise.all([
        stack.as('U_BOB').clickButton(where(status), APPROVE_ACTION),
        carol.clickButton(where(status), APPROVE_ACTION),
      ]);
      // Each click is acknowledged before it is decided: wait for what it does, then for both bots to be quiet.
      const card = await stack.slack.waitFor(() => {
        const now = statusNow(status);
        return now && /Approved by <@U_(BOB|CAROL)>/.test(visibleText(now)) ? now : undefined;
      });
      await stack.slack.waitFor(() =>
        stack.slack.responses.some((r) => /already approved/.test(JSON.stringify(r.body))),
      );
      await Promise.all([stack.bot.idle(), second.bot.idle()]);
      expect(stack.sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(1);
      const approver = /Approved by <@(U_[A-Z]+)>/.exec(visibleText(card))?.[1];
      const thread = stack.slack.thread('C_HELPDESK', status.ts);
      expect(thread.filter((e) => e.kind === 'message' && /approved this request/.test(e.text ?? ''))).toHaveLength(1);
      // Both replicas answered: the one that lost told its approver who decided.
      const told = stack.slack.responses.map((r) => JSON.stringify(r.body)).filter((t) => /already approved/.test(t));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain(`<@${approver}> already approved`);
    } finally {
      await second.bot.stop();
    }
  });

  it('Deny asks why, ends the request with that reason shown as text, and tells the requester', async () => {
    await startWithApprovers();
    const status = await askForApproval();
    const click = await stack.as('U_BOB').clickButton(where(status), DENY_ACTION);
    const modal = await stack.slack.waitFor(() => stack.slack.viewOpenedWith(click.triggerId));
    const bob = stack.as('U_BOB');

    const empty = await bob.submitView(modal.id, values.text(DENY_NOTE_BLOCK, DENY_NOTE_ACTION, '  '));
    expect(empty.outcome).toBe('errors');
    expect(JSON.stringify(empty.body)).toContain('Say why you deny it');

    const note = 'No ticket <!here> *yet* <https://evil.example|see>';
    const denied = await bob.submitView(modal.id, values.text(DENY_NOTE_BLOCK, DENY_NOTE_ACTION, note));
    expect(denied.outcome).toBe('closed');
    await stack.bot.idle();

    expect(stack.sim.commands).toHaveLength(0);
    const card = await stack.slack.waitFor(() => {
      const now = statusNow(status);
      return now && /Denied/.test(visibleText(now)) ? now : undefined;
    });
    const shown = visibleText(card);
    expect(shown).toContain('🚫 Denied');
    expect(shown).toContain(
      '<@U_BOB> denied this request: “No ticket &lt;!here&gt; ∗yet∗ &lt;https://evil.example|see&gt;”. Nothing was started',
    );
    expect(JSON.stringify(card.blocks)).not.toContain(DENY_ACTION);
    const told = await stack.slack.waitFor(() =>
      stack.slack
        .thread('C_HELPDESK', status.ts)
        .find((e): e is FakeMessage => e.kind === 'message' && /did not start/.test(e.text ?? '')),
    );
    expect(told.text).toMatch(/^<@U_ALICE> 🚫 The captures did not start\. <@U_BOB> denied this request/);
    expect(told.text).not.toContain('<!here>');

    const rejected = auditLines().find((a) => a.action === 'rejected');
    expect(rejected).toMatchObject({ userId: 'U_BOB', outcomeDetails: { approved: false, note } });

    // Carol's Approve, clicked on the message as it was, changes nothing.
    const late = await stack
      .as('U_CAROL')
      .clickButton(where(status), APPROVE_ACTION)
      .catch(() => null);
    expect(late).toBeNull(); // the button is gone from the message
    expect(stack.sim.commands).toHaveLength(0);

    // The export names the approver's decision and its reason.
    await stack.user.slashCommand('audit export');
    const csv = await stack.slack.waitFor(() =>
      stack.slack.messages(imIdFor('U_ALICE')).find((e) => e.kind === 'file'),
    );
    const rows = ((csv as { content?: Buffer }).content?.toString('utf8') ?? '').split('\r\n');
    expect(rows[0]).toContain(',reason,approved_by,outcome');
    expect(rows.find((r) => r.includes(',rejected,'))).toMatch(
      /,U_BOB,rejected,[A-Z0-9]{6},C_HELPDESK,true,FOUR-EYES-1,dan@example\.com,pcap; warp-diag,160,,,denied: “No ticket <!here> \*yet\* <https:\/\/evil\.example\|see>”$/,
    );
  });

  it('expires unanswered after 30 minutes: nothing starts, the requester is told, a late Approve is refused', async () => {
    await startWithApprovers();
    const status = await askForApproval();
    stack.clock.advance(29 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    expect(visibleText(statusNow(status) as FakeMessage)).toContain('Waiting for approval');

    stack.clock.advance(60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    const card = await stack.slack.waitFor(() => {
      const now = statusNow(status);
      return now && /Not approved in time/.test(visibleText(now)) ? now : undefined;
    });
    expect(visibleText(card)).toContain('No approver decided within 30 minutes, so it expired. Nothing was started');
    const told = stack.slack
      .thread('C_HELPDESK', status.ts)
      .filter((e): e is FakeMessage => e.kind === 'message' && /did not start/.test(e.text ?? ''));
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('<@U_ALICE>');
    expect(stack.sim.commands).toHaveLength(0);
    expect(
      auditLines()
        .filter((a) => a.action === 'start')
        .map((a) => a.outcomeDetails),
    ).toEqual([{ failure: { reason: 'approval-expired' } }]);
  });

  it('Withdraw: only the requester may take back a waiting request; it ends, and approving it then does nothing', async () => {
    await startWithApprovers();
    const status = await askForApproval();
    const bob = await stack.as('U_BOB').clickButton(where(status), WITHDRAW_ACTION);
    expect(await privateAnswer(bob.responseUrl)).toContain('Only <@U_ALICE>, who asked for it, may withdraw it');
    expect(visibleText(statusNow(status) as FakeMessage)).toContain('Waiting for approval');

    await stack.user.clickButton(where(status), WITHDRAW_ACTION);
    const card = await stack.slack.waitFor(() => {
      const now = statusNow(status);
      return now && /\*⚪ Withdrawn\*/.test(visibleText(now)) ? now : undefined;
    });
    expect(visibleText(card)).toContain(
      '<@U_ALICE> withdrew this request before it was approved. Nothing was started.',
    );
    expect(JSON.stringify(card.blocks)).not.toContain(APPROVE_ACTION);
    await stack.bot.idle();
    expect(stack.sim.commands).toHaveLength(0);
    expect(
      auditLines()
        .filter((a) => a.action === 'start')
        .map((a) => a.outcomeDetails),
    ).toEqual([{ failure: { reason: 'withdrawn', by: 'U_ALICE' } }]);
  });

  it('refuses to post a request only the requester could see (her DM with the bot): nobody could approve it', async () => {
    await startWithApprovers();
    const viewId = await openModal(stack);
    const picked = await pickDevices(stack, viewId, ['FOUR-EYES-1']);
    const result = await stack.user.submitView(
      viewId,
      values.merge(picked, values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, imIdFor('U_ALICE'))),
    );
    expect(result.outcome).toBe('errors');
    expect(JSON.stringify(result.body)).toContain('pick a channel the approvers are in');
    expect(stack.slack.messages(imIdFor('U_ALICE'))).toHaveLength(0);
  });
});
