import { SlackApiError } from './api-error.js';
import type { IdFactory } from './ids.js';
import type { FakeResponse, JsonObject } from './types.js';
import type { Workspace } from './workspace.js';

interface Issued {
  source: FakeResponse['source'];
  channelId: string;
  userId: string;
  /** The message a button was clicked in: replace_original / delete_original act on it. */
  original?: ClickedMessage;
  uses: number;
}

/** A channel message by its ts, or an ephemeral by its message_ts. */
export interface ClickedMessage {
  ts: string;
  ephemeral: boolean;
}

/** "You can respond to a user's command up to 5 times within 30 minutes" (Slack's slash-command docs). */
const MAX_USES = 5;

export interface RespondOutcome {
  status: number;
  body: JsonObject;
}

/** response_url sinks: `http://127.0.0.1:PORT/respond/<id>`; what is POSTed there is recorded and applied. */
export class ResponseUrls {
  private readonly issued = new Map<string, Issued>();
  readonly received: FakeResponse[] = [];

  constructor(
    private readonly ids: IdFactory,
    private readonly workspace: Workspace,
    private readonly baseUrl: () => string,
  ) {}

  issue(source: FakeResponse['source'], channelId: string, userId: string, original?: ClickedMessage): string {
    const id = this.ids.secret();
    this.issued.set(id, { source, channelId, userId, uses: 0, ...(original !== undefined && { original }) });
    return `${this.baseUrl()}respond/${id}`;
  }

  handle(id: string, body: unknown): RespondOutcome {
    const issued = this.issued.get(id);
    if (!issued) return { status: 404, body: { ok: false, error: 'invalid_url' } };
    issued.uses += 1;
    const status = issued.uses > MAX_USES ? 404 : 200;
    this.received.push({
      id,
      url: `${this.baseUrl()}respond/${id}`,
      body,
      at: new Date(),
      status,
      source: issued.source,
      channelId: issued.channelId,
      userId: issued.userId,
    });
    if (status !== 200) return { status, body: { ok: false, error: 'used_url' } };
    if (typeof body !== 'object' || body === null)
      return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    try {
      this.apply(issued, body as JsonObject);
    } catch (error) {
      if (error instanceof SlackApiError) return { status: 404, body: error.body() };
      throw error;
    }
    return { status: 200, body: { ok: true } };
  }

  /** What Slack does with the response: edit or delete the original, post in channel, or show an ephemeral. */
  private apply(issued: Issued, body: JsonObject): void {
    const text = typeof body.text === 'string' ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? (body.blocks as JsonObject[]) : undefined;
    const change = { ...(text !== undefined && { text }), ...(blocks !== undefined && { blocks }) };
    const { original } = issued;
    if (original !== undefined && body.delete_original === true) {
      if (original.ephemeral) this.workspace.removeEphemeral(original.ts);
      else this.workspace.remove(issued.channelId, original.ts);
    } else if (original !== undefined && body.replace_original === true) {
      if (original.ephemeral) this.workspace.editEphemeral(original.ts, change);
      else this.workspace.edit(issued.channelId, original.ts, change);
    } else if (body.response_type === 'in_channel') {
      this.workspace.post(issued.channelId, {
        text,
        blocks,
        ...(typeof body.thread_ts === 'string' && { threadTs: body.thread_ts }),
      });
    } else {
      this.workspace.addEphemeral({
        channel: issued.channelId,
        user: issued.userId,
        text,
        blocks,
        via: 'response_url',
      });
    }
  }
}
