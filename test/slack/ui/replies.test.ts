import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  helpMessage,
  quotaMessage,
  requestListMessage,
  requestStatusMessage,
  unknownCommandMessage,
} from '../../../src/slack/ui/replies.js';
import { blockKitProblems, command, NOW, request, STARTED, target } from './fixtures.js';

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
      '`/capture list mine`',
      '`/capture list @alice`',
      '`/capture list LAPTOP-42`',
      '`/capture help`',
    ]) {
      expect(text).toContain(example);
    }
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
    const { blocks = [], text } = requestListMessage(
      [
        { request: finished, commands: [command(alice, 'pcap', 'SUCCESS'), command(alice, 'warp-diag', 'FAILED')] },
        { request: running, commands: [command(alice, 'pcap', 'PENDING_EXEC')] },
      ],
      NOW,
      (r) => (r.id === 'A1B2C3' ? 'https://example.slack.com/archives/C0HELPDESK/p1764079330000100' : null),
    );
    const lines = blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      `\`A1B2C3\` · <@U0AGENT> · <!date^${STARTED.getTime() / 1000}^{date_short_pretty} {time}|2026-11-25 14:02 UTC> · ` +
        'LAPTOP-42, LAPTOP-2, LAPTOP-3 and 1 more · PCAP, WARP diagnostics · *Finished*: 1 done, 1 failed · ' +
        '<https://example.slack.com/archives/C0HELPDESK/p1764079330000100|Thread>',
    );
    expect(lines[2]).toContain('*Running for 4 min*: 1 running');
    expect(lines[2]).not.toContain('Thread');
    expect(text).toBe('Recent captures: A1B2C3 (Finished), D4E5F6 (Running)');
  });

  it('says so when there is nothing to list', () => {
    const reply = requestListMessage([], NOW, () => null);
    expect(reply.text).toContain('No captures yet.');
  });

  it('stays within 50 blocks however many requests are given', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ request: request({ id: `R${i}` }), commands: [] }));
    const { blocks = [] } = requestListMessage(many, NOW, () => null);
    expect(blockKitProblems(blocks, 50)).toEqual([]);
    expect(JSON.stringify(blocks.at(-1))).toContain('more');
  });
});

describe('requestStatusMessage', () => {
  it('shows one request with the same device lines as its status message, and its thread', () => {
    const reply = requestStatusMessage(
      request({ state: 'finished' }),
      [command(alice, 'pcap', 'SUCCESS'), command(alice, 'warp-diag', 'TIMED_OUT')],
      NOW,
      'https://example.slack.com/archives/C0HELPDESK/p1',
    );
    const all = JSON.stringify(reply.blocks);
    expect(all).toContain('*Finished*');
    expect(all).toContain(
      '*LAPTOP-42* · alice@example.com · windows\\nPacket capture (PCAP): ✅ Done\\nWARP diagnostics: ⌛ Timed out (no result after 30 min)',
    );
    expect(all).toContain('<https://example.slack.com/archives/C0HELPDESK/p1|Open its thread>');
    expect(reply.text).toBe('Capture C7K2Q9: Finished (1 done, 1 timed out)');
    expect(blockKitProblems(reply.blocks ?? [], 50)).toEqual([]);
  });

  it('gives the reason a request could not start', () => {
    const reply = requestStatusMessage(
      request({ state: 'failed-to-start', startError: 'Not enough quota left today.' }),
      [],
      NOW,
      null,
    );
    expect(JSON.stringify(reply.blocks)).toContain('Not enough quota left today.');
  });
});
