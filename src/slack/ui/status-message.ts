import type { Button, KnownBlock } from '@slack/types';
import { yieldsFile } from '../../capture-types/registry.js';
import {
  type ArtifactUpload,
  type CaptureRequest,
  COMMAND_TIMEOUT_MS,
  isFinal,
  type RequestState,
  type StartFailure,
  type TargetDevice,
  type TrackedCommand,
} from '../../captures/model.js';
import { MAX_DEVICES_PER_CREATE } from '../../dex/types.js';
import { digestHeadline } from './digest.js';
import {
  inert,
  link,
  MESSAGE_BLOCKS_MAX,
  mention,
  plural,
  requestIdCode,
  SECTION_TEXT_MAX,
  shortDuration,
  slackDate,
  truncateMrkdwn,
  typeLabel,
} from './format.js';
import {
  RUN_AGAIN_ACTION,
  STATUS_ACTIONS_BLOCK,
  STATUS_FOOTER_BLOCK,
  STATUS_HEADER_BLOCK,
  STATUS_NOTE_BLOCK,
  STOP_WATCHING_ACTION,
} from './ids.js';

export interface StatusMessageInput {
  request: CaptureRequest;
  commands: TrackedCommand[];
  /** What became of each finished command's file. */
  uploads?: ArtifactUpload[];
  now: Date;
  dashboardUrl: string;
  /** Where the zips go (ARTIFACT_DESTINATION); default the thread. */
  artifactDestination?: 'thread' | 'dm';
}

export interface SlackMessage {
  /** Plain fallback for notifications and screen readers. */
  text: string;
  blocks: KnownBlock[];
}

export const REQUEST_STATE_WORDS: Record<RequestState, string> = {
  starting: 'Starting',
  running: 'Running',
  finished: 'Finished',
  'failed-to-start': 'Could not start',
  stopped: 'Stopped watching',
};

const STATUS_WORDS: Record<string, string> = {
  PENDING_EXEC: '⏳ Running on the device',
  PENDING_UPLOAD: '📤 Uploading from the device',
  SUCCESS: '✅ Done',
  FAILED: '❌ Failed',
  TIMED_OUT: `⌛ Timed out (no result after ${COMMAND_TIMEOUT_MS / 60_000} min)`,
};
const NOT_WATCHED = '⏸ Not watched';

/** A finished command's file: not in Slack after all, or a packet capture where an interface failed. */
function fileProblem(upload: ArtifactUpload | undefined): string | null {
  if (upload?.step === 'failed') return '⚠️ Done, but the file could not be posted: download it from the dashboard';
  const failed = upload?.interfaces?.filter((i) => !i.ok) ?? [];
  if (failed.length === 0) return null;
  const which = failed.map((i) => `${inert(i.name, 40)} failed${i.error ? ` (${inert(i.error, 120)})` : ''}`);
  return `⚠️ Partly done: ${which.join(', ')}`;
}

/** A succeeded command's file is still on its way to Slack (its result is not known until it has streamed past). */
function filePending(command: TrackedCommand, uploads: ArtifactUpload[]): boolean {
  const step = uploads.find((u) => u.commandId === command.id)?.step;
  return command.status === 'SUCCESS' && yieldsFile(command) && step !== 'done' && step !== 'failed';
}

/** A device's line for one capture type's command (or its absence). */
export function commandStatusWords(
  command: TrackedCommand | undefined,
  requestState: RequestState,
  upload?: ArtifactUpload,
): string {
  if (!command) {
    if (requestState === 'starting' || requestState === 'running') return '⏳ Starting';
    if (requestState === 'stopped') return NOT_WATCHED;
    return '✖️ Not started';
  }
  if (!isFinal(command.status) && !command.tracking) return NOT_WATCHED;
  if (command.status === 'SUCCESS') {
    if (!yieldsFile(command)) return '✅ Done — results in the Cloudflare dashboard';
    const problem = fileProblem(upload);
    if (problem) return problem;
    // What is inside, in one line: what the agent would otherwise open the file to learn.
    if (upload?.digest) return `✅ Done — ${digestHeadline(upload.digest)}`;
  }
  return STATUS_WORDS[command.status] ?? `❔ ${inert(command.status, 100) || 'Unknown state'}`;
}

/** Whether a command fully worked: it succeeded, its file reached Slack (or is on its way), and nothing in it failed. */
function fullyDone(command: TrackedCommand, uploads: ArtifactUpload[]): boolean {
  return command.status === 'SUCCESS' && fileProblem(uploads.find((u) => u.commandId === command.id)) === null;
}

/** "Finished — 4 of 4 done", "Finished with problems — 1 of 6 done", "Starting — confirming with Cloudflare", … */
export function requestStateWords(
  request: CaptureRequest,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
): string {
  if (request.state === 'finished') {
    if (commands.some((c) => filePending(c, uploads))) return 'Finished — posting the files';
    const wanted = Math.max(commands.length, request.devices.length * request.types.length);
    const done = commands.filter((c) => fullyDone(c, uploads)).length;
    return done === wanted
      ? `Finished — ${done} of ${wanted} done`
      : `Finished with problems — ${done} of ${wanted} done`;
  }
  if (request.state === 'starting' && request.launch?.unknownOutcome) return 'Starting — confirming with Cloudflare';
  return REQUEST_STATE_WORDS[request.state];
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
    if (upload?.step === 'failed') return 'file not posted';
    return upload?.interfaces?.some((i) => !i.ok) ? 'partly done' : 'done';
  }
  if (status === 'FAILED') return 'failed';
  if (status === 'TIMED_OUT') return 'timed out';
  return tracking ? 'running' : 'not watched';
}

/** "2 done, 1 partly done, 1 failed" — counts of the commands by outcome; empty when there are none. */
export function commandSummary(commands: TrackedCommand[], uploads: ArtifactUpload[] = []): string {
  const counts = new Map<Bucket, number>();
  for (const command of commands) {
    const bucket = bucketOf(
      command,
      uploads.find((u) => u.commandId === command.id),
    );
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return BUCKET_ORDER.filter((bucket) => counts.has(bucket))
    .map((bucket) => `${counts.get(bucket)} ${bucket}`)
    .join(', ');
}

function sameTarget(command: TrackedCommand, device: TargetDevice): boolean {
  if (command.deviceId !== device.deviceId) return false;
  return command.registrationId === null || device.registrationId === null
    ? true
    : command.registrationId === device.registrationId;
}

/** The latest command for a device and type (a request has one; keep the newest if ever more). */
function commandFor(commands: TrackedCommand[], device: TargetDevice, type: string): TrackedCommand | undefined {
  let found: TrackedCommand | undefined;
  for (const command of commands) {
    if (command.type !== type || !sameTarget(command, device)) continue;
    if (!found || command.createdAt.getTime() >= found.createdAt.getTime()) found = command;
  }
  return found;
}

/** `*LAPTOP-42* · alice@example.com · windows` */
export function deviceHeading(device: TargetDevice): string {
  const name = inert(device.name, 150) || 'Unnamed device';
  const email = inert(device.email, 200) || 'no email';
  const platform = inert(device.platform, 50) || 'unknown platform';
  return `*${name}* · ${email} · ${platform}`;
}

/** One section per device (at most 10), each capture type with its state. Shared with `/capture status`. */
export function deviceSections(
  request: CaptureRequest,
  commands: TrackedCommand[],
  uploads: ArtifactUpload[] = [],
): KnownBlock[] {
  const blocks: KnownBlock[] = request.devices.slice(0, MAX_DEVICES_PER_CREATE).map((device, index) => {
    const lines = request.types.map((type) => {
      const command = commandFor(commands, device, type);
      const upload = command && uploads.find((u) => u.commandId === command.id);
      return `${typeLabel(type)}: ${commandStatusWords(command, request.state, upload)}`;
    });
    return {
      type: 'section',
      block_id: `capture_status_device_${index}`,
      text: { type: 'mrkdwn', text: truncateMrkdwn([deviceHeading(device), ...lines].join('\n'), SECTION_TEXT_MAX) },
    };
  });
  const hidden = request.devices.length - MAX_DEVICES_PER_CREATE;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${plural(hidden, 'more device')}.` }],
    });
  }
  return blocks;
}

/** When the last command reached a final state (for how long a finished request ran). */
function finishedAt(request: CaptureRequest, commands: TrackedCommand[]): Date | null {
  let last: Date | null = null;
  for (const command of commands) {
    const at = command.completedAt ?? command.updatedAt;
    if (!last || at.getTime() > last.getTime()) last = at;
  }
  return last && last.getTime() >= request.createdAt.getTime() ? last : null;
}

/** "for 4 min" while running, "in 12 min" once finished, or nothing when time says nothing useful. */
function elapsed(request: CaptureRequest, commands: TrackedCommand[], now: Date): string | null {
  if (request.state === 'starting' || request.state === 'running') {
    return `for ${shortDuration(request.createdAt, now)}`;
  }
  if (request.state === 'finished') {
    const end = finishedAt(request, commands);
    return end ? `took ${shortDuration(request.createdAt, end)}` : null;
  }
  return null;
}

/**
 * `*Running* · capture `C7K2Q9` · asked by <@U1> · for 4 min · started <date>` and, when commands exist, their
 * summary. Shared with `/capture status` and `/capture list`.
 */
export function requestHeadline(
  request: CaptureRequest,
  commands: TrackedCommand[],
  now: Date,
  uploads: ArtifactUpload[] = [],
): string {
  const parts = [
    `*${requestStateWords(request, commands, uploads)}*`,
    `capture ${requestIdCode(request.id)}`,
    `asked by ${mention(request.requestedBy)}`,
  ];
  const time = elapsed(request, commands, now);
  if (time) parts.push(time);
  parts.push(`started ${slackDate(request.createdAt)}`);
  const summary = commandSummary(commands, uploads);
  if (summary) parts.push(summary);
  return parts.join(' · ');
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
    case 'recorded':
      return inert(failure.text, 2000);
    default:
      return "Something went wrong on the bot's side before the captures were sent. Nothing was started; try again.";
  }
}

/** Why nothing runs (failed-to-start) or what "stopped" means; null in the other states. */
export function statusNote(request: CaptureRequest): string | null {
  if (request.state === 'failed-to-start') {
    return truncateMrkdwn(`❌ ${startFailureText(request.startError)}`, SECTION_TEXT_MAX);
  }
  if (request.state === 'stopped') return `⏸ ${stoppedWatchingText(request.stoppedBy)}`;
  return null;
}

/** "Stopped watching by <@U1>. The API has no cancel: …" — in the status message and, once, in its thread. */
export function stoppedWatchingText(by: string | null): string {
  return (
    `Stopped watching${by ? ` by ${mention(by)}` : ''}. The API has no cancel: captures may still complete on the ` +
    'device; find them in the Cloudflare dashboard.'
  );
}

function stopConfirmButton(requestId: string): Button {
  return {
    type: 'button',
    action_id: STOP_WATCHING_ACTION,
    text: { type: 'plain_text', text: 'Stop watching' },
    value: requestId,
    confirm: {
      title: { type: 'plain_text', text: 'Stop watching?' },
      text: {
        type: 'plain_text',
        text: "Stop watching this capture? It keeps running on the device; the bot stops following it and won't post its files.",
      },
      confirm: { type: 'plain_text', text: 'Stop watching' },
      deny: { type: 'plain_text', text: 'Keep watching' },
    },
  };
}

function fallbackText(request: CaptureRequest, commands: TrackedCommand[], uploads: ArtifactUpload[]): string {
  const devices = plural(request.devices.length, 'device');
  const summary = commandSummary(commands, uploads);
  const state = requestStateWords(request, commands, uploads);
  return `DEX capture ${inert(request.id, 20)} by ${mention(request.requestedBy)} on ${devices}: ${state}${summary ? ` (${summary})` : ''}`;
}

/**
 * The one status message of a request, updated in place. Pure: the same input gives a deep-equal output, so the
 * caller can compare to decide whether `chat.update` is needed. At most 10 devices shown, well under 50 blocks.
 */
export function statusMessage(input: StatusMessageInput): SlackMessage {
  const { request, commands, uploads = [], now, dashboardUrl, artifactDestination = 'thread' } = input;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: STATUS_HEADER_BLOCK,
      text: {
        type: 'mrkdwn',
        text: truncateMrkdwn(requestHeadline(request, commands, now, uploads), SECTION_TEXT_MAX),
      },
    },
  ];

  const note = statusNote(request);
  if (note) blocks.push({ type: 'section', block_id: STATUS_NOTE_BLOCK, text: { type: 'mrkdwn', text: note } });

  blocks.push(...deviceSections(request, commands, uploads));

  const dashboard = link(dashboardUrl, 'Open in Cloudflare dashboard');
  const footer =
    request.state === 'failed-to-start' || request.state === 'stopped'
      ? dashboard
      : artifactDestination === 'dm'
        ? `Artifacts are sent to ${mention(request.requestedBy)} by direct message as they finish. ${dashboard}`
        : `Artifacts are posted in the thread as they finish. ${dashboard}`;
  blocks.push({ type: 'context', block_id: STATUS_FOOTER_BLOCK, elements: [{ type: 'mrkdwn', text: footer }] });

  const buttons: Button[] = [
    { type: 'button', action_id: RUN_AGAIN_ACTION, text: { type: 'plain_text', text: 'Run again' }, value: request.id },
  ];
  if (request.state === 'starting' || request.state === 'running') buttons.push(stopConfirmButton(request.id));
  blocks.push({ type: 'actions', block_id: STATUS_ACTIONS_BLOCK, elements: buttons });

  return { text: fallbackText(request, commands, uploads), blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}
