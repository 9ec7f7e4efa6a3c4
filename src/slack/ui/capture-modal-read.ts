import type { PlainTextOption } from '@slack/types';
import { z } from 'zod';
import {
  CAPTURE_TYPES,
  type CaptureOptions,
  defaultCaptureOptions,
  isCaptureType,
} from '../../capture-types/registry.js';
import type { CaptureType } from '../../captures/model.js';
import { MAX_DEVICES_PER_CREATE } from '../../dex/types.js';
import { conversationIdSchema } from '../slack-ids.js';
import {
  type CaptureModalInput,
  fieldError,
  LEFT_OUT_PREFIX,
  OPTION_INPUTS,
  type OptionInput,
  PLAIN_PACKET_SIZE,
  REASON_MAX,
} from './capture-modal.js';
import { isNoticeOptionValue, parseDeviceOptionValue } from './device-option.js';
import { inertPlain, OPTION_TEXT_MAX } from './format.js';
import {
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  NOTICE_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  TYPES_ACTION,
  TYPES_BLOCK,
} from './ids.js';
import { type ModalMetadata, readModalMetadata } from './modal-metadata.js';

/*
 * Reading the capture modal back from Slack: the submitted state (`view.state.values`), and the modal as it is now
 * when the person changes something (so it can be rebuilt). The payload is untrusted: every block is checked.
 */

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
  /** The reason or ticket, trimmed; null when none was given. */
  reason: string | null;
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
    if (!ref && isNoticeOptionValue(option.value)) {
      // "Cloudflare did not answer" or "Too many searches" was picked: a message in the list, not a device.
      const said = inertPlain(option.text?.text, OPTION_TEXT_MAX) || 'A message';
      return { ok: false, error: fieldError(`“${said}” is a message, not a device: remove it and search again.`) };
    }
    if (!ref) return malformed;
    if (seen.has(option.value)) continue;
    seen.add(option.value);
    devices.push({ ...ref, text: option.text?.text ?? ref.deviceId });
  }

  if (devices.length === 0) return { ok: false, error: 'Pick at least one device.' };
  if (devices.length > MAX_DEVICES_PER_CREATE) {
    return { ok: false, error: `Pick at most ${MAX_DEVICES_PER_CREATE} devices.` };
  }
  // Devices listed as not eligible are refused by the selection's check, with Cloudflare's own words.
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

function readWholeNumber(
  values: unknown,
  ids: OptionInput['ids'],
  field: { min: number; max: number; default: number },
): Result<number> {
  const { min, max } = field;
  const wanted = `Enter a whole number from ${min} to ${max}.`;
  const parsed = numberState.safeParse(elementState(values, ids.block, ids.action));
  if (!parsed.success) return { ok: false, error: `Couldn't read this number. ${wanted}` };
  const raw = parsed.data.value?.trim() ?? '';
  if (raw === '') return { ok: true, value: field.default };
  if (!/^[+-]?\d{1,9}(\.0*)?$/.test(raw)) return { ok: false, error: wanted };
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) return { ok: false, error: wanted };
  return { ok: true, value };
}

/**
 * One option's value from the submitted state; `picked` says whether its capture type was ticked. A field the
 * modal did not show (folded under its summary, or a type that did not exist when it opened) keeps `carried`.
 */
function readOption({ field, ids }: OptionInput, values: unknown, picked: boolean, carried: unknown): Result<unknown> {
  const state = elementState(values, ids.block, ids.action);
  if (state === undefined) return { ok: true, value: carried };
  if (field.kind === 'whole-number') return readWholeNumber(values, ids, field);
  const parsed = selectionState.safeParse(state);
  if (!parsed.success) return { ok: false, error: "Couldn't read this choice. Tick or untick it again." };
  const selected = (parsed.data.selected_options ?? []).map((o) => o.value);
  // A flag's field has one checkbox: ticked is on.
  if (field.kind === 'flag') return { ok: true, value: selected.length > 0 };
  const allowed = field.choices.map((c) => c.value);
  if (!selected.every((value) => allowed.includes(value))) {
    return { ok: false, error: "Couldn't read this choice. Tick or untick it again." };
  }
  // Only a type that will run needs a choice; an untouched one keeps its defaults.
  if (selected.length === 0)
    return picked ? { ok: false, error: 'Pick at least one.' } : { ok: true, value: [...field.default] };
  return { ok: true, value: allowed.filter((value) => selected.includes(value)) };
}

const textState = z.object({ value: z.string().nullish() });

/**
 * A text field as typed, on one line: trimmed, whitespace runs made one space; null when empty, absent or not text.
 * The reason here, and an approver's reason for a denial.
 */
export function typedText(values: unknown, block: string, action: string): string | null {
  const parsed = textState.safeParse(elementState(values, block, action));
  const text = parsed.success ? (parsed.data.value ?? '').replace(/\s+/g, ' ').trim() : '';
  return text === '' ? null : text;
}

const typedReason = (values: unknown) => typedText(values, REASON_BLOCK, REASON_ACTION);

function readReason(values: unknown, required: boolean, packetSize: number | null): Result<string | null> {
  const state = elementState(values, REASON_BLOCK, REASON_ACTION);
  if (state !== undefined && !textState.safeParse(state).success) {
    return { ok: false, error: "Couldn't read the reason. Type it again." };
  }
  const reason = typedReason(values);
  if (reason && reason.length > REASON_MAX) {
    return { ok: false, error: `Keep the reason to ${REASON_MAX} characters (it has ${reason.length}).` };
  }
  if (!reason && required) {
    return {
      ok: false,
      error: "Give a reason or a ticket reference: it is shown to the device's owner and kept in the audit.",
    };
  }
  if (!reason && packetSize !== null && packetSize > PLAIN_PACKET_SIZE) {
    return {
      ok: false,
      error: `A packet size above ${PLAIN_PACKET_SIZE} bytes keeps more of each packet's contents: give a reason, or set it back to ${PLAIN_PACKET_SIZE}.`,
    };
  }
  return { ok: true, value: reason };
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
export function readCaptureSubmission(
  values: Record<string, Record<string, unknown>>,
  carried: CaptureOptions = defaultCaptureOptions(),
  { reasonRequired = false }: { reasonRequired?: boolean } = {},
): CaptureSubmissionResult {
  const errors: Record<string, string> = {};
  function take<T>(block: string, result: Result<T>, fallback: T): T {
    if (result.ok) return result.value;
    errors[block] = result.error;
    return fallback;
  }

  const devices = take(DEVICES_BLOCK, readDevices(values), []);
  const types = take(TYPES_BLOCK, readTypes(values), []);
  const options = structuredClone(carried) as Record<string, Record<string, unknown>>;
  for (const option of OPTION_INPUTS) {
    const type = option.descriptor.type as CaptureType;
    const fallback = options[type]?.[option.key];
    (options[type] as Record<string, unknown>)[option.key] = take(
      option.ids.block,
      readOption(option, values, types.includes(type), fallback),
      fallback,
    );
  }
  const channelId = take(CHANNEL_BLOCK, readChannel(values), null);
  // Only a packet capture that will run keeps packets; its size decides whether a reason is needed.
  const packetSize = types.includes('pcap') ? Number(options.pcap?.packetSizeBytes) : null;
  const reason = take(REASON_BLOCK, readReason(values, reasonRequired, packetSize), null);

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { devices, types, options: options as CaptureOptions, channelId, reason } };
}

/** The modal as it is now, read from an interaction payload's view, ready to be built again with a change. */
export type ModalNow = Pick<
  CaptureModalInput,
  'picked' | 'types' | 'options' | 'editing' | 'notice' | 'devicesHint' | 'reason'
> & {
  /** The conversation picked under "Post status in" (else the one the modal was opened from). */
  channelId: string | null;
  metadata: ModalMetadata;
};

const viewShape = z.object({
  blocks: z.array(z.object({ block_id: z.string().optional() }).passthrough()).catch([]),
  state: z
    .object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) })
    .partial()
    .catch({}),
  private_metadata: z.string().optional().catch(undefined),
});

/**
 * What is picked, ticked and typed in the modal right now. Leniently: what does not read as ours is left out
 * (an unknown device option, a type that no longer exists), and a field that does not read keeps its carried value.
 */
export function readModalNow(view: unknown): ModalNow {
  const read = viewShape.safeParse(view);
  const { blocks, state, private_metadata } = read.success
    ? read.data
    : { blocks: [], state: {}, private_metadata: undefined };
  const values = state.values ?? {};
  const metadata = readModalMetadata(private_metadata);

  const devices = selectionState.safeParse(elementState(values, DEVICES_BLOCK, DEVICES_ACTION));
  const picked: PlainTextOption[] = (devices.success ? (devices.data.selected_options ?? []) : [])
    .filter((option) => parseDeviceOptionValue(option.value) !== null)
    .slice(0, MAX_DEVICES_PER_CREATE)
    .map((option) => ({
      text: { type: 'plain_text', text: inertPlain(option.text?.text, OPTION_TEXT_MAX) || 'Device', emoji: false },
      value: option.value,
    }));

  const ticked = selectionState.safeParse(elementState(values, TYPES_BLOCK, TYPES_ACTION));
  const tickedValues = (ticked.success ? (ticked.data.selected_options ?? []) : []).map((o) => o.value);
  const types = CAPTURE_TYPES.filter((type) => tickedValues.includes(type));

  const shown = new Set(blocks.map((block) => block.block_id));
  const editing = CAPTURE_TYPES.filter((type) =>
    OPTION_INPUTS.some((o) => o.descriptor.type === type && shown.has(o.ids.block)),
  );
  // What is typed in open fields wins over what was carried; a field that does not read keeps the carried value.
  const options = structuredClone(metadata.options) as Record<string, Record<string, unknown>>;
  for (const option of OPTION_INPUTS) {
    const type = option.descriptor.type;
    const own = options[type] as Record<string, unknown>;
    const read = readOption(option, values, true, own[option.key]);
    if (read.ok) own[option.key] = read.value;
  }

  const channel = conversationState.safeParse(elementState(values, CHANNEL_BLOCK, CHANNEL_ACTION));
  const channelId = (channel.success ? channel.data.selected_conversation : null) ?? metadata.channelId;

  const noticeBlock = blocks.find((block) => block.block_id === NOTICE_BLOCK) as
    | { elements?: Array<{ text?: unknown }> }
    | undefined;
  const notice = noticeBlock?.elements?.map((e) => (typeof e.text === 'string' ? e.text : '')).join(' ');
  // A "left out" hint stays while the person changes other things; the usual hint is built again.
  const devicesBlock = blocks.find((block) => block.block_id === DEVICES_BLOCK) as
    | { hint?: { text?: unknown } }
    | undefined;
  const hint = typeof devicesBlock?.hint?.text === 'string' ? devicesBlock.hint.text : '';
  const devicesHint = hint.startsWith(LEFT_OUT_PREFIX) ? inertPlain(hint, 2000) : null;

  return {
    picked,
    types,
    options: options as CaptureOptions,
    editing,
    ...(notice ? { notice } : {}),
    ...(devicesHint ? { devicesHint } : {}),
    reason: typedReason(values),
    channelId,
    metadata,
  };
}

/** `value` when it names a capture type the product starts, else null (a button's value is untrusted). */
export function captureTypeOf(value: unknown): CaptureType | null {
  return isCaptureType(value) ? value : null;
}
