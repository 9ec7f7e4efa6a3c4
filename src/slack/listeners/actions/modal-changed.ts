import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { captureTypeOf, readModalNow } from '../../ui/capture-modal-read.js';
import { CHANGE_OPTIONS_ACTION } from '../../ui/ids.js';
import type { ListenerDeps } from '../deps.js';
import { rebuildCaptureModal } from '../rebuild-capture-modal.js';

/**
 * The person changed something in the capture modal (devices, capture types, the conversation) or pressed a type's
 * "Change": the modal is built again from what it holds now, so the quota line, the submit button, the option
 * fields shown and the public-channel warning follow. What was typed stays.
 */
export function modalChanged(deps: ListenerDeps) {
  return async ({ ack, body, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const action = body.actions[0];
    const edit =
      action?.action_id === CHANGE_OPTIONS_ACTION ? captureTypeOf((action as { value?: unknown }).value) : null;
    const updated = await rebuildCaptureModal(readModalNow(view), deps, edit ? { edit } : {});
    // The hash makes Slack refuse this update if the modal changed meanwhile; the next change retries.
    await client.views.update({ view_id: view.id, hash: view.hash, view: updated }).catch((error: unknown) => {
      deps.logger.debug({ err: error }, 'capture modal not updated');
    });
  };
}
