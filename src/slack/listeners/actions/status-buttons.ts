import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { authorizeCapture, type ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

const denied = (reason: string) => ({
  response_type: 'ephemeral' as const,
  replace_original: false,
  text: `🚫 ${reason}`,
});

/** A button's value is a request id; the payload is untrusted, so anything else is refused. */
const requestIdValue = z
  .string()
  .regex(/^[A-Za-z0-9]{4,12}$/)
  .transform((id) => id.toUpperCase());

const gone = {
  response_type: 'ephemeral' as const,
  replace_original: false,
  text: 'That capture request is no longer known to the bot.',
};

/** "Run again": the modal, prefilled with the same devices, types and options. */
export function runAgain(deps: ListenerDeps) {
  return async ({ ack, action, body, client, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const decision = await authorizeCapture(
      deps,
      { userId: body.user.id, channelId: body.channel?.id ?? null },
      'to run a capture again',
    );
    if (!decision.allowed) {
      await respond(denied(decision.reason));
      return;
    }
    const requestId = requestIdValue.safeParse(action.value);
    const request = requestId.success ? await deps.service.getRequest(requestId.data) : null;
    if (!request) {
      await respond(gone);
      return;
    }
    await deps.audit.record({
      at: new Date(),
      userId: body.user.id,
      action: 'run-again',
      channelId: body.channel?.id ?? null,
      requestId: request.id,
      devices: request.devices,
      types: request.types,
      options: request.options,
      commandIds: [],
      outcome: 'opened the capture form with the same devices and options',
    });
    await openCaptureModal(
      client,
      body.trigger_id,
      { channelId: request.channelId, devices: request.devices, types: request.types, options: request.options },
      deps,
    );
  };
}

/** "Stop watching": the API has no cancel; the bot stops following the request and says exactly that. */
export function stopWatching(deps: ListenerDeps) {
  const { service, logger } = deps;
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const decision = await authorizeCapture(
      deps,
      { userId: body.user.id, channelId: body.channel?.id ?? null },
      'to stop watching a capture',
    );
    if (!decision.allowed) {
      await respond(denied(decision.reason));
      return;
    }
    const requestId = requestIdValue.safeParse(action.value);
    if (!requestId.success) {
      await respond(gone);
      return;
    }
    const stopped = await service.stopWatching(requestId.data, body.user.id).catch((error: unknown) => {
      logger.error({ err: error }, 'stop watching failed');
      return undefined;
    });
    if (stopped === null) await respond(gone);
  };
}
