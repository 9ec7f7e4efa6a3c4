import type {
  CaptureRequest,
  CaptureType,
  InterfaceResult,
  TargetDevice,
  TrackedCommand,
  UploadFailure,
} from '../../captures/model.js';
import { escapeMrkdwn, humanBytes, link, mention, SECTION_TEXT_MAX, truncate, typeShort } from './format.js';

type DeviceNames = Pick<TargetDevice, 'name' | 'email'>;

function who(device: DeviceNames): string {
  const name = escapeMrkdwn(truncate(device.name || 'Unnamed device', 150));
  return device.email ? `${name} (${escapeMrkdwn(truncate(device.email, 200))})` : name;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** "Packet capture: 5 min, 5 MB max, 160-byte packets · WARP diagnostics: test all routes on" */
export function optionsMessage(request: Pick<CaptureRequest, 'types' | 'options'>): string {
  const { pcap, warpDiag } = request.options;
  const parts: string[] = [];
  if (request.types.includes('pcap')) {
    parts.push(
      `Packet capture: ${pcap.timeLimitMin} min, ${pcap.maxFileSizeMb} MB max, ${pcap.packetSizeBytes}-byte packets`,
    );
  }
  if (request.types.includes('warp-diag')) {
    parts.push(`WARP diagnostics: test all routes ${warpDiag.testAllRoutes ? 'on' : 'off'}`);
  }
  return parts.join(' · ');
}

export const DEFAULT_FAILURE_REASON =
  'Cloudflare reported FAILED. Check the WARP client version and that the device is online, then run again.';

/** "❌ PCAP on LAPTOP-42 (alice@example.com) failed: <reason>" */
export function commandFailedMessage(
  device: DeviceNames,
  command: Pick<TrackedCommand, 'type'>,
  reason?: string | null,
): string {
  const why = reason?.trim() ? sentence(escapeMrkdwn(truncate(reason.trim(), 1000))) : DEFAULT_FAILURE_REASON;
  return truncate(`❌ ${typeShort(command.type)} on ${who(device)} failed: ${why}`, SECTION_TEXT_MAX);
}

/** "⌛ PCAP on LAPTOP-42 (alice@example.com) timed out: …" */
export function commandTimedOutMessage(device: DeviceNames, command: Pick<TrackedCommand, 'type'>): string {
  return (
    `⌛ ${typeShort(command.type)} on ${who(device)} timed out: no result after 30 minutes. ` +
    'The device may be offline or WARP disconnected. The bot stopped waiting; if it finishes later, ' +
    'find it in the Cloudflare dashboard.'
  );
}

export interface ArtifactInfo {
  device: Pick<TargetDevice, 'name' | 'email' | 'platform'>;
  type: CaptureType | string;
  /** Size in bytes, when known. */
  bytes: number | null;
  /** For a packet capture: each interface's result from its results.json. */
  interfaces: InterfaceResult[] | null;
}

/** "default ✓, tunnel ✗ (pktmon: no adapters matched)" */
export function interfacesSummary(interfaces: InterfaceResult[]): string {
  return interfaces
    .map(({ name, ok, error }) => {
      const why = !ok && error ? ` (${escapeMrkdwn(truncate(error, 120))})` : '';
      return `${escapeMrkdwn(truncate(name, 40))} ${ok ? '✓' : '✗'}${why}`;
    })
    .join(', ');
}

/** "PCAP from LAPTOP-42 · alice@example.com · windows · 4.8 MB\nInterfaces: default ✓, tunnel ✗" */
export function artifactComment(info: ArtifactInfo): string {
  const parts = [info.device.name || 'Unnamed device', info.device.email, info.device.platform].filter(Boolean);
  if (info.bytes !== null) parts.push(humanBytes(info.bytes));
  let comment = `${typeShort(info.type)} from ${parts.map((part) => escapeMrkdwn(truncate(part, 200))).join(' · ')}`;
  if (info.interfaces?.length) comment += `\nInterfaces: ${interfacesSummary(info.interfaces)}`;
  return comment;
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
  return truncate(
    `⚠️ Couldn't post the ${typeShort(type)} from ${who(device)} here, after three tries: ` +
      `${UPLOAD_FAILURE_WORDS[failure ?? 'unknown']} ` +
      `Download it from the ${link(dashboardUrl, 'Cloudflare dashboard')} instead, soon: Cloudflare keeps captures only for a limited time.`,
    SECTION_TEXT_MAX,
  );
}

export function stoppedMessage(by: string): string {
  return `⏸ Stopped watching by ${mention(by)}. The API has no cancel: captures may still complete on the device; find them in the Cloudflare dashboard.`;
}

/** In the thread of a status message posted in the requester's DM because the bot cannot post in the channel. */
export function statusMovedMessage(channelId: string): string {
  return `I can't post in ${channelRef(channelId)}, so this capture's status is here. To get it there next time, invite me: \`/invite @dex-capture\`.`;
}

/** The first reply under a status message that replaces one that was deleted or could no longer be edited. */
export function statusReplacedMessage(request: Pick<CaptureRequest, 'id' | 'channelId' | 'statusMessage'>): string {
  const id = `\`${escapeMrkdwn(request.id)}\``;
  if (request.statusMessage && request.statusMessage.channelId !== request.channelId) {
    return `I couldn't keep the status of capture ${id} up to date in ${channelRef(request.channelId)}, so it continues here.`;
  }
  return `The status message of capture ${id} was deleted or can no longer be edited, so this one replaces it. New replies and files come here.`;
}

/** Said with anything about a request that lands away from its thread (the requester's DM). */
export function awayFromThreadNote(request: Pick<CaptureRequest, 'id' | 'channelId'>): string {
  return `From capture \`${escapeMrkdwn(request.id)}\` in ${channelRef(request.channelId)}.`;
}

function channelRef(channelId: string): string {
  return `<#${channelId.replace(/[^A-Z0-9_]/gi, '')}>`;
}
