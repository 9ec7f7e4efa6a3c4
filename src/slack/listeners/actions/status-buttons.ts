import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

const gone = {
  response_type: 'ephemeral' as const,
  replace_original: false,
  text: 'That capture request is no longer known to the bot.',
};

/** "Run again": the modal, prefilled with the same devices, types and options. */
export function runAgain(deps: ListenerDeps) {
  return async ({ ack, action, body, client, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const request = await deps.service.getRequest(action.value ?? '');
    if (!request) {
      await respond(gone);
      return;
    }
    await openCaptureModal(
      client,
      body.trigger_id,
      { channelId: request.channelId, devices: request.devices, types: request.types, options: request.options },
      deps,
    );
  };
}

/** "Stop watching": the API has no cancel; the bot stops following the request and says exactly that. */
export function stopWatching({ service, logger }: ListenerDeps) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const stopped = await service.stopWatching(action.value ?? '', body.user.id).catch((error: unknown) => {
      logger.error({ err: error }, 'stop watching failed');
      return undefined;
    });
    if (stopped === null) await respond(gone);
  };
}
