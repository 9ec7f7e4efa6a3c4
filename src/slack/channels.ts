import type { webApi } from '@slack/bolt';

/** Long enough to spare a call per modal; short enough that a channel made private stops being warned about soon. */
const VISIBILITY_TTL_MS = 60_000;

/**
 * Whether a conversation is public (`conversations.info`), remembered for a minute: the capture modal warns when
 * files would be posted where a whole channel can read them, and should not cost a Slack call every time.
 */
export class ChannelVisibility {
  readonly #known = new Map<string, { at: number; isPublic: boolean }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly now: () => number,
  ) {}

  /** What was learnt within the last minute, or undefined when it must be asked. */
  known(channelId: string): boolean | undefined {
    const entry = this.#known.get(channelId);
    return entry && this.now() - entry.at < VISIBILITY_TTL_MS ? entry.isPublic : undefined;
  }

  async isPublic(channelId: string): Promise<boolean> {
    const known = this.known(channelId);
    if (known !== undefined) return known;
    const { channel } = await this.client.conversations.info({ channel: channelId });
    const isPublic = Boolean(channel && !channel.is_private && !channel.is_im && !channel.is_mpim);
    // Bounded by the channels the bot is used in; stale entries are dropped as new ones arrive.
    for (const [id, entry] of this.#known) if (this.now() - entry.at >= VISIBILITY_TTL_MS) this.#known.delete(id);
    this.#known.set(channelId, { at: this.now(), isPublic });
    return isPublic;
  }
}
