import type { OptionGroup, PlainTextOption } from '@slack/types';
import type { Device } from '../../dex/types.js';
import { inertPlain, OPTION_TEXT_MAX, shortDuration, truncate, truncateAtWord } from './format.js';

/** How a device is identified in an option value. */
export interface DeviceRef {
  deviceId: string;
  registrationId: string | null;
}

export interface ParsedDeviceOption extends DeviceRef {
  /** False when the value carries the `!` prefix (the picker listed it under "Not eligible"). */
  eligible: boolean;
}

/** What the device picker needs to show a device. */
export interface DeviceLabel {
  name: string;
  email: string;
  platform: string;
  /** Absent means eligible (e.g. a device remembered by a request). */
  eligible?: boolean;
  ineligibleReason?: string | null;
}

/** The answer to a `block_suggestion` request for the device picker. */
export type DeviceOptionsResponse = { option_groups: OptionGroup[] } | { options: PlainTextOption[] };

/** Slack's limit on an option value; two UUIDs, a colon and the `!` prefix fit (74). */
export const OPTION_VALUE_MAX = 75;
/** At most this many options in one `block_suggestion` answer. */
export const MAX_OPTIONS = 100;

/** Not a character an id may contain, so a marked value can never be read as another device. */
const INELIGIBLE_PREFIX = '!';
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const SEP = ' · ';
const DEFAULT_REASON = 'Not eligible for remote captures';

/**
 * `deviceId` or `deviceId:registrationId`, with the `!` prefix for a device that is not eligible.
 * Throws a RangeError when the ids cannot be represented in Slack's 75 characters.
 */
export function deviceOptionValue(device: DeviceRef & { eligible?: boolean }): string {
  const { deviceId, registrationId } = device;
  if (!ID.test(deviceId) || (registrationId !== null && !ID.test(registrationId))) {
    throw new RangeError(`device id ${JSON.stringify(deviceId)} cannot be used in an option value`);
  }
  const ids = registrationId === null ? deviceId : `${deviceId}:${registrationId}`;
  const value = device.eligible === false ? `${INELIGIBLE_PREFIX}${ids}` : ids;
  if (value.length > OPTION_VALUE_MAX) {
    throw new RangeError(`option value for device ${deviceId} is over ${OPTION_VALUE_MAX} characters`);
  }
  return value;
}

/** Reads an option value back; null when it is not one `deviceOptionValue` could have written. */
export function parseDeviceOptionValue(value: string): ParsedDeviceOption | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > OPTION_VALUE_MAX) return null;
  const eligible = !value.startsWith(INELIGIBLE_PREFIX);
  const ids = eligible ? value : value.slice(INELIGIBLE_PREFIX.length);
  const parts = ids.split(':');
  if (parts.length > 2 || !parts.every((part) => ID.test(part))) return null;
  const [deviceId, registrationId] = parts as [string, string | undefined];
  return { deviceId, registrationId: registrationId ?? null, eligible };
}

interface Part {
  text: string;
  /** Never shortened below this many characters, unless nothing else works. */
  min: number;
}

/** Option texts are plain_text: outside text only needs to be one line with no bidi controls. */
function clean(text: string | null | undefined, fallback: string): string {
  return inertPlain(text) || fallback;
}

/** Joins parts, shortening them in order (each down to its minimum) until the whole fits in `max`. */
function fitParts(parts: Part[], separators: string[], max: number): string {
  const join = () => parts.map((part, i) => (i === 0 ? part.text : `${separators[i - 1]}${part.text}`)).join('');
  for (const part of parts) {
    const excess = join().length - max;
    if (excess <= 0) break;
    const cuttable = part.text.length - part.min;
    if (cuttable > 0) part.text = truncate(part.text, part.text.length - Math.min(excess, cuttable));
  }
  return truncate(join(), max);
}

/**
 * `LAPTOP-42 · alice@example.com · windows`. Never over 75 characters: the name is shortened first, then the email
 * (with `…`); the platform is kept. (Whether it can be captured is said by its group and its description.)
 */
export function deviceOptionText(device: DeviceLabel): string {
  const name: Part = { text: clean(device.name, 'Unnamed device'), min: 12 };
  const email: Part = { text: clean(device.email, 'no email'), min: 12 };
  const platform: Part = { text: clean(device.platform, 'unknown platform'), min: 8 };
  return fitParts([name, email, platform], [SEP, SEP], OPTION_TEXT_MAX);
}

/** What the agent needs to know about a device before picking it. */
export interface DeviceFacts {
  eligible: boolean;
  ineligibleReason: string | null;
  networkStatus: string | null;
  lastSeenAt: Date | null;
}

/**
 * The option's second line: for a device that cannot be captured, Cloudflare's reason (cut at a word if it must be);
 * otherwise how Cloudflare last saw it, "Connected · last seen 3 min ago". Null when there is nothing to say.
 */
export function deviceDescription(device: DeviceFacts, now: Date): string | null {
  if (!device.eligible) return truncateAtWord(clean(device.ineligibleReason, DEFAULT_REASON), OPTION_TEXT_MAX);
  const status = clean(device.networkStatus, '');
  const seen = device.lastSeenAt ? `last seen ${agoText(device.lastSeenAt, now)}` : '';
  const text = [status && status[0]?.toUpperCase() + status.slice(1), seen].filter(Boolean).join(' · ');
  return text ? truncate(text, OPTION_TEXT_MAX) : null;
}

function agoText(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  return ms < 60_000 ? 'just now' : `${shortDuration(at, now)} ago`;
}

/** The device name at the start of an option text the person saw (to find the device in Cloudflare's list). */
export function deviceNameFromOptionText(raw: string): string {
  // The text comes back in the submission payload: it is cleaned again, as outside text.
  const text = inertPlain(raw, OPTION_TEXT_MAX);
  return (text.split(SEP)[0] ?? '').replace(/…$/, '').trim();
}

/** One option for the picker (also used for the modal's preselected devices). */
export function deviceOption(device: DeviceRef & DeviceLabel, description?: string | null): PlainTextOption {
  return {
    text: { type: 'plain_text', text: deviceOptionText(device), emoji: false },
    value: deviceOptionValue({
      deviceId: device.deviceId,
      registrationId: device.registrationId,
      eligible: device.eligible !== false,
    }),
    ...(description ? { description: { type: 'plain_text', text: description, emoji: false } } : {}),
  };
}

function optionsFor(devices: Device[], seen: Set<string>, limit: number, now: Date): PlainTextOption[] {
  const options: PlainTextOption[] = [];
  for (const device of devices) {
    if (options.length >= limit) break;
    let option: PlainTextOption;
    try {
      option = deviceOption({ ...device, deviceId: device.id }, deviceDescription(device, now));
    } catch {
      continue; // ids that cannot fit an option value: leave the device out rather than fail the whole answer
    }
    if (seen.has(option.value ?? '')) continue;
    seen.add(option.value ?? '');
    options.push(option);
  }
  return options;
}

/** Devices whose name or email is exactly what was typed come first (case aside); the rest keep their order. */
function exactFirst(devices: Device[], query: string): Device[] {
  const typed = query.trim().toLowerCase();
  const exact = (d: Device) => d.name.toLowerCase() === typed || d.email.toLowerCase() === typed;
  return [...devices.filter(exact), ...devices.filter((d) => !exact(d))];
}

/**
 * The `block_suggestion` answer: eligible devices first, then the others with their reason, in two groups
 * (an empty group is left out), at most 100 options in all; in each, exact name or email matches first.
 */
export function deviceOptions(devices: Device[], query = '', now = new Date()): DeviceOptionsResponse {
  const seen = new Set<string>();
  const ordered = exactFirst(devices, query);
  const eligible = optionsFor(
    ordered.filter((d) => d.eligible),
    seen,
    MAX_OPTIONS,
    now,
  );
  const ineligible = optionsFor(
    ordered.filter((d) => !d.eligible),
    seen,
    MAX_OPTIONS - eligible.length,
    now,
  );
  const groups: OptionGroup[] = [];
  if (eligible.length > 0) groups.push({ label: { type: 'plain_text', text: 'Eligible' }, options: eligible });
  if (ineligible.length > 0) groups.push({ label: { type: 'plain_text', text: 'Not eligible' }, options: ineligible });
  return groups.length > 0 ? { option_groups: groups } : { options: [] };
}

/**
 * A message in the device list, as its one option (an options answer carries no message of its own). Its value
 * starts with `~`, which no device value can: picking it is refused at submit as "a message, not a device".
 */
function noticeOptions(text: string, value: string): { options: PlainTextOption[] } {
  return { options: [{ text: { type: 'plain_text', text, emoji: false }, value: `${NOTICE_PREFIX}${value}` }] };
}

const NOTICE_PREFIX = '~';

/** Whether a picked option's value is one of those messages. */
export function isNoticeOptionValue(value: string): boolean {
  return value.startsWith(NOTICE_PREFIX);
}

/** The person searched too often. */
export function searchLimitedOptions(retryInMs: number): { options: PlainTextOption[] } {
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return noticeOptions(`Too many searches just now. Type again in ${seconds} s.`, 'search-limited');
}

/** Cloudflare did not answer the search (down, slow, refusing): said as such, not as "No results". */
export function searchFailedOptions(): { options: PlainTextOption[] } {
  return noticeOptions('Cloudflare did not answer. Type again to retry.', 'search-failed');
}
