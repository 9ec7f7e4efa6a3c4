import type { Services } from './services.js';
import type { JsonObject } from './types.js';

/* Events API deliveries (docs.slack.dev "Events API": the `event_callback` wrapper around each event). */

const eventTs = () => `${(Date.now() / 1000).toFixed(6)}`;

/** The outer envelope: the same body over HTTP (JSON) and as a Socket Mode `events_api` payload. */
export function eventCallback(services: Services, event: JsonObject): JsonObject {
  const { identity, ids } = services;
  return {
    token: identity.verificationToken,
    team_id: identity.teamId,
    api_app_id: identity.appId,
    event,
    type: 'event_callback',
    event_id: ids.next('Ev'),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: identity.teamId,
        user_id: identity.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** The user opened the app's Home tab; `view` is what the bot last published there, when it has. */
export function appHomeOpenedEvent(userId: string, imId: string, view: JsonObject | undefined): JsonObject {
  return {
    type: 'app_home_opened',
    user: userId,
    channel: imId,
    tab: 'home',
    ...(view !== undefined && { view }),
    event_ts: eventTs(),
  };
}
