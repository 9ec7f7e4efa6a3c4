import type { Checkboxes, InputBlock, KnownBlock, PlainTextOption, View } from '@slack/types';
import { z } from 'zod';
import type { CaptureTypeDescriptor, OptionField } from '../../capture-types/descriptor.js';
import { CAPTURE_TYPE_DESCRIPTORS, CAPTURE_TYPES, defaultCaptureOptions } from '../../capture-types/registry.js';
import type { CaptureOptions, CaptureType, TargetDevice } from '../../captures/model.js';
import type { SelectionProblem } from '../../captures/service.js';
import { MAX_DEVICES_PER_CREATE, type Quota } from '../../dex/types.js';
import { conversationIdSchema } from '../slack-ids.js';
import { deviceOption, ineligibleFromOptionText, parseDeviceOptionValue } from './device-option.js';
import { channelRef, inert, inertPlain, mention, plural, slackDate, truncate, truncateMrkdwn } from './format.js';
import {
  CAPTURE_MODAL,
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  FLAG_ON_VALUE,
  INTRO_BLOCK,
  NOTICE_BLOCK,
  optionIds,
  QUOTA_BLOCK,
  TYPES_ACTION,
  TYPES_BLOCK,
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

const TYPE_OPTIONS: PlainTextOption[] = CAPTURE_TYPE_DESCRIPTORS.map((descriptor) => ({
  text: { type: 'plain_text', text: descriptor.label },
  description: { type: 'plain_text', text: descriptor.description },
  value: descriptor.type,
}));

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

/** Each capture type's options, in registry order: a type's descriptor says what its fields are. */
interface OptionInput {
  descriptor: CaptureTypeDescriptor;
  key: string;
  field: OptionField;
  ids: { block: string; action: string };
}

const OPTION_INPUTS: OptionInput[] = CAPTURE_TYPE_DESCRIPTORS.flatMap((descriptor) =>
  Object.entries(descriptor.options as Record<string, OptionField>).map(([key, field]) => ({
    descriptor,
    key,
    field,
    ids: optionIds(descriptor, key),
  })),
);

function clampWhole(value: unknown, field: { min: number; max: number; default: number }): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return field.default;
  return Math.min(field.max, Math.max(field.min, Math.round(value)));
}

/** One option's field, showing `value` (the request's, or the default). */
function optionBlock({ descriptor, field, ids }: OptionInput, value: unknown): InputBlock {
  const base = { type: 'input' as const, block_id: ids.block, optional: true, label: plain(field.label) };
  switch (field.kind) {
    case 'whole-number':
      return {
        ...base,
        hint: plain(
          `Used for ${descriptor.usedFor}. ${field.min}–${field.max} ${field.unit}, default ${field.default}.`,
        ),
        element: {
          type: 'number_input',
          action_id: ids.action,
          is_decimal_allowed: false,
          min_value: String(field.min),
          max_value: String(field.max),
          initial_value: String(clampWhole(value, field)),
        },
      };
    case 'flag': {
      const option: PlainTextOption = { text: plain(field.text), value: FLAG_ON_VALUE };
      return {
        ...base,
        hint: plain(field.hint),
        element: checkboxes(ids.action, [option], value === true ? [option] : []),
      };
    }
    case 'choices': {
      const options: PlainTextOption[] = field.choices.map((choice) => ({
        text: plain(choice.label),
        value: choice.value,
      }));
      const picked = Array.isArray(value) ? options.filter((o) => value.includes(o.value)) : [];
      return { ...base, hint: plain(field.hint), element: checkboxes(ids.action, options, picked) };
    }
  }
}

function checkboxes(actionId: string, options: PlainTextOption[], picked: PlainTextOption[]): Checkboxes {
  return {
    type: 'checkboxes',
    action_id: actionId,
    options,
    ...(picked.length > 0 ? { initial_options: picked } : {}),
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

export const PERSON_LOOKUP_FAILED_NOTICE = 'Could not look up those devices just now. Search for them below.';

/** `/capture LAPTOP-42` found no device of that name that can be captured, or several. */
export function deviceNameNotice(name: string, matches: number): string {
  const shown = inert(name, 100);
  return matches === 0
    ? `No device named “${shown}” can be captured right now (devices must have connected in the last hour). Search below.`
    : `${matches} devices are named “${shown}”: pick the right one below (search for the name or the person's email).`;
}
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
  const needed = usage ? usage.devices * usage.types : 0;
  if (needed > remaining) {
    // Said before submit, with the way out: the submission would be refused for it.
    return (
      `⚠️ *Not enough quota:* this needs ${plural(needed, 'capture')} and ${remaining} of ${total} are left today. ` +
      `Untick a capture type or remove devices, or wait until the quota resets ${slackDate(resetsAt)}.`
    );
  }
  return `Quota: ${remaining} of ${total} captures left today · resets ${slackDate(resetsAt)} · ${uses}`;
}

/**
 * The modal as it is now (from an interaction payload) with a new quota line, ready for `views.update`.
 * Only the fields a view may be updated with are kept; block ids stay, so Slack keeps what was typed.
 * With `usage`, the submit button is relabelled to say how many captures it starts.
 */
export function withQuotaLine(view: unknown, line: string, usage?: QuotaUsage): View | null {
  const current = view as Partial<View> & { blocks?: Array<{ block_id?: string }> };
  if (current?.type !== 'modal' || !Array.isArray(current.blocks)) return null;
  const blocks = current.blocks.map((block) =>
    block.block_id === QUOTA_BLOCK
      ? { type: 'context', block_id: QUOTA_BLOCK, elements: [{ type: 'mrkdwn', text: line }] }
      : block,
  ) as KnownBlock[];
  const { type, callback_id, title, submit, close, private_metadata } = current as View & { type: 'modal' };
  const button = usage ? plain(submitText(usage)) : submit;
  return { type, callback_id, title, submit: button, close, private_metadata, blocks };
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

/** The submit button says what it will start: one capture per device and type (Slack allows 24 characters). */
export function submitText(usage: QuotaUsage): string {
  const count = usage.devices * usage.types;
  if (count <= 0) return 'Start capture';
  return count === 1 ? 'Start 1 capture' : `Start ${count} captures`;
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
      // The search is what the agent does first.
      focus_on_load: true,
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

  for (const option of OPTION_INPUTS) {
    const typeOptions = input.options[option.descriptor.type as CaptureType] as Record<string, unknown> | undefined;
    blocks.push(optionBlock(option, typeOptions?.[option.key]));
  }

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
    submit: plain(submitText(usage)),
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

/** One option's value from the submitted state; `picked` says whether its capture type was ticked. */
function readOption({ field, ids }: OptionInput, values: unknown, picked: boolean): Result<unknown> {
  if (field.kind === 'whole-number') return readWholeNumber(values, ids, field);
  const state = elementState(values, ids.block, ids.action);
  // Slack leaves out a block the modal did not have: one opened by an older version, before this type existed.
  if (state === undefined && field.kind === 'choices' && !picked) return { ok: true, value: [...field.default] };
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
  const options = defaultCaptureOptions() as Record<string, Record<string, unknown>>;
  for (const option of OPTION_INPUTS) {
    const type = option.descriptor.type as CaptureType;
    const fallback = options[type]?.[option.key];
    (options[type] as Record<string, unknown>)[option.key] = take(
      option.ids.block,
      readOption(option, values, types.includes(type)),
      fallback,
    );
  }
  const channelId = take(CHANNEL_BLOCK, readChannel(values), null);

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { devices, types, options: options as CaptureOptions, channelId } };
}
