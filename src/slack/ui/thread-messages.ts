import { CAPTURE_TYPES, summariseOptions } from '../../capture-types/registry.js';
import {
  type CaptureRequest,
  type CaptureType,
  COMMAND_TIMEOUT_MS,
  type InterfaceResult,
  type TargetDevice,
  type TrackedCommand,
  type UploadFailure,
} from '../../captures/model.js';
import type { DeviceFacts } from '../../captures/notifier.js';
import type { RequestOutcome } from '../../captures/outcome.js';
import type { ArtifactDestination } from '../../config.js';
import {
  channelRef,
  inert,
  inertPlain,
  link,
  mention,
  plural,
  requestIdCode,
  SECTION_TEXT_MAX,
  slackDate,
  truncateMrkdwn,
  typeShort,
} from './format.js';
import { MARKS } from './marks.js';
import { startFailureText } from './status-message.js';

type DeviceNames = Pick<TargetDevice, 'name' | 'email'>;

function who(device: DeviceNames): string {
  const name = inert(device.name, 150) || 'Unnamed device';
  const email = inert(device.email, 200);
  return email ? `${name} (${email})` : name;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** "Packet capture: 5 min, 5 MB max, 160-byte packets · WARP diagnostics: test all routes on" */
export function optionsMessage(request: Pick<CaptureRequest, 'types' | 'options'>): string {
  return CAPTURE_TYPES.filter((type) => request.types.includes(type))
    .map((type) => summariseOptions(type, request.options))
    .join(' · ');
}

export const DEFAULT_FAILURE_REASON =
  'Cloudflare reported FAILED. Check the WARP client version and that the device is online, then run again.';

/** "❌ PCAP on LAPTOP-42 (alice@example.com) failed: <reason>" (a reply stored by an earlier version). */
export function commandFailedMessage(
  device: DeviceNames,
  command: Pick<TrackedCommand, 'type'>,
  reason?: string | null,
): string {
  const said = inert(reason, 1000);
  const why = said ? sentence(said) : DEFAULT_FAILURE_REASON;
  return truncateMrkdwn(
    `${MARKS.failed.glyph} ${typeShort(command.type)} on ${who(device)} failed: ${why}`,
    SECTION_TEXT_MAX,
  );
}

const TIMED_OUT_MEANS =
  `no result after ${COMMAND_TIMEOUT_MS / 60_000} minutes. The device may be offline or WARP disconnected; ` +
  'if it finishes later, find it in the Cloudflare dashboard.';

/** "⏰ PCAP on LAPTOP-42 (alice@example.com) timed out: …" (a reply stored by an earlier version). */
export function commandTimedOutMessage(device: DeviceNames, command: Pick<TrackedCommand, 'type'>): string {
  return `${MARKS.timedOut.glyph} ${typeShort(command.type)} on ${who(device)} timed out: ${TIMED_OUT_MEANS}`;
}

/** What the bot knows that may explain a failure: the device is offline, or was last seen a while ago. */
function likelyCause(facts: DeviceFacts | null): string | null {
  if (!facts) return null;
  const offline = facts.networkStatus && !/^connected$/i.test(facts.networkStatus);
  const seen = facts.lastSeenAt ? `, last seen ${slackDate(facts.lastSeenAt)}` : '';
  if (offline)
    return `Cloudflare lists it as ${inert(facts.networkStatus, 40)}${seen}: it may be offline or WARP disconnected.`;
  return null;
}

/**
 * One reply per device, once every capture on it is final: what failed on it and the likely cause.
 * "❌ *LAPTOP-9* (bob@example.com): PCAP failed, WARP timed out. …"
 */
export function deviceFailedMessage(
  device: DeviceNames,
  commands: Array<Pick<TrackedCommand, 'type' | 'status'>>,
  facts: DeviceFacts | null,
): { text: string } {
  const what = commands
    .map((c) => `${typeShort(c.type)} ${c.status === 'TIMED_OUT' ? MARKS.timedOut.word : MARKS.failed.word}`)
    .join(', ');
  const reasons: string[] = [];
  const cause = likelyCause(facts);
  if (cause) reasons.push(cause);
  if (commands.some((c) => c.status === 'TIMED_OUT')) reasons.push(`Timed out: ${TIMED_OUT_MEANS}`);
  if (commands.some((c) => c.status !== 'TIMED_OUT') && !cause) reasons.push(DEFAULT_FAILURE_REASON);
  const name = inert(device.name, 150) || 'Unnamed device';
  const email = inert(device.email, 200);
  const text = `${MARKS.failed.glyph} *${name}*${email ? ` (${email})` : ''}: ${what}. ${reasons.join(' ')}`;
  return { text: truncateMrkdwn(text, SECTION_TEXT_MAX) };
}

/** "<@U1> ✅ <@U2> approved this request; the captures are starting." — the requester hears it at once. */
export function approvedMessage(request: Pick<CaptureRequest, 'requestedBy'>, by: string): string {
  return `${mention(request.requestedBy)} ${MARKS.done.glyph} ${mention(by)} approved this request; the captures are starting.`;
}

/**
 * The one reply when a request is over, mentioning the requester so they get a notification: how it went, and
 * what to do about what failed.
 */
export function finishedMessage(
  request: Pick<CaptureRequest, 'requestedBy' | 'state' | 'startError'>,
  outcome: RequestOutcome,
  filesAt: ArtifactDestination = 'thread',
): {
  text: string;
} {
  const to = mention(request.requestedBy);
  if (request.state === 'failed-to-start') {
    const glyph = request.startError?.reason === 'denied' ? MARKS.denied.glyph : MARKS.failed.glyph;
    return {
      text: truncateMrkdwn(
        `${to} ${glyph} The captures did not start. ${startFailureText(request.startError)}`,
        SECTION_TEXT_MAX,
      ),
    };
  }
  const { done, wanted, failedDevices, filesPosted } = outcome;
  if (done === wanted) {
    const files =
      filesPosted === 0
        ? ''
        : filesAt === 'digest'
          ? '; what was inside is in this thread (the files stay in Cloudflare)'
          : `; ${filesPosted === 1 ? 'its file is' : 'the files are'} ${filesAt === 'dm' ? 'in your direct messages with me' : 'in this thread'}`;
    return {
      text: `${to} ${MARKS.done.glyph} ${wanted === 1 ? 'The capture is done' : `All ${wanted} captures done`}${files}.`,
    };
  }
  const parts = [`${to} ${MARKS.partly.glyph} ${done} of ${wanted} captures done.`];
  if (failedDevices.length > 0) {
    const names = failedDevices.map(
      ({ device, commands }) =>
        `${inert(device.name, 60) || 'Unnamed device'} (${commands.map((c) => typeShort(c.type)).join(', ')})`,
    );
    parts.push(
      `Failed on ${names.join(', ')}: the replies above say why. *Retry failed* on the status message runs only those again.`,
    );
  }
  const partly = outcome.fileTroubles.filter((t) => t.trouble === 'partly');
  const notPosted = outcome.fileTroubles.filter((t) => t.trouble === 'not-posted');
  const named = (list: typeof partly) =>
    list
      .map(({ device, command }) => `${typeShort(command.type)} on ${inert(device.name, 60) || 'Unnamed device'}`)
      .join(', ');
  if (partly.length > 0) parts.push(`Partly done (an interface failed): ${named(partly)}; its file says which.`);
  if (notPosted.length > 0) parts.push(`Not posted here: ${named(notPosted)}; get them from the Cloudflare dashboard.`);
  return { text: truncateMrkdwn(parts.join(' '), SECTION_TEXT_MAX) };
}

export interface ArtifactInfo {
  type: CaptureType | string;
  /** For a packet capture: each interface's result from its results.json. */
  interfaces: InterfaceResult[] | null;
}

/** "default ✓, tunnel ✗ (pktmon: no adapters matched)" */
export function interfacesSummary(interfaces: InterfaceResult[]): string {
  return interfaces
    .map(({ name, ok, error }) => {
      const why = !ok && error ? ` (${inert(error, 120)})` : '';
      return `${inert(name, 40)} ${ok ? '✓' : '✗'}${why}`;
    })
    .join(', ');
}

/**
 * A file's comment, when there is no digest to lead with: which interfaces a packet capture holds. Device, person
 * and type are in the file's title and Slack shows its size, so none is repeated here.
 */
export function artifactComment(info: ArtifactInfo): string {
  return info.interfaces?.length ? `Interfaces: ${interfacesSummary(info.interfaces)}` : '';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Keeps a name safe for a file name: letters, digits, `-` and `_` only. */
export function sanitizeFileNamePart(text: string, fallback = 'device'): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 60)
    .replace(/[-_]+$/, '');
  return cleaned || fallback;
}

/** `LAPTOP-42-pcap-20261125-1402.zip` (time in UTC). */
export function artifactFileName(input: {
  device: Pick<TargetDevice, 'name'>;
  type: CaptureType | string;
  createdAt: Date;
}): string {
  const d = input.createdAt;
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
  return `${sanitizeFileNamePart(input.device.name)}-${sanitizeFileNamePart(input.type, 'capture')}-${stamp}.zip`;
}

const UPLOAD_FAILURE_WORDS: Record<UploadFailure, string> = {
  cloudflare: 'Cloudflare would not hand over the file (it answered with an error, or kept cutting the download off).',
  slack: 'Slack would not take the file.',
  'too-slow': 'the transfer was too slow every time it was tried.',
  'unsafe-reference': 'Cloudflare named the file in a way the bot refuses to follow, to keep the API token safe.',
  unknown: 'something went wrong on the bot’s side.',
};

/** "⚠️ Couldn't post the PCAP from LAPTOP-42 (alice@example.com) here: Slack would not take the file. Get it …" */
export function uploadFailedMessage(
  device: DeviceNames,
  type: CaptureType | string,
  dashboardUrl: string,
  failure: UploadFailure | null,
): string {
  return truncateMrkdwn(
    `⚠️ Couldn't post the ${typeShort(type)} from ${who(device)} here, after three tries: ` +
      `${UPLOAD_FAILURE_WORDS[failure ?? 'unknown']} ` +
      `Download it from the ${link(dashboardUrl, 'Cloudflare dashboard')} instead, soon: Cloudflare keeps captures only for a limited time.`,
    SECTION_TEXT_MAX,
  );
}

/** "📊 Speed test on LAPTOP-42 (alice@example.com) finished. Cloudflare gave no file: see its results in …" */
export function resultsInDashboardMessage(
  device: DeviceNames,
  command: Pick<TrackedCommand, 'type'>,
  dashboardUrl: string,
): string {
  return truncateMrkdwn(
    `📊 ${typeShort(command.type)} on ${who(device)} finished. Cloudflare gave no file for it: its results are in ` +
      `the ${link(dashboardUrl, 'Cloudflare dashboard')} (Digital experience → Diagnostics).`,
    SECTION_TEXT_MAX,
  );
}

/** The title of an uploaded file (plain text): "Packet capture (PCAP) · LAPTOP-42". */
export function artifactTitle(typeLabel: string, device: Pick<TargetDevice, 'name'>): string {
  return `${typeLabel} · ${inertPlain(device.name, 150) || 'Unnamed device'}`;
}

/** With anything about a request that lands away from its thread (the requester's DM): which capture it is from. */
export function artifactOrigin(request: Pick<CaptureRequest, 'id' | 'channelId'>): string {
  return `From capture ${requestIdCode(request.id)} in ${channelRef(request.channelId)}.`;
}

/** First in the thread of a status message that had to go to the requester's DM. */
export function statusMovedMessage(channelId: string): string {
  return (
    `I can't post in ${channelRef(channelId)}, so this capture's status is here. To get it there next time, ` +
    'invite me: `/invite @dex-capture`.'
  );
}

/** The first reply under a status message that replaces one that was deleted or could no longer be edited. */
export function statusReplacedMessage(request: Pick<CaptureRequest, 'id' | 'channelId' | 'statusMessage'>): string {
  const id = requestIdCode(request.id);
  if (request.statusMessage && request.statusMessage.channelId !== request.channelId) {
    return `I couldn't keep the status of capture ${id} up to date in ${channelRef(request.channelId)}, so it continues here.`;
  }
  return `The status message of capture ${id} was deleted or can no longer be edited, so this one replaces it. New replies and files come here.`;
}

/** "1 day", "7 days", "12 hours", "45 seconds": a retention period in words. */
function periodWords(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return plural(ms / size, unit);
  }
  return plural(Math.max(1, Math.round(ms / 1_000)), 'second');
}

/**
 * A file removed under the retention policy: one line in its thread. Cloudflare's own retention of remote captures
 * is not given by its API, so no figure is invented for it.
 */
export function fileRemovedMessage(fileName: string, retentionMs: number | null): string {
  const after = retentionMs ? ` ${periodWords(retentionMs)} after it was posted` : '';
  return (
    `🗑️ \`${inert(fileName, 200)}\` was removed from Slack${after}, under this bot's retention policy for capture files ` +
    '(what the digest said about it stays here). Cloudflare keeps remote captures for a limited time: while it does, ' +
    'the original can be downloaded from the Cloudflare dashboard (DEX → Remote captures).'
  );
}
