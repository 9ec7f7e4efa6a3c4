import { SlackApiError } from './api-error.js';
import type { IdFactory } from './ids.js';
import type { FakeView, JsonObject } from './types.js';

interface Trigger {
  userId: string;
  issuedAt: number;
  used: boolean;
  /** The view the interaction came from, when it came from one (views.push stacks on it). */
  viewId?: string;
  /** The modal views.open opened with this trigger. */
  openedViewId?: string;
}

/** Slack: "After a modal is opened, the app is limited to pushing 2 additional views". */
const MAX_STACK = 3;

/** trigger_ids the driver issued and the modals opened with them. */
export class ViewRegistry {
  private readonly triggers = new Map<string, Trigger>();
  private readonly all = new Map<string, FakeView>();

  constructor(
    private readonly ids: IdFactory,
    private readonly triggerTtlMs: number,
  ) {}

  issueTrigger(userId: string, viewId?: string): string {
    const id = this.ids.triggerId();
    this.triggers.set(id, { userId, issuedAt: Date.now(), used: false, ...(viewId !== undefined && { viewId }) });
    return id;
  }

  /** Checked only after the view itself is valid, so a bad view does not burn the trigger. */
  exchangeTrigger(triggerId: unknown): Trigger {
    const trigger = typeof triggerId === 'string' ? this.triggers.get(triggerId) : undefined;
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    if (trigger.used) throw new SlackApiError('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    trigger.used = true;
    return trigger;
  }

  /** The modal opened with `triggerId` by views.open, if it was. */
  openedWith(triggerId: string): FakeView | undefined {
    const viewId = this.triggers.get(triggerId)?.openedViewId;
    return viewId === undefined ? undefined : this.all.get(viewId);
  }

  open(view: JsonObject, userId: string, trigger?: Trigger): FakeView {
    const id = this.ids.next('V');
    const entry: FakeView = {
      id,
      view,
      hash: this.ids.hash(),
      userId,
      open: true,
      rootViewId: id,
      previousViewId: null,
      updates: 0,
    };
    this.all.set(id, entry);
    if (trigger) trigger.openedViewId = id;
    return entry;
  }

  push(view: JsonObject, trigger: Trigger): FakeView {
    // A trigger from a slash command or a message has no modal to push onto.
    if (trigger.viewId === undefined) throw new SlackApiError('not_found');
    return this.pushOnto(trigger.viewId, view, trigger.userId);
  }

  /** views.push, or a submission answered with `response_action: 'push'`. */
  pushOnto(belowId: string, view: JsonObject, userId: string): FakeView {
    const below = this.all.get(belowId);
    if (!below?.open) throw new SlackApiError('not_found');
    if (this.stack(below.rootViewId).length >= MAX_STACK) throw new SlackApiError('push_limit_reached');
    const entry = this.open(view, userId);
    entry.rootViewId = below.rootViewId;
    entry.previousViewId = below.id;
    return entry;
  }

  update(viewId: unknown, externalId: unknown, hash: unknown, view: JsonObject): FakeView {
    const entry = this.find(viewId, externalId);
    if (typeof hash === 'string' && hash !== '' && hash !== entry.hash) throw new SlackApiError('hash_conflict');
    entry.view = view;
    entry.hash = this.ids.hash();
    entry.updates += 1;
    return entry;
  }

  get(viewId: string): FakeView | undefined {
    return this.all.get(viewId);
  }

  /** Open views only. */
  openViews(): Map<string, FakeView> {
    return new Map([...this.all].filter(([, entry]) => entry.open));
  }

  /** Empty submission answer: closes this view, showing the one below. */
  close(viewId: string): void {
    const entry = this.all.get(viewId);
    if (entry) entry.open = false;
  }

  /** `response_action: 'clear'` (or the user closing the modal): the whole stack goes. */
  clear(viewId: string): void {
    const entry = this.all.get(viewId);
    if (!entry) return;
    for (const view of this.stack(entry.rootViewId)) view.open = false;
  }

  private stack(rootViewId: string): FakeView[] {
    return [...this.all.values()].filter((entry) => entry.rootViewId === rootViewId && entry.open);
  }

  private find(viewId: unknown, externalId: unknown): FakeView {
    let entry: FakeView | undefined;
    if (typeof viewId === 'string' && viewId !== '') entry = this.all.get(viewId);
    else if (typeof externalId === 'string' && externalId !== '') {
      entry = [...this.all.values()].find((candidate) => candidate.view.external_id === externalId);
    } else throw new SlackApiError('invalid_arguments');
    if (!entry?.open) throw new SlackApiError('not_found');
    return entry;
  }
}
