import type { Checkboxes, InputBlock, KnownBlock, PlainTextOption, View } from '@slack/types';
import { z } from 'zod';
import {
  type CaptureOptions,
  type CaptureType,
  DEFAULT_CAPTURE_OPTIONS,
  type TargetDevice,
} from '../../captures/model.js';
import type { SelectionProblem } from '../../captures/service.js';
import { CAPTURE_TYPES, MAX_DEVICES_PER_CREATE, PCAP_LIMITS, type Quota } from '../../dex/types.js';
import { conversationIdSchema } from '../slack-ids.js';
import { deviceOption, ineligibleFromOptionText, parseDeviceOptionValue } from './device-option.js';
import {
  CAPTURE_TYPE_LABEL,
  channelRef,
  inert,
  inertPlain,
  mention,
  plural,
  slackDate,
  truncate,
  truncateMrkdwn,
} from './format.js';
import {
  CAPTURE_MODAL,
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  INTRO_BLOCK,
  NOTICE_BLOCK,
  PCAP_PACKET_ACTION,
  PCAP_PACKET_BLOCK,
  PCAP_SIZE_ACTION,
  PCAP_SIZE_BLOCK,
  PCAP_TIME_ACTION,
  PCAP_TIME_BLOCK,
  QUOTA_BLOCK,
  TEST_ALL_ROUTES_VALUE,
  TYPES_ACTION,
  TYPES_BLOCK,
  WARP_ROUTES_ACTION,
  WARP_ROUTES_BLOCK,
} from './ids.js';

export const PRIVATE_METADATA_MAX = 3000;
/** How long an error shown on a field may be (plain text, under the field). */
const FIELD_ERROR_MAX = 1500;

/**
 * An error for `response_action: 'errors'`, from sentences that may carry outside text (device names, Cloudflare's
 * reasons): plain text on one line, never over 1500 characters.
 */
export function fieldError(...sentences: Array<string | null | undefined>): string {
  return inertPlain(sentences.filter(Boolean).join(' '), FIELD_ERROR_MAX);
}

/**
 * The devices' problems with a selection, then the quota's, as the error on the device field: "LAPTOP-9 can't be
 * captured: …. Not enough quota: this needs 4 captures and 2 are left today."
 */
export function selectionProblemsError(problems: SelectionProblem[]): string {
  const devices: string[] = [];
  let quota: string | null = null;
  for (const problem of problems) {
    if (problem.kind === 'device-not-listed') {
      devices.push(
        `${problem.hint || problem.deviceId} is no longer listed by Cloudflare (devices must have connected in the last hour)`,
      );
    } else if (problem.kind === 'device-ineligible') {
      devices.push(`${problem.name} can't be captured: ${problem.reason ?? 'not eligible'}`);
    } else {
      quota = `Not enough quota: this needs ${problem.needed} captures and ${problem.remaining} are left today.`;
    }
  }
  return fieldError(devices.length > 0 ? `${devices.join('. ')}.` : null, quota);
}

export interface CaptureModalInput {
  /** The conversation `/capture` was typed in: the default place for the status message. */
  channelId: string | null;
  quota: Quota | null;
  /** Shown instead of the quota when it could not be read (mrkdwn, written by the caller). */
  quotaError?: string;
  /** Devices selected when the modal opens (`/capture @alice`, "Run again"); at most 10 are used. */
  preselected: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  privateMetadata: string;
  /** Opened before the data is in: the quota line says "loading…"; `views.update` swaps in the real one. */
  loading?: boolean;
  /** A short note shown near the top (mrkdwn, so `<@U…>` mentions work), e.g. "<@U1> has no devices …". */
  notice?: string;
}

interface NumberField {
  block: string;
  action: string;
  label: string;
  unit: string;
  limits: { min: number; max: number; default: number };
}

const TIME_FIELD: NumberField = {
  block: PCAP_TIME_BLOCK,
  action: PCAP_TIME_ACTION,
  label: 'PCAP time limit (minutes)',
  unit: 'minutes',
  limits: PCAP_LIMITS.timeLimitMin,
};
const SIZE_FIELD: NumberField = {
  block: PCAP_SIZE_BLOCK,
  action: PCAP_SIZE_ACTION,
  label: 'PCAP max file size (MB)',
  unit: 'MB',
  limits: PCAP_LIMITS.maxFileSizeMb,
};
const PACKET_FIELD: NumberField = {
  block: PCAP_PACKET_BLOCK,
  action: PCAP_PACKET_ACTION,
  label: 'PCAP packet size (bytes)',
  unit: 'bytes',
  limits: PCAP_LIMITS.packetSizeBytes,
};

const TYPE_DESCRIPTION: Record<CaptureType, string> = {
  pcap: 'Default interface and WARP tunnel',
  'warp-diag': 'Logs from the past 96 hours',
};

const TYPE_OPTIONS: PlainTextOption[] = CAPTURE_TYPES.map((type) => ({
  text: { type: 'plain_text', text: CAPTURE_TYPE_LABEL[type] },
  description: { type: 'plain_text', text: TYPE_DESCRIPTION[type] },
  value: type,
}));

const TEST_ALL_ROUTES_OPTION: PlainTextOption = {
  text: { type: 'plain_text', text: 'Test all routes' },
  value: TEST_ALL_ROUTES_VALUE,
};

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

function clampWhole(value: number, limits: NumberField['limits']): number {
  if (!Number.isFinite(value)) return limits.default;
  return Math.min(limits.max, Math.max(limits.min, Math.round(value)));
}

function numberBlock(field: NumberField, value: number): InputBlock {
  const { min, max } = field.limits;
  return {
    type: 'input',
    block_id: field.block,
    optional: true,
    label: plain(field.label),
    hint: plain(`Used for packet captures. ${min}–${max} ${field.unit}, default ${field.limits.default}.`),
    element: {
      type: 'number_input',
      action_id: field.action,
      is_decimal_allowed: false,
      min_value: String(min),
      max_value: String(max),
      initial_value: String(clampWhole(value, field.limits)),
    },
  };
}

/** What a request will use: each device × each capture type is one capture. */
export interface QuotaUsage {
  devices: number;
  types: number;
}

/** The notice when the files would reach everyone in a public channel. */
export function publicChannelNotice(channelId: string): string {
  return (
    `The files will be posted in the status thread in ${channelRef(channelId)}, a public channel: everyone in it ` +
    'can download them. Pick a private channel or a DM under "Post status in" to keep them private.'
  );
}

/** `/capture @alice` or `/capture alice@example.com` found nothing to preselect. */
export function noCapturableDevicesNotice(
  person: { userId: string; email: string | null } | { email: string },
): string {
  const who =
    'userId' in person
      ? `${mention(person.userId)}${person.email ? ` (${inert(person.email, 200)})` : ''}`
      : inert(person.email, 200) || 'That person';
  return `${who} has no devices that can be captured right now (devices must have connected in the last hour).`;
}

export const PERSON_LOOKUP_FAILED_NOTICE = 'Could not look up that person’s devices. Search for them below.';
export const QUOTA_UNAVAILABLE = 'Quota: Cloudflare did not answer; it is checked again when you submit.';

/** What the quota line says while the modal waits for its data (a `views.update` replaces it). */
export const QUOTA_LOADING = 'Quota: loading…';

/** The quota context line (also what `views.update` changes once the quota is read or the selection changes). */
export function quotaLine(
  input: Pick<CaptureModalInput, 'quota' | 'quotaError' | 'loading'> & { usage?: QuotaUsage },
): string {
  if (input.loading) return QUOTA_LOADING;
  const usage = input.usage && input.usage.devices > 0 && input.usage.types > 0 ? input.usage : null;
  const uses = usage
    ? `this request uses ${usage.devices * usage.types} (${plural(usage.devices, 'device')} × ${plural(usage.types, 'type')})`
    : 'each device × capture type uses 1';
  if (input.quotaError) return `${truncate(input.quotaError, 500)} · ${uses}`;
  if (!input.quota) return `Quota: not known right now · ${uses}`;
  const { remaining, total, resetsAt } = input.quota;
  return `Quota: ${remaining} of ${total} captures left today · resets ${slackDate(resetsAt)} · ${uses}`;
}

/**
 * The modal as it is now (from an interaction payload) with a new quota line, ready for `views.update`.
 * Only the fields a view may be updated with are kept; block ids stay, so Slack keeps what was typed.
 */
export function withQuotaLine(view: unknown, line: string): View | null {
  const current = view as Partial<View> & { blocks?: Array<{ block_id?: string }> };
  if (current?.type !== 'modal' || !Array.isArray(current.blocks)) return null;
  const blocks = current.blocks.map((block) =>
    block.block_id === QUOTA_BLOCK
      ? { type: 'context', block_id: QUOTA_BLOCK, elements: [{ type: 'mrkdwn', text: line }] }
      : block,
  ) as KnownBlock[];
  const { type, callback_id, title, submit, close, private_metadata } = current as View & { type: 'modal' };
  return { type, callback_id, title, submit, close, private_metadata, blocks };
}

/** How many devices and capture types are picked right now, read leniently from `view.state.values`. */
export function selectionCounts(values: unknown): QuotaUsage {
  const state = (values ?? {}) as Record<string, Record<string, { selected_options?: unknown }>>;
  const count = (block: string, action: string) => {
    const selected = state[block]?.[action]?.selected_options;
    return Array.isArray(selected) ? selected.length : 0;
  };
  return { devices: count(DEVICES_BLOCK, DEVICES_ACTION), types: count(TYPES_BLOCK, TYPES_ACTION) };
}

/** The capture modal. Pure: the same input gives the same view. Throws when `privateMetadata` is over 3000. */
export function captureModal(input: CaptureModalInput): View {
  if (input.privateMetadata.length > PRIVATE_METADATA_MAX) {
    throw new RangeError(`private_metadata is ${input.privateMetadata.length} characters; Slack allows 3000`);
  }

  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: INTRO_BLOCK,
      text: {
        type: 'mrkdwn',
        text: "Captures can include the person's network traffic. Check the person and devices are right.",
      },
    },
  ];
  if (input.notice) {
    blocks.push({
      type: 'context',
      block_id: NOTICE_BLOCK,
      elements: [{ type: 'mrkdwn', text: truncateMrkdwn(input.notice, 2000) }],
    });
  }

  const preselected = input.preselected.slice(0, MAX_DEVICES_PER_CREATE).flatMap((device) => {
    try {
      return [deviceOption(device)];
    } catch {
      return []; // ids that do not fit an option value cannot be preselected
    }
  });
  blocks.push({
    type: 'input',
    block_id: DEVICES_BLOCK,
    // Selection changes come to the bot, so the quota line can say what this request will use.
    dispatch_action: true,
    label: plain('Devices'),
    hint: plain(`Up to ${MAX_DEVICES_PER_CREATE} devices. Devices that can't be captured are listed apart.`),
    element: {
      type: 'multi_external_select',
      action_id: DEVICES_ACTION,
      min_query_length: 1,
      max_selected_items: MAX_DEVICES_PER_CREATE,
      placeholder: plain('Search by device name or email'),
      ...(preselected.length > 0 ? { initial_options: preselected } : {}),
    },
  });

  const initialTypes = TYPE_OPTIONS.filter((option) => input.types.includes(option.value as CaptureType));
  const typesElement: Checkboxes = {
    type: 'checkboxes',
    action_id: TYPES_ACTION,
    options: TYPE_OPTIONS,
    ...(initialTypes.length > 0 ? { initial_options: initialTypes } : {}),
  };
  blocks.push({
    type: 'input',
    block_id: TYPES_BLOCK,
    dispatch_action: true,
    label: plain('Capture types'),
    element: typesElement,
  });

  blocks.push(
    numberBlock(TIME_FIELD, input.options.pcap.timeLimitMin),
    numberBlock(SIZE_FIELD, input.options.pcap.maxFileSizeMb),
    numberBlock(PACKET_FIELD, input.options.pcap.packetSizeBytes),
  );

  blocks.push({
    type: 'input',
    block_id: WARP_ROUTES_BLOCK,
    optional: true,
    label: plain('WARP diagnostics'),
    hint: plain('Testing all routes takes longer to finish.'),
    element: {
      type: 'checkboxes',
      action_id: WARP_ROUTES_ACTION,
      options: [TEST_ALL_ROUTES_OPTION],
      ...(input.options.warpDiag.testAllRoutes ? { initial_options: [TEST_ALL_ROUTES_OPTION] } : {}),
    },
  });

  blocks.push({
    type: 'input',
    block_id: CHANNEL_BLOCK,
    label: plain('Post status in'),
    element: {
      type: 'conversations_select',
      action_id: CHANNEL_ACTION,
      default_to_current_conversation: true,
      ...(input.channelId ? { initial_conversation: input.channelId } : {}),
      filter: { include: ['public', 'private', 'im', 'mpim'], exclude_bot_users: true },
      response_url_enabled: false,
    },
  });

  const usage = { devices: preselected.length, types: initialTypes.length };
  blocks.push({
    type: 'context',
    block_id: QUOTA_BLOCK,
    elements: [{ type: 'mrkdwn', text: quotaLine({ ...input, usage }) }],
  });

  return {
    type: 'modal',
    callback_id: CAPTURE_MODAL,
    title: plain('DEX remote capture'),
    submit: plain('Start capture'),
    close: plain('Cancel'),
    private_metadata: input.privateMetadata,
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the submitted state (`view.state.values`). The payload is untrusted: every block is checked.

export interface SubmittedDevice {
  deviceId: string;
  registrationId: string | null;
  eligible: boolean;
  /** The option text the person saw, e.g. `LAPTOP-42 · alice@example.com · windows`. */
  text: string;
}

export interface CaptureSubmission {
  devices: SubmittedDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  /** The conversation picked for the status message; null when none came back. */
  channelId: string | null;
}

export type CaptureSubmissionResult =
  | { ok: true; value: CaptureSubmission }
  | { ok: false; errors: Record<string, string> };

const selectedOption = z.object({
  value: z.string(),
  text: z.object({ text: z.string() }).nullish(),
});
const selectionState = z.object({ selected_options: z.array(selectedOption).nullish() });
const numberState = z.object({ value: z.string().nullish() });
const conversationState = z.object({ selected_conversation: conversationIdSchema.nullish() });

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

function elementState(values: unknown, block: string, action: string): unknown {
  if (typeof values !== 'object' || values === null) return undefined;
  const blockState = (values as Record<string, unknown>)[block];
  if (typeof blockState !== 'object' || blockState === null) return undefined;
  return (blockState as Record<string, unknown>)[action];
}

function readDevices(values: unknown): Result<SubmittedDevice[]> {
  const malformed = { ok: false as const, error: "Couldn't read the devices you picked. Pick them again." };
  const parsed = selectionState.safeParse(elementState(values, DEVICES_BLOCK, DEVICES_ACTION));
  if (!parsed.success) return malformed;

  const devices: SubmittedDevice[] = [];
  const seen = new Set<string>();
  for (const option of parsed.data.selected_options ?? []) {
    const ref = parseDeviceOptionValue(option.value);
    if (!ref) return malformed;
    if (seen.has(option.value)) continue;
    seen.add(option.value);
    devices.push({ ...ref, text: option.text?.text ?? ref.deviceId });
  }

  if (devices.length === 0) return { ok: false, error: 'Pick at least one device.' };
  const problems: string[] = [];
  if (devices.length > MAX_DEVICES_PER_CREATE) problems.push(`Pick at most ${MAX_DEVICES_PER_CREATE} devices.`);
  for (const device of devices.filter((d) => !d.eligible)) {
    const { name, reason } = ineligibleFromOptionText(device.text);
    problems.push(`${name} can't be captured: ${reason.replace(/[.…]+$/, '')}.`);
  }
  if (problems.length > 0) return { ok: false, error: fieldError(...problems) };
  return { ok: true, value: devices };
}

function readTypes(values: unknown): Result<CaptureType[]> {
  const parsed = selectionState.safeParse(elementState(values, TYPES_BLOCK, TYPES_ACTION));
  const malformed = { ok: false as const, error: "Couldn't read the capture types. Pick them again." };
  if (!parsed.success) return malformed;
  const picked = (parsed.data.selected_options ?? []).map((option) => option.value);
  if (!picked.every((value) => (CAPTURE_TYPES as readonly string[]).includes(value))) return malformed;
  const types = CAPTURE_TYPES.filter((type) => picked.includes(type));
  if (types.length === 0) return { ok: false, error: 'Pick at least one capture type.' };
  return { ok: true, value: types };
}

function readNumber(values: unknown, field: NumberField): Result<number> {
  const { min, max } = field.limits;
  const wanted = `Enter a whole number from ${min} to ${max}.`;
  const parsed = numberState.safeParse(elementState(values, field.block, field.action));
  if (!parsed.success) return { ok: false, error: `Couldn't read this number. ${wanted}` };
  const raw = parsed.data.value?.trim() ?? '';
  if (raw === '') return { ok: true, value: field.limits.default };
  if (!/^[+-]?\d{1,9}(\.0*)?$/.test(raw)) return { ok: false, error: wanted };
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) return { ok: false, error: wanted };
  return { ok: true, value };
}

function readTestAllRoutes(values: unknown): Result<boolean> {
  const parsed = selectionState.safeParse(elementState(values, WARP_ROUTES_BLOCK, WARP_ROUTES_ACTION));
  if (!parsed.success) return { ok: false, error: "Couldn't read this choice. Tick or untick it again." };
  return { ok: true, value: (parsed.data.selected_options ?? []).some((o) => o.value === TEST_ALL_ROUTES_VALUE) };
}

function readChannel(values: unknown): Result<string | null> {
  const parsed = conversationState.safeParse(elementState(values, CHANNEL_BLOCK, CHANNEL_ACTION));
  if (!parsed.success) return { ok: false, error: "Couldn't read the conversation. Pick it again." };
  return { ok: true, value: parsed.data.selected_conversation ?? null };
}

/**
 * Reads and checks `view.state.values` from a capture modal submission. Every problem is reported at once, keyed
 * by the block it belongs to, ready for `response_action: 'errors'`. Empty number fields take the defaults.
 */
export function readCaptureSubmission(values: Record<string, Record<string, unknown>>): CaptureSubmissionResult {
  const errors: Record<string, string> = {};
  function take<T>(block: string, result: Result<T>, fallback: T): T {
    if (result.ok) return result.value;
    errors[block] = result.error;
    return fallback;
  }

  const devices = take(DEVICES_BLOCK, readDevices(values), []);
  const types = take(TYPES_BLOCK, readTypes(values), []);
  const defaults = DEFAULT_CAPTURE_OPTIONS.pcap;
  const timeLimitMin = take(TIME_FIELD.block, readNumber(values, TIME_FIELD), defaults.timeLimitMin);
  const maxFileSizeMb = take(SIZE_FIELD.block, readNumber(values, SIZE_FIELD), defaults.maxFileSizeMb);
  const packetSizeBytes = take(PACKET_FIELD.block, readNumber(values, PACKET_FIELD), defaults.packetSizeBytes);
  const testAllRoutes = take(WARP_ROUTES_BLOCK, readTestAllRoutes(values), true);
  const channelId = take(CHANNEL_BLOCK, readChannel(values), null);

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      devices,
      types,
      options: { pcap: { timeLimitMin, maxFileSizeMb, packetSizeBytes }, warpDiag: { testAllRoutes } },
      channelId,
    },
  };
}
