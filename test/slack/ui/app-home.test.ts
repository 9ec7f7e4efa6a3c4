import { describe, expect, it } from 'vitest';
import { appHomeView } from '../../../src/slack/ui/app-home.js';
import { OPEN_FORM_ACTION } from '../../../src/slack/ui/ids.js';
import { blockKitProblems, command, NOW, request, target, upload } from './fixtures.js';

const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com' });
const QUOTA = { total: 800, used: 12, remaining: 788, resetsAt: new Date('2026-11-26T00:00:00Z') };

function texts(blocks: unknown[]): string[] {
  return (
    JSON.stringify(blocks)
      .match(/"text":"((?:[^"\\]|\\.)*)"/g)
      ?.map((t) => JSON.parse(t.slice(7)) as string) ?? []
  );
}

describe('App Home', () => {
  it('for someone who may capture: New capture, the quota, and their captures with state first and a thread link', () => {
    const pcap = command(alice, 'pcap', 'SUCCESS');
    const finished = request({ id: 'C7K2Q9', state: 'finished', types: ['pcap'] });
    const running = request({ id: 'R4NN1G', state: 'running' });
    const view = appHomeView({
      captureRefusal: null,
      readRefusal: null,
      quota: QUOTA,
      recent: [
        { request: running, commands: [command(alice, 'pcap', 'PENDING_EXEC')], uploads: [] },
        { request: finished, commands: [pcap], uploads: [upload(pcap)] },
      ],
      threadUrl: (r) => (r.id === 'C7K2Q9' ? 'https://example.slack.com/archives/C0HELPDESK/p1' : null),
      now: NOW,
    });
    expect(view.type).toBe('home');
    expect(blockKitProblems(view.blocks, 100)).toEqual([]);
    const button = view.blocks.flatMap((b) => ('accessory' in b && b.accessory ? [b.accessory] : []))[0];
    expect(button).toMatchObject({ type: 'button', action_id: OPEN_FORM_ACTION, text: { text: 'New capture' } });
    const all = texts(view.blocks);
    expect(all).toContain(
      `Quota: *788 of 800* captures left today · resets <!date^${QUOTA.resetsAt.getTime() / 1000}^{date_short_pretty} at {time}|2026-11-26 00:00 UTC>`,
    );
    const rows = all.filter((t) => t.includes('`R4NN1G`') || t.includes('`C7K2Q9`'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^⏳ \*Running\* · `R4NN1G`/);
    expect(rows[1]).toMatch(
      /^✅ \*Finished — 1 of 1 done\* · `C7K2Q9`.*<https:\/\/example\.slack\.com\/archives\/C0HELPDESK\/p1\|Thread>$/,
    );
  });

  it('for someone who may not capture: why, and what they may still do, with no New capture button', () => {
    const view = appHomeView({
      captureRefusal: { kind: 'not-in-groups', groups: ['helpdesk'] },
      readRefusal: null,
      quota: QUOTA,
      recent: [],
      threadUrl: () => null,
      now: NOW,
    });
    const all = texts(view.blocks);
    expect(all).toContain('Only members of @helpdesk may start captures. Ask an admin to add you.');
    expect(all.some((t) => t.startsWith('You can still check the quota with `/capture quota`'))).toBe(true);
    expect(JSON.stringify(view.blocks)).not.toContain(OPEN_FORM_ACTION);
    expect(all).toContain('*Your latest captures*\nYou have started none yet.');
  });

  it('with readers restricted and no right at all: no quota and no captures, only why', () => {
    const refusal = { kind: 'not-in-groups' as const, groups: ['helpdesk'] };
    const view = appHomeView({
      captureRefusal: refusal,
      readRefusal: refusal,
      quota: QUOTA,
      recent: [],
      threadUrl: () => null,
      now: NOW,
    });
    const all = texts(view.blocks).join('\n');
    expect(all).not.toMatch(/Quota|captures left/);
    expect(all).toContain('Nothing else here is open to you either');
  });

  it('says when Cloudflare did not answer for the quota', () => {
    const view = appHomeView({
      captureRefusal: null,
      readRefusal: null,
      quota: null,
      recent: [],
      threadUrl: () => null,
      now: NOW,
    });
    expect(texts(view.blocks)).toContain('Quota: Cloudflare did not answer just now; `/capture quota` asks again.');
  });
});
