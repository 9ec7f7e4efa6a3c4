import type { CaptureRequest, CaptureType, TargetDevice, TrackedCommand } from '../../captures/model.js';
import {
  channelRef,
  humanBytes,
  inert,
  inertPlain,
  link,
  requestIdCode,
  SECTION_TEXT_MAX,
  truncateMrkdwn,
  typeShort,
} from './format.js';

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
  const said = inert(reason, 1000);
  const why = said ? sentence(said) : DEFAULT_FAILURE_REASON;
  return truncateMrkdwn(`❌ ${typeShort(command.type)} on ${who(device)} failed: ${why}`, SECTION_TEXT_MAX);
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
  /** What was found inside, e.g. "default ✓, tunnel ✗" from a PCAP's results.json. */
  summary: string | null;
}

/** "PCAP from LAPTOP-42 · alice@example.com · windows · 4.8 MB\nInterfaces: default ✓, tunnel ✗" */
export function artifactComment(info: ArtifactInfo): string {
  const parts = [
    inert(info.device.name, 200) || 'Unnamed device',
    inert(info.device.email, 200),
    inert(info.device.platform, 50),
  ].filter(Boolean);
  if (info.bytes !== null) parts.push(humanBytes(info.bytes));
  let comment = `${typeShort(info.type)} from ${parts.join(' · ')}`;
  // The digest is read from the artifact's bytes, which came from the device: outside text like the rest.
  const summary = inert(info.summary, 1000);
  if (summary) {
    comment += `\n${info.type === 'pcap' && !/^interfaces?:/i.test(summary) ? `Interfaces: ${summary}` : summary}`;
  }
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

/** "⚠️ Couldn't post the PCAP from LAPTOP-42 (alice@example.com) here: <reason>. Get it from the dashboard." */
export function uploadFailedMessage(
  device: DeviceNames,
  type: CaptureType | string,
  dashboardUrl: string,
  reason: string,
): string {
  const said = inert(reason, 1000);
  const why = said ? sentence(said) : 'Slack refused the file.';
  return truncateMrkdwn(
    `⚠️ Couldn't post the ${typeShort(type)} from ${who(device)} here: ${why} ` +
      `Download it from the ${link(dashboardUrl, 'Cloudflare dashboard')} instead.`,
    SECTION_TEXT_MAX,
  );
}

/** The title of an uploaded file (plain text): "Packet capture (PCAP) · LAPTOP-42". */
export function artifactTitle(typeLabel: string, device: Pick<TargetDevice, 'name'>): string {
  return `${typeLabel} · ${inertPlain(device.name, 150) || 'Unnamed device'}`;
}

/** In a file's comment when it is sent away from its thread (ARTIFACT_DESTINATION=dm): which capture it is from. */
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
