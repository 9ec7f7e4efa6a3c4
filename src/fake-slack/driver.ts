import { checkModal, checkOptionsResponse } from './block-limits.js';
import {
  type Actor,
  blockSuggestionPayload,
  ephemeralBlockActionsPayload,
  messageBlockActionsPayload,
  slashCommandFields,
  viewBlockActionsPayload,
  viewClosedPayload,
  viewInputActionPayload,
  viewSubmissionPayload,
} from './payloads.js';
import { appHomeOpenedEvent, eventCallback } from './payloads-events.js';
import { globalShortcutPayload, messageShortcutPayload } from './payloads-shortcuts.js';
import type { Services } from './services.js';
import { viewJson } from './slack-json.js';
import type { DriverResponse, RetryOptions, SendOptions, SentRequest, Transport } from './transport.js';
import type { FakeView, JsonObject } from './types.js';
import { buildState, type StateValues } from './view-state.js';

export interface DriverOptions {
  /** 'http' (default): signed POSTs to `botUrl`. 'socket': envelopes over the bot's Socket Mode link. */
  mode?: 'http' | 'socket';
  /** The bot's Request URL, e.g. `http://127.0.0.1:3000/slack/events`; loopback only. Required for 'http'. */
  botUrl?: string;
  /** Default: the fake's `signingSecret`. */
  signingSecret?: string;
  /** Who is typing and clicking. */
  userId: string;
  /** Where slash commands are typed; default the first channel of the fake. */
  channelId?: string;
  /** Default '/capture'. */
  command?: string;
}

export interface SlashCommandResult extends DriverResponse {
  triggerId: string;
  responseUrl: string;
  /** When the ack body had text or blocks: the ephemeral Slack showed the user (a click target). */
  ephemeralTs?: string;
}

export interface OptionsAnswer {
  options?: JsonObject[];
  option_groups?: JsonObject[];
}

/** What Slack did with the modal after the bot's answer to a submission. */
export type SubmitOutcome = 'closed' | 'cleared' | 'errors' | 'updated' | 'pushed' | 'kept' | 'invalid_view';

export interface SubmitResult extends DriverResponse {
  outcome: SubmitOutcome;
  /** Why Slack would refuse the answer (a bad `update`/`push` view, errors keyed to unknown blocks). */
  viewError?: string;
  pushedViewId?: string;
}

export interface ClickResult extends DriverResponse {
  triggerId: string;
  /** Only for clicks in messages: buttons in modals get no response_url. */
  responseUrl?: string;
}

export interface ShortcutResult extends DriverResponse {
  triggerId: string;
}

export interface MessageShortcutResult extends ShortcutResult {
  responseUrl: string;
}

/**
 * A message, an open modal, a user's Home tab (as the bot last published it), or an ephemeral by its message_ts
 * (`slashCommand(…).ephemeralTs`, `slack.ephemerals(userId).at(-1).ts`).
 */
export type ClickTarget =
  | { channelId: string; ts: string }
  | { viewId: string }
  | { homeOf: string }
  | { ephemeral: string };

/** A modal by id, or anything with its `id` (a FakeView, the `view` of a views.open answer). */
export type ViewRef = string | { id: string };

const viewIdOf = (view: ViewRef): string => (typeof view === 'string' ? view : view.id);

interface FoundButton {
  blockId: string;
  element: JsonObject;
}

/** Plays the Slack client: what a user types and clicks reaches the bot the way Slack delivers it. */
export class SlackDriver {
  private readonly actor: Actor;
  private readonly command: string;

  constructor(
    private readonly services: Services,
    private readonly transport: Transport,
    options: DriverOptions & { channelId: string },
  ) {
    this.actor = { userId: options.userId, channelId: options.channelId };
    this.command = options.command ?? '/capture';
  }

  async slashCommand(
    text: string,
    options: SendOptions & { command?: string; channelId?: string } = {},
  ): Promise<SlashCommandResult> {
    const actor = { ...this.actor, ...(options.channelId !== undefined && { channelId: options.channelId }) };
    const triggerId = this.services.views.issueTrigger(actor.userId);
    const responseUrl = this.services.responses.issue('command', actor.channelId, actor.userId);
    const fields = slashCommandFields(this.services, actor, {
      command: options.command ?? this.command,
      text,
      triggerId,
      responseUrl,
    });
    const response = await this.transport.send('command', fields, true, options);
    const shown = response.status === 200 ? ackEphemeral(response.body) : undefined;
    if (!shown) return { ...response, triggerId, responseUrl };
    const ephemeral = this.services.workspace.addEphemeral({
      channel: actor.channelId,
      user: actor.userId,
      ...shown,
      via: 'command_ack',
    });
    return { ...response, triggerId, responseUrl, ephemeralTs: ephemeral.ts };
  }

  /** Typing `value` into an external select of an open modal. Throws unless Slack would show the answer. */
  async searchOptions(
    viewRef: ViewRef,
    actionId: string,
    blockId: string,
    value: string,
    options: SendOptions = {},
  ): Promise<OptionsAnswer> {
    const view = this.openView(viewIdOf(viewRef));
    const element = findElement(view.view.blocks, blockId, actionId);
    if (!element || !String(element.type).includes('external_select')) {
      throw new Error(`fake-slack: view ${view.id} has no external select ${blockId}/${actionId}`);
    }
    const payload = blockSuggestionPayload(this.services, this.actor, view, { actionId, blockId, value });
    const response = await this.transport.send('interactive', payload, true, options);
    if (response.status !== 200)
      throw new Error(`fake-slack: the bot answered the options request with ${response.status}`);
    const problems = checkOptionsResponse(response.body);
    if (problems.length > 0) throw new Error(`fake-slack: Slack would not show these options: ${problems.join('; ')}`);
    return response.body as OptionsAnswer;
  }

  /**
   * Pressing the modal's submit button with `values` entered (untouched elements submit their initial value).
   * `forgedPrivateMetadata` replaces the view's private_metadata in the payload, as a tampered request would.
   */
  async submitView(
    viewRef: ViewRef,
    values: StateValues = {},
    { forgedPrivateMetadata, ...options }: SendOptions & { forgedPrivateMetadata?: string } = {},
  ): Promise<SubmitResult> {
    const { views } = this.services;
    const view = this.openView(viewIdOf(viewRef));
    const state = buildState(view.view.blocks, values);
    const triggerId = views.issueTrigger(this.actor.userId, view.id);
    const payload = viewSubmissionPayload(this.services, this.actor, view, state, triggerId);
    if (forgedPrivateMetadata !== undefined) (payload.view as JsonObject).private_metadata = forgedPrivateMetadata;
    const response = await this.transport.send('interactive', payload, true, options);
    return { ...response, ...this.applySubmissionAnswer(view, response) };
  }

  /** The user closing the modal (×): a view_closed payload only when the view asked for `notify_on_close`. */
  async closeView(viewRef: ViewRef, options: SendOptions = {}): Promise<DriverResponse | undefined> {
    const view = this.openView(viewIdOf(viewRef));
    this.services.views.clear(view.id);
    if (view.view.notify_on_close !== true) return undefined;
    return this.transport.send('interactive', viewClosedPayload(this.services, this.actor, view), false, options);
  }

  /**
   * Clicking a button in a message (`{channelId, ts}`), an open modal (`{viewId}`), the user's own Home tab
   * (`{homeOf: userId}`) or an ephemeral shown to this user (`{ephemeral: ts}`). The button must exist there; `value` picks among buttons sharing an action_id. The
   * payload carries the button's own value.
   */
  async clickButton(
    target: ClickTarget,
    actionId: string,
    value?: string,
    options: SendOptions = {},
  ): Promise<ClickResult> {
    const { views, responses, workspace } = this.services;
    if ('viewId' in target) return this.clickInView(this.openView(target.viewId), actionId, value, options);
    if ('homeOf' in target) return this.clickInView(this.homeView(target.homeOf), actionId, value, options);
    if ('ephemeral' in target) return this.clickInEphemeral(target.ephemeral, actionId, value, options);
    const message = workspace.message(target.channelId, target.ts);
    const button = findButton(message.blocks, actionId, value, `message ${target.channelId}/${target.ts}`);
    const triggerId = views.issueTrigger(this.actor.userId);
    const responseUrl = responses.issue('action', message.channel, this.actor.userId, {
      ts: message.ts,
      ephemeral: false,
    });
    const payload = messageBlockActionsPayload(this.services, this.actor, message, {
      actionId,
      ...button,
      triggerId,
      responseUrl,
    });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId, responseUrl };
  }

  /** The user opening the app's Home tab: an `app_home_opened` event, carrying the published view if any. */
  openAppHome(options: SendOptions = {}): Promise<DriverResponse> {
    const { workspace, homes, identity } = this.services;
    const { userId } = this.actor;
    const home = homes.of(userId);
    const event = appHomeOpenedEvent(
      userId,
      workspace.openDirectMessage(userId),
      home === undefined ? undefined : viewJson(home, identity),
    );
    return this.transport.send('event', eventCallback(this.services, event), false, options);
  }

  /** Picking the app's global shortcut `callbackId` (lightning menu); its trigger can open a modal. */
  async globalShortcut(callbackId: string, options: SendOptions = {}): Promise<ShortcutResult> {
    const triggerId = this.services.views.issueTrigger(this.actor.userId);
    const payload = globalShortcutPayload(this.services, this.actor, { callbackId, triggerId });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId };
  }

  /** Picking the message shortcut `callbackId` on an existing message (a person's or the bot's). */
  async messageShortcut(
    callbackId: string,
    target: { channelId: string; ts: string },
    options: SendOptions = {},
  ): Promise<MessageShortcutResult> {
    const { views, responses, workspace } = this.services;
    const message = workspace.message(target.channelId, target.ts);
    const triggerId = views.issueTrigger(this.actor.userId);
    // Not tied to the message: Slack posts what comes back to its channel (replace_original does not apply).
    const responseUrl = responses.issue('shortcut', message.channel, this.actor.userId);
    const payload = messageShortcutPayload(this.services, this.actor, message, { callbackId, triggerId, responseUrl });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId, responseUrl };
  }

  /**
   * Changing an input of an open modal whose block has `dispatch_action: true` (picking devices, ticking a
   * box): Slack sends the bot a block_actions payload with the changed element and the whole current state.
   */
  async changeInput(
    viewRef: ViewRef,
    blockId: string,
    actionId: string,
    values: StateValues,
    options: SendOptions = {},
  ) {
    const view = this.openView(viewIdOf(viewRef));
    const block = (view.view.blocks as JsonObject[] | undefined)?.find((b) => b.block_id === blockId);
    if (block?.dispatch_action !== true) {
      throw new Error(`fake-slack: block ${blockId} of view ${view.id} does not dispatch actions; Slack sends nothing`);
    }
    const state = buildState(view.view.blocks, values);
    const triggerId = this.services.views.issueTrigger(this.actor.userId, view.id);
    const payload = viewInputActionPayload(this.services, this.actor, view, state, { blockId, actionId, triggerId });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId };
  }

  /** Sends exactly the same request again (same body, timestamp and signature), as Slack's retries do. */
  resend(request: SentRequest, options: RetryOptions = {}): Promise<DriverResponse> {
    return this.transport.resend(request, options);
  }

  /** A modal's trigger comes "from" it (views.push stacks on it); a Home tab's only opens new modals. */
  private async clickInView(
    view: FakeView,
    actionId: string,
    value: string | undefined,
    options: SendOptions,
  ): Promise<ClickResult> {
    const where = view.view.type === 'home' ? `home view of ${view.userId}` : `view ${view.id}`;
    const button = findButton(view.view.blocks, actionId, value, where);
    const fromModal = view.view.type !== 'home';
    const triggerId = this.services.views.issueTrigger(this.actor.userId, fromModal ? view.id : undefined);
    const state = buildState(view.view.blocks, {});
    const payload = viewBlockActionsPayload(this.services, this.actor, view, state, { actionId, ...button, triggerId });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId };
  }

  /** Its response_url can replace or delete that ephemeral; its trigger opens modals. */
  private async clickInEphemeral(
    ts: string,
    actionId: string,
    value: string | undefined,
    options: SendOptions,
  ): Promise<ClickResult> {
    const { views, responses, workspace } = this.services;
    const ephemeral = workspace.ephemeral(ts);
    if (ephemeral.user !== this.actor.userId) {
      throw new Error(`fake-slack: ${this.actor.userId} cannot click the ephemeral ${ts} shown to ${ephemeral.user}`);
    }
    const button = findButton(ephemeral.blocks, actionId, value, `ephemeral ${ts}`);
    const triggerId = views.issueTrigger(this.actor.userId);
    const responseUrl = responses.issue('action', ephemeral.channel, this.actor.userId, { ts, ephemeral: true });
    const payload = ephemeralBlockActionsPayload(this.services, this.actor, ephemeral, {
      actionId,
      ...button,
      triggerId,
      responseUrl,
    });
    return { ...(await this.transport.send('interactive', payload, false, options)), triggerId, responseUrl };
  }

  private homeView(userId: string): FakeView {
    if (userId !== this.actor.userId) {
      throw new Error(`fake-slack: ${this.actor.userId} cannot click in the Home tab of ${userId}`);
    }
    const home = this.services.homes.of(userId);
    if (!home) throw new Error(`fake-slack: the bot has published no home view for ${userId}`);
    return home;
  }

  private openView(viewId: string): FakeView {
    const view = this.services.views.get(viewId);
    if (!view?.open) throw new Error(`fake-slack: view ${viewId} is not open`);
    if (view.userId !== this.actor.userId) {
      throw new Error(`fake-slack: view ${viewId} belongs to ${view.userId}, not ${this.actor.userId}`);
    }
    return view;
  }

  /** Does to the modal what Slack does with the bot's submission ack. */
  private applySubmissionAnswer(view: FakeView, response: DriverResponse): Omit<SubmitResult, keyof DriverResponse> {
    const { views } = this.services;
    if (response.status !== 200) return { outcome: 'kept' }; // Slack shows "trouble connecting"; the modal stays
    const body = typeof response.body === 'object' && response.body !== null ? (response.body as JsonObject) : {};
    switch (body.response_action) {
      case 'clear':
        views.clear(view.id);
        return { outcome: 'cleared' };
      case 'errors': {
        const inputs = inputBlockIds(view.view.blocks);
        const errors = typeof body.errors === 'object' && body.errors !== null ? Object.keys(body.errors) : [];
        const unknown = errors.filter((blockId) => !inputs.includes(blockId));
        return {
          outcome: 'errors',
          ...(unknown.length > 0 && { viewError: `errors name blocks that are not inputs: ${unknown.join(', ')}` }),
        };
      }
      case 'update':
      case 'push': {
        const problem = checkModal(body.view);
        if (problem) return { outcome: 'invalid_view', viewError: `${problem.error}: ${problem.extra.errors}` };
        if (body.response_action === 'update') {
          views.update(view.id, undefined, undefined, body.view as JsonObject);
          return { outcome: 'updated' };
        }
        const pushed = views.pushOnto(view.id, body.view as JsonObject, view.userId);
        return { outcome: 'pushed', pushedViewId: pushed.id };
      }
      default:
        views.close(view.id);
        return { outcome: 'closed' };
    }
  }
}

/**
 * What Slack shows the user from a slash command's ack body: a string is its text; an object with text or
 * blocks an ephemeral, unless it asks for `in_channel`.
 */
function ackEphemeral(body: unknown): { text: string | undefined; blocks: JsonObject[] | undefined } | undefined {
  if (typeof body === 'string') return body === '' ? undefined : { text: body, blocks: undefined };
  if (typeof body !== 'object' || body === null) return undefined;
  const { text, blocks, response_type } = body as JsonObject;
  if (response_type === 'in_channel') return undefined;
  const shown = {
    text: typeof text === 'string' ? text : undefined,
    blocks: Array.isArray(blocks) ? blocksOf(blocks) : undefined,
  };
  return shown.text === undefined && shown.blocks === undefined ? undefined : shown;
}

function blocksOf(blocks: unknown): JsonObject[] {
  return Array.isArray(blocks)
    ? blocks.filter((block): block is JsonObject => typeof block === 'object' && block !== null)
    : [];
}

function inputBlockIds(blocks: unknown): string[] {
  return blocksOf(blocks)
    .filter((block) => block.type === 'input' && typeof block.block_id === 'string')
    .map((block) => block.block_id as string);
}

function elementsOf(block: JsonObject): JsonObject[] {
  const candidates = [block.element, block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
  return candidates.filter((element): element is JsonObject => typeof element === 'object' && element !== null);
}

function findElement(blocks: unknown, blockId: string, actionId: string): JsonObject | undefined {
  const block = blocksOf(blocks).find((candidate) => candidate.block_id === blockId);
  return block ? elementsOf(block).find((element) => element.action_id === actionId) : undefined;
}

function findButton(blocks: unknown, actionId: string, value: string | undefined, where: string): FoundButton {
  const list = blocksOf(blocks);
  for (const [index, block] of list.entries()) {
    const element = elementsOf(block).find(
      (candidate) =>
        candidate.type === 'button' &&
        candidate.action_id === actionId &&
        (value === undefined || candidate.value === value),
    );
    // Slack makes up a block_id when the app sets none; a positional one is as good for a test.
    if (element) return { blockId: typeof block.block_id === 'string' ? block.block_id : `block_${index}`, element };
  }
  throw new Error(`fake-slack: ${where} has no button ${actionId}${value === undefined ? '' : ` with value ${value}`}`);
}
