import type { Button, KnownBlock } from '@slack/types';
import { yieldsFile } from '../../capture-types/registry.js';
import {
  APPROVAL_TIMEOUT_MS,
  type ArtifactUpload,
  type CaptureRequest,
  isFinal,
  type StartFailure,
  type TargetDevice,
  type TrackedCommand,
} from '../../captures/model.js';
import { commandFor, fileTrouble, isOver, outcomeOf, typesFor, uploadOf } from '../../captures/outcome.js';
import type { ArtifactDestination } from '../../config.js';
import { MAX_DEVICES_PER_CREATE } from '../../dex/types.js';
import { REASON_MAX } from './capture-modal.js';
import { digestHeadline } from './digest.js';
import {
  groupRef,
  inert,
  inertPlain,
  link,
  MESSAGE_BLOCKS_MAX,
  mention,
  plural,
  requestIdCode,
  SECTION_TEXT_MAX,
  slackDate,
  truncateAtWord,
  truncateMrkdwn,
  typeShort,
} from './format.js';
import {
  APPROVE_ACTION,
  DENY_ACTION,
  RETRY_FAILED_ACTION,
  RUN_AGAIN_ACTION,
  STATUS_ACTIONS_BLOCK,
  STATUS_APPROVAL_BLOCK,
  STATUS_FOOTER_BLOCK,
  STATUS_HEADER_BLOCK,
  STATUS_NOTE_BLOCK,
  STATUS_REASON_BLOCK,
  STOP_WATCHING_ACTION,
  WITHDRAW_ACTION,
} from './ids.js';
import { MARKS, type Mark, markOfRequest } from './marks.js';

export interface StatusMessageInput {
  request: CaptureRequest;
  commands: TrackedCommand[];
  /** What became of each finished command's file. */
  uploads?: ArtifactUpload[];
  dashboardUrl: string;
  /** Where the zips go (ARTIFACT_DESTINATION); default the thread. */
  artifactDestination?: ArtifactDestination;
  /**
   * A new post rather than an edit: Slack notifies whoever a new post mentions (an edit notifies nobody), so a new
   * post names the requester without mentioning them; they are told once, when it is over.
   */
  newPost?: boolean;
  /**
   * CAPTURE_APPROVERS as Slack should show them: user group ids (`S…`, mentioned while a request waits, so the
   * approvers in the conversation are notified by the new post) or handles.
   */
  approvers?: string[];
}

export interface SlackMessage {
  /** Plain fallback for notifications and screen readers. */
  text: string;
  blocks: KnownBlock[];
}

/** Mrkdwn shortened at a word boundary, so a line on the card never ends mid-word. */
function shortLine(text: string, max: number): string {
  return truncateAtWord(text, max, truncateMrkdwn);
}

/** A time of day as a date token: every reader sees it in their own time zone. */
const at = (date: Date) => slackDate(date, '{time}');

/** When a running packet capture should stop on the device: its start plus its time limit. */
function pcapEndsAt(request: Pick<CaptureRequest, 'options'>, startedAt: Date): Date {
  return new Date(startedAt.getTime() + request.options.pcap.timeLimitMin * 60_000);
}

/** The mark of one device's capture of one type, and what it adds ("until 14:07", the digest's first line). */
function commandMark(
  request: CaptureRequest,
  command: TrackedCommand | undefined,
  upload: ArtifactUpload | undefined,
): { mark: Mark; detail: string | null } {
  if (!command) {
    if (request.state === 'starting' || request.state === 'running') return { mark: MARKS.starting, detail: null };
    return { mark: request.state === 'stopped' ? MARKS.notWatched : MARKS.notStarted, detail: null };
  }
  if (!isFinal(command.status) && !command.tracking) return { mark: MARKS.notWatched, detail: null };
  switch (command.status) {
    case 'PENDING_EXEC':
      return {
        mark: MARKS.running,
        detail: command.type === 'pcap' ? `until ${at(pcapEndsAt(request, command.createdAt))}` : null,
      };
    case 'PENDING_UPLOAD':
      return { mark: MARKS.uploading, detail: null };
    case 'FAILED':
      return { mark: MARKS.failed, detail: null };
    case 'TIMED_OUT':
      return { mark: MARKS.timedOut, detail: null };
    case 'SUCCESS': {
      if (!yieldsFile(command)) return { mark: MARKS.done, detail: 'results in the dashboard' };
      const trouble = fileTrouble(upload);
      if (trouble === 'not-posted') return { mark: MARKS.notPosted, detail: 'get it from the dashboard' };
      if (trouble === 'partly') {
        const failed = (upload?.interfaces ?? []).filter((i) => !i.ok).map((i) => inert(i.name, 40));
        return { mark: MARKS.partly, detail: `${failed.join(', ')} failed` };
      }
      // What is inside, briefly: what the agent would otherwise open the file to learn (the thread has the rest).
      const notable = upload?.digest ? digestHeadline(upload.digest) : null;
      return { mark: MARKS.done, detail: notable ? shortLine(notable, 90) : null };
    }
    default:
      return { mark: MARKS.unknown, detail: inert(command.status, 60) || 'unknown state' };
  }
}

/** "⏳ running until 14:07", "✅ done: DNS: 14 of 212 lookups failed" — one type's state on a device's line. */
function commandStatusWords(
  request: CaptureRequest,
  command: TrackedCommand | undefined,
  upload?: ArtifactUpload,
): string {
  const { mark, detail } = commandMark(request, command, upload);
  if (!detail) return `${mark.glyph} ${mark.word}`;
  return `${mark.glyph} ${mark.word}${detail.startsWith('until ') ? ' ' : ': '}${detail}`;
}

/** "Finished — 4 of 4 done", "Finished with problems — 1 of 6 done", "Starting — confirming with Cloudflare", … */
export function requestStateWords(
  request: CaptureRequest,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
): string {
  const view = { request, commands, uploads };
  // The mark decides "Finished" or "Finished with problems"; the words add the counts.
  const { word } = markOfRequest(view);
  if (request.state === 'finished') {
    if (!isOver(view)) return `${word} — posting the files`;
    const { done, wanted } = outcomeOf(view);
    return `${word} — ${done} of ${wanted} done`;
  }
  if (request.state === 'starting' && request.launch?.unknownOutcome) return `${word} — confirming with Cloudflare`;
  if (request.state === 'awaiting-approval' && request.approval) {
    return `${word} — until ${at(request.approval.expiresAt)}`;
  }
  return word;
}

/** The state in words that stand out: `*✅ Finished — 4 of 4 done*`. */
function stateHeadline(request: CaptureRequest, commands: TrackedCommand[], uploads: ArtifactUpload[]): string {
  return `*${markOfRequest({ request, commands, uploads }).glyph} ${requestStateWords(request, commands, uploads)}*`;
}

type Bucket = 'done' | 'partly done' | 'file not posted' | 'failed' | 'timed out' | 'running' | 'not watched';
const BUCKET_ORDER: Bucket[] = [
  'done',
  'partly done',
  'file not posted',
  'failed',
  'timed out',
  'running',
  'not watched',
];

function bucketOf(command: TrackedCommand, upload: ArtifactUpload | undefined): Bucket {
  const { status, tracking } = command;
  if (status === 'SUCCESS') {
    const trouble = fileTrouble(upload);
    return trouble === 'not-posted' ? 'file not posted' : trouble === 'partly' ? 'partly done' : 'done';
  }
  if (status === 'FAILED') return 'failed';
  if (status === 'TIMED_OUT') return 'timed out';
  return tracking ? 'running' : 'not watched';
}

/** "2 done, 1 partly done, 1 failed" — counts of the commands by outcome; empty when there are none. */
export function commandSummary(commands: TrackedCommand[], uploads: ArtifactUpload[] = []): string {
  const counts = new Map<Bucket, number>();
  for (const command of commands) {
    const bucket = bucketOf(command, uploadOf(uploads, command));
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return BUCKET_ORDER.filter((bucket) => counts.has(bucket))
    .map((bucket) => `${counts.get(bucket)} ${bucket}`)
    .join(', ');
}

/** `*LAPTOP-42* · alice@example.com` */
function deviceHeading(device: TargetDevice): string {
  const name = inert(device.name, 150) || 'Unnamed device';
  const email = inert(device.email, 200) || 'no email';
  return `*${name}* · ${email}`;
}

/** `*LAPTOP-42* · alice@example.com — PCAP ⏳ running until 14:07 · WARP ✅ done` */
export function deviceLine(
  request: CaptureRequest,
  device: TargetDevice,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
): string {
  // Waiting for an approver nothing runs yet: the headline says so once, the line names what will run.
  if (request.state === 'awaiting-approval') {
    return `${deviceHeading(device)} — ${typesFor(device, request.types).map(typeShort).join(' · ')}`;
  }
  const states = typesFor(device, request.types).map((type) => {
    const command = commandFor(commands, device, type);
    return `${typeShort(type)} ${commandStatusWords(request, command, command && uploadOf(uploads, command))}`;
  });
  return `${deviceHeading(device)} — ${states.join(' · ')}`;
}

/**
 * One line per device (at most 10), every capture type on it, in as few sections as Slack's 3000 characters allow.
 * Shared with `/capture status`.
 */
export function deviceSections(
  request: CaptureRequest,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
): KnownBlock[] {
  const lines = request.devices
    .slice(0, MAX_DEVICES_PER_CREATE)
    .map((device) => truncateMrkdwn(deviceLine(request, device, commands, uploads), SECTION_TEXT_MAX));
  const chunks: string[][] = [];
  for (const line of lines) {
    const last = chunks.at(-1);
    if (last && [...last, line].join('\n').length <= SECTION_TEXT_MAX) last.push(line);
    else chunks.push([line]);
  }
  const blocks: KnownBlock[] = chunks.map((chunk, index) => ({
    type: 'section',
    block_id: `capture_status_devices_${index}`,
    text: { type: 'mrkdwn', text: chunk.join('\n') },
  }));
  const hidden = request.devices.length - MAX_DEVICES_PER_CREATE;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${plural(hidden, 'more device')}.` }],
    });
  }
  return blocks;
}

/** When the last command reached a final state. */
function finishedAt(request: CaptureRequest, commands: TrackedCommand[]): Date | null {
  let last: Date | null = null;
  for (const command of commands) {
    const when = command.completedAt ?? command.updatedAt;
    if (!last || when.getTime() > last.getTime()) last = when;
  }
  return last && last.getTime() >= request.createdAt.getTime() ? last : null;
}

/** "Started 14:02 · PCAP ends about 14:07", "Started 14:02 · finished 14:09": absolute times, so nothing goes stale. */
function timesLine(request: CaptureRequest, commands: TrackedCommand[]): string {
  // With a second approver it was asked then, and started when approved (the approval line says when).
  const decision = request.approval?.decision ?? null;
  const parts = [`${request.approval ? 'Asked' : 'Started'} ${slackDate(request.createdAt)}`];
  const startedAt = decision?.approved ? decision.at : request.createdAt;
  if ((request.state === 'starting' || request.state === 'running') && request.types.includes('pcap')) {
    const pcaps = commands.filter((c) => c.type === 'pcap' && !isFinal(c.status));
    const from = pcaps.length > 0 ? Math.max(...pcaps.map((c) => c.createdAt.getTime())) : startedAt.getTime();
    parts.push(`packet captures end about ${at(pcapEndsAt(request, new Date(from)))}`);
  }
  if (request.state === 'finished') {
    const end = finishedAt(request, commands);
    if (end) parts.push(`finished ${at(end)}`);
  }
  return parts.join(' · ');
}

/**
 * Two lines: `*⏳ Running* · capture `C7K2Q9` · asked by <@U1>`, then the times and the counts. Shared with
 * `/capture status` and `/capture list`. `newPost`: the requester is named without a mention (see StatusMessageInput).
 */
export function requestHeadline(
  request: CaptureRequest,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
  { newPost = false }: { newPost?: boolean } = {},
): string {
  const who = newPost ? 'asked just now' : `asked by ${mention(request.requestedBy)}`;
  let first = `${stateHeadline(request, commands, uploads)} · capture ${requestIdCode(request.id)} · ${who}`;
  if (request.state === 'stopped' && request.stoppedBy) first += ` · stopped by ${mention(request.stoppedBy)}`;
  const summary = commandSummary(commands, uploads);
  return `${first}\n${timesLine(request, commands)}${summary ? ` · ${summary}` : ''}`;
}

/** Why a request did not start, and what to do: plain words, Cloudflare's own messages as inert text. */
export function startFailureText(failure: StartFailure | null): string {
  switch (failure?.reason) {
    case 'rate-limited':
      return `Cloudflare is rate limiting this bot's API token until ${slackDate(new Date(failure.retryAt), '{time}')}. Nothing was started; run it again after that.`;
    case 'token-refused':
      return 'Cloudflare refused the bot\'s API token (it needs the "Cloudflare DEX Write" permission). Nothing was started; ask an admin to check it.';
    case 'refused': {
      const said = failure.messages.map((m) => inert(m, 300)).filter(Boolean);
      return `Cloudflare refused the captures${said.length ? `: ${said.join('; ')}` : ''}. Nothing was started.`;
    }
    case 'unreachable':
      return 'Cloudflare could not be reached. Nothing was started; try again in a minute.';
    case 'invalid':
      return `The request was not valid: ${failure.problems.map((p) => inert(p, 300)).join('; ')}. Nothing was started.`;
    case 'not-listed':
      return failure.after === 'cloudflare-error'
        ? 'Cloudflare had an error, and none of these captures appears in its list, so none are running. Try again in a minute.'
        : "Cloudflare's answer was lost on the way, and none of these captures appears in its list, so none are running. Run again to retry.";
    case 'unconfirmed':
      return `${failure.after === 'cloudflare-error' ? 'Cloudflare had an error' : "Cloudflare's answer was lost on the way"}, and its list could not be read to confirm what started. The captures may be running: check the Cloudflare dashboard before running again.`;
    case 'expired':
      return 'The bot stopped before it could start these captures, and came back too late to start them unasked. Nothing was started; run again if they are still needed.';
    case 'denied':
      return `${mention(failure.by)} denied this request: “${inert(failure.note, REASON_MAX)}”. Nothing was started; ask them, or submit a new request if it is still needed.`;
    case 'withdrawn':
      return `${mention(failure.by)} withdrew this request before it was approved. Nothing was started.`;
    case 'approval-expired':
      return `No approver decided within ${APPROVAL_TIMEOUT_MS / 60_000} minutes, so it expired. Nothing was started; submit it again if it is still needed.`;
    case 'recorded':
      return inert(failure.text, 2000);
    default:
      return "Something went wrong on the bot's side before the captures were sent. Nothing was started; try again.";
  }
}

/** What "stopped watching" means (the headline already says who stopped it). */
export const STOPPED_WATCHING_MEANS =
  'The API has no cancel: the captures may still complete on the devices; find them in the Cloudflare dashboard.';

/** Why nothing runs (failed-to-start) or what "stopped" means; null in the other states. */
export function statusNote(request: CaptureRequest): string | null {
  if (request.state === 'failed-to-start') {
    return truncateMrkdwn(startFailureText(request.startError), SECTION_TEXT_MAX);
  }
  if (request.state === 'stopped') return STOPPED_WATCHING_MEANS;
  return null;
}

/** A thread reply from a version that still told "stopped watching" in the thread. */
export function stoppedWatchingText(by: string | null): string {
  return `${MARKS.notWatched.glyph} Stopped watching${by ? ` by ${mention(by)}` : ''}. ${STOPPED_WATCHING_MEANS}`;
}

/** A button's "Are you sure?" dialog, in plain text. */
function confirmation(title: string, text: string, confirm: string, deny: string): Button['confirm'] {
  return {
    title: { type: 'plain_text', text: title },
    text: { type: 'plain_text', text },
    confirm: { type: 'plain_text', text: confirm },
    deny: { type: 'plain_text', text: deny },
  };
}

function stopConfirmButton(requestId: string): Button {
  return {
    type: 'button',
    action_id: STOP_WATCHING_ACTION,
    text: { type: 'plain_text', text: 'Stop watching' },
    value: requestId,
    confirm: confirmation(
      'Stop watching?',
      "Stop watching this capture? It keeps running on the device; the bot stops following it and won't post its files.",
      'Stop watching',
      'Keep watching',
    ),
  };
}

/**
 * Who decides, while it waits ("<!subteam^S1> may approve or deny this. …"), and who approved, after. The denial
 * and the expiry are the status note.
 */
export function approvalLine(request: CaptureRequest, approvers: readonly string[] = []): string | null {
  const { approval } = request;
  if (!approval) return null;
  if (request.state === 'awaiting-approval') {
    const who = approvers.length > 0 ? approvers.map(groupRef).join(', ') : 'An approver';
    return `${who} may approve or deny this. Nothing starts until someone other than ${mention(request.requestedBy)} approves.`;
  }
  const { decision } = approval;
  return decision?.approved ? `Approved by ${mention(decision.by)} at ${at(decision.at)}.` : null;
}

/** Approve starts the captures; Deny asks why first (in a modal), so it has its own confirmation; Withdraw is the requester's. */
function decisionButtons(requestId: string): Button[] {
  return [
    {
      type: 'button',
      action_id: APPROVE_ACTION,
      style: 'primary',
      text: { type: 'plain_text', text: 'Approve' },
      value: requestId,
      confirm: confirmation(
        'Approve these captures?',
        'They start on the devices right away. Your name goes on the request and into the audit trail.',
        'Approve',
        'Not yet',
      ),
    },
    {
      type: 'button',
      action_id: DENY_ACTION,
      style: 'danger',
      text: { type: 'plain_text', text: 'Deny' },
      value: requestId,
    },
    // For the requester, who may take it back before anyone decides.
    {
      type: 'button',
      action_id: WITHDRAW_ACTION,
      text: { type: 'plain_text', text: 'Withdraw' },
      value: requestId,
      confirm: confirmation(
        'Withdraw this request?',
        'Nothing has started. Withdrawn, it ends here and approvers can no longer approve it.',
        'Withdraw',
        'Keep it',
      ),
    },
  ];
}

function footerText(
  request: CaptureRequest,
  over: boolean,
  destination: ArtifactDestination,
  dashboardUrl: string,
  uploads: ArtifactUpload[],
) {
  const dashboard = link(dashboardUrl, 'Cloudflare dashboard');
  if (request.state === 'failed-to-start' || request.state === 'stopped') return dashboard;
  if (request.state === 'awaiting-approval') return `Files are posted here once the captures run. ${dashboard}`;
  const posted = uploads.filter((u) => u.step === 'done');
  if (over && posted.length > 0 && posted.every((u) => u.removedAt)) {
    // Said once the retention policy has removed every file: the digests stay, the originals may be in Cloudflare.
    return `The files were removed from Slack under the retention policy; what was inside them is still in this thread. ${dashboard}`;
  }
  if (destination === 'digest') {
    return over
      ? `What was inside each capture is in this thread; the files stay in Cloudflare (digests only). ${dashboard}`
      : `What is inside each capture is posted in this thread as it finishes; the files stay in Cloudflare (digests only). ${dashboard}`;
  }
  if (destination === 'dm') {
    const to = mention(request.requestedBy);
    return over
      ? `The files were sent to ${to} by direct message. ${dashboard}`
      : `Files are sent to ${to} by direct message as each capture finishes. ${dashboard}`;
  }
  return over
    ? `The files are in this thread. ${dashboard}`
    : `Files are posted in this thread as each capture finishes. ${dashboard}`;
}

/** The notification text: phones and screen readers show only this, so it carries the state, devices and failures. */
function fallbackText(request: CaptureRequest, commands: TrackedCommand[], uploads: ArtifactUpload[]): string {
  const names = request.devices.map((d) => inert(d.name, 60) || 'Unnamed device');
  const devices = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const failed = outcomeOf({ request, commands, uploads }).failedDevices.map(
    ({ device, commands: failures }) =>
      `${inert(device.name, 60) || 'Unnamed device'} (${failures.map((c) => typeShort(c.type)).join(', ')})`,
  );
  const state = requestStateWords(request, commands, uploads);
  return `DEX capture ${inert(request.id, 20)} on ${devices}: ${state}${failed.length ? `. Failed: ${failed.join('; ')}` : ''}`;
}

/**
 * The one status message of a request, updated in place. Pure: the same input gives a deep-equal output, so the
 * caller can compare to decide whether `chat.update` is needed. Ten devices take ten lines, well under 50 blocks.
 */
export function statusMessage(input: StatusMessageInput): SlackMessage {
  const {
    request,
    commands,
    uploads = [],
    dashboardUrl,
    artifactDestination = 'thread',
    newPost = false,
    approvers = [],
  } = input;
  const view = { request, commands, uploads };
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: STATUS_HEADER_BLOCK,
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(requestHeadline(request, commands, uploads, { newPost }), SECTION_TEXT_MAX),
      },
    },
  ];

  if (request.reason) {
    // Typed by the requester: plain text, so nothing in it is read as markup, a mention or a link.
    blocks.push({
      type: 'context',
      block_id: STATUS_REASON_BLOCK,
      elements: [{ type: 'plain_text', text: `Reason: ${inertPlain(request.reason, REASON_MAX)}`, emoji: false }],
    });
  }

  const approval = approvalLine(request, approvers);
  if (approval) {
    blocks.push({ type: 'context', block_id: STATUS_APPROVAL_BLOCK, elements: [{ type: 'mrkdwn', text: approval }] });
  }

  const note = statusNote(request);
  if (note) blocks.push({ type: 'context', block_id: STATUS_NOTE_BLOCK, elements: [{ type: 'mrkdwn', text: note }] });

  blocks.push(...deviceSections(request, commands, uploads));

  const over = isOver(view);
  blocks.push({
    type: 'context',
    block_id: STATUS_FOOTER_BLOCK,
    elements: [{ type: 'mrkdwn', text: footerText(request, over, artifactDestination, dashboardUrl, uploads) }],
  });

  const buttons: Button[] = request.state === 'awaiting-approval' ? decisionButtons(request.id) : [];
  if (over && request.state === 'finished' && outcomeOf(view).failedDevices.length > 0) {
    buttons.push({
      type: 'button',
      action_id: RETRY_FAILED_ACTION,
      style: 'primary',
      text: { type: 'plain_text', text: 'Retry failed' },
      value: request.id,
    });
  }
  // Run again copies a request that ran (or could not); one still waiting is decided first.
  if (request.state !== 'awaiting-approval') {
    buttons.push({
      type: 'button',
      action_id: RUN_AGAIN_ACTION,
      text: { type: 'plain_text', text: 'Run again' },
      value: request.id,
    });
  }
  if (request.state === 'starting' || request.state === 'running') buttons.push(stopConfirmButton(request.id));
  blocks.push({ type: 'actions', block_id: STATUS_ACTIONS_BLOCK, elements: buttons });

  return { text: fallbackText(request, commands, uploads), blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}
