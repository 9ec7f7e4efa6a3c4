import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { CaptureRequest } from '../../../captures/model.js';
import { fieldError } from '../../ui/capture-modal.js';
import { readDenyNote } from '../../ui/deny-modal.js';
import { DENY_NOTE_BLOCK } from '../../ui/ids.js';
import { decisionNotTakenError, refusalText } from '../../ui/replies.js';
import { requestIdValue } from '../actions/status-buttons.js';
import { approverNeed, authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';

type Args = AllMiddlewareArgs & SlackViewMiddlewareArgs;

/**
 * The deny modal's submit: the right is checked again (it may have changed since the click), the reason must be
 * given, and the denial is taken once; every problem goes back on the reason field, so nothing is lost.
 */
export function denySubmit(deps: ListenerDeps) {
  const { service, logger } = deps;
  const onNote = (ack: Args['ack'], error: string) =>
    ack({ response_action: 'errors', errors: { [DENY_NOTE_BLOCK]: fieldError(error) } });

  return authorized<Args, { request: CaptureRequest | null }>(deps, {
    prepare: async ({ view }) => {
      const id = requestIdValue.safeParse(view.private_metadata);
      return { request: id.success ? await service.getRequest(id.data) : null };
    },
    needs: ({ body }, { request }) => (request ? approverNeed(body.user.id, request, null) : { right: 'none' }),
    refuse: ({ ack }, refusal) => onNote(ack, refusalText(refusal, 'decide-approval')),
    run: async ({ ack, body, view }, { request }) => {
      if (!request) return onNote(ack, decisionNotTakenError({ kind: 'gone' }));
      const read = readDenyNote(view.state.values);
      if (!read.ok) return onNote(ack, read.error);
      const outcome = await service
        .decide(request.id, body.user.id, { approved: false, note: read.note })
        .catch((error: unknown) => {
          logger.error({ err: error, requestId: request.id }, 'denying a capture request failed');
          return null;
        });
      if (outcome?.kind === 'decided') return ack();
      return onNote(ack, decisionNotTakenError(outcome));
    },
  });
}
