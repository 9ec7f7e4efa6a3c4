import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { quotaLine, selectionCounts, withQuotaLine } from '../../ui/capture-modal.js';
import type { ListenerDeps } from '../deps.js';

/**
 * The person changed the devices or capture types in the modal: rewrite its quota line to say what this
 * request will use, and relabel the submit button ("Start 4 captures"). What was typed stays.
 */
export function selectionChanged({ service, logger }: ListenerDeps) {
  return async ({ ack, body, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const quota = await service.quota().catch(() => null);
    const usage = selectionCounts(view.state?.values);
    const line = quotaLine({ quota, usage });
    const updated = withQuotaLine(view, line, usage);
    if (!updated) return;
    // The hash makes Slack refuse this update if the modal changed meanwhile; the next change retries.
    await client.views.update({ view_id: view.id, hash: view.hash, view: updated }).catch((error: unknown) => {
      logger.debug({ err: error }, 'quota line not updated');
    });
  };
}
