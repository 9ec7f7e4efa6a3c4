import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { CaptureRequest } from '../../../captures/model.js';
import { asConversationId } from '../../slack-ids.js';
import { denyModal } from '../../ui/deny-modal.js';
import { decisionNotTakenReply, refusalText, refusedMessage, withdrawNotDoneReply } from '../../ui/replies.js';
import { approverNeed, authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';
import { tellPrivately } from '../tell-privately.js';
import { requestIdValue } from './status-buttons.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** "Approve" on a request waiting for it: the captures start, once, whoever else clicks. */
export function approveRequest(deps: ListenerDeps) {
  return decisionButton(deps, async (args, request) => {
    const outcome = await deps.service.decide(request.id, args.body.user.id, { approved: true }).catch((error) => {
      deps.logger.error({ err: error, requestId: request.id }, 'approving a capture request failed');
      return null;
    });
    // Taken: the status message and its thread say so. Otherwise the approver alone hears why not.
    if (outcome?.kind === 'decided') return;
    await privately(args, decisionNotTakenReply(outcome, args.body.user.id));
  });
}

/** "Deny": asks the approver why, in a modal; the denial is taken when it is submitted (views/deny-submit.ts). */
export function denyRequest(deps: ListenerDeps) {
  return decisionButton(deps, async (args, request) => {
    if (request.state !== 'awaiting-approval') {
      await privately(args, decisionNotTakenReply({ kind: 'not-waiting', request }, args.body.user.id));
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: denyModal(request) });
  });
}

/** "Withdraw": the requester takes back a request no one has decided yet (the service checks it is theirs). */
export function withdrawRequest(deps: ListenerDeps) {
  return authorized<ButtonArgs, { requestId: string | null }>(deps, {
    prepare: async ({ ack, action }) => {
      await ack();
      const id = requestIdValue.safeParse(action.value);
      return { requestId: id.success ? id.data : null };
    },
    // Taking back one's own request only stops things: no right beyond being its requester, which the service checks.
    needs: () => ({ right: 'none' }),
    refuse: () => Promise.resolve(),
    run: async (args, { requestId }) => {
      const outcome = requestId
        ? await deps.service.withdraw(requestId, args.body.user.id).catch((error: unknown) => {
            deps.logger.error({ err: error, requestId }, 'withdrawing a capture request failed');
            return null;
          })
        : ({ kind: 'gone' } as const);
      if (outcome?.kind === 'withdrawn') return;
      await privately(args, withdrawNotDoneReply(outcome));
    },
  });
}

/**
 * What Approve and Deny do first: acknowledge, find the request, and check that the clicker may decide it (an approver
 * who is not the requester; fail closed, a refusal audited and answered privately).
 */
function decisionButton(deps: ListenerDeps, run: (args: ButtonArgs, request: CaptureRequest) => Promise<void>) {
  return authorized<ButtonArgs, { request: CaptureRequest | null }>(deps, {
    prepare: async ({ ack, action }) => {
      await ack();
      const id = requestIdValue.safeParse(action.value);
      return { request: id.success ? await deps.service.getRequest(id.data) : null };
    },
    needs: ({ body }, { request }) =>
      request ? approverNeed(body.user.id, request, asConversationId(body.channel?.id)) : { right: 'none' },
    refuse: (args, refusal) => privately(args, refusedMessage(refusalText(refusal, 'decide-approval')).text),
    run: async (args, { request }) => {
      if (!request) {
        await privately(args, decisionNotTakenReply({ kind: 'gone' }));
        return;
      }
      await run(args, request);
    },
  });
}

const privately = (args: ButtonArgs, text: string) =>
  tellPrivately(
    { responseUrl: args.body.response_url, respond: args.respond, client: args.client, userId: args.body.user.id },
    { text },
  );
