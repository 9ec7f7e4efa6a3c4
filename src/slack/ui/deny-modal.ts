import type { View } from '@slack/types';
import type { CaptureRequest } from '../../captures/model.js';
import { REASON_MAX } from './capture-modal.js';
import { typedText } from './capture-modal-read.js';
import { inertPlain, typeShort } from './format.js';
import { DENY_MODAL, DENY_NOTE_ACTION, DENY_NOTE_BLOCK } from './ids.js';

/**
 * "Deny" asks why before anything changes: the reason goes to the requester, onto the status message and into the
 * audit. The request's id travels in `private_metadata`; it is read back as untrusted.
 */
export function denyModal(request: Pick<CaptureRequest, 'id' | 'devices' | 'types'>): View {
  const devices = request.devices.map((d) => inertPlain(d.name, 60) || 'Unnamed device');
  const shown =
    devices.length > 3 ? `${devices.slice(0, 3).join(', ')} and ${devices.length - 3} more` : devices.join(', ');
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    title: { type: 'plain_text', text: 'Deny captures' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: request.id,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: `Capture ${request.id}: ${request.types.map(typeShort).join(' + ')} on ${shown}. Nothing starts; the requester sees your reason.`,
          emoji: false,
        },
      },
      {
        type: 'input',
        block_id: DENY_NOTE_BLOCK,
        label: { type: 'plain_text', text: 'Why deny it?' },
        hint: { type: 'plain_text', text: 'Shown to the requester and on the status message, and kept in the audit.' },
        element: { type: 'plain_text_input', action_id: DENY_NOTE_ACTION, max_length: REASON_MAX },
      },
    ],
  };
}

/** The approver's reason for a denial: required, one line, at most REASON_MAX characters; else the field's error. */
export function readDenyNote(values: unknown): { ok: true; note: string } | { ok: false; error: string } {
  const note = typedText(values, DENY_NOTE_BLOCK, DENY_NOTE_ACTION);
  if (!note) return { ok: false, error: 'Say why you deny it: the requester sees it, and it is kept in the audit.' };
  if (note.length > REASON_MAX) {
    return { ok: false, error: `Keep it to ${REASON_MAX} characters (it has ${note.length}).` };
  }
  return { ok: true, note };
}
