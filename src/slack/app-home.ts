import type { webApi } from '@slack/bolt';
import type { AccessPolicy } from '../captures/access.js';
import type { CaptureRequest } from '../captures/model.js';
import type { Notifier } from '../captures/notifier.js';
import type { CaptureService } from '../captures/service.js';
import type { Logger } from '../logger.js';
import type { Permalinks } from './permalinks.js';
import { appHomeView, HOME_RECENT_MAX } from './ui/app-home.js';

export interface AppHomeDeps {
  client: webApi.WebClient;
  service: CaptureService;
  access: AccessPolicy;
  permalinks: Permalinks;
  logger: Logger;
  now: () => Date;
}

/**
 * Publishes each person's App Home tab: when they open it, and (once they have opened it since this process started)
 * when one of their captures changes. At most one publish per person at a time; changes that arrive meanwhile are
 * folded into one more publish after it, and a tab that would look the same is not published again.
 */
export class AppHome {
  /** People who opened their tab since the start: only their tabs follow their captures. */
  readonly #viewers = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  /** What each person's tab last showed, so an unchanged one costs no Slack call (bounded: oldest dropped). */
  readonly #shown = new Map<string, string>();

  constructor(private readonly deps: AppHomeDeps) {}

  /** The person opened their tab: publish it, and keep it following their captures. */
  opened(userId: string): void {
    this.#viewers.add(userId);
    this.#refresh(userId);
  }

  /** One of the person's captures changed: their tab follows, if they have one open. */
  captureChanged(userId: string): void {
    if (this.#viewers.has(userId)) this.#refresh(userId);
  }

  /** Brings the person's tab up to date soon; never throws (a failure is logged, the next change tries again). */
  #refresh(userId: string): void {
    if (this.#running.has(userId)) {
      this.#again.add(userId);
      return;
    }
    const run = this.#publish(userId)
      .catch((error: unknown) => this.deps.logger.warn({ err: error, user: userId }, 'App Home not published'))
      .finally(() => {
        this.#running.delete(userId);
        if (this.#again.delete(userId)) this.#refresh(userId);
      });
    this.#running.set(userId, run);
  }

  /** Resolves once no publish is under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  async #publish(userId: string): Promise<void> {
    const { client, service, access, permalinks, now } = this.deps;
    const [capture, read] = await Promise.all([access.mayCapture(userId), access.mayRead(userId)]);
    const readable = read.allowed;
    const [quota, requests] = await Promise.all([
      readable ? service.quota().catch(() => null) : null,
      readable ? service.listRequests({ requestedBy: userId, limit: HOME_RECENT_MAX }) : [],
    ]);
    const [recent, threadUrl] = await Promise.all([
      Promise.all(requests.map((request) => service.statusView(request))),
      permalinks.forAll(requests),
    ]);
    const view = appHomeView({
      captureRefusal: capture.allowed ? null : capture.refusal,
      readRefusal: read.allowed ? null : read.refusal,
      quota,
      recent,
      threadUrl,
      now: now(),
    });
    // The "Updated" time alone does not make a tab worth publishing again.
    const key = JSON.stringify(view.blocks.slice(0, -1));
    if (this.#shown.get(userId) === key) return;
    await client.views.publish({ user_id: userId, view });
    this.#shown.delete(userId);
    this.#shown.set(userId, key);
    if (this.#shown.size > 1_000) this.#shown.delete(this.#shown.keys().next().value as string);
  }
}

/**
 * The notifier, telling `changed` after each status message it posts or edits: App Home follows the requester's
 * captures without the domain knowing App Home exists.
 */
export function followingStatus(notifier: Notifier, changed: (request: CaptureRequest) => void): Notifier {
  return {
    artifacts: notifier.artifacts,
    postInThread: (request, event, place) => notifier.postInThread(request, event, place),
    tellDeviceOwner: (view, email) => notifier.tellDeviceOwner(view, email),
    async postStatus(view, place) {
      const ref = await notifier.postStatus(view, place);
      changed(view.request);
      return ref;
    },
    async updateStatus(view) {
      await notifier.updateStatus(view);
      changed(view.request);
    },
  };
}
