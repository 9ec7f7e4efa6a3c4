import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { RequestQuery } from '../../../captures/store.js';
import { sendPrivateFile } from '../../audit-export.js';
import { asConversationId } from '../../slack-ids.js';
import { auditExportFile } from '../../ui/audit-csv.js';
import {
  ANSWER_FAILED_MESSAGE,
  auditExportedReply,
  auditMessage,
  helpMessage,
  quotaMessage,
  quotaUnavailableReply,
  type Reply,
  refusalText,
  refusedMessage,
  requestListMessage,
  requestNotFoundMessage,
  requestStatusMessage,
  unknownCommandMessage,
} from '../../ui/replies.js';
import { authorized, type Need } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';
import { type CaptureCommand, parseCaptureCommand } from './parse-capture-command.js';

type Args = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

const ephemeral = (reply: Reply) => ({ response_type: 'ephemeral' as const, ...reply });

interface Prepared {
  parsed: CaptureCommand;
  /** Where it was typed: kept only when it is a well-formed conversation id (it goes into private_metadata). */
  channelId: string | null;
}

/** What each form of `/capture` needs the person to be allowed. */
function needOf({ parsed, channelId }: Prepared, userId: string): Need {
  switch (parsed.kind) {
    case 'help':
    case 'unknown':
      return { right: 'none' };
    case 'open':
      return { right: 'capture', userId, channelId, attempted: 'open-form' };
    case 'audit':
      return { right: 'capture', userId, channelId, attempted: 'read-audit' };
    default:
      return { right: 'read', userId };
  }
}

/** `/capture …`: the modal, or a quick ephemeral answer. */
export function captureCommand(deps: ListenerDeps) {
  const { service, audit, logger, now } = deps;

  const run = async ({ command, ack, respond, client }: Args, { parsed, channelId }: Prepared): Promise<void> => {
    switch (parsed.kind) {
      case 'help':
        return ack(ephemeral(helpMessage()));
      case 'unknown':
        return ack(ephemeral(unknownCommandMessage(parsed.text)));
      case 'open': {
        await ack();
        const target = parsed.target;
        const prefill =
          target && 'deviceName' in target
            ? { channelId, deviceName: target.deviceName }
            : { channelId, ...(target ? { person: target } : {}) };
        await deps.followUps.run(() =>
          openCaptureModal(client, command.trigger_id, prefill, deps, {
            userId: command.user_id,
            tellPrivately: (reply) => respond(ephemeral(reply)),
          }),
        );
        return;
      }
    }

    // The rest read Cloudflare or the store: acknowledge first, answer through the response URL.
    await ack();
    try {
      if (parsed.kind === 'quota') {
        // Shared and cached for 30 s: a burst of these (or replays) costs Cloudflare one call.
        const quota = await service.quota().catch(() => null);
        await respond(
          ephemeral(quota ? quotaMessage(quota, now()) : quotaUnavailableReply(service.lastKnownQuota(), now())),
        );
      } else if (parsed.kind === 'audit' && parsed.export) {
        const since = new Date(now().getTime() - parsed.days * 86_400_000);
        const events = await audit.everything(since);
        await sendPrivateFile(client, command.user_id, auditExportFile(events, parsed.days, now()));
        await respond(ephemeral(auditExportedReply(events.length, parsed.days)));
      } else if (parsed.kind === 'audit') {
        const since = new Date(now().getTime() - parsed.days * 86_400_000);
        await respond(ephemeral(auditMessage(await audit.report(since), parsed.days)));
      } else if (parsed.kind === 'status') {
        const request = await service.getRequest(parsed.requestId);
        if (!request) {
          await respond(ephemeral(requestNotFoundMessage(parsed.requestId)));
          return;
        }
        const link = await deps.permalinks.of(request);
        await respond(ephemeral(requestStatusMessage(await service.statusView(request), link)));
      } else {
        const filter = parsed.filter;
        const query: RequestQuery =
          filter.kind === 'mine'
            ? { requestedBy: command.user_id }
            : filter.kind === 'user'
              ? { requestedBy: filter.userId }
              : filter.kind === 'device'
                ? { device: filter.query }
                : {};
        const requests = await service.listRequests({ ...query, limit: 10 });
        const views = await Promise.all(requests.map((request) => service.statusView(request)));
        const links = await deps.permalinks.forAll(requests);
        await respond(ephemeral(requestListMessage(views, now(), links, filter)));
      }
    } catch (error) {
      logger.error({ err: error, subcommand: parsed.kind }, '/capture answer failed');
      await respond(ephemeral(ANSWER_FAILED_MESSAGE)).catch(() => {});
    }
  };

  return authorized<Args, Prepared>(deps, {
    prepare: ({ command }) => ({
      parsed: parseCaptureCommand(command.text ?? ''),
      channelId: asConversationId(command.channel_id),
    }),
    needs: ({ command }, prepared) => needOf(prepared, command.user_id),
    refuse: ({ ack, command }, refusal, prepared) => {
      const need = needOf(prepared, command.user_id);
      const attempted =
        need.right === 'read' ? 'read' : 'attempted' in need ? (need.attempted ?? undefined) : undefined;
      return ack(ephemeral(refusedMessage(refusalText(refusal, attempted))));
    },
    run,
  });
}
