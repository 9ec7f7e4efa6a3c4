import type { CaptureTypeDescriptor } from '../../capture-types/descriptor.js';

/** Every callback_id, block_id and action_id the bot's UI uses. Listeners match on these. */

// The capture modal.
export const CAPTURE_MODAL = 'capture_modal';

export const INTRO_BLOCK = 'capture_intro';
export const NOTICE_BLOCK = 'capture_notice';
export const QUOTA_BLOCK = 'capture_quota';

export const DEVICES_BLOCK = 'capture_devices';
/** The devices' external select: the options (block_suggestion) listener matches on it. */
export const DEVICES_ACTION = 'capture_devices_select';

export const TYPES_BLOCK = 'capture_types';
export const TYPES_ACTION = 'capture_types_select';

/**
 * A capture type's option field: block `capture_<slug>_<id>`, action `…_input` for a number, `…_select` for
 * checkboxes (the ids of the first version, so a modal opened before an upgrade still submits).
 */
export function optionIds(
  descriptor: Pick<CaptureTypeDescriptor, 'slug' | 'options'>,
  key: string,
): { block: string; action: string } {
  const field = descriptor.options[key];
  if (!field) throw new RangeError(`no option ${key}`);
  const block = `capture_${descriptor.slug}_${field.id}`;
  return { block, action: `${block}${field.kind === 'whole-number' ? '_input' : '_select'}` };
}
/** A ticked type's one-line options summary (`capture_<slug>_summary`), shown until "Change" is pressed. */
export function optionsSummaryBlock(descriptor: Pick<CaptureTypeDescriptor, 'slug'>): string {
  return `capture_${descriptor.slug}_summary`;
}
/** Button beside a type's summary: open its option fields. Value: the capture type. */
export const CHANGE_OPTIONS_ACTION = 'capture_change_options';
/** The value of a flag option's one checkbox. */
export const FLAG_ON_VALUE = 'on';

/** The reason or ticket reference (plain text, at most 200 characters). */
export const REASON_BLOCK = 'capture_reason';
export const REASON_ACTION = 'capture_reason_input';

export const CHANNEL_BLOCK = 'capture_channel';
export const CHANNEL_ACTION = 'capture_channel_select';
/** The warning under the conversation select when the picked conversation is public. */
export const CHANNEL_WARNING_BLOCK = 'capture_channel_warning';

// The status message.
export const STATUS_HEADER_BLOCK = 'capture_status_header';
export const STATUS_NOTE_BLOCK = 'capture_status_note';
/** The requester's reason, as plain text. */
export const STATUS_REASON_BLOCK = 'capture_status_reason';
export const STATUS_FOOTER_BLOCK = 'capture_status_footer';
export const STATUS_ACTIONS_BLOCK = 'capture_status_actions';
/** Button: open the modal again with the same devices and options. Value: the request id. */
export const RUN_AGAIN_ACTION = 'capture_run_again';
/** Button: start again only what failed (same options, same checks). Value: the request id. */
export const RETRY_FAILED_ACTION = 'capture_retry_failed';
/** Button: stop following a request (the API has no cancel). Value: the request id. */
export const STOP_WATCHING_ACTION = 'capture_stop_watching';
/** Who may approve a waiting request, or who approved it (CAPTURE_APPROVERS). */
export const STATUS_APPROVAL_BLOCK = 'capture_status_approval';
/** Buttons on a request waiting for approval. Value: the request id. */
export const APPROVE_ACTION = 'capture_approve';
export const DENY_ACTION = 'capture_deny';
/** Button on a waiting request, for its requester: take it back. Value: the request id. */
export const WITHDRAW_ACTION = 'capture_withdraw';

// The deny modal: why the approver denies (plain text), kept on the request and in the audit.
export const DENY_MODAL = 'capture_deny_modal';
export const DENY_NOTE_BLOCK = 'capture_deny_note';
export const DENY_NOTE_ACTION = 'capture_deny_note_input';

// Replies.
/** Button in the help and App Home's "New capture": open the capture form (as `/capture` does). */
export const OPEN_FORM_ACTION = 'capture_open_form';

// App Home and shortcuts.
/** The global shortcut "Start a DEX capture" (manifest.yml's callback_id). */
export const START_CAPTURE_SHORTCUT = 'capture_start';
/** The message shortcut "Capture this person's devices" (manifest.yml's callback_id). */
export const CAPTURE_AUTHOR_SHORTCUT = 'capture_message_author';
