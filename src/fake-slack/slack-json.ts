import type { Identity } from './services.js';
import type { FakeChannel, FakeMessage, FakeUser, FakeView, JsonObject } from './types.js';

/* The JSON shapes Slack answers with, built from the fake's records. */

export function messageJson(message: FakeMessage, identity: Identity): JsonObject {
  // A person's message has no bot fields.
  const fromBot = message.botId !== undefined && {
    subtype: 'bot_message',
    bot_id: message.botId,
    app_id: identity.appId,
  };
  return {
    type: 'message',
    ...fromBot,
    text: message.text ?? '',
    user: message.user,
    team: identity.teamId,
    ts: message.ts,
    ...(message.threadTs !== undefined && { thread_ts: message.threadTs }),
    ...(message.blocks !== undefined && { blocks: message.blocks }),
    ...(message.metadata !== undefined && { metadata: message.metadata }),
  };
}

export function userJson(user: FakeUser, identity: Identity): JsonObject {
  const realName = user.realName ?? user.name;
  return {
    id: user.id,
    team_id: identity.teamId,
    name: user.name,
    deleted: false,
    real_name: realName,
    tz: user.tz ?? 'Europe/London',
    is_admin: user.isAdmin ?? false,
    is_owner: user.isOwner ?? false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    profile: {
      real_name: realName,
      display_name: user.name,
      ...(user.email !== undefined && { email: user.email }),
      team: identity.teamId,
    },
  };
}

export function channelJson(channel: FakeChannel): JsonObject {
  const isIm = channel.isIm ?? false;
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !isIm && !(channel.isPrivate ?? false),
    is_group: !isIm && (channel.isPrivate ?? false),
    is_im: isIm,
    is_mpim: false,
    is_private: isIm || (channel.isPrivate ?? false),
    is_archived: false,
    is_member: true,
    ...(channel.user !== undefined && { user: channel.user }),
  };
}

/** A view as Slack returns it from views.* and puts it in interaction payloads. */
export function viewJson(entry: FakeView, identity: Identity, values: JsonObject = {}): JsonObject {
  const { view } = entry;
  return {
    type: 'modal',
    callback_id: '',
    private_metadata: '',
    external_id: '',
    close: null,
    submit: null,
    clear_on_close: false,
    notify_on_close: false,
    ...view,
    id: entry.id,
    team_id: identity.teamId,
    blocks: view.blocks ?? [],
    state: { values },
    hash: entry.hash,
    previous_view_id: entry.previousViewId,
    root_view_id: entry.rootViewId,
    app_id: identity.appId,
    app_installed_team_id: identity.teamId,
    bot_id: identity.botId,
  };
}
