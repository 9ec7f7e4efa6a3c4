import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { TrackedCommand } from '../../../src/captures/model.js';
import {
  APPROVE_ACTION,
  DENY_ACTION,
  RETRY_FAILED_ACTION,
  RUN_AGAIN_ACTION,
  STATUS_APPROVAL_BLOCK,
  STOP_WATCHING_ACTION,
  WITHDRAW_ACTION,
} from '../../../src/slack/ui/ids.js';
import { MARKS } from '../../../src/slack/ui/marks.js';
import { type StatusMessageInput, statusMessage } from '../../../src/slack/ui/status-message.js';
import { blockKitProblems, command, request, STARTED, target, upload } from './fixtures.js';

const DASHBOARD = 'https://dash.cloudflare.com/acc123/dex/remote-captures';
const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com' });

function render(overrides: Partial<StatusMessageInput> = {}) {
  return statusMessage({
    request: request({ devices: [alice], types: ['pcap', 'warp-diag'] }),
    commands: [],
    dashboardUrl: DASHBOARD,
    ...overrides,
  });
}

function allText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');
}

function buttons(blocks: KnownBlock[]): Button[] {
  const actions = blocks.find((b): b is ActionsBlock => b.type === 'actions');
  return (actions?.elements ?? []) as Button[];
}

describe('statusMessage', () => {
  const token = (d: Date, format: string) => `<!date^${d.getTime() / 1000}^${format}|`;

  it('leads with the state in words that stand out, then who asked, and absolute times that never go stale', () => {
    const { blocks } = render({ commands: [command(alice, 'pcap', 'PENDING_EXEC')] });
    const [header = ''] = sectionTexts(blocks);
    const [first, second] = header.split('\n');
    expect(first).toBe('*⏳ Running* · capture `C7K2Q9` · asked by <@U0AGENT>');
    expect(second).toContain(`Started ${token(STARTED, '{date_short_pretty} at {time}')}`);
    // The PCAP time limit (5 min by default) says when it should end.
    expect(second).toContain(`packet captures end about ${token(new Date(STARTED.getTime() + 5 * 60_000), '{time}')}`);
    expect(header).not.toMatch(/for \d+ min/);
  });

  it('names the requester without a mention in a new post (no notification at "Starting"), with one after', () => {
    const starting = render({ request: request({ state: 'starting' }), newPost: true });
    expect(JSON.stringify(starting)).not.toContain('<@U0AGENT>');
    expect(sectionTexts(starting.blocks)[0]).toContain('*⏳ Starting* · capture `C7K2Q9` · asked just now');
    expect(sectionTexts(render().blocks)[0]).toContain('asked by <@U0AGENT>');
  });

  it('shows each device on one line, every capture type on it, state first with a distinct mark and a word', () => {
    const cases: Array<[string, Partial<TrackedCommand>, string]> = [
      ['PENDING_EXEC', {}, `⏳ running until ${token(new Date(STARTED.getTime() + 5 * 60_000), '{time}')}`],
      ['PENDING_UPLOAD', {}, '📤 uploading'],
      ['SUCCESS', {}, '✅ done'],
      ['FAILED', {}, '❌ failed'],
      ['TIMED_OUT', {}, '⏰ timed out'],
      ['QUEUED_SOMEWHERE', {}, '❔ unknown: QUEUED_SOMEWHERE'],
      ['PENDING_EXEC', { tracking: false }, '⏸️ not watched'],
    ];
    for (const [status, patch, words] of cases) {
      const { blocks } = render({ commands: [{ ...command(alice, 'pcap', status), ...patch }] });
      const device = sectionTexts(blocks).find((t) => t.startsWith('*LAPTOP-42*'));
      expect(device, status).toMatch(
        new RegExp(
          `^\\*LAPTOP-42\\* · alice@example\\.com — PCAP ${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* · WARP diagnostics ⏳ starting$`,
        ),
      );
    }
    // A request that could not start: not a cross like "failed".
    const { blocks } = render({ request: request({ state: 'failed-to-start' }) });
    expect(allText(blocks)).toContain('PCAP ⚪ not started · WARP diagnostics ⚪ not started');
  });

  it('uses a glyph per state that differs from every other, each with its own word', () => {
    const marks = Object.values(MARKS);
    const shown = marks.filter((m) => m !== MARKS.starting && m !== MARKS.notPosted);
    expect(new Set(shown.map((m) => m.glyph)).size).toBe(shown.length);
    expect(new Set(marks.map((m) => m.word)).size).toBe(marks.length);
    // The look-alikes of the first version are gone.
    expect(marks.map((m) => m.glyph)).not.toContain('⌛');
    expect(marks.map((m) => m.glyph)).not.toContain('✖️');
  });

  it('escapes what a device reports so it cannot break the message', () => {
    const evil = target(1, { name: '<!channel> & co', email: 'a@b.c' });
    const { blocks } = render({
      request: request({ devices: [evil], types: ['pcap'] }),
      commands: [command(evil, 'pcap', '<!here>')],
    });
    expect(allText(blocks)).not.toContain('<!channel>');
    expect(allText(blocks)).not.toContain('<!here>');
    expect(allText(blocks)).toContain('&lt;!channel&gt; &amp; co');
  });

  it('keeps a device name with a forged status line, reversed text and markup on its own one line, inert', () => {
    const spoof = target(1, {
      name: 'SPOOF-PC\nPCAP ✅ done\u202E *bold* _it_ ~s~ `code`',
      email: 'first_last@example.com',
    });
    const { blocks } = render({
      request: request({ devices: [spoof], types: ['pcap'] }),
      commands: [command(spoof, 'pcap', 'PENDING_UPLOAD')],
    });
    const device = sectionTexts(blocks).find((t) => t.startsWith('*SPOOF-PC'));
    expect(device?.split('\n')).toEqual([
      '*SPOOF-PC PCAP ✅ done ∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ* · first_last@example.com — PCAP 📤 uploading',
    ]);
  });

  it('fits 10 devices × 2 types in about 12 lines, within 50 blocks and the section limit', () => {
    const devices = Array.from({ length: 10 }, (_, i) => target(i, { name: `LAPTOP-${i}` }));
    const commands = devices.flatMap((d) => [command(d, 'pcap', 'PENDING_EXEC'), command(d, 'warp-diag', 'SUCCESS')]);
    const { blocks } = render({ request: request({ devices }), commands });
    const lines = sectionTexts(blocks).flatMap((t) => t.split('\n'));
    expect(lines).toHaveLength(12); // two headline lines, then one per device
    expect(lines.filter((l) => /^\*LAPTOP-\d\*/.test(l))).toHaveLength(10);
    expect(blockKitProblems(blocks, 50)).toEqual([]);

    const long = Array.from({ length: 10 }, (_, i) =>
      target(i, { name: `DEVICE-${'N'.repeat(200)}-${i}`, email: `${'e'.repeat(150)}${i}@example.com` }),
    );
    const done = long.flatMap((d) => [command(d, 'pcap', 'SUCCESS'), command(d, 'warp-diag', 'FAILED')]);
    const big = render({ request: request({ devices: long, state: 'finished' }), commands: done });
    expect(blockKitProblems(big.blocks, 50)).toEqual([]);
    expect(
      sectionTexts(big.blocks)
        .join('\n')
        .match(/\*DEVICE-/g),
    ).toHaveLength(10);
  });

  it('says "Finished", when it finished, and the outcome counts', () => {
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const commands = [pcap, command(alice, 'warp-diag', 'FAILED')];
    const finished = request({ state: 'finished' });
    const [header = ''] = sectionTexts(render({ request: finished, commands, uploads: [upload(pcap)] }).blocks);
    expect(header).toContain('*⚠️ Finished with problems — 1 of 2 done*');
    expect(header).toContain(`finished ${token(new Date('2026-11-25T14:05:00Z'), '{time}')}`);
    expect(header).toContain('1 done, 1 failed');
    const warp = command(alice, 'warp-diag', 'SUCCESS');
    const allDone = render({ request: finished, commands: [pcap, warp], uploads: [upload(pcap), upload(warp)] });
    expect(sectionTexts(allDone.blocks)[0]).toContain('*✅ Finished — 2 of 2 done*');
  });

  it('does not judge a finished request while its files are still on their way, nor call a file posted that was not', () => {
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const warp = command(alice, 'warp-diag', 'SUCCESS');
    const finished = request({ state: 'finished' });
    const posting = render({
      request: finished,
      commands: [pcap, warp],
      uploads: [upload(pcap, { step: 'uploading' })],
    });
    expect(sectionTexts(posting.blocks)[0]).toContain('*📤 Finished — posting the files*');
    expect(allText(posting.blocks)).toContain('Files are posted in this thread as each capture finishes.');

    const partial = upload(pcap, { interfaces: [{ name: 'tunnel', ok: false, error: 'pktmon: no adapters' }] });
    const refused = upload(warp, { step: 'failed', failure: 'slack' });
    const { blocks, text } = render({ request: finished, commands: [pcap, warp], uploads: [partial, refused] });
    expect(sectionTexts(blocks)[0]).toContain('*⚠️ Finished with problems — 0 of 2 done*');
    expect(allText(blocks)).toContain(
      'PCAP ⚠️ partly done: tunnel failed · WARP diagnostics ⚠️ file not posted: get it from the dashboard',
    );
    expect(sectionTexts(blocks)[0]).toContain('1 partly done, 1 file not posted');
    expect(text).toContain('Finished with problems — 0 of 2 done');
  });

  it('gives the reason when captures could not start, and no Stop button', () => {
    const { blocks } = render({
      request: request({
        state: 'failed-to-start',
        startError: { reason: 'refused', messages: ['Quota used up.'] },
      }),
    });
    expect(sectionTexts(blocks)[0]).toContain('*❌ Could not start*');
    expect(allText(blocks)).toContain('Cloudflare refused the captures: Quota used up.. Nothing was started.');
    expect(allText(blocks)).not.toContain('Files are posted');
    expect(buttons(blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION]);
  });

  it('says "Stopped watching" once, who stopped it and what it means', () => {
    const commands = [{ ...command(alice, 'pcap', 'PENDING_EXEC'), tracking: false }];
    const { blocks } = render({ request: request({ state: 'stopped', stoppedBy: 'U0LEAD' }), commands });
    expect(sectionTexts(blocks)[0]).toContain(
      '*⏸️ Stopped watching* · capture `C7K2Q9` · asked by <@U0AGENT> · stopped by <@U0LEAD>',
    );
    expect(allText(blocks).match(/Stopped watching/g)).toHaveLength(1);
    expect(allText(blocks)).toContain('The API has no cancel: the captures may still complete on the devices');
    expect(allText(blocks)).toContain('PCAP ⏸️ not watched');
    expect(buttons(blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION]);
  });

  it('says where the files go while running, and that they are there once it is over; never "artifacts"', () => {
    const footer = (input: Partial<StatusMessageInput>) =>
      JSON.stringify(render(input).blocks.find((b) => b.block_id === 'capture_status_footer'));
    expect(footer({})).toContain('Files are posted in this thread as each capture finishes.');
    expect(footer({})).toContain(`<${DASHBOARD}|Cloudflare dashboard>`);
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const warp = command(alice, 'warp-diag', 'SUCCESS');
    const over = {
      request: request({ state: 'finished' }),
      commands: [pcap, warp],
      uploads: [upload(pcap), upload(warp)],
    };
    expect(footer(over)).toContain('The files are in this thread.');
    expect(footer(over)).not.toContain('as each capture finishes');
    expect(footer({ artifactDestination: 'dm' })).toContain('Files are sent to <@U0AGENT> by direct message as each');
    expect(JSON.stringify(render(over))).not.toMatch(/artifact/i);
  });

  it('offers Run again always, Stop watching (with a confirm) while running, and Retry failed once over with failures', () => {
    for (const state of ['starting', 'running'] as const) {
      const [runAgain, stop] = buttons(render({ request: request({ state }) }).blocks);
      expect(runAgain).toMatchObject({ action_id: RUN_AGAIN_ACTION, value: 'C7K2Q9', text: { text: 'Run again' } });
      expect(stop).toMatchObject({ action_id: STOP_WATCHING_ACTION, value: 'C7K2Q9', text: { text: 'Stop watching' } });
      expect(stop?.confirm?.text.text).toBe(
        "Stop watching this capture? It keeps running on the device; the bot stops following it and won't post its files.",
      );
    }
    for (const state of ['finished', 'failed-to-start', 'stopped'] as const) {
      expect(buttons(render({ request: request({ state }) }).blocks).map((b) => b.action_id)).toEqual([
        RUN_AGAIN_ACTION,
      ]);
    }
    const failed = [command(alice, 'pcap', 'FAILED'), command(alice, 'warp-diag', 'SUCCESS')];
    const over = render({
      request: request({ state: 'finished' }),
      commands: failed,
      uploads: [upload(failed[1] as TrackedCommand)],
    });
    expect(buttons(over.blocks).map((b) => b.action_id)).toEqual([RETRY_FAILED_ACTION, RUN_AGAIN_ACTION]);
  });

  it('puts the essentials in the notification text: state, devices and what failed', () => {
    const { text } = render({ commands: [command(alice, 'pcap', 'SUCCESS')] });
    expect(text).toBe('DEX capture C7K2Q9 on LAPTOP-42: Running');
    const failed = [command(alice, 'pcap', 'FAILED'), command(alice, 'warp-diag', 'TIMED_OUT')];
    expect(render({ request: request({ state: 'finished' }), commands: failed }).text).toBe(
      'DEX capture C7K2Q9 on LAPTOP-42: Finished with problems — 0 of 2 done. Failed: LAPTOP-42 (PCAP, WARP diagnostics)',
    );
  });

  it('is pure, and a running request does not change as time passes (no figure that goes stale)', () => {
    const input = (status: string): StatusMessageInput => ({
      request: request(),
      commands: [command(alice, 'pcap', status)],
      dashboardUrl: DASHBOARD,
    });
    expect(statusMessage(input('PENDING_EXEC'))).toEqual(statusMessage(input('PENDING_EXEC')));
    expect(statusMessage(input('PENDING_EXEC'))).not.toEqual(statusMessage(input('PENDING_UPLOAD')));
  });
});

describe('statusMessage with a second approver', () => {
  const asked = { expiresAt: new Date(STARTED.getTime() + 30 * 60_000), decision: null };
  const approvalText = (blocks: KnownBlock[]) =>
    JSON.stringify(blocks.find((b) => (b as { block_id?: string }).block_id === STATUS_APPROVAL_BLOCK) ?? null);

  it('while waiting: says so with the deadline, mentions the approver groups, names what would run, offers Approve, Deny and Withdraw only', () => {
    const { blocks, text } = render({
      request: request({ devices: [alice], state: 'awaiting-approval', approval: asked, launch: null }),
      approvers: ['S0SECURITY', 'netops'],
    });
    const [header = ''] = sectionTexts(blocks);
    expect(header).toMatch(/^\*🙋 Waiting for approval — until <!date\^\d+\^\{time\}\|/);
    expect(header).toContain('\nAsked <!date^');
    expect(approvalText(blocks)).toContain(
      '<!subteam^S0SECURITY>, @netops may approve or deny this. Nothing starts until someone other than <@U0AGENT> approves.',
    );
    // Nothing runs yet: the device line names the types without a mark each.
    expect(sectionTexts(blocks)).toContain('*LAPTOP-42* · alice@example.com — PCAP · WARP diagnostics');
    expect(buttons(blocks).map((b) => [b.action_id, b.style])).toEqual([
      [APPROVE_ACTION, 'primary'],
      [DENY_ACTION, 'danger'],
      [WITHDRAW_ACTION, undefined],
    ]);
    expect(text).toContain('Waiting for approval');
    expect(blockKitProblems(blocks, 50)).toEqual([]);
  });

  it('once approved: who approved and when, and the usual buttons', () => {
    const decision = { approved: true, by: 'U0CAROL', at: new Date(STARTED.getTime() + 120_000), note: null };
    const { blocks } = render({
      request: request({ devices: [alice], state: 'running', approval: { ...asked, decision } }),
      commands: [command(alice, 'pcap', 'PENDING_EXEC')],
    });
    expect(approvalText(blocks)).toContain('Approved by <@U0CAROL> at <!date^');
    expect(buttons(blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION, STOP_WATCHING_ACTION]);
  });

  it('denied: the approver and their reason, inert; expired: what happened and what to do', () => {
    const decision = { approved: false, by: 'U0CAROL', at: STARTED, note: '<!channel> *no* ticket' };
    const denied = render({
      request: request({
        devices: [alice],
        state: 'failed-to-start',
        approval: { ...asked, decision },
        startError: { reason: 'denied', by: 'U0CAROL', note: '<!channel> *no* ticket' },
      }),
    });
    const deniedText = allText(denied.blocks);
    expect(sectionTexts(denied.blocks)[0]).toMatch(/^\*🚫 Denied\* · capture/);
    expect(deniedText).toContain('<@U0CAROL> denied this request: “&lt;!channel&gt; ∗no∗ ticket”. Nothing was started');
    expect(deniedText).not.toContain('<!channel>');
    expect(buttons(denied.blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION]);

    const expired = render({
      request: request({
        devices: [alice],
        state: 'failed-to-start',
        approval: asked,
        startError: { reason: 'approval-expired' },
      }),
    });
    expect(sectionTexts(expired.blocks)[0]).toMatch(/^\*⚪ Not approved in time\* · capture/);
    expect(allText(expired.blocks)).toContain('No approver decided within 30 minutes, so it expired.');
  });
});
