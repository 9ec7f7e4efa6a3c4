import { describe, expect, it } from 'vitest';
import { ownerNoticeMessage } from '../../../src/slack/ui/owner-notice.js';
import { blockKitProblems, request, STARTED, target } from './fixtures.js';

describe("the device owner's DM", () => {
  const laptop = target(1, { name: 'BOB-LAPTOP', email: 'bob@example.com' });

  it('says who started what on which device, until when, what it can hold, the reason as plain text, whom to ask', () => {
    const message = ownerNoticeMessage(
      request({ devices: [laptop], types: ['pcap', 'warp-diag'], reason: 'INC-9 <!here> *now*' }),
      [laptop],
    );
    const ends = STARTED.getTime() / 1000 + 5 * 60;
    expect(message.blocks?.[0]).toMatchObject({
      text: {
        text:
          `🔍 <@U0AGENT> started remote captures on your device *BOB-LAPTOP* (capture \`C7K2Q9\`). The packet capture ` +
          `stops by itself within 5 min (about <!date^${ends}^{time}|2026-11-25 14:07 UTC>).`,
      },
    });
    expect(JSON.stringify(message.blocks)).toContain(
      "A packet capture can include your device's network traffic; WARP diagnostics hold your device's WARP settings and logs.",
    );
    expect(message.blocks?.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'plain_text', text: 'Reason given: INC-9 <!here> *now*', emoji: false }],
    });
    expect(message.text).toContain('Questions: ask <@U0AGENT>, or in <#C0HELPDESK>.');
    expect(blockKitProblems(message.blocks ?? [], 50)).toEqual([]);
  });

  it('says only what the types started can hold', () => {
    const message = ownerNoticeMessage(request({ devices: [laptop], types: ['speed-test'], reason: null }), [laptop]);
    expect(message.text).not.toMatch(/packet capture|WARP settings|Reason/);
  });

  it('with a second approver: names who approved, and the packet capture ends counting from the approval', () => {
    const approvedAt = new Date(STARTED.getTime() + 20 * 60_000);
    const approval = {
      expiresAt: new Date(STARTED.getTime() + 30 * 60_000),
      decision: { approved: true, by: 'U0CAROL', at: approvedAt, note: null },
    };
    const message = ownerNoticeMessage(request({ devices: [laptop], types: ['pcap'], approval }), [laptop]);
    const ends = approvedAt.getTime() / 1000 + 5 * 60;
    expect(message.text).toContain('(capture `C7K2Q9`). <@U0CAROL> approved them. The packet capture stops by itself');
    expect(message.text).toContain(`<!date^${ends}^{time}|`);
  });
});
