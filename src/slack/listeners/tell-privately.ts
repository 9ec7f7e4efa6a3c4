import type { RespondFn, webApi } from '@slack/bolt';
import type { Reply } from '../ui/replies.js';

/**
 * An answer only this person sees: ephemeral where they acted, when Slack gave a response_url; otherwise (App Home,
 * a global shortcut) a DM from the bot.
 */
export function tellPrivately(
  where: { responseUrl: string | undefined; respond: RespondFn; client: webApi.WebClient; userId: string },
  reply: Reply,
): Promise<unknown> {
  if (where.responseUrl) return where.respond({ response_type: 'ephemeral', replace_original: false, ...reply });
  return where.client.chat.postMessage({ channel: where.userId, ...reply });
}
