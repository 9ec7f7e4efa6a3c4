import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { asUserId } from '../../slack-ids.js';
import type { ListenerDeps } from '../deps.js';

/** The person opened the bot's Home tab: publish it for them (their captures, the quota, what they may do). */
export function appHomeOpened({ home }: ListenerDeps) {
  return async ({ event }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    // The Messages tab sends the same event; only the Home tab has a view to publish.
    if (event.tab !== 'home') return;
    const userId = asUserId(event.user);
    if (userId) home.opened(userId);
  };
}
