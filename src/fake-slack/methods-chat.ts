import { SlackApiError } from './api-error.js';
import { botMethod, type MethodTable, messageContent, requireString, stringArg } from './method.js';
import { messageJson } from './slack-json.js';

/** chat.*: messages, thread replies, edits, ephemerals. */
export const chatMethods: MethodTable = {
  'chat.postMessage': botMethod((args, { workspace, identity }) => {
    const channel = requireString(args, 'channel', 'channel_not_found');
    workspace.channel(channel); // an unknown channel wins over a content problem, as in Slack
    const content = messageContent(args, { required: true });
    const threadTs = stringArg(args, 'thread_ts');
    const message = workspace.post(channel, {
      ...content,
      ...(threadTs !== undefined && { threadTs }),
      ...(args.metadata !== undefined && { metadata: args.metadata }),
    });
    return { ok: true, channel: message.channel, ts: message.ts, message: messageJson(message, identity) };
  }),

  'chat.update': botMethod((args, { workspace, identity }) => {
    const channel = requireString(args, 'channel', 'channel_not_found');
    workspace.channel(channel);
    const ts = requireString(args, 'ts', 'message_not_found');
    workspace.message(channel, ts);
    const { text, blocks } = messageContent(args, { required: true });
    const message = workspace.edit(channel, ts, {
      ...(text !== undefined && { text }),
      ...(blocks !== undefined && { blocks }),
    });
    return {
      ok: true,
      channel: message.channel,
      ts: message.ts,
      text: message.text ?? '',
      message: messageJson(message, identity),
    };
  }),

  'chat.delete': botMethod((args, { workspace }) => {
    const channel = requireString(args, 'channel', 'channel_not_found');
    const ts = requireString(args, 'ts', 'message_not_found');
    const message = workspace.remove(channel, ts);
    return { ok: true, channel: message.channel, ts: message.ts };
  }),

  'chat.postEphemeral': botMethod((args, { workspace }) => {
    const channel = requireString(args, 'channel', 'channel_not_found');
    workspace.channel(channel);
    const user = requireString(args, 'user', 'user_not_found');
    workspace.user(user);
    const content = messageContent(args, { required: true });
    const threadTs = stringArg(args, 'thread_ts');
    const ephemeral = workspace.addEphemeral({
      channel,
      user,
      ...content,
      ...(threadTs !== undefined && { threadTs }),
      via: 'api',
    });
    return { ok: true, message_ts: ephemeral.ts };
  }),

  'chat.getPermalink': botMethod((args, { workspace, baseUrl }) => {
    const channel = requireString(args, 'channel', 'channel_not_found');
    const ts = stringArg(args, 'message_ts');
    if (ts === undefined) throw new SlackApiError('message_not_found');
    const message = workspace.message(channel, ts);
    // A loopback URL: nothing a test follows should ever leave the machine.
    const permalink = `${baseUrl()}archives/${message.channel}/p${message.ts.replace('.', '')}`;
    return { ok: true, channel: message.channel, permalink };
  }),
};
