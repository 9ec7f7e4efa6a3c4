import { SlackApiError } from './api-error.js';
import type { IdFactory } from './ids.js';
import type { FakeView, JsonObject } from './types.js';

/**
 * Each user's Home tab as views.publish left it. Slack keeps one home view per user and app: republishing
 * replaces its content under the same view id with a new hash.
 */
export class HomeViews {
  private readonly byUser = new Map<string, FakeView>();

  constructor(private readonly ids: IdFactory) {}

  /** `hash`, when given, must be the current one (`hash_conflict` otherwise, as for views.update). */
  publish(userId: string, view: JsonObject, hash: string | undefined): FakeView {
    const current = this.byUser.get(userId);
    if (hash !== undefined && hash !== current?.hash) throw new SlackApiError('hash_conflict');
    if (current) {
      current.view = view;
      current.hash = this.ids.hash();
      current.updates += 1;
      return current;
    }
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
    this.byUser.set(userId, entry);
    return entry;
  }

  of(userId: string): FakeView | undefined {
    return this.byUser.get(userId);
  }
}
