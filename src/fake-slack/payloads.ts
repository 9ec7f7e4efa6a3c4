import type { Services } from './services.js';
import { messageJson, viewJson } from './slack-json.js';
import type { FakeEphemeral, FakeMessage, FakeView, JsonObject } from './types.js';
import type { StateValues } from './view-state.js';

/* The payloads Slack sends to an app, field for field (docs.slack.dev "Reference: interaction payloads"). */

export interface Actor {
  userId: string;
  channelId: string;
}

export function userName(services: Services, userId: string): string {
  try {
    return services.workspace.user(userId).name;
  } catch {
    return userId.toLowerCase();
  }
}

export function channelName(services: Services, channelId: string): string {
  try {
    const channel = services.workspace.channel(channelId);
    return channel.isIm ? 'directmessage' : channel.name;
  } catch {
    return 'unknown';
  }
}

export function common(services: Services, actor: Actor): JsonObject {
  const { identity } = services;
  return {
    team: { id: identity.teamId, domain: identity.teamDomain },
    user: {
      id: actor.userId,
      username: userName(services, actor.userId),
      name: userName(services, actor.userId),
      team_id: identity.teamId,
    },
    api_app_id: identity.appId,
    token: identity.verificationToken,
    enterprise: null,
    is_enterprise_install: false,
  };
}

/** A slash command: flat string fields (a form over HTTP, the same object over Socket Mode). */
export function slashCommandFields(
  services: Services,
  actor: Actor,
  command: { command: string; text: string; triggerId: string; responseUrl: string },
): Record<string, string> {
  const { identity } = services;
  return {
    token: identity.verificationToken,
    team_id: identity.teamId,
    team_domain: identity.teamDomain,
    channel_id: actor.channelId,
    channel_name: channelName(services, actor.channelId),
    user_id: actor.userId,
    user_name: userName(services, actor.userId),
    command: command.command,
    text: command.text,
    api_app_id: identity.appId,
    is_enterprise_install: 'false',
    response_url: command.responseUrl,
    trigger_id: command.triggerId,
  };
}

export function blockSuggestionPayload(
  services: Services,
  actor: Actor,
  view: FakeView,
  query: { actionId: string; blockId: string; value: string },
): JsonObject {
  return {
    type: 'block_suggestion',
    ...common(services, actor),
    container: { type: 'view', view_id: view.id },
    action_id: query.actionId,
    block_id: query.blockId,
    value: query.value,
    view: viewJson(view, services.identity),
  };
}

export function viewSubmissionPayload(
  services: Services,
  actor: Actor,
  view: FakeView,
  state: StateValues,
  triggerId: string,
): JsonObject {
  return {
    type: 'view_submission',
    ...common(services, actor),
    trigger_id: triggerId,
    view: viewJson(view, services.identity, state),
    response_urls: [],
  };
}

export function viewClosedPayload(services: Services, actor: Actor, view: FakeView): JsonObject {
  return {
    type: 'view_closed',
    ...common(services, actor),
    view: viewJson(view, services.identity),
    is_cleared: false,
  };
}

export interface ClickedButton {
  actionId: string;
  blockId: string;
  element: JsonObject;
  triggerId: string;
}

export function messageBlockActionsPayload(
  services: Services,
  actor: Actor,
  message: FakeMessage,
  click: ClickedButton & { responseUrl: string },
): JsonObject {
  return {
    type: 'block_actions',
    ...common(services, actor),
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: click.triggerId,
    channel: { id: message.channel, name: channelName(services, message.channel) },
    message: messageJson(message, services.identity),
    state: { values: {} },
    response_url: click.responseUrl,
    actions: [buttonAction(click)],
  };
}

/** A click in an ephemeral: Slack sends no `message` (it keeps none), only where it was shown. */
export function ephemeralBlockActionsPayload(
  services: Services,
  actor: Actor,
  ephemeral: FakeEphemeral,
  click: ClickedButton & { responseUrl: string },
): JsonObject {
  return {
    type: 'block_actions',
    ...common(services, actor),
    container: { type: 'message', message_ts: ephemeral.ts, channel_id: ephemeral.channel, is_ephemeral: true },
    trigger_id: click.triggerId,
    channel: { id: ephemeral.channel, name: channelName(services, ephemeral.channel) },
    state: { values: {} },
    response_url: click.responseUrl,
    actions: [buttonAction(click)],
  };
}

export function viewBlockActionsPayload(
  services: Services,
  actor: Actor,
  view: FakeView,
  state: StateValues,
  click: ClickedButton,
): JsonObject {
  return {
    type: 'block_actions',
    ...common(services, actor),
    container: { type: 'view', view_id: view.id },
    trigger_id: click.triggerId,
    view: viewJson(view, services.identity, state),
    actions: [buttonAction(click)],
  };
}

/** A change to an input element with `dispatch_action` in an open modal: its new state is the action. */
export function viewInputActionPayload(
  services: Services,
  actor: Actor,
  view: FakeView,
  state: StateValues,
  changed: { blockId: string; actionId: string; triggerId: string },
): JsonObject {
  return {
    type: 'block_actions',
    ...common(services, actor),
    container: { type: 'view', view_id: view.id },
    trigger_id: changed.triggerId,
    view: viewJson(view, services.identity, state),
    actions: [
      {
        ...state[changed.blockId]?.[changed.actionId],
        action_id: changed.actionId,
        block_id: changed.blockId,
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}

function buttonAction({ actionId, blockId, element }: ClickedButton): JsonObject {
  return {
    type: 'button',
    action_id: actionId,
    block_id: blockId,
    text: element.text,
    ...(element.value !== undefined && { value: element.value }),
    ...(element.style !== undefined && { style: element.style }),
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
}
