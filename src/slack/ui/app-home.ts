import type { HomeView, KnownBlock } from '@slack/types';
import type { Refusal } from '../../captures/access.js';
import type { CaptureRequest } from '../../captures/model.js';
import type { StatusView } from '../../captures/notifier.js';
import type { Quota } from '../../dex/types.js';
import { slackDate } from './format.js';
import { OPEN_FORM_ACTION } from './ids.js';
import { refusalText, requestRow } from './replies.js';

/** How many of the viewer's captures App Home lists (each is one section; a home view allows 100 blocks). */
export const HOME_RECENT_MAX = 10;

export interface AppHomeInput {
  /** Why the viewer may not start captures; null when they may. */
  captureRefusal: Refusal | null;
  /** Why the viewer may not read quota and captures (CAPTURE_READERS_RESTRICTED); null when they may. */
  readRefusal: Refusal | null;
  /** Null when Cloudflare did not answer. */
  quota: Quota | null;
  /** The viewer's own recent requests, newest first. */
  recent: StatusView[];
  threadUrl: (request: CaptureRequest) => string | null;
  now: Date;
}

/**
 * The bot's App Home tab: for someone who may capture, a "New capture" button, the quota and their recent captures
 * with their state and threads; for anyone else, why not and what they may still do.
 */
export function appHomeView(input: AppHomeInput): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'DEX remote captures' } }];
  if (input.captureRefusal) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: refusalText(input.captureRefusal, 'start') },
    });
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: input.readRefusal
          ? 'Nothing else here is open to you either: ask an admin if you need it.'
          : 'You can still check the quota with `/capture quota`, follow captures with `/capture list` and `/capture status`, and read each status thread.',
      },
    });
  } else {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: "Packet captures, WARP diagnostics and speed tests on up to 10 of a person's devices, from Slack.",
      },
      accessory: {
        type: 'button',
        action_id: OPEN_FORM_ACTION,
        style: 'primary',
        text: { type: 'plain_text', text: 'New capture' },
      },
    });
  }
  if (!input.readRefusal) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: homeQuotaLine(input.quota) }] });
    blocks.push({ type: 'divider' });
    blocks.push(...recentBlocks(input));
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `Updated ${slackDate(input.now, '{time}')} · \`/capture help\` lists every command` },
    ],
  });
  return { type: 'home', blocks };
}

function homeQuotaLine(quota: Quota | null): string {
  if (!quota) return 'Quota: Cloudflare did not answer just now; `/capture quota` asks again.';
  return `Quota: *${quota.remaining} of ${quota.total}* captures left today · resets ${slackDate(quota.resetsAt)}`;
}

function recentBlocks({ recent, threadUrl }: AppHomeInput): KnownBlock[] {
  if (recent.length === 0) {
    return [{ type: 'section', text: { type: 'mrkdwn', text: '*Your latest captures*\nYou have started none yet.' } }];
  }
  const shown = recent.slice(0, HOME_RECENT_MAX);
  return [
    { type: 'section', text: { type: 'mrkdwn', text: '*Your latest captures*' } },
    // The tab stays up: no "for 4 min" that would go stale (each row has its start time).
    ...shown.map((view) => requestRow(view, null, threadUrl(view.request))),
  ];
}
