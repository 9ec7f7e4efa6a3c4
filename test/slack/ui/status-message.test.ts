import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { TrackedCommand } from '../../../src/captures/model.js';
import { RUN_AGAIN_ACTION, STOP_WATCHING_ACTION } from '../../../src/slack/ui/ids.js';
import { type StatusMessageInput, statusMessage } from '../../../src/slack/ui/status-message.js';
import { blockKitProblems, command, NOW, request, STARTED, target } from './fixtures.js';

const DASHBOARD = 'https://dash.cloudflare.com/acc123/dex/remote-captures';
const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com' });

function render(overrides: Partial<StatusMessageInput> = {}) {
  return statusMessage({
    request: request({ devices: [alice], types: ['pcap', 'warp-diag'] }),
    commands: [],
    now: NOW,
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
  it('says who asked, the request id, the state, for how long and when it started', () => {
    const { blocks } = render();
    const [header = ''] = sectionTexts(blocks);
    expect(header).toContain('*Running*');
    expect(header).toContain('<@U0AGENT>');
    expect(header).toContain('`C7K2Q9`');
    expect(header).toContain('for 4 min');
    expect(header).toContain(`<!date^${STARTED.getTime() / 1000}^{date_short_pretty} at {time}|2026-11-25 14:02 UTC>`);
  });

  it('shows each device with each capture type in honest words', () => {
    const cases: Array<[string, Partial<TrackedCommand>, string]> = [
      ['PENDING_EXEC', {}, '⏳ Running on the device'],
      ['PENDING_UPLOAD', {}, '📤 Uploading from the device'],
      ['SUCCESS', {}, '✅ Done'],
      ['FAILED', {}, '❌ Failed'],
      ['TIMED_OUT', {}, '⌛ Timed out (no result after 30 min)'],
      ['QUEUED_SOMEWHERE', {}, '❔ QUEUED_SOMEWHERE'],
      ['PENDING_EXEC', { tracking: false }, '⏸ Not watched'],
    ];
    for (const [status, patch, words] of cases) {
      const { blocks } = render({ commands: [{ ...command(alice, 'pcap', status), ...patch }] });
      const device = sectionTexts(blocks).find((t) => t.startsWith('*LAPTOP-42*'));
      expect(device, status).toBe(
        `*LAPTOP-42* · alice@example.com · windows\nPacket capture (PCAP): ${words}\nWARP diagnostics: ⏳ Starting`,
      );
    }
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
      name: 'SPOOF-PC\nPacket capture (PCAP): ✅ Done\u202E *bold* _it_ ~s~ `code`',
      email: 'first_last@example.com',
      platform: 'windows\n> quoted',
    });
    const { blocks } = render({
      request: request({ devices: [spoof], types: ['pcap'] }),
      commands: [command(spoof, 'pcap', 'PENDING_EXEC')],
    });
    const device = sectionTexts(blocks).find((t) => t.startsWith('*SPOOF-PC'));
    expect(device?.split('\n')).toEqual([
      '*SPOOF-PC Packet capture (PCAP): ✅ Done ∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ* · first_last@example.com · windows &gt; quoted',
      'Packet capture (PCAP): ⏳ Running on the device',
    ]);
  });

  it('stays within 50 blocks and the section limit with 10 devices × 2 types', () => {
    const devices = Array.from({ length: 10 }, (_, i) =>
      target(i, { name: `DEVICE-${'N'.repeat(200)}-${i}`, email: `${'e'.repeat(150)}${i}@example.com` }),
    );
    const commands = devices.flatMap((d) => [command(d, 'pcap', 'SUCCESS'), command(d, 'warp-diag', 'FAILED')]);
    const { blocks, text } = render({ request: request({ devices, state: 'finished' }), commands });
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems(blocks, 50)).toEqual([]);
    expect(sectionTexts(blocks).filter((t) => t.includes('DEVICE-'))).toHaveLength(10);
    expect(text).toContain('10 done, 10 failed');
  });

  it('says "Finished", how long it took, and the outcome counts', () => {
    const commands = [command(alice, 'pcap', 'SUCCESS'), command(alice, 'warp-diag', 'FAILED')];
    const [header = ''] = sectionTexts(render({ request: request({ state: 'finished' }), commands }).blocks);
    expect(header).toContain('*Finished with problems — 1 of 2 done*');
    expect(header).toContain('took 2 min');
    expect(header).toContain('1 done, 1 failed');
  });

  it('gives the reason when captures could not start, and no Stop button', () => {
    const { blocks } = render({
      request: request({
        state: 'failed-to-start',
        startError: { reason: 'refused', messages: ['Quota used up.'] },
      }),
    });
    expect(sectionTexts(blocks)[0]).toContain('*Could not start*');
    expect(allText(blocks)).toContain('Cloudflare refused the captures: Quota used up.. Nothing was started.');
    expect(allText(blocks)).not.toContain('Artifacts are posted');
    expect(buttons(blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION]);
  });

  it('says exactly what "Stop watching" means once stopped', () => {
    const commands = [{ ...command(alice, 'pcap', 'PENDING_EXEC'), tracking: false }];
    const { blocks } = render({ request: request({ state: 'stopped', stoppedBy: 'U0LEAD' }), commands });
    expect(sectionTexts(blocks)[0]).toContain('*Stopped watching*');
    expect(allText(blocks)).toContain(
      'Stopped watching by <@U0LEAD>. The API has no cancel: captures may still complete on the device; find them in the Cloudflare dashboard.',
    );
    expect(allText(blocks)).toContain('Packet capture (PCAP): ⏸ Not watched');
    expect(buttons(blocks).map((b) => b.action_id)).toEqual([RUN_AGAIN_ACTION]);
  });

  it('links the dashboard and says where the files go', () => {
    const footer = render().blocks.find((b) => b.type === 'context');
    expect(JSON.stringify(footer)).toContain('Artifacts are posted in the thread as they finish.');
    expect(JSON.stringify(footer)).toContain(`<${DASHBOARD}|Open in Cloudflare dashboard>`);
  });

  it('offers Run again always and Stop watching (with a confirm) while running or starting', () => {
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
  });

  it('has a plain fallback text', () => {
    const { text } = render({ commands: [command(alice, 'pcap', 'SUCCESS')] });
    expect(text).toBe('DEX capture C7K2Q9 by <@U0AGENT> on 1 device: Running (1 done)');
  });

  it('is pure: the same input gives a deep-equal output, a change gives a different one', () => {
    const input = (status: string): StatusMessageInput => ({
      request: request(),
      commands: [command(alice, 'pcap', status)],
      now: NOW,
      dashboardUrl: DASHBOARD,
    });
    expect(statusMessage(input('PENDING_EXEC'))).toEqual(statusMessage(input('PENDING_EXEC')));
    expect(statusMessage(input('PENDING_EXEC'))).not.toEqual(statusMessage(input('PENDING_UPLOAD')));
    // A finished request does not change as time passes, so it is never updated again.
    const finished = { ...input('SUCCESS'), request: request({ state: 'finished' }) };
    expect(statusMessage(finished)).toEqual(statusMessage({ ...finished, now: new Date(NOW.getTime() + 3_600_000) }));
  });
});
