import type { KnownBlock } from '@slack/types';
import { summariseOptions } from '../../capture-types/registry.js';
import type { CaptureRequest, TargetDevice } from '../../captures/model.js';
import { REASON_MAX } from './capture-modal.js';
import { channelRef, inert, inertPlain, mention, requestIdCode, slackDate } from './format.js';
import type { Reply } from './replies.js';

/**
 * The DM to a device's owner when captures start on it: who started what on which device, for how long, why (the
 * requester's reason, as plain text), and whom to ask. Said plainly: a packet capture can hold their traffic.
 */
export function ownerNoticeMessage(request: CaptureRequest, devices: TargetDevice[]): Reply {
  const names = devices.map((d) => `*${inert(d.name, 80) || 'Unnamed device'}*`).join(', ');
  const decision = request.approval?.decision;
  // With a second approver the captures start when approved, not when asked.
  const startedAt = decision?.approved ? decision.at : request.createdAt;
  const what = request.types.map((type) => summariseOptions(type, request.options)).join('; ');
  const pcapEnds = request.types.includes('pcap')
    ? ` The packet capture stops by itself within ${request.options.pcap.timeLimitMin} min (about ${slackDate(
        new Date(startedAt.getTime() + request.options.pcap.timeLimitMin * 60_000),
        '{time}',
      )}).`
    : '';
  const approvedBy = decision?.approved ? ` ${mention(decision.by)} approved them.` : '';
  const lead =
    `🔍 ${mention(request.requestedBy)} started remote captures on your ${devices.length > 1 ? 'devices' : 'device'} ` +
    `${names} (capture ${requestIdCode(request.id)}).${approvedBy}${pcapEnds}`;
  const holds = [
    request.types.includes('pcap') ? "a packet capture can include your device's network traffic" : null,
    request.types.includes('warp-diag') ? "WARP diagnostics hold your device's WARP settings and logs" : null,
  ].filter(Boolean);
  const detail =
    `What runs: ${what}.${holds.length > 0 ? ` ${capitalised(holds.join('; '))}.` : ''} ` +
    `Questions: ask ${mention(request.requestedBy)}, or in ${channelRef(request.channelId)}.`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lead } },
    { type: 'section', text: { type: 'mrkdwn', text: detail } },
  ];
  if (request.reason) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'plain_text', text: `Reason given: ${inertPlain(request.reason, REASON_MAX)}`, emoji: false }],
    });
  }
  const reason = request.reason ? ` Reason given: ${inertPlain(request.reason, REASON_MAX)}` : '';
  return { text: `${lead} ${detail}${reason}`, blocks };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
