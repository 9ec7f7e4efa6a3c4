import { type Actor, channelName, common } from './payloads.js';
import type { Services } from './services.js';
import { messageJson } from './slack-json.js';
import type { FakeMessage, JsonObject } from './types.js';

/* Shortcut payloads (docs.slack.dev "Reference: interaction payloads", shortcut and message_action). */

const actionTs = () => `${(Date.now() / 1000).toFixed(6)}`;

/** A global shortcut (lightning menu): no channel, no response_url. */
export function globalShortcutPayload(
  services: Services,
  actor: Actor,
  shortcut: { callbackId: string; triggerId: string },
): JsonObject {
  return {
    type: 'shortcut',
    ...common(services, actor),
    callback_id: shortcut.callbackId,
    trigger_id: shortcut.triggerId,
    action_ts: actionTs(),
  };
}

/** A message shortcut (a message's ⋯ menu): the message as stored, its channel and a response_url. */
export function messageShortcutPayload(
  services: Services,
  actor: Actor,
  message: FakeMessage,
  shortcut: { callbackId: string; triggerId: string; responseUrl: string },
): JsonObject {
  return {
    type: 'message_action',
    ...common(services, actor),
    callback_id: shortcut.callbackId,
    trigger_id: shortcut.triggerId,
    response_url: shortcut.responseUrl,
    channel: { id: message.channel, name: channelName(services, message.channel) },
    message: messageJson(message, services.identity),
    message_ts: message.ts,
    action_ts: actionTs(),
  };
}
