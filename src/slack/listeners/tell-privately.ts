import type { RespondFn, webApi } from '@slack/bolt';
import { asUserId } from '../slack-ids.js';
import type { Reply } from '../ui/replies.js';

/**
 * An answer only this person sees: ephemeral where they acted, when Slack gave a response_url; otherwise (App Home,
 * a global shortcut) a DM from the bot.
 */
export function tellPrivately(
  where: { responseUrl: string | undefined; respond: RespondFn; client: webApi.WebClient; userId: string | undefined },
  reply: Reply,
): Promise<unknown> {
  if (where.responseUrl) return where.respond({ response_type: 'ephemeral', replace_original: false, ...reply });
  // A payload without a real user id (forged) has nobody to tell: nothing is posted anywhere.
  const userId = asUserId(where.userId);
  return userId ? where.client.chat.postMessage({ channel: userId, ...reply }) : Promise.resolve();
}
