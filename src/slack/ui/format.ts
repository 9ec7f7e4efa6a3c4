import { formatDistanceStrict } from 'date-fns';
import type { CaptureType } from '../../captures/model.js';

/** Slack's option text limit (plain text, characters). */
export const OPTION_TEXT_MAX = 75;
/** Section text limit. */
export const SECTION_TEXT_MAX = 3000;
/** Blocks in a message; a modal may have 100. */
export const MESSAGE_BLOCKS_MAX = 50;
export const MODAL_BLOCKS_MAX = 100;

const ELLIPSIS = '…';

/**
 * Shortens `text` to at most `max` UTF-16 code units (never more characters than Slack counts), ending with `…`
 * when something was cut. A surrogate pair is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Keeps a URL usable inside `<url|label>`: the characters that would end the link are percent-encoded. */
export function linkUrl(url: string): string {
  return url.replace(/[<>| ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function link(url: string, label: string): string {
  return `<${linkUrl(url)}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

export function mention(userId: string): string {
  return `<@${userId.replace(/[^A-Za-z0-9_]/g, '')}>`;
}

/** `2026-11-25 14:02 UTC`: what clients that cannot render a date token show. */
export function utcFallback(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A Slack date token: every reader sees the time in their own time zone. `format` uses Slack's placeholders, e.g.
 * `{date_short_pretty} at {time}`.
 */
export function slackDate(date: Date, format = '{date_short_pretty} at {time}'): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${utcFallback(date)}>`;
}

/** "4 min", "42 sec", "1 hour", "less than a minute" — how long from `start` to `end`. */
export function shortDuration(start: Date, end: Date): string {
  const ms = end.getTime() - start.getTime();
  if (ms < 60_000) return 'less than a minute';
  return formatDistanceStrict(end, start, { roundingMethod: 'floor' })
    .replace(/ minutes?$/, ' min')
    .replace(/ seconds?$/, ' sec');
}

/** Human file sizes: `512 bytes`, `4.8 KB`, `4.8 MB`, `1.2 GB` (1 KB = 1024 bytes, as file managers show). */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${Math.round(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.96 KB rounds to 1024 KB: show the next unit instead.
  if (rounded >= 1024 && unit < units.length - 1) return `1 ${units[unit + 1]}`;
  return `${rounded} ${units[unit]}`;
}

/** Long names, as in the modal. */
export const CAPTURE_TYPE_LABEL: Record<CaptureType, string> = {
  pcap: 'Packet capture (PCAP)',
  'warp-diag': 'WARP diagnostics',
};

/** Short names, for one-line messages. */
export const CAPTURE_TYPE_SHORT: Record<CaptureType, string> = {
  pcap: 'PCAP',
  'warp-diag': 'WARP diagnostics',
};

/** A label for any type string (listed commands may carry types this product does not start). */
export function typeShort(type: string): string {
  return type in CAPTURE_TYPE_SHORT ? CAPTURE_TYPE_SHORT[type as CaptureType] : type;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
