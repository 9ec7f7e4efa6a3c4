import type { Checkboxes, InputBlock, KnownBlock, PlainTextOption, View } from '@slack/types';
import type { CaptureTypeDescriptor, OptionField } from '../../capture-types/descriptor.js';
import { CAPTURE_TYPE_DESCRIPTORS, summariseOptions } from '../../capture-types/registry.js';
import type { CaptureOptions, CaptureType, TargetDevice } from '../../captures/model.js';
import type { SelectionProblem } from '../../captures/service.js';
import { MAX_DEVICES_PER_CREATE, type Quota } from '../../dex/types.js';
import { deviceOption } from './device-option.js';
import { channelRef, inert, inertPlain, mention, plural, slackDate, truncate, truncateMrkdwn } from './format.js';
import {
  CAPTURE_MODAL,
  CHANGE_OPTIONS_ACTION,
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  CHANNEL_WARNING_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  FLAG_ON_VALUE,
  INTRO_BLOCK,
  NOTICE_BLOCK,
  optionIds,
  optionsSummaryBlock,
  QUOTA_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
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
  /** The device options picked so far, as Slack sent them back (a rebuilt modal keeps them); replaces `preselected`. */
  picked?: PlainTextOption[];
  types: CaptureType[];
  options: CaptureOptions;
  privateMetadata: string;
  /** Opened before the data is in: the quota line says "loading…"; `views.update` swaps in the real one. */
  loading?: boolean;
  /** A short note shown near the top (mrkdwn, so `<@U…>` mentions work), e.g. "<@U1> has no devices …". */
  notice?: string;
  /** Capture types whose option fields are open ("Change" was pressed); a ticked type shows a one-line summary. */
  editing?: readonly CaptureType[];
  /** The conversation picked under "Post status in" is public: the warning shows right under it. */
  publicChannel?: boolean;
  /** The device field's hint instead of the usual one ("Looking up …", "Left out, as they can't be captured: …"). */
  devicesHint?: string;
  /** CAPTURE_REASON_REQUIRED: the reason field must be filled in. */
  reasonRequired?: boolean;
  /** What the reason field holds (a rebuilt modal keeps what was typed). */
  reason?: string | null;
  /** CAPTURE_APPROVERS is set: submitting asks an approver, and nothing starts until one approves. */
  approvalRequired?: boolean;
}

/** Slack's own limit on the reason field, and what the submission is checked against. */
export const REASON_MAX = 200;
/** PCAP's default packet size: above it, more of each packet's contents is kept, so a reason is needed. */
export const PLAIN_PACKET_SIZE = 160;

const TYPE_OPTIONS: PlainTextOption[] = CAPTURE_TYPE_DESCRIPTORS.map((descriptor) => ({
  text: { type: 'plain_text', text: descriptor.label },
  description: { type: 'plain_text', text: descriptor.description },
  value: descriptor.type,
}));

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

/** Each capture type's options, in registry order: a type's descriptor says what its fields are. */
export interface OptionInput {
  descriptor: CaptureTypeDescriptor;
  key: string;
  field: OptionField;
  ids: { block: string; action: string };
}

export const OPTION_INPUTS: OptionInput[] = CAPTURE_TYPE_DESCRIPTORS.flatMap((descriptor) =>
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
function optionBlock({ field, ids }: OptionInput, value: unknown): InputBlock {
  const base = { type: 'input' as const, block_id: ids.block, optional: true, label: plain(field.label) };
  switch (field.kind) {
    case 'whole-number':
      return {
        ...base,
        // The range is in the label, once: the number field refuses anything outside it.
        label: plain(`${field.label} (${field.min}–${field.max} ${field.unit})`),
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

/** The warning under "Post status in" when the files would reach everyone in a public channel. */
export function publicChannelNotice(channelId: string): string {
  return (
    `⚠️ ${channelRef(channelId)} is a public channel: everyone in it can download the files posted in the ` +
    'status thread. Pick a private channel or a DM to keep them private.'
  );
}

/** The device field's hint while `/capture alice@example.com` or `/capture LAPTOP-42` looks the devices up. */
export function lookingUpHint(what: { email: string } | { userId: string } | { deviceName: string }): string {
  if ('email' in what) return `Looking up the devices of ${inertPlain(what.email, 200)}…`;
  if ('deviceName' in what) return `Looking up devices named ${inertPlain(what.deviceName, 100)}…`;
  return 'Looking up their devices…';
}

export const LEFT_OUT_PREFIX = "Left out, as they can't be captured:";

/** The device field's hint when some of the person's devices could not be picked: each with Cloudflare's reason. */
export function leftOutHint(devices: ReadonlyArray<{ name: string; reason: string | null }>): string | null {
  if (devices.length === 0) return null;
  const shown = devices
    .slice(0, 5)
    .map((d) => `${inertPlain(d.name, 80) || 'Unnamed device'} (${inertPlain(d.reason, 300) || 'not eligible'})`);
  const more = devices.length > shown.length ? ` and ${devices.length - shown.length} more` : '';
  return `${LEFT_OUT_PREFIX} ${shown.join('; ')}${more}.`;
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

/** "Capture this person's devices" on a message no person wrote. */
export const NO_AUTHOR_NOTICE =
  'That message was not written by a person (a bot or a workflow posted it), so no devices were picked. Search for them below.';

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
 * The submit button says what it will start: one capture per device and type (Slack allows 24 characters); with a
 * second approver, that it asks first.
 */
export function submitText(usage: QuotaUsage, { approvalRequired = false } = {}): string {
  const count = usage.devices * usage.types;
  const what = count <= 0 ? 'capture' : count === 1 ? '1 capture' : `${count} captures`;
  if (approvalRequired) return count <= 0 ? 'Ask for approval' : `Ask to start ${what}`;
  return `Start ${what}`;
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
        text: input.approvalRequired
          ? "Captures can include the person's network traffic. Check the person and devices are right. An approver must approve before anything starts."
          : "Captures can include the person's network traffic. Check the person and devices are right.",
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

  const preselected =
    input.picked?.slice(0, MAX_DEVICES_PER_CREATE) ??
    input.preselected.slice(0, MAX_DEVICES_PER_CREATE).flatMap((device) => {
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
    hint: plain(
      truncate(
        input.devicesHint ??
          `Up to ${MAX_DEVICES_PER_CREATE} devices. Devices that can't be captured are listed apart.`,
        2000,
      ),
    ),
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
    // Ticking a type shows its options; unticking hides them.
    dispatch_action: true,
    label: plain('Capture types'),
    element: typesElement,
  });
  blocks.push(...optionBlocks(input));
  blocks.push({
    type: 'input',
    block_id: REASON_BLOCK,
    optional: !input.reasonRequired,
    label: plain('Reason or ticket'),
    hint: plain(
      `Shown in the status message, to the device's owner and in the audit. A packet size above ${PLAIN_PACKET_SIZE} bytes needs one.`,
    ),
    element: {
      type: 'plain_text_input',
      action_id: REASON_ACTION,
      max_length: REASON_MAX,
      placeholder: plain('e.g. INC-4821: Wi-Fi drops in the office'),
      ...(input.reason ? { initial_value: truncate(input.reason, REASON_MAX) } : {}),
    },
  });

  blocks.push({
    type: 'input',
    block_id: CHANNEL_BLOCK,
    // A change comes to the bot, so the public-channel warning follows the choice.
    dispatch_action: true,
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

  if (input.publicChannel && input.channelId) {
    blocks.push({
      type: 'context',
      block_id: CHANNEL_WARNING_BLOCK,
      elements: [{ type: 'mrkdwn', text: publicChannelNotice(input.channelId) }],
    });
  }

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
    submit: plain(submitText(usage, { approvalRequired: input.approvalRequired ?? false })),
    close: plain('Cancel'),
    private_metadata: input.privateMetadata,
    blocks,
  };
}

/**
 * Each ticked capture type's options: one line that says what they are, with a "Change" button, or (once pressed)
 * its fields. An unticked type shows nothing.
 */
function optionBlocks(input: CaptureModalInput): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (const descriptor of CAPTURE_TYPE_DESCRIPTORS) {
    const type = descriptor.type as CaptureType;
    if (!input.types.includes(type)) continue;
    if (input.editing?.includes(type)) {
      const own = input.options[type] as Record<string, unknown>;
      for (const option of OPTION_INPUTS.filter((o) => o.descriptor.type === type)) {
        blocks.push(optionBlock(option, own[option.key]));
      }
      continue;
    }
    const [name, settings] = splitSummary(summariseOptions(type, input.options));
    blocks.push({
      type: 'section',
      block_id: optionsSummaryBlock(descriptor),
      text: { type: 'mrkdwn', text: `*${name}:* ${settings}` },
      accessory: {
        type: 'button',
        action_id: CHANGE_OPTIONS_ACTION,
        text: plain('Change'),
        value: type,
        accessibility_label: `Change the ${name.toLowerCase()} options`,
      },
    });
  }
  return blocks;
}

/** "Packet capture: 5 min, 5 MB max" → ["Packet capture", "5 min, 5 MB max"]. */
function splitSummary(summary: string): [string, string] {
  const at = summary.indexOf(': ');
  return at < 0 ? [summary, ''] : [summary.slice(0, at), summary.slice(at + 2)];
}
