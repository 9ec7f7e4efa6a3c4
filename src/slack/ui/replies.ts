import type { KnownBlock } from '@slack/types';
import { formatDistanceStrict } from 'date-fns';
import type { AuditEvent, CaptureRequest, TrackedCommand } from '../../captures/model.js';
import type { Quota } from '../../dex/types.js';
import {
  escapeMrkdwn,
  link,
  MESSAGE_BLOCKS_MAX,
  mention,
  plural,
  SECTION_TEXT_MAX,
  shortDuration,
  slackDate,
  truncate,
  typeShort,
} from './format.js';
import { commandSummary, deviceSections, REQUEST_STATE_WORDS, requestHeadline, statusNote } from './status-message.js';

/** An ephemeral answer to `/capture …`. */
export interface Reply {
  text: string;
  blocks?: KnownBlock[];
}

const HELP_LINES = [
  '*`/capture`* runs Cloudflare DEX remote captures (packet captures and WARP diagnostics) on people’s devices.',
  '• `/capture` — open the capture form',
  '• `/capture @alice` or `/capture alice@example.com` — open it with that person’s devices picked',
  '• `/capture quota` — captures left today and when the quota resets',
  '• `/capture status C7K2Q9` — one capture in detail',
  '• `/capture list` — recent captures',
  '• `/capture list mine` — captures you started',
  '• `/capture list @alice` — captures started by @alice',
  '• `/capture list LAPTOP-42` — captures of a device (name or email)',
  '• `/capture audit` or `/capture audit 30` — who started, re-ran, stopped or was refused captures (7 days by default)',
  '• `/capture help` — this help',
];

export function helpMessage(): Reply {
  return { text: HELP_LINES.join('\n') };
}

/** "I didn't understand `…`." and the help. */
export function unknownCommandMessage(text: string): Reply {
  const shown = escapeMrkdwn(truncate(text.replace(/`/g, "'").replace(/\s+/g, ' ').trim(), 100));
  const lead = shown ? `I didn't understand \`${shown}\`.` : "I didn't understand that.";
  return { text: `${lead}\n\n${helpMessage().text}` };
}

/** "*788 of 800* captures left today (12 used). Resets in 5 hours (<date>)." */
export function quotaMessage(quota: Quota, now: Date): Reply {
  const when = slackDate(quota.resetsAt);
  const resets =
    quota.resetsAt.getTime() > now.getTime()
      ? `Resets in ${formatDistanceStrict(quota.resetsAt, now)} (${when}).`
      : `Resets about now (${when}).`;
  let text = `*${quota.remaining} of ${quota.total}* captures left today (${quota.used} used). ${resets}`;
  if (quota.remaining <= 0) text += " New captures can't start until then.";
  text += ' Each device × capture type uses 1.';
  return { text };
}

export interface RequestWithCommands {
  request: CaptureRequest;
  commands: TrackedCommand[];
}

function deviceNames(request: CaptureRequest): string {
  const names = request.devices.map((device) => escapeMrkdwn(truncate(device.name || 'Unnamed device', 60)));
  if (names.length === 0) return 'no devices';
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function stateLine(request: CaptureRequest, commands: TrackedCommand[], now: Date): string {
  let state = REQUEST_STATE_WORDS[request.state];
  if (request.state === 'starting' || request.state === 'running') {
    state += ` for ${shortDuration(request.createdAt, now)}`;
  }
  const summary = commandSummary(commands);
  return summary ? `*${state}*: ${summary}` : `*${state}*`;
}

/** Leaves room for the title and the "more" line. */
const MAX_LISTED = MESSAGE_BLOCKS_MAX - 2;

/** `/capture list`: one line per request, newest first as given, with a link to its thread when known. */
export function requestListMessage(
  requests: RequestWithCommands[],
  now: Date,
  links: (request: CaptureRequest) => string | null,
): Reply {
  if (requests.length === 0) {
    const text = 'No captures yet. Start one with `/capture`.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }

  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Recent captures* (${requests.length})` } },
  ];
  for (const { request, commands } of requests.slice(0, MAX_LISTED)) {
    const parts = [
      `\`${escapeMrkdwn(request.id)}\``,
      mention(request.requestedBy),
      slackDate(request.createdAt, '{date_short_pretty} {time}'),
      deviceNames(request),
      request.types.map(typeShort).join(', '),
      stateLine(request, commands, now),
    ];
    const url = links(request);
    if (url) parts.push(link(url, 'Thread'));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(parts.join(' · '), SECTION_TEXT_MAX) } });
  }
  const hidden = requests.length - MAX_LISTED;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${hidden} more. Narrow it with \`/capture list mine\`.` }],
    });
  }

  const text = `Recent captures: ${requests
    .slice(0, 10)
    .map(({ request }) => `${request.id} (${REQUEST_STATE_WORDS[request.state]})`)
    .join(', ')}${requests.length > 10 ? ', …' : ''}`;
  return { text, blocks };
}

/** `/capture status <id>`: one request in detail, with the same device lines as its status message. */
export function requestStatusMessage(
  request: CaptureRequest,
  commands: TrackedCommand[],
  now: Date,
  threadLink: string | null,
): Reply {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(requestHeadline(request, commands, now), SECTION_TEXT_MAX) },
    },
  ];
  const note = statusNote(request);
  if (note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: note } });
  blocks.push(...deviceSections(request, commands));
  if (threadLink) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: link(threadLink, 'Open its thread') }] });
  }
  const summary = commandSummary(commands);
  const text = `Capture ${request.id}: ${REQUEST_STATE_WORDS[request.state]}${summary ? ` (${summary})` : ''}`;
  return { text, blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}

/** `/capture audit [days]`: the audit trail, newest first. */
export function auditMessage(events: AuditEvent[], days: number): Reply {
  const title = `*Audit trail, last ${plural(days, 'day')}*`;
  if (events.length === 0) {
    const text = `${title}\nNothing recorded.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = events.slice(0, MAX_AUDIT_LINES).map((event) => {
    const what = [
      slackDate(event.at, '{date_short_pretty} {time}'),
      mention(event.userId),
      AUDIT_ACTION_WORDS[event.action],
      event.requestId ? `\`${escapeMrkdwn(event.requestId)}\`` : null,
      event.devices.length ? event.devices.map((d) => escapeMrkdwn(d.name)).join(', ') : null,
      event.types.length ? event.types.map(typeShort).join(' + ') : null,
      event.channelId ? `in <#${event.channelId.replace(/[^A-Z0-9_]/gi, '')}>` : null,
      escapeMrkdwn(truncate(event.outcome, 300)),
    ];
    return `• ${what.filter(Boolean).join(' · ')}`;
  });
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: title } }];
  // Several lines per section keeps the message well under 50 blocks.
  for (let i = 0; i < lines.length; i += 10) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(lines.slice(i, i + 10).join('\n'), SECTION_TEXT_MAX) },
    });
  }
  if (events.length > MAX_AUDIT_LINES) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${events.length - MAX_AUDIT_LINES} more.` }],
    });
  }
  return { text: `Audit trail: ${plural(events.length, 'event')} in the last ${plural(days, 'day')}`, blocks };
}

const MAX_AUDIT_LINES = 100;

const AUDIT_ACTION_WORDS: Record<AuditEvent['action'], string> = {
  start: 'started',
  'run-again': 'ran again',
  'stop-watching': 'stopped watching',
  denied: 'was refused',
};

/** On the capture form when the request could not be stored: nothing was sent, and the form stays open. */
export function notRecordedError(): string {
  return 'The bot could not record this request (its database did not answer), so nothing was started. Submit again in a minute.';
}

/** When the capture form could not be opened (Slack refused or failed `views.open`). */
export function formDidNotOpenReply(): Reply {
  return { text: 'The capture form could not open: Slack had a problem showing it. Try `/capture` again in a moment.' };
}

/** Any unexpected failure while handling an interaction; the reference is in the bot's log line too. */
export function internalErrorReply(reference: string): Reply {
  const ref = reference.replace(/[^A-Za-z0-9-]/g, '').slice(0, 16);
  return {
    text: `Something went wrong on my side, and I could not finish that (reference \`${ref}\`). Try again; if it keeps happening, give that reference to whoever runs this bot.`,
  };
}

/** `/capture quota` when Cloudflare did not answer. */
export function quotaUnavailableReply(): Reply {
  return { text: 'Cloudflare did not answer just now, so I cannot tell the quota. Try again in a minute.' };
}

/** On the capture form when the bot's database was too slow to confirm the request within Slack's time. */
export function storeSlowError(): string {
  return 'The bot’s database is slow to answer, so I could not confirm this request in time. It may still start: if no status message appears within a minute, submit again (it will not start twice).';
}
