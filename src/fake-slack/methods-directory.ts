import { botMethod, type MethodTable, requireString } from './method.js';
import { channelJson, userJson } from './slack-json.js';

/** Who and where: auth.test, users, conversations, user groups. */
export const directoryMethods: MethodTable = {
  'auth.test': botMethod((_args, { identity, baseUrl }) => ({
    ok: true,
    url: baseUrl(),
    team: identity.teamName,
    user: identity.botName,
    team_id: identity.teamId,
    user_id: identity.botUserId,
    bot_id: identity.botId,
    app_id: identity.appId,
    is_enterprise_install: false,
  })),

  'users.info': botMethod((args, { workspace, identity }) => ({
    ok: true,
    user: userJson(workspace.user(requireString(args, 'user', 'user_not_found')), identity),
  })),

  'users.lookupByEmail': botMethod((args, { workspace, identity }) => ({
    ok: true,
    user: userJson(workspace.userByEmail(requireString(args, 'email', 'users_not_found')), identity),
  })),

  'conversations.info': botMethod((args, { workspace }) => ({
    ok: true,
    channel: channelJson(workspace.conversation(requireString(args, 'channel', 'channel_not_found'))),
  })),

  'conversations.open': botMethod((args, { workspace }) => {
    const user = requireString(args, 'users', 'user_not_found').split(',')[0] ?? '';
    return { ok: true, channel: { id: workspace.openDirectMessage(user) } };
  }),

  'usergroups.list': botMethod((_args, { workspace }) => ({
    ok: true,
    usergroups: workspace.usergroupList().map((g) => ({ id: g.id, handle: g.handle ?? g.id.toLowerCase() })),
  })),

  'usergroups.users.list': botMethod((args, { workspace }) => ({
    ok: true,
    users: [...workspace.usergroup(requireString(args, 'usergroup', 'no_such_subteam')).users],
  })),
};
