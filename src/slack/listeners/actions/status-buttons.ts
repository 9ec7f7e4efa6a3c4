import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { requestAuditEvent } from '../../../captures/audit.js';
import type { DeniedAttempt } from '../../../captures/model.js';
import { asConversationId } from '../../slack-ids.js';
import { type Reply, refusalText, refusedMessage, retryFailedReply } from '../../ui/replies.js';
import { authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';
import { tellPrivately } from '../tell-privately.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** A button's value (or a modal's metadata) is a request id; the payload is untrusted, so anything else is refused. */
export const requestIdValue = z
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
  return statusButton(deps, 'run-again', async (args, requestId) => {
    const { body, client } = args;
    const request = await deps.service.getRequest(requestId);
    if (!request) {
      await args.respond(gone);
      return;
    }
    await deps.audit.record(
      requestAuditEvent(request, {
        at: deps.now(),
        userId: body.user.id,
        action: 'run-again',
        channelId: asConversationId(body.channel?.id),
        outcome: { kind: 'opened-form-again' },
      }),
    );
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
  });
}

/** "Retry failed": a new request for only what failed; the clicker is told privately when it cannot start. */
export function retryFailed(deps: ListenerDeps) {
  const { service, logger } = deps;
  return statusButton(deps, 'start', async (args, requestId) => {
    const outcome = await service.retryFailed(requestId, args.body.user.id).catch((error: unknown) => {
      logger.error({ err: error }, 'retry failed could not start');
      return null;
    });
    if (outcome?.kind === 'started') return;
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: retryFailedReply(outcome) });
  });
}

/** "Open the capture form" in the help and App Home's "New capture": the modal, as `/capture` opens it. */
export function openForm(deps: ListenerDeps) {
  return capturingButton(deps, 'open-form', async (args) => {
    const { body, client } = args;
    await deps.followUps.run(() =>
      openCaptureModal(client, body.trigger_id, { channelId: asConversationId(body.channel?.id) }, deps, {
        userId: body.user.id,
        tellPrivately: (reply) => privately(args, reply),
      }),
    );
  });
}

/** Where a button's private answer goes: ephemeral where it was clicked, or a DM (App Home has no response_url). */
const privately = (args: ButtonArgs, reply: Reply) =>
  tellPrivately(
    { responseUrl: args.body.response_url, respond: args.respond, client: args.client, userId: args.body.user.id },
    reply,
  );

/** "Stop watching": the API has no cancel; the bot stops following the request and says exactly that. */
export function stopWatching(deps: ListenerDeps) {
  const { service, logger } = deps;
  return statusButton(deps, 'stop-watching', async (args, requestId) => {
    const { body, respond } = args;
    const stopped = await service.stopWatching(requestId, body.user.id).catch((error: unknown) => {
      logger.error({ err: error }, 'stop watching failed');
      return undefined;
    });
    if (stopped === null) await respond(gone);
  });
}

/**
 * What every button does first: acknowledge, and check the person may capture (audited when not). `run` is reached
 * only when they may; otherwise they have been told why, privately.
 */
function capturingButton(deps: ListenerDeps, attempted: DeniedAttempt, run: (args: ButtonArgs) => Promise<void>) {
  return authorized<ButtonArgs, void>(deps, {
    // Acknowledged at once: the access check may take a moment.
    prepare: ({ ack }) => ack(),
    needs: ({ body }) => ({
      right: 'capture',
      userId: body.user.id,
      channelId: asConversationId(body.channel?.id),
      attempted,
    }),
    refuse: (args, refusal) => privately(args, refusedMessage(refusalText(refusal, attempted))),
    run,
  });
}

/** A status message's button: the check above, then the request id read from the button's value. */
function statusButton(
  deps: ListenerDeps,
  attempted: DeniedAttempt,
  run: (args: ButtonArgs, requestId: string) => Promise<void>,
) {
  return capturingButton(deps, attempted, async (args) => {
    const requestId = requestIdValue.safeParse(args.action.value);
    if (!requestId.success) {
      await args.respond(gone);
      return;
    }
    await run(args, requestId.data);
  });
}
