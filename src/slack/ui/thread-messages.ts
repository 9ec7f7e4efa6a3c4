import type { CaptureRequest, CaptureType, TargetDevice, TrackedCommand } from '../../captures/model.js';
import { escapeMrkdwn, humanBytes, link, SECTION_TEXT_MAX, truncate, typeShort } from './format.js';

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
  /** What was found inside, e.g. "default ✓, tunnel ✗" from a PCAP's results.json. */
  summary: string | null;
}

/** "PCAP from LAPTOP-42 · alice@example.com · windows · 4.8 MB\nInterfaces: default ✓, tunnel ✗" */
export function artifactComment(info: ArtifactInfo): string {
  const parts = [info.device.name || 'Unnamed device', info.device.email, info.device.platform].filter(Boolean);
  if (info.bytes !== null) parts.push(humanBytes(info.bytes));
  let comment = `${typeShort(info.type)} from ${parts.map((part) => escapeMrkdwn(truncate(part, 200))).join(' · ')}`;
  const summary = info.summary?.trim();
  if (summary) {
    const line = info.type === 'pcap' && !/^interfaces?:/i.test(summary) ? `Interfaces: ${summary}` : summary;
    comment += `\n${escapeMrkdwn(truncate(line, 1000))}`;
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
  const why = reason.trim() ? sentence(escapeMrkdwn(truncate(reason.trim(), 1000))) : 'Slack refused the file.';
  return truncate(
    `⚠️ Couldn't post the ${typeShort(type)} from ${who(device)} here: ${why} ` +
      `Download it from the ${link(dashboardUrl, 'Cloudflare dashboard')} instead.`,
    SECTION_TEXT_MAX,
  );
}
