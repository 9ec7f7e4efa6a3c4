import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { Refusal } from '../../../captures/access.js';
import type { DeniedAttempt } from '../../../captures/model.js';
import { asConversationId } from '../../slack-ids.js';
import { refusalText, refusedMessage } from '../../ui/replies.js';
import { authorizeCapture, type ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

const denied = (refusal: Refusal) => ({
  response_type: 'ephemeral' as const,
  replace_original: false,
  ...refusedMessage(refusalText(refusal)),
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
  return async (args: ButtonArgs): Promise<void> => {
    const { body, client } = args;
    const requestId = await acceptButton(deps, args, 'run-again');
    if (!requestId) return;
    const request = await deps.service.getRequest(requestId);
    if (!request) {
      await args.respond(gone);
      return;
    }
    await deps.audit.record({
      at: new Date(),
      userId: body.user.id,
      action: 'run-again',
      channelId: asConversationId(body.channel?.id),
      requestId: request.id,
      devices: request.devices,
      types: request.types,
      options: request.options,
      commandIds: [],
      outcome: { kind: 'opened-form-again' },
    });
    await deps.followUps.run(() =>
      openCaptureModal(
        client,
        body.trigger_id,
        { channelId: request.channelId, devices: request.devices, types: request.types, options: request.options },
        deps,
        {
          userId: body.user.id,
          tellPrivately: (reply) => args.respond({ response_type: 'ephemeral', replace_original: false, ...reply }),
        },
      ),
    );
  };
}

/** "Stop watching": the API has no cancel; the bot stops following the request and says exactly that. */
export function stopWatching(deps: ListenerDeps) {
  const { service, logger } = deps;
  return async (args: ButtonArgs): Promise<void> => {
    const { body, respond } = args;
    const requestId = await acceptButton(deps, args, 'stop-watching');
    if (!requestId) return;
    const stopped = await service.stopWatching(requestId, body.user.id).catch((error: unknown) => {
      logger.error({ err: error }, 'stop watching failed');
      return undefined;
    });
    if (stopped === null) await respond(gone);
  };
}

/**
 * What both buttons do first: acknowledge, check the person may capture (audited when not), and read the request
 * id from the button's value. Null when the click ends here; the person has been told why.
 */
async function acceptButton(deps: ListenerDeps, { ack, action, body, respond }: ButtonArgs, attempted: DeniedAttempt) {
  await ack();
  const decision = await authorizeCapture(
    deps,
    { userId: body.user.id, channelId: asConversationId(body.channel?.id) },
    attempted,
  );
  if (!decision.allowed) {
    await respond(denied(decision.refusal));
    return null;
  }
  const requestId = requestIdValue.safeParse(action.value);
  if (!requestId.success) {
    await respond(gone);
    return null;
  }
  return requestId.data;
}
