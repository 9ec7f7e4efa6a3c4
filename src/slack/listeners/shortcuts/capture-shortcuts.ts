import type {
  AllMiddlewareArgs,
  GlobalShortcut,
  MessageShortcut,
  SlackShortcut,
  SlackShortcutMiddlewareArgs,
} from '@slack/bolt';
import { asConversationId, asUserId } from '../../slack-ids.js';
import { NO_AUTHOR_NOTICE } from '../../ui/capture-modal.js';
import { type Reply, refusalText, refusedMessage } from '../../ui/replies.js';
import { authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';
import { type ModalPrefill, openCaptureModal } from '../open-capture-modal.js';
import { tellPrivately } from '../tell-privately.js';

type ShortcutArgs<S extends SlackShortcut> = AllMiddlewareArgs & SlackShortcutMiddlewareArgs<S>;

/** A shortcut's private answer: in the message's conversation (its response_url), or by DM for a global shortcut. */
function privately(args: ShortcutArgs<SlackShortcut>, reply: Reply): Promise<unknown> {
  const { shortcut } = args;
  const responseUrl = 'response_url' in shortcut ? shortcut.response_url : undefined;
  return tellPrivately({ responseUrl, respond: args.respond, client: args.client, userId: shortcut.user.id }, reply);
}

/** Both shortcuts open the capture form through the same check as `/capture`; only what is prefilled differs. */
function formShortcut<S extends SlackShortcut>(deps: ListenerDeps, prefill: (shortcut: S) => ModalPrefill) {
  return authorized<ShortcutArgs<S>, void>(deps, {
    prepare: ({ ack }) => ack(),
    needs: ({ shortcut }) => ({
      right: 'capture',
      userId: shortcut.user.id,
      channelId: 'channel' in shortcut ? asConversationId(shortcut.channel?.id) : null,
      attempted: 'open-form',
    }),
    refuse: (args, refusal) => privately(args, refusedMessage(refusalText(refusal, 'open-form'))),
    run: async (args) => {
      const { shortcut, client } = args;
      await deps.followUps.run(() =>
        openCaptureModal(client, shortcut.trigger_id, prefill(shortcut), deps, {
          userId: shortcut.user.id,
          tellPrivately: (reply) => privately(args, reply),
        }),
      );
    },
  });
}

/** The global shortcut "Start a DEX capture": the form, with nothing picked; the status goes where they choose. */
export function startCaptureShortcut(deps: ListenerDeps) {
  return formShortcut<GlobalShortcut>(deps, () => ({ channelId: null }));
}

/**
 * The message shortcut "Capture this person's devices": the form with the message author's devices picked and the
 * status in that conversation. A message no person wrote (a bot's, a workflow's) picks nothing and says why.
 */
export function captureAuthorShortcut(deps: ListenerDeps) {
  return formShortcut<MessageShortcut>(deps, (shortcut) => {
    const channelId = asConversationId(shortcut.channel?.id);
    // A bot's message (this bot's status, say) carries the bot's own user id: no person behind it either.
    const message = shortcut.message as { user?: string; bot_id?: string } | undefined;
    const author = message?.bot_id ? null : asUserId(message?.user);
    return author ? { channelId, person: { userId: author } } : { channelId, notice: NO_AUTHOR_NOTICE };
  });
}
