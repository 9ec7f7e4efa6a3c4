import type { OptionGroup, PlainTextOption } from '@slack/types';
import type { Device } from '../../dex/types.js';
import { inertPlain, OPTION_TEXT_MAX, truncate } from './format.js';

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
const REASON_SEP = ' — ';
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
 * `LAPTOP-42 · alice@example.com · windows`, or for a device that is not eligible
 * `iPhone-7 · bob@example.com — Platform not supported`. Never over 75 characters: the name is shortened first,
 * then the email (with `…`); the platform is kept, and a reason is shortened last.
 */
export function deviceOptionText(device: DeviceLabel): string {
  const name: Part = { text: clean(device.name, 'Unnamed device'), min: 12 };
  const email: Part = { text: clean(device.email, 'no email'), min: 12 };
  if (device.eligible === false) {
    const reason: Part = { text: clean(device.ineligibleReason, DEFAULT_REASON), min: 1 };
    return fitParts([name, email, reason], [SEP, REASON_SEP], OPTION_TEXT_MAX);
  }
  const platform: Part = { text: clean(device.platform, 'unknown platform'), min: 8 };
  return fitParts([name, email, platform], [SEP, SEP], OPTION_TEXT_MAX);
}

/** The device name and the reason, read back from an ineligible device's option text. */
export function ineligibleFromOptionText(raw: string): { name: string; reason: string } {
  // The text comes back in the submission payload: it is cleaned again, as outside text.
  const text = inertPlain(raw, OPTION_TEXT_MAX);
  const reasonAt = text.indexOf(REASON_SEP);
  const reason = reasonAt >= 0 ? text.slice(reasonAt + REASON_SEP.length).trim() : '';
  const head = reasonAt >= 0 ? text.slice(0, reasonAt) : text;
  const name = head.split(SEP)[0]?.trim() ?? '';
  return { name: name || 'This device', reason: reason || 'it is not eligible for remote captures' };
}

/** One option for the picker (also used for the modal's preselected devices). */
export function deviceOption(device: DeviceRef & DeviceLabel): PlainTextOption {
  return {
    text: { type: 'plain_text', text: deviceOptionText(device), emoji: false },
    value: deviceOptionValue({
      deviceId: device.deviceId,
      registrationId: device.registrationId,
      eligible: device.eligible !== false,
    }),
  };
}

function optionsFor(devices: Device[], seen: Set<string>, limit: number): PlainTextOption[] {
  const options: PlainTextOption[] = [];
  for (const device of devices) {
    if (options.length >= limit) break;
    let option: PlainTextOption;
    try {
      option = deviceOption({ ...device, deviceId: device.id });
    } catch {
      continue; // ids that cannot fit an option value: leave the device out rather than fail the whole answer
    }
    if (seen.has(option.value ?? '')) continue;
    seen.add(option.value ?? '');
    options.push(option);
  }
  return options;
}

/**
 * The `block_suggestion` answer: eligible devices first, then the others with their reason, in two groups
 * (an empty group is left out), at most 100 options in all.
 */
export function deviceOptions(devices: Device[]): DeviceOptionsResponse {
  const seen = new Set<string>();
  const eligible = optionsFor(
    devices.filter((d) => d.eligible),
    seen,
    MAX_OPTIONS,
  );
  const ineligible = optionsFor(
    devices.filter((d) => !d.eligible),
    seen,
    MAX_OPTIONS - eligible.length,
  );
  const groups: OptionGroup[] = [];
  if (eligible.length > 0) groups.push({ label: { type: 'plain_text', text: 'Eligible' }, options: eligible });
  if (ineligible.length > 0) groups.push({ label: { type: 'plain_text', text: 'Not eligible' }, options: ineligible });
  return groups.length > 0 ? { option_groups: groups } : { options: [] };
}

/** Not a device: its value parses as none, so choosing it is refused like any unknown option. */
const NOTICE_VALUE = '~search-limited';

/**
 * What the picker shows when a person searched too often (the options answer carries no message): one option that
 * says so. Picking it does nothing: its value is not a device.
 */
export function searchLimitedOptions(retryInMs: number): { options: PlainTextOption[] } {
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return {
    options: [
      {
        text: { type: 'plain_text', text: `Too many searches just now. Type again in ${seconds} s.`, emoji: false },
        value: NOTICE_VALUE,
      },
    ],
  };
}
