import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Refusal } from '../../../src/captures/access.js';
import type { AuditReport } from '../../../src/captures/audit.js';
import type { AuditEvent, AuditRefusals } from '../../../src/captures/model.js';
import { OPEN_FORM_ACTION } from '../../../src/slack/ui/ids.js';
import {
  auditMessage,
  auditOutcomeText,
  decisionNotTakenReply,
  helpMessage,
  quotaMessage,
  quotaUnavailableReply,
  refusalText,
  refusedMessage,
  requestListMessage,
  requestStatusMessage,
  unknownCommandMessage,
} from '../../../src/slack/ui/replies.js';
import { blockKitProblems, command, NOW, request, STARTED, target, upload } from './fixtures.js';

const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com' });

describe('help', () => {
  it('gives every form of the command with an example', () => {
    const { text } = helpMessage();
    for (const example of [
      '`/capture`',
      '`/capture @alice`',
      '`/capture alice@example.com`',
      '`/capture quota`',
      '`/capture status C7K2Q9`',
      '`/capture list`',
      '`list mine`',
      '`list @alice`',
      '`list LAPTOP-42`',
      '`/capture help`',
    ]) {
      expect(text).toContain(example);
    }
  });

  it('is grouped (start / check / review) with a button that opens the form', () => {
    const { blocks = [] } = helpMessage();
    const sections = blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');
    expect(sections.slice(1).map((t) => t.split('\n')[0])).toEqual(['*Start*', '*Check*', '*Review*']);
    const actions = blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; text: { text: string } }>;
    };
    expect(actions.elements.map((e) => [e.action_id, e.text.text])).toEqual([
      [OPEN_FORM_ACTION, 'Open the capture form'],
    ]);
    expect(blockKitProblems(blocks, 50)).toEqual([]);
  });

  it('names every capture type it runs', () => {
    expect(helpMessage().text).toContain(
      'remote captures (packet captures, WARP diagnostics and speed tests) on people’s devices',
    );
  });

  it('answers what it does not understand with the help', () => {
    const { text } = unknownCommandMessage('pcpa @alice');
    expect(text.startsWith("I didn't understand `pcpa @alice`.")).toBe(true);
    expect(text).toContain(helpMessage().text);
    // What was typed is shown inert: a backtick cannot end the code span, nothing can mention anyone.
    expect(unknownCommandMessage('a `b` <!here> @here\n*x*').text).toMatch(
      /^I didn't understand `a ˋbˋ &lt;!here&gt; ＠here ∗x∗`\./,
    );
  });
});

describe('refusedMessage', () => {
  it('shows the access policy’s reason as written, user group mentions included', () => {
    expect(refusedMessage('Only members of <!subteam^S0HELPDESK>, @oncall may start captures.').text).toBe(
      '🚫 Only members of <!subteam^S0HELPDESK>, @oncall may start captures.',
    );
  });
});

describe('quotaUnavailableReply', () => {
  it('says Cloudflare did not answer, with the last known figure and its age when there is one', () => {
    expect(quotaUnavailableReply().text).toBe(
      'Cloudflare did not answer just now, so I cannot tell the quota. Try again in a minute.',
    );
    const fetchedAt = new Date(NOW.getTime() - 12 * 60_000);
    const quota = { total: 50, used: 12, remaining: 38, resetsAt: NOW };
    expect(quotaUnavailableReply({ quota, fetchedAt }, NOW).text).toBe(
      `Cloudflare did not answer just now, so I cannot tell the quota. Last known: *38 of 50* left, 12 min ago ` +
        `(<!date^${fetchedAt.getTime() / 1000}^{time}|2026-11-25 13:54 UTC>). Try again in a minute.`,
    );
  });
});

describe('refusalText', () => {
  it('names what was attempted: reading the audit is not "starting captures"', () => {
    const refusal: Refusal = { kind: 'not-admin' };
    expect(refusalText(refusal, 'read-audit')).toBe(
      'Only workspace admins and owners may read the audit trail here. Ask an admin.',
    );
    expect(refusalText(refusal, 'stop-watching')).toMatch(/may stop watching captures here/);
    expect(refusalText(refusal, 'read')).toMatch(/may see the captures and the quota here/);
    expect(refusalText(refusal)).toMatch(/may start captures here/);
  });

  it('names the allowed user groups: an id as a mention Slack resolves, a handle as @handle', () => {
    expect(refusalText({ kind: 'not-in-groups', groups: ['S0HELPDESK', 'oncall'] })).toBe(
      'Only members of <!subteam^S0HELPDESK>, @oncall may start captures. Ask an admin to add you.',
    );
    expect(refusedMessage(refusalText({ kind: 'not-in-groups', groups: ['helpdesk'] })).text).toBe(
      '🚫 Only members of @helpdesk may start captures. Ask an admin to add you.',
    );
  });

  it('says why for each other kind of refusal', () => {
    expect(refusalText({ kind: 'not-listed' })).toBe(
      'Only the people this bot was set up for may start captures. Ask an admin.',
    );
    expect(refusalText({ kind: 'not-admin' })).toBe(
      'Only workspace admins and owners may start captures here. Ask an admin.',
    );
    expect(refusalText({ kind: 'unconfirmed' })).toBe(
      'Slack could not confirm that you may start captures just now, so the answer is no. Try again in a minute.',
    );
    expect(refusalText({ kind: 'unknown-user' })).toBe('Slack did not say who you are, so nothing was done.');
  });
});

describe('quotaMessage', () => {
  it('gives numbers, "resets in" and a time each reader sees in their own zone', () => {
    const resetsAt = new Date('2026-11-25T19:06:30Z');
    const { text } = quotaMessage({ total: 800, used: 12, remaining: 788, resetsAt }, NOW);
    expect(text).toBe(
      `*788 of 800* captures left today (12 used). Resets in 5 hours (<!date^${resetsAt.getTime() / 1000}^{date_short_pretty} at {time}|2026-11-25 19:06 UTC>). Each device × capture type uses 1.`,
    );
  });

  it('says when nothing is left', () => {
    const resetsAt = new Date('2026-11-25T14:36:30Z');
    const { text } = quotaMessage({ total: 800, used: 800, remaining: 0, resetsAt }, NOW);
    expect(text).toContain('*0 of 800* captures left today (800 used). Resets in 30 minutes');
    expect(text).toContain("New captures can't start until then.");
  });
});

describe('requestListMessage', () => {
  it('has one line per request: id, who, when, devices, types, state and the thread link', () => {
    const finished = request({ id: 'A1B2C3', state: 'finished', devices: [alice, target(2), target(3), target(4)] });
    const running = request({ id: 'D4E5F6', types: ['pcap'] });
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const { blocks = [], text } = requestListMessage(
      [
        { request: finished, commands: [pcap, command(alice, 'warp-diag', 'FAILED')], uploads: [upload(pcap)] },
        { request: running, commands: [command(alice, 'pcap', 'PENDING_EXEC')], uploads: [] },
      ],
      NOW,
      (r) => (r.id === 'A1B2C3' ? 'https://example.slack.com/archives/C0HELPDESK/p1764079330000100' : null),
    );
    const lines = blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');
    expect(lines).toHaveLength(3);
    // Each row leads with its state.
    expect(lines[1]).toBe(
      `⚠️ *Finished with problems — 1 of 8 done* · \`A1B2C3\` · <@U0AGENT> · <!date^${STARTED.getTime() / 1000}^{date_short_pretty} {time}|2026-11-25 14:02 UTC> · ` +
        'LAPTOP-42, LAPTOP-2, LAPTOP-3 and 1 more · 1 done, 1 failed · ' +
        '<https://example.slack.com/archives/C0HELPDESK/p1764079330000100|Thread>',
    );
    expect(lines[2]).toMatch(/^⏳ \*Running for 4 min\* · `D4E5F6` .* · 1 running$/);
    expect(lines[2]).not.toContain('Thread');
    expect(text).toBe('Recent captures: A1B2C3 (Finished with problems — 1 of 8 done), D4E5F6 (Running)');
  });

  it('says so when there is nothing to list, and that it is the filter when one was given', () => {
    expect(requestListMessage([], NOW, () => null).text).toContain('No captures yet.');
    const byBob = requestListMessage([], NOW, () => null, { kind: 'user', userId: 'U0BOB' }).text;
    expect(byBob).toBe("No captures by <@U0BOB> in the bot's records. `/capture list` shows everyone’s.");
    const device = requestListMessage([], NOW, () => null, { kind: 'device', query: 'LAPTOP-*9*' }).text;
    expect(device).toBe(
      "No captures on a device matching “LAPTOP-∗9∗” in the bot's records. `/capture list` shows all.",
    );
    const mine = requestListMessage([], NOW, () => null, { kind: 'mine' }).text;
    expect(mine).toMatch(/^You have started no captures/);
    for (const text of [byBob, device, mine]) expect(text).not.toContain('No captures yet');
  });

  it('stays within 50 blocks however many requests are given', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      request: request({ id: `R${i}` }),
      commands: [],
      uploads: [],
    }));
    const { blocks = [] } = requestListMessage(many, NOW, () => null);
    expect(blockKitProblems(blocks, 50)).toEqual([]);
    expect(JSON.stringify(blocks.at(-1))).toContain('more');
  });
});

describe('requestStatusMessage', () => {
  it('shows one request with the same device lines as its status message, and its thread', () => {
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const reply = requestStatusMessage(
      {
        request: request({ state: 'finished' }),
        commands: [pcap, command(alice, 'warp-diag', 'TIMED_OUT')],
        uploads: [upload(pcap)],
      },
      'https://example.slack.com/archives/C0HELPDESK/p1',
    );
    const all = JSON.stringify(reply.blocks);
    expect(all).toContain('*⚠️ Finished with problems — 1 of 2 done*');
    expect(all).toContain('*LAPTOP-42* · alice@example.com — PCAP ✅ done · WARP diagnostics ⏰ timed out');
    expect(all).toContain('<https://example.slack.com/archives/C0HELPDESK/p1|Open its thread>');
    expect(reply.text).toBe('Capture C7K2Q9: Finished with problems — 1 of 2 done (1 done, 1 timed out)');
    expect(blockKitProblems(reply.blocks ?? [], 50)).toEqual([]);
  });

  it('gives the reason a request could not start', () => {
    const reply = requestStatusMessage(
      {
        request: request({
          state: 'failed-to-start',
          startError: { reason: 'refused', messages: ['Not enough quota left today.'] },
        }),
        commands: [],
        uploads: [],
      },
      null,
    );
    expect(JSON.stringify(reply.blocks)).toContain('Not enough quota left today.');
  });

  it('says who approved a request that needed a second approver', () => {
    const decision = { approved: true, by: 'U0CAROL', at: STARTED, note: null };
    const reply = requestStatusMessage(
      {
        request: request({ approval: { expiresAt: NOW, decision } }),
        commands: [command(alice, 'pcap', 'PENDING_EXEC')],
        uploads: [],
      },
      null,
    );
    expect(JSON.stringify(reply.blocks)).toContain('Approved by <@U0CAROL> at <!date^');
  });
});

describe('auditOutcomeText', () => {
  it('words each outcome as the audit trail always has', () => {
    expect(auditOutcomeText({ kind: 'started', confirmedFromList: false })).toBe('started');
    expect(auditOutcomeText({ kind: 'started', confirmedFromList: true })).toBe('started (confirmed from the list)');
    expect(auditOutcomeText({ kind: 'failed-to-start', failure: { reason: 'token-refused' } })).toBe(
      'failed to start (token-refused)',
    );
    expect(
      auditOutcomeText({ kind: 'failed-to-start', failure: { reason: 'not-listed', after: 'cloudflare-error' } }),
    ).toBe('failed to start (not-listed)');
    expect(auditOutcomeText({ kind: 'stopped-watching' })).toBe(
      'stopped watching; the captures may still complete on the devices',
    );
    expect(auditOutcomeText({ kind: 'opened-form-again' })).toBe(
      'opened the capture form with the same devices and options',
    );
  });

  it('says what was refused, and why, for each attempt', () => {
    const refusal: Refusal = { kind: 'not-in-groups', groups: ['S0HELPDESK', 'oncall'] };
    const why = refusalText(refusal);
    expect(auditOutcomeText({ kind: 'denied', attempted: 'open-form', refusal })).toBe(
      `denied to open the capture form: ${why}`,
    );
    expect(auditOutcomeText({ kind: 'denied', attempted: 'read-audit', refusal })).toBe(
      'denied to read the audit trail: Only members of <!subteam^S0HELPDESK>, @oncall may read the audit trail. Ask an admin to add you.',
    );
    expect(auditOutcomeText({ kind: 'denied', attempted: 'start', refusal })).toBe(`denied to start captures: ${why}`);
    expect(auditOutcomeText({ kind: 'denied', attempted: 'run-again', refusal: { kind: 'unconfirmed' } })).toBe(
      'denied to run a capture again: Slack could not confirm that you may run captures again just now, so the answer is no. Try again in a minute.',
    );
    expect(auditOutcomeText({ kind: 'denied', attempted: 'stop-watching', refusal: { kind: 'unknown-user' } })).toBe(
      'denied to stop watching a capture: Slack did not say who you are, so nothing was done.',
    );
  });

  it('gives a row recorded by an older version as it was written', () => {
    expect(auditOutcomeText({ kind: 'recorded', text: 'failed to start: Cloudflare refused' })).toBe(
      'failed to start: Cloudflare refused',
    );
  });
});

describe('auditMessage', () => {
  const start = (n: number, overrides: Partial<AuditEvent> = {}): AuditEvent => ({
    at: new Date(STARTED.getTime() - n * 60_000),
    userId: 'U0AGENT',
    action: 'start',
    channelId: 'C0HELPDESK',
    requestId: `REQ${String(n).padStart(3, '0')}`,
    devices: [alice],
    types: ['pcap', 'warp-diag'],
    options: null,
    commandIds: [],
    outcome: { kind: 'started', confirmedFromList: false },
    ...overrides,
  });
  const report = (overrides: Partial<AuditReport>): AuditReport => ({
    actions: [],
    totalActions: 0,
    refusals: [],
    refusedPeople: 0,
    totalRefusals: 0,
    ...overrides,
  });
  const sections = (blocks: unknown[] = []) =>
    (blocks as SectionBlock[]).filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
  const textOf = (blocks: unknown[] = []) => JSON.stringify(blocks);
  const totalText = (blocks: unknown[] = []) =>
    (blocks as Array<SectionBlock & { elements?: Array<{ text: string }> }>).reduce(
      (sum, b) => sum + (b.text?.text.length ?? 0) + (b.elements ?? []).reduce((n, e) => n + e.text.length, 0),
      0,
    );

  it('shows every start and one line for 150 refusals by one person, with the times as date tokens', () => {
    const first = new Date('2026-11-25T09:02:00Z');
    const last = new Date('2026-11-25T09:05:00Z');
    const { blocks, text } = auditMessage(
      report({
        actions: [start(1), start(2, { action: 'stop-watching', outcome: { kind: 'stopped-watching' } })],
        totalActions: 2,
        refusals: [
          {
            userId: 'U0MALLORY',
            count: 150,
            firstAt: first,
            lastAt: last,
            lastOutcome: {
              kind: 'recorded',
              text: 'denied to open the capture form: Only members of @helpdesk may start captures.',
            },
          },
        ],
        refusedPeople: 1,
        totalRefusals: 150,
      }),
      7,
    );
    const lines = sections(blocks).flatMap((t) => t.split('\n'));
    expect(lines[0]).toBe('*Audit trail, last 7 days*');
    expect(lines[1]).toBe('2 recorded actions · 150 refused attempts by 1 person');
    expect(lines.filter((l) => l.includes('<@U0AGENT> started `REQ001`'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('<@U0AGENT> stopped watching `REQ002`'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('REQ001'))).toBe(
      `• <!date^${STARTED.getTime() / 1000 - 60}^{date_short_pretty} {time}|2026-11-25 14:01 UTC> · ` +
        '<@U0AGENT> started `REQ001` · LAPTOP-42 · PCAP + WARP diagnostics · in <#C0HELPDESK>',
    );
    expect(lines.filter((l) => l.includes('U0MALLORY'))).toEqual([
      `• <@U0MALLORY> was refused 150 times, <!date^${first.getTime() / 1000}^{date_short_pretty} {time}|2026-11-25 09:02 UTC>–` +
        `<!date^${last.getTime() / 1000}^{time}|2026-11-25 09:05 UTC> · latest: denied to open the capture form: ` +
        'Only members of @helpdesk may start captures.',
    ]);
    expect(textOf(blocks)).not.toContain('more');
    expect(text).toBe('Audit trail, the last 7 days: 2 recorded actions, 150 refused attempts by 1 person');
  });

  it('shows a structured outcome exactly as the sentence older versions stored', () => {
    const at = new Date('2026-11-25T09:02:00Z');
    const sentence =
      'denied to open the capture form: Only members of <!subteam^S0HELPDESK>, @helpdesk may start captures. Ask an admin to add you.';
    const refused = (lastOutcome: AuditRefusals['lastOutcome']): AuditRefusals => ({
      userId: 'U0EVE',
      count: 1,
      firstAt: at,
      lastAt: at,
      lastOutcome,
    });
    const shown = (refusals: AuditRefusals, actions: AuditEvent[]) =>
      auditMessage(
        report({ actions, totalActions: actions.length, refusals: [refusals], refusedPeople: 1, totalRefusals: 1 }),
        7,
      );
    const structured = shown(
      refused({
        kind: 'denied',
        attempted: 'open-form',
        refusal: { kind: 'not-in-groups', groups: ['S0HELPDESK', 'helpdesk'] },
      }),
      [
        start(1, { outcome: { kind: 'started', confirmedFromList: true } }),
        start(2, { action: 'stop-watching', outcome: { kind: 'stopped-watching' } }),
        start(3, { action: 'run-again', outcome: { kind: 'opened-form-again' } }),
        start(4, { outcome: { kind: 'failed-to-start', failure: { reason: 'unreachable' } } }),
      ],
    );
    const legacy = shown(refused({ kind: 'recorded', text: sentence }), [
      start(1, { outcome: { kind: 'recorded', text: 'started (confirmed from the list)' } }),
      start(2, {
        action: 'stop-watching',
        outcome: { kind: 'recorded', text: 'stopped watching; the captures may still complete on the devices' },
      }),
      start(3, {
        action: 'run-again',
        outcome: { kind: 'recorded', text: 'opened the capture form with the same devices and options' },
      }),
      start(4, { outcome: { kind: 'recorded', text: 'failed to start (unreachable)' } }),
    ]);
    expect(structured).toEqual(legacy);
    // Our own mention markup is shown inert in the audit, as it always was.
    expect(textOf(structured.blocks)).toContain('Only members of &lt;!subteam^S0HELPDESK&gt;, @helpdesk may start');
    // A plain start says nothing more than "started".
    const plain = sections(auditMessage(report({ actions: [start(1)], totalActions: 1 }), 7).blocks);
    expect(plain.join('\n')).toMatch(/`REQ001` · LAPTOP-42 · PCAP \+ WARP diagnostics · in <#C0HELPDESK>$/);
  });

  it('says once for a single refusal', () => {
    const at = new Date('2026-11-25T09:02:00Z');
    const { blocks } = auditMessage(
      report({
        refusals: [
          {
            userId: 'U0EVE',
            count: 1,
            firstAt: at,
            lastAt: at,
            lastOutcome: { kind: 'denied', attempted: 'read-audit', refusal: { kind: 'not-admin' } },
          },
        ],
        refusedPeople: 1,
        totalRefusals: 1,
      }),
      1,
    );
    expect(textOf(blocks)).toContain('<@U0EVE> was refused once, <!date^');
    expect(textOf(blocks)).toContain('0 recorded actions · 1 refused attempt by 1 person');
  });

  it('says when nothing was recorded', () => {
    expect(auditMessage(report({}), 30).text).toBe('*Audit trail, last 30 days*\nNothing recorded.');
  });

  it('stays within Slack limits whatever the counts, and says honestly how many are not shown', () => {
    const long = target(1, { name: `N${'*'.repeat(300)}` });
    const actions = Array.from({ length: 500 }, (_, i) =>
      start(i, {
        devices: [long, long, long, long],
        outcome: { kind: 'recorded', text: `failed to start: ${'x'.repeat(500)}` },
      }),
    );
    const refusals = Array.from({ length: 50 }, (_, i) => ({
      userId: `U0P${i}`,
      count: 1000 + i,
      firstAt: STARTED,
      lastAt: NOW,
      lastOutcome: { kind: 'recorded' as const, text: 'y'.repeat(1000) },
    }));
    const totalRefusals = refusals.reduce((sum, r) => sum + r.count, 0);
    const { blocks = [] } = auditMessage(
      report({ actions, totalActions: 2000, refusals, refusedPeople: 80, totalRefusals: totalRefusals + 30 * 7 }),
      90,
    );
    expect(blockKitProblems(blocks, 50)).toEqual([]);
    expect(totalText(blocks)).toBeLessThanOrEqual(12_000);

    const lines = sections(blocks).flatMap((t) => t.split('\n'));
    const shownActions = lines.filter((l) => l.includes(' started `REQ')).length;
    const shownPeople = lines.filter((l) => l.includes(' was refused ')).length;
    expect(shownActions).toBeGreaterThan(5);
    expect(shownPeople).toBe(10);
    // The newest first, with none skipped in between.
    expect(lines.filter((l) => l.includes(' started `REQ')).map((l) => /`(REQ\d+)`/.exec(l)?.[1])).toEqual(
      actions.slice(0, shownActions).map((a) => a.requestId),
    );
    const hiddenRefusals = totalRefusals + 30 * 7 - refusals.slice(0, 10).reduce((sum, r) => sum + r.count, 0);
    expect(textOf(blocks)).toContain(`…and ${2000 - shownActions} earlier recorded actions not shown.`);
    expect(textOf(blocks)).toContain(`…and 70 more people refused ${hiddenRefusals} times.`);
  });
});

describe('decisionNotTakenReply', () => {
  const asked = { expiresAt: new Date(STARTED.getTime() + 30 * 60_000), decision: null };
  const decided = (approved: boolean) =>
    request({
      state: approved ? 'running' : 'failed-to-start',
      approval: { ...asked, decision: { approved, by: 'U0CAROL', at: STARTED, note: approved ? null : 'no' } },
    });

  it('names who decided, or "You" to the approver who clicked twice; an expiry says what is left to do', () => {
    expect(decisionNotTakenReply({ kind: 'not-waiting', request: decided(true) }, 'U0DAVE')).toMatch(
      /^<@U0CAROL> already approved capture `C7K2Q9` at <!date\^\d+\^\{time\}\|[^>]+>; nothing more to decide\.$/,
    );
    expect(decisionNotTakenReply({ kind: 'not-waiting', request: decided(false) }, 'U0CAROL')).toMatch(
      /^You already denied capture `C7K2Q9`/,
    );
    const expired = request({ state: 'failed-to-start', approval: asked, startError: { reason: 'approval-expired' } });
    expect(decisionNotTakenReply({ kind: 'not-waiting', request: expired })).toBe(
      'Capture `C7K2Q9` expired unapproved, so nothing was started. The requester can submit it again.',
    );
    expect(decisionNotTakenReply({ kind: 'gone' })).toBe('That capture request is no longer known to the bot.');
    expect(decisionNotTakenReply(null)).toContain("problem on the bot's side");
  });
});
