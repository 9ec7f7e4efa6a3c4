import type { ChannelEntry, FakeCall, FakeFileShare } from '../fake-slack/index.js';
import type { PageEntry } from './html-page.js';

/** `--html FILE` among the demo's arguments (`npm run demo -- --html FILE`), or null without it. */
export function htmlOutputPath(argv: readonly string[]): string | null {
  const at = argv.indexOf('--html');
  if (at === -1) return null;
  const file = argv[at + 1];
  if (!file || file.startsWith('--')) throw new Error('--html needs a file name: npm run demo -- --html demo.html');
  return file;
}

/** What the recorder reads of the Slack stand-in: where a posted message and a shared file ended up. */
export interface PostedMessages {
  messages(channelId: string): ChannelEntry[];
  thread(channelId: string, ts: string): ChannelEntry[];
}

/**
 * Turns the Slack calls the demo narrates into page entries, plus the story's lines as captions. Each call is
 * recorded as it happened, so every version of a message shows, not only the last.
 */
export class PageRecorder {
  readonly entries: PageEntry[] = [];
  /** ts of the thread replies seen, by channel: a `chat.update` of one is a reply's new version. */
  private readonly replies = new Set<string>();
  /** Top-level messages already matched to a `chat.postMessage`. */
  private readonly claimed = new Set<string>();

  constructor(private readonly slack: PostedMessages) {}

  caption(text: string): void {
    this.entries.push({ kind: 'caption', text });
  }

  /** One successful call; `actor` is who an ephemeral `respond` answers. */
  record(call: FakeCall, actor: string): void {
    const args = call.args;
    const blocks = parsed(args.blocks) as unknown[] | undefined;
    const text = typeof args.text === 'string' ? args.text : null;
    const channel = String(args.channel ?? args.channel_id ?? '');
    switch (call.method) {
      case 'views.open':
      case 'views.update':
        this.entries.push({
          kind: 'modal',
          version: call.method === 'views.open' ? 'opened' : 'updated',
          view: (parsed(args.view) ?? {}) as Record<string, unknown>,
        });
        break;
      case 'chat.postMessage': {
        const version = { version: 'posted' as const, channel, text, blocks: blocks ?? null };
        if (typeof args.thread_ts === 'string') {
          const ts = this.postedReplyTs(channel, args.thread_ts, text);
          if (ts) this.replies.add(`${channel}/${ts}`);
          this.entries.push({ kind: 'thread-reply', threadTs: args.thread_ts, ts, ...version });
        } else {
          this.entries.push({ kind: 'message', ts: this.postedTs(channel, text), ...version });
        }
        break;
      }
      case 'chat.update': {
        const ts = String(args.ts);
        const version = { version: 'updated' as const, channel, ts, text, blocks: blocks ?? null };
        const reply = this.replies.has(`${channel}/${ts}`) ? this.threadOf(channel, ts) : null;
        this.entries.push(
          reply ? { kind: 'thread-reply', threadTs: reply, ...version } : { kind: 'message', ...version },
        );
        break;
      }
      case 'files.completeUploadExternal':
        this.recordFiles(args);
        break;
      case 'views.publish':
        this.entries.push({
          kind: 'home',
          user: String(args.user_id ?? ''),
          view: (parsed(args.view) ?? {}) as Record<string, unknown>,
        });
        break;
      case 'respond':
        this.entries.push({ kind: 'ephemeral', to: actor, text: text ?? '', blocks: blocks ?? null });
        break;
    }
  }

  private recordFiles(args: Record<string, unknown>): void {
    const channel = String(args.channel_id ?? '');
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : null;
    const shared = threadTs ? this.slack.thread(channel, threadTs) : this.slack.messages(channel);
    for (const { id } of (parsed(args.files) ?? []) as Array<{ id: string }>) {
      const file = shared.find((e): e is FakeFileShare => e.kind === 'file' && e.fileId === id);
      if (!file) continue;
      this.entries.push({
        kind: 'file',
        channel,
        threadTs,
        name: file.name,
        bytes: file.bytes,
        comment: file.comment ?? null,
      });
    }
  }

  /** The call log has no answers, so a post's ts is found in the channel: the first unmatched one with its text. */
  private postedTs(channel: string, text: string | null): string | null {
    return this.claim(this.slack.messages(channel), text);
  }

  private postedReplyTs(channel: string, threadTs: string, text: string | null): string | null {
    return this.claim(this.slack.thread(channel, threadTs), text);
  }

  private claim(entries: ChannelEntry[], text: string | null): string | null {
    const match = entries.find(
      (e) => e.kind === 'message' && !this.claimed.has(`${e.channel}/${e.ts}`) && firstText(e) === text,
    );
    if (!match) return null;
    this.claimed.add(`${match.channel}/${match.ts}`);
    return match.ts;
  }

  private threadOf(channel: string, ts: string): string | null {
    for (const top of this.slack.messages(channel)) {
      if (this.slack.thread(channel, top.ts).some((e) => e.ts === ts)) return top.ts;
    }
    return null;
  }
}

/** Web API arguments arrive as JSON strings (form-encoded) or as values. */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** A message's text as first posted (its history holds the versions before the current one). */
function firstText(message: ChannelEntry): string | null {
  if (message.kind !== 'message') return null;
  return message.history[0]?.text ?? message.text ?? null;
}
