import type { webApi } from '@slack/bolt';
import type { CaptureRequest } from '../captures/model.js';

/** Enough for every request a list or a home tab shows for a long while; the oldest go first. */
const REMEMBERED = 500;

/**
 * Links to status messages (`chat.getPermalink`), remembered: a message's link never changes, and the list and App
 * Home show the same few requests again and again.
 */
export class Permalinks {
  readonly #known = new Map<string, string>();

  constructor(private readonly client: webApi.WebClient) {}

  /** The status message's link, or null when it has none (not posted yet) or Slack would not say. */
  async of(request: CaptureRequest): Promise<string | null> {
    const message = request.statusMessage;
    if (!message) return null;
    const key = `${message.channelId}:${message.ts}`;
    const known = this.#known.get(key);
    if (known) return known;
    try {
      const { permalink } = await this.client.chat.getPermalink({ channel: message.channelId, message_ts: message.ts });
      if (!permalink) return null;
      this.#known.set(key, permalink);
      if (this.#known.size > REMEMBERED) this.#known.delete(this.#known.keys().next().value as string);
      return permalink;
    } catch {
      return null;
    }
  }

  /** Links for several requests at once, by request id. */
  async forAll(requests: CaptureRequest[]): Promise<(request: CaptureRequest) => string | null> {
    const links = new Map(await Promise.all(requests.map(async (r) => [r.id, await this.of(r)] as const)));
    return (request) => links.get(request.id) ?? null;
  }
}
