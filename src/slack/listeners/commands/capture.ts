import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { CaptureRequest } from '../../../captures/model.js';
import type { RequestQuery } from '../../../store/store.js';
import {
  helpMessage,
  quotaMessage,
  type Reply,
  requestListMessage,
  requestStatusMessage,
  unknownCommandMessage,
} from '../../ui/replies.js';
import type { ListenerDeps } from '../deps.js';
import { openCaptureModal } from '../open-capture-modal.js';
import { parseCaptureCommand } from './parse-capture-command.js';

type Args = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

const ephemeral = (reply: Reply) => ({ response_type: 'ephemeral' as const, ...reply });

/** `/capture …`: the modal, or a quick ephemeral answer. */
export function captureCommand(deps: ListenerDeps) {
  const { service, logger, now } = deps;

  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    const parsed = parseCaptureCommand(command.text ?? '');
    switch (parsed.kind) {
      case 'help':
        return ack(ephemeral(helpMessage()));
      case 'unknown':
        return ack(ephemeral(unknownCommandMessage(parsed.text)));
      case 'open': {
        await ack();
        const person = parsed.target ?? undefined;
        await openCaptureModal(
          client,
          command.trigger_id,
          { channelId: command.channel_id, ...(person ? { person } : {}) },
          deps,
        );
        return;
      }
    }

    // The rest read Cloudflare or the store: acknowledge first, answer through the response URL.
    await ack();
    try {
      if (parsed.kind === 'quota') {
        await respond(ephemeral(quotaMessage(await service.quota({ fresh: true }), now())));
      } else if (parsed.kind === 'status') {
        const request = await service.getRequest(parsed.requestId);
        if (!request) {
          await respond(
            ephemeral({ text: `No capture \`${parsed.requestId}\` found. \`/capture list\` shows recent ones.` }),
          );
          return;
        }
        const link = await permalink(client, request);
        await respond(ephemeral(requestStatusMessage(request, await service.commandsOf(request.id), now(), link)));
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
        const withCommands = await Promise.all(
          requests.map(async (request) => ({ request, commands: await service.commandsOf(request.id) })),
        );
        const links = new Map(
          await Promise.all(requests.map(async (r) => [r.id, await permalink(client, r)] as const)),
        );
        await respond(ephemeral(requestListMessage(withCommands, now(), (r) => links.get(r.id) ?? null)));
      }
    } catch (error) {
      logger.error({ err: error, subcommand: parsed.kind }, '/capture answer failed');
      await respond(
        ephemeral({ text: 'Sorry, I could not get that from Cloudflare just now. Try again in a minute.' }),
      ).catch(() => {});
    }
  };
}

async function permalink(client: Args['client'], request: CaptureRequest): Promise<string | null> {
  if (!request.statusMessage) return null;
  try {
    const { permalink: url } = await client.chat.getPermalink({
      channel: request.statusMessage.channelId,
      message_ts: request.statusMessage.ts,
    });
    return url ?? null;
  } catch {
    return null;
  }
}
