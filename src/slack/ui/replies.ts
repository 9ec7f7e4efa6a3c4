import type { KnownBlock } from '@slack/types';
import { formatDistanceStrict } from 'date-fns';
import { CAPTURE_TYPE_DESCRIPTORS } from '../../capture-types/registry.js';
import type { Refusal } from '../../captures/access.js';
import type { AuditReport } from '../../captures/audit.js';
import type {
  AuditEvent,
  AuditOutcome,
  AuditRefusals,
  CaptureRequest,
  DeniedAttempt,
  TargetDevice,
} from '../../captures/model.js';
import type { StatusView } from '../../captures/notifier.js';
import type { DecisionOutcome, RetryOutcome, WithdrawOutcome } from '../../captures/service.js';
import type { Quota } from '../../dex/types.js';
import { REASON_MAX, selectionProblemsError } from './capture-modal.js';
import {
  channelRef,
  groupRef,
  inert,
  link,
  MESSAGE_BLOCKS_MAX,
  MESSAGE_TEXT_BUDGET,
  mention,
  plural,
  requestIdCode,
  SECTION_TEXT_MAX,
  shortDuration,
  slackDate,
  truncateMrkdwn,
  typeShort,
} from './format.js';
import { OPEN_FORM_ACTION } from './ids.js';
import { markOfRequest } from './marks.js';
import {
  approvalLine,
  commandSummary,
  deviceSections,
  requestHeadline,
  requestStateWords,
  statusNote,
} from './status-message.js';

/** An ephemeral answer to `/capture …`. */
export interface Reply {
  text: string;
  blocks?: KnownBlock[];
}

/** "packet captures, WARP diagnostics and speed tests": every type the registry lists. */
const WHAT_IT_RUNS = CAPTURE_TYPE_DESCRIPTORS.map((d) => d.usedFor)
  .join(', ')
  .replace(/, ([^,]*)$/, ' and $1');

const HELP_INTRO = `*\`/capture\`* runs Cloudflare DEX remote captures (${WHAT_IT_RUNS}) on people’s devices.`;

/** The help, grouped by what people come to do. */
const HELP_GROUPS: Array<{ title: string; lines: string[] }> = [
  {
    title: 'Start',
    lines: [
      '• `/capture` — open the capture form',
      '• `/capture @alice` or `/capture alice@example.com` — open it with that person’s devices picked',
      '• `/capture LAPTOP-42` — open it with that device picked',
      '• Shortcuts: *Start a DEX capture*, and on a message *Capture this person’s devices*; the bot’s Home tab has *New capture* and your latest captures',
    ],
  },
  {
    title: 'Check',
    lines: [
      '• `/capture quota` — captures left today and when the quota resets',
      '• `/capture status C7K2Q9` — one capture in detail',
      '• `/capture list` — recent captures; `list mine`, `list @alice`, `list LAPTOP-42` (a device name or email)',
    ],
  },
  {
    title: 'Review',
    lines: [
      '• `/capture audit` or `/capture audit 30` — who started, re-ran, stopped or was refused captures (7 days by default)',
      '• `/capture audit export` or `/capture audit export 30` — the same as a CSV file in your DM',
      '• `/capture help` — this help',
    ],
  },
];

export function helpMessage(): Reply {
  const groups = HELP_GROUPS.map(({ title, lines }) => [`*${title}*`, ...lines].join('\n'));
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: HELP_INTRO } },
    ...groups.map((text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: OPEN_FORM_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Open the capture form' },
        },
      ],
    },
  ];
  return { text: [HELP_INTRO, ...groups].join('\n'), blocks };
}

/** "I didn't understand `…`." and the help. */
export function unknownCommandMessage(text: string): Reply {
  const shown = inert(text, 100);
  const lead = shown ? `I didn't understand \`${shown}\`.` : "I didn't understand that.";
  const help = helpMessage();
  return {
    text: `${lead}\n\n${help.text}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lead } }, ...(help.blocks ?? [])],
  };
}

/**
 * "🚫 <why>": someone may not do what they asked. The reason is `refusalText`'s mrkdwn (it may mention the allowed
 * user groups as `<!subteam^S…>`), not outside text, so it is shown as written.
 */
export function refusedMessage(reason: string): Reply {
  return { text: `🚫 ${reason}` };
}

/** What each refused attempt was, as the refusal names it ("may read the audit trail"). */
const ATTEMPT_VERBS: Record<DeniedAttempt | 'read', string> = {
  read: 'see the captures and the quota',
  'open-form': 'start captures',
  start: 'start captures',
  'read-audit': 'read the audit trail',
  'run-again': 'run captures again',
  'stop-watching': 'stop watching captures',
  'decide-approval': 'approve or deny captures',
};

/** Why someone may not do what they tried (starting captures unless told otherwise), in mrkdwn. */
export function refusalText(refusal: Refusal, attempted: DeniedAttempt | 'read' = 'start'): string {
  const verb = ATTEMPT_VERBS[attempted];
  switch (refusal.kind) {
    case 'not-in-groups':
      return `Only members of ${refusal.groups.map(groupRef).join(', ')} may ${verb}. Ask an admin to add you.`;
    case 'not-listed':
      return `Only the people this bot was set up for may ${verb}. Ask an admin.`;
    case 'not-admin':
      return `Only workspace admins and owners may ${verb} here. Ask an admin.`;
    case 'unconfirmed':
      return `Slack could not confirm that you may ${verb} just now, so the answer is no. Try again in a minute.`;
    case 'unknown-user':
      return 'Slack did not say who you are, so nothing was done.';
    case 'is-requester':
      return 'You asked for these captures, so someone else must approve or deny them (a second pair of eyes).';
    case 'not-approver':
      return `Only members of ${refusal.groups.map(groupRef).join(', ')} may ${verb}.`;
  }
}

/** `/capture status <id>` for an id the bot has no record of. */
export function requestNotFoundMessage(requestId: string): Reply {
  return { text: `No capture ${requestIdCode(requestId)} found. \`/capture list\` shows recent ones.` };
}

/** When reading Cloudflare or the store failed while answering. */
export const ANSWER_FAILED_MESSAGE: Reply = { text: 'Sorry, I could not get that just now. Try again in a minute.' };

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

/** "LAPTOP-42, LAPTOP-2, LAPTOP-3 and 1 more": at most three names, each shortened to `max`. */
function deviceNames(devices: Pick<TargetDevice, 'name'>[], max = 60): string {
  const names = devices.map((device) => inert(device.name, max) || 'Unnamed device');
  if (names.length === 0) return 'no devices';
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/**
 * A list row leads with its state: "⏳ *Running for 4 min*", "⚠️ *Finished with problems — 1 of 2 done*". Without
 * `now` (a view that stays up, like App Home) no relative time, which would go stale: the row has the start time.
 */
function stateLead(view: StatusView, now: Date | null): string {
  const { request, commands, uploads } = view;
  let state = requestStateWords(request, commands, uploads);
  if (now && (request.state === 'starting' || request.state === 'running')) {
    state += ` for ${shortDuration(request.createdAt, now)}`;
  }
  return `${markOfRequest(view).glyph} *${state}*`;
}

/** Leaves room for the title and the "more" line. */
const MAX_LISTED = MESSAGE_BLOCKS_MAX - 2;

/** What `/capture list` was asked for: everything, mine, one person's, or a device's. */
export type ListFilter =
  | { kind: 'all' }
  | { kind: 'mine' }
  | { kind: 'user'; userId: string }
  | { kind: 'device'; query: string };

/** An empty list says it is the filter, not that nothing was ever captured. */
function emptyListText(filter: ListFilter): string {
  switch (filter.kind) {
    case 'all':
      return 'No captures yet. Start one with `/capture`.';
    case 'mine':
      return 'You have started no captures the bot has on record. Start one with `/capture`; `/capture list` shows everyone’s.';
    case 'user':
      return `No captures by ${mention(filter.userId)} in the bot's records. \`/capture list\` shows everyone’s.`;
    case 'device':
      return `No captures on a device matching “${inert(filter.query, 100)}” in the bot's records. \`/capture list\` shows all.`;
  }
}

/** One request on one line, state first, with a link to its thread when known (the list and App Home). */
export function requestRow(view: StatusView, now: Date | null, threadUrl: string | null): KnownBlock {
  const { request } = view;
  const summary = commandSummary(view.commands, view.uploads);
  const parts = [
    stateLead(view, now),
    requestIdCode(request.id),
    mention(request.requestedBy),
    slackDate(request.createdAt, '{date_short_pretty} {time}'),
    deviceNames(request.devices),
    summary || request.types.map(typeShort).join(', '),
  ];
  if (threadUrl) parts.push(link(threadUrl, 'Thread'));
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(parts.join(' · '), SECTION_TEXT_MAX) } };
}

/** `/capture list`: one line per request, newest first as given, with a link to its thread when known. */
export function requestListMessage(
  requests: StatusView[],
  now: Date,
  links: (request: CaptureRequest) => string | null,
  filter: ListFilter = { kind: 'all' },
): Reply {
  if (requests.length === 0) {
    const text = emptyListText(filter);
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }

  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Recent captures* (${requests.length})` } },
  ];
  for (const view of requests.slice(0, MAX_LISTED)) blocks.push(requestRow(view, now, links(view.request)));
  const hidden = requests.length - MAX_LISTED;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${hidden} more. Narrow it with \`/capture list mine\`.` }],
    });
  }

  const text = `Recent captures: ${requests
    .slice(0, 10)
    .map(
      ({ request, commands, uploads }) => `${inert(request.id, 20)} (${requestStateWords(request, commands, uploads)})`,
    )
    .join(', ')}${requests.length > 10 ? ', …' : ''}`;
  return { text, blocks };
}

/** `/capture status <id>`: one request in detail, with the same device lines as its status message. */
export function requestStatusMessage(view: StatusView, threadLink: string | null): Reply {
  const { request, commands, uploads } = view;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(requestHeadline(request, commands, uploads), SECTION_TEXT_MAX),
      },
    },
  ];
  // Who may decide, or who approved (the status message's line; the groups are named there).
  const approval = approvalLine(request);
  if (approval) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: approval }] });
  const note = statusNote(request);
  if (note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: note }] });
  blocks.push(...deviceSections(request, commands, uploads));
  if (threadLink) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: link(threadLink, 'Open its thread') }] });
  }
  const summary = commandSummary(commands, uploads);
  const state = requestStateWords(request, commands, uploads);
  const text = `Capture ${inert(request.id, 20)}: ${state}${summary ? ` (${summary})` : ''}`;
  return { text, blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}

const AUDIT_ACTION_WORDS: Record<AuditEvent['action'], string> = {
  start: 'started',
  'run-again': 'ran again',
  'stop-watching': 'stopped watching',
  denied: 'was refused',
  'owner-notice': 'told the device owner about',
  'file-removed': 'capture file removed under the retention policy:',
  'approval-asked': 'asked for approval of',
  approved: 'approved',
  rejected: 'denied',
};

const DENIED_ATTEMPT_WORDS: Record<DeniedAttempt, string> = {
  'open-form': 'to open the capture form',
  'read-audit': 'to read the audit trail',
  start: 'to start captures',
  'run-again': 'to run a capture again',
  'stop-watching': 'to stop watching a capture',
  'decide-approval': 'to approve or deny a capture',
};

/**
 * What came of an audited action, e.g. "started", "denied to open the capture form: Only members of …". Mrkdwn of
 * our own, but a recorded text (from an older version) is outside text: the audit reply shows it through `inert`.
 */
export function auditOutcomeText(outcome: AuditOutcome): string {
  switch (outcome.kind) {
    case 'started':
      return outcome.confirmedFromList ? 'started (confirmed from the list)' : 'started';
    case 'failed-to-start':
      return `failed to start (${outcome.failure.reason})`;
    case 'stopped-watching':
      return 'stopped watching; the captures may still complete on the devices';
    case 'opened-form-again':
      return 'opened the capture form with the same devices and options';
    case 'denied':
      return `denied ${DENIED_ATTEMPT_WORDS[outcome.attempted]}: ${refusalText(outcome.refusal, outcome.attempted)}`;
    case 'owner-notice':
      return outcome.told
        ? `${outcome.email}: told by DM`
        : `${outcome.email}: not told, no Slack account has that email`;
    case 'file-removed':
      return `${outcome.fileName}${outcome.alreadyGone ? ' (Slack no longer had it)' : ' deleted from Slack'}`;
    case 'approval-asked':
      return `waiting for approval until ${outcome.expiresAt.slice(11, 16)} UTC`;
    case 'approval-decided':
      return outcome.approved ? 'approved' : `denied: “${outcome.note ?? ''}”`;
    case 'recorded':
      return outcome.text;
  }
}

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

/** `/capture quota` when Cloudflare did not answer: says so, with the last figure it gave and how old that is. */
export function quotaUnavailableReply(lastKnown: { quota: Quota; fetchedAt: Date } | null = null, now?: Date): Reply {
  const lead = 'Cloudflare did not answer just now, so I cannot tell the quota.';
  if (!lastKnown || !now) return { text: `${lead} Try again in a minute.` };
  const { quota, fetchedAt } = lastKnown;
  const age = shortDuration(fetchedAt, now);
  return {
    text:
      `${lead} Last known: *${quota.remaining} of ${quota.total}* left, ${age === 'less than a minute' ? 'under a minute' : age} ago ` +
      `(${slackDate(fetchedAt, '{time}')}). Try again in a minute.`,
  };
}

/** `/capture audit export`: where the CSV went. */
export function auditExportedReply(rows: number, days: number): Reply {
  return {
    text: `The audit of the last ${plural(days, 'day')} (${plural(rows, 'row')}) is in your DM with the bot, as a CSV file.`,
  };
}

/** On the capture form, with a second approver, when the status would go to the requester's DM: nobody could approve. */
export function approversCannotSeeError(): string {
  return 'An approver decides on the status message, and nobody else can see your DM with the bot: pick a channel the approvers are in.';
}

/** On the capture form when the bot's database was too slow to confirm the request within Slack's time. */
export function storeSlowError(): string {
  return 'The bot’s database is slow to answer, so I could not confirm this request in time. It may still start: if no status message appears within a minute, submit again (it will not start twice).';
}

const AUDIT_TIME = '{date_short_pretty} {time}';
/** Refused people listed one by one; the rest are counted in one line. */
const MAX_REFUSAL_LINES = 10;
/** Room kept for the "…and N more" lines at the end. */
const MORE_LINES_ROOM = 300;

/** "• <date> · <@U1> started `C7K2Q9` · LAPTOP-42 · PCAP + WARP diagnostics · in <#C1>" and the outcome if it says more. */
function auditActionLine(event: AuditEvent): string {
  const word = AUDIT_ACTION_WORDS[event.action];
  const outcome = inert(auditOutcomeText(event.outcome), 200);
  const parts = [
    slackDate(event.at, AUDIT_TIME),
    `${mention(event.userId)} ${word}${event.requestId ? ` ${requestIdCode(event.requestId)}` : ''}`,
    event.devices.length > 0 ? deviceNames(event.devices, 40) : null,
    event.types.length > 0 ? event.types.map(typeShort).join(' + ') : null,
    event.channelId ? `in ${channelRef(event.channelId)}${event.destinationPublic ? ' (public)' : ''}` : null,
    // The requester's words: inert, so nothing in them is read as markup.
    event.reason ? `reason: “${inert(event.reason, REASON_MAX)}”` : null,
    event.approvedBy && event.action !== 'approved' ? `approved by ${mention(event.approvedBy)}` : null,
    outcome && outcome !== word ? outcome : null,
  ];
  return `• ${parts.filter(Boolean).join(' · ')}`;
}

function sameUtcDay(a: Date, b: Date): boolean {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

/** "• <@U9> was refused 150 times, <09:02>–<09:05> · latest: denied to open the capture form: …" */
function auditRefusalLine(refusals: AuditRefusals): string {
  const first = slackDate(refusals.firstAt, AUDIT_TIME);
  const outcome = inert(auditOutcomeText(refusals.lastOutcome), 200) || 'no reason recorded';
  if (refusals.count === 1) return `• ${mention(refusals.userId)} was refused once, ${first} · ${outcome}`;
  const last = slackDate(refusals.lastAt, sameUtcDay(refusals.firstAt, refusals.lastAt) ? '{time}' : AUDIT_TIME);
  return `• ${mention(refusals.userId)} was refused ${refusals.count} times, ${first}–${last} · latest: ${outcome}`;
}

/** Lines packed into as few sections as the 3000-character limit allows (each line is far shorter than that). */
function packedSections(lines: string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > SECTION_TEXT_MAX) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = '';
    }
    current = current ? `${current}\n${line}` : truncateMrkdwn(line, SECTION_TEXT_MAX);
  }
  if (current) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
  return blocks;
}

/**
 * `/capture audit [days]`: every start, "run again" and "stop watching" of the period, newest first, then the
 * refusals summed up per person, so that no number of refusals can push a real start out of sight. Within Slack's
 * limits whatever the counts: when the actions do not all fit, it shows the newest and says how many more there are.
 */
export function auditMessage(report: AuditReport, days: number): Reply {
  const period = `the last ${plural(days, 'day')}`;
  const title = `*Audit trail, last ${plural(days, 'day')}*`;
  if (report.totalActions === 0 && report.totalRefusals === 0) {
    const text = `${title}\nNothing recorded.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }

  const counts = [
    plural(report.totalActions, 'recorded action'),
    report.totalRefusals > 0
      ? `${plural(report.totalRefusals, 'refused attempt')} by ${plural(report.refusedPeople, 'person', 'people')}`
      : 'no refused attempts',
  ];
  const heading = `${title}\n${counts.join(' · ')}`;

  const refusalLines = report.refusals.slice(0, MAX_REFUSAL_LINES).map(auditRefusalLine);
  const refusalsShown = report.refusals.slice(0, MAX_REFUSAL_LINES);
  const hiddenPeople = report.refusedPeople - refusalsShown.length;
  const hiddenRefusals = report.totalRefusals - refusalsShown.reduce((sum, r) => sum + r.count, 0);
  const refusalText = refusalLines.reduce((sum, line) => sum + line.length + 1, 0) + '*Refused*'.length;

  // What is left of the message's budget goes to the actions, newest first, as many whole lines as fit.
  let room = MESSAGE_TEXT_BUDGET - heading.length - refusalText - MORE_LINES_ROOM;
  const actionLines: string[] = [];
  for (const event of report.actions) {
    const line = auditActionLine(event);
    if (line.length + 1 > room) break;
    actionLines.push(line);
    room -= line.length + 1;
  }
  const hiddenActions = report.totalActions - actionLines.length;

  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: heading } }];
  blocks.push(...packedSections(actionLines));
  const more: string[] = [];
  if (hiddenActions > 0) {
    more.push(
      `…and ${plural(hiddenActions, 'earlier recorded action')} not shown. \`/capture audit 1\` shows a shorter period.`,
    );
  }
  if (refusalLines.length > 0) blocks.push(...packedSections([`*Refused*`, ...refusalLines]));
  if (hiddenPeople > 0) {
    more.push(`…and ${plural(hiddenPeople, 'more person', 'more people')} refused ${plural(hiddenRefusals, 'time')}.`);
  }
  if (more.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: more.join('\n') }] });

  const text = `Audit trail, ${period}: ${counts.join(', ')}`;
  return { text, blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}

/** On the capture form when Slack's payload named no usable user or conversation (it was tampered with). */
export function unusableIdsError(): string {
  return 'This form came back without a conversation or user I can use, so nothing was started. Close it and run `/capture` again.';
}

/** What the clicker of "Retry failed" is told when nothing new starts (null: the bot failed). */
export function retryFailedReply(outcome: Exclude<RetryOutcome, { kind: 'started' }> | null): string {
  switch (outcome?.kind) {
    case 'already-retried':
      return `These failures were retried already, as capture ${requestIdCode(outcome.request.id)}: follow it there.`;
    case 'nothing-failed':
      return 'Nothing in this capture failed, so there is nothing to retry. Use *Run again* to repeat all of it.';
    case 'problems':
      return `Nothing was started. ${inert(selectionProblemsError(outcome.problems), 1500)} Use *Run again* to pick other devices or fewer types.`;
    case 'gone':
      return 'That capture request is no longer known to the bot.';
    default:
      return "The retry could not be started because of a problem on the bot's side. Try again in a minute.";
  }
}

/**
 * What an approver is told when their Approve or Deny was not the decision taken (null: the bot failed), in mrkdwn;
 * `decisionNotTakenError` says the same in the deny modal's plain text.
 */
export function decisionNotTakenReply(
  outcome: Exclude<DecisionOutcome, { kind: 'decided' }> | null,
  clicker?: string,
): string {
  if (!outcome)
    return "The decision could not be recorded because of a problem on the bot's side. Try again in a minute.";
  if (outcome.kind === 'gone') return 'That capture request is no longer known to the bot.';
  const { request } = outcome;
  const decision = request.approval?.decision;
  const id = requestIdCode(request.id);
  if (decision) {
    const what = decision.approved ? 'approved' : 'denied';
    // A double click (or Slack retrying one) by the approver who decided.
    const who = decision.by === clicker ? 'You' : mention(decision.by);
    return `${who} already ${what} capture ${id} at ${slackDate(decision.at, '{time}')}; nothing more to decide.`;
  }
  if (request.startError?.reason === 'approval-expired') {
    return `Capture ${id} expired unapproved, so nothing was started. The requester can submit it again.`;
  }
  if (request.startError?.reason === 'withdrawn') {
    return `Capture ${id} was withdrawn by ${mention(request.startError.by)}, so nothing was started.`;
  }
  if (request.state === 'awaiting-approval') {
    return `Another approver is deciding capture ${id} right now; its status message will show the decision.`;
  }
  return `Capture ${id} is no longer waiting for approval.`;
}

/** The deny modal's error when the request was decided (or expired) while it was open: plain text. */
export function decisionNotTakenError(outcome: Exclude<DecisionOutcome, { kind: 'decided' }> | null): string {
  if (!outcome)
    return "The denial could not be recorded because of a problem on the bot's side. Try again in a minute.";
  if (outcome.kind === 'gone') return 'That capture request is no longer known to the bot.';
  const decision = outcome.request.approval?.decision;
  if (decision) return `Someone already ${decision.approved ? 'approved' : 'denied'} it; close this form.`;
  if (outcome.request.state === 'awaiting-approval') {
    return 'Another approver is deciding it right now; close this form and look at its status message.';
  }
  if (outcome.request.startError?.reason === 'withdrawn') return 'The requester withdrew it; close this form.';
  return 'It is no longer waiting for approval (it expired); close this form.';
}

/** What the clicker of "Withdraw" is told when nothing was withdrawn (null: the bot failed). */
export function withdrawNotDoneReply(outcome: Exclude<WithdrawOutcome, { kind: 'withdrawn' }> | null): string {
  if (!outcome)
    return "The request could not be withdrawn because of a problem on the bot's side. Try again in a minute.";
  if (outcome.kind === 'gone') return 'That capture request is no longer known to the bot.';
  if (outcome.kind === 'not-requester') {
    return `Only ${mention(outcome.request.requestedBy)}, who asked for it, may withdraw it; approvers approve or deny.`;
  }
  return decisionNotTakenReply(outcome);
}
