/** Loosely typed JSON object, as Slack sends and receives them. */
export type JsonObject = Record<string, unknown>;

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  /** IANA zone; default 'Europe/London'. */
  tz?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  isIm?: boolean;
  /** For an IM: the other member. */
  user?: string;
  /** When set, only these users may see ephemerals there (`user_not_in_channel` otherwise). */
  members?: string[];
}

export interface FakeUsergroup {
  id: string;
  handle?: string;
  users: string[];
}

/** One Web API call as the fake received it (rejected ones included). Upload and response_url POSTs too. */
export interface FakeCall {
  /** `chat.postMessage`…, or the pseudo-methods `upload` and `respond`. */
  method: string;
  args: JsonObject;
  token: string | undefined;
  at: Date;
  status: number;
  ok: boolean;
  error?: string;
}

export interface MessageVersion {
  text: string | undefined;
  blocks: JsonObject[] | undefined;
  at: Date;
}

export interface FakeMessage {
  kind: 'message';
  channel: string;
  ts: string;
  /** Set on thread replies. */
  threadTs?: string;
  user: string;
  botId?: string;
  text: string | undefined;
  blocks: JsonObject[] | undefined;
  metadata?: unknown;
  /** How many successful chat.update / replace_original edits. */
  updates: number;
  /** Earlier versions, oldest first. */
  history: MessageVersion[];
  deleted: boolean;
}

export interface FakeFileShare {
  kind: 'file';
  channel: string;
  ts: string;
  threadTs?: string;
  fileId: string;
  name: string;
  title: string;
  bytes: number;
  sha256: string;
  comment?: string;
  /** The bytes, only when the declared length was ≤ 8 MiB. */
  content?: Buffer;
  /** Set by files.delete: the file is gone from the conversation. */
  deleted?: boolean;
}

export type ChannelEntry = FakeMessage | FakeFileShare;

/** A message only `user` sees. Its `ts` is the message_ts Slack gives it: a click target (`{ ephemeral: ts }`). */
export interface FakeEphemeral {
  channel: string;
  user: string;
  ts: string;
  threadTs?: string;
  text: string | undefined;
  blocks: JsonObject[] | undefined;
  /** chat.postEphemeral, a POST to a response_url, or the bot's ack body to a slash command. */
  via: 'api' | 'response_url' | 'command_ack';
  /** How many replace_original edits (through the response_url of a click in it). */
  updates: number;
  /** delete_original removed it; kept in the log, as deleted messages are. */
  deleted: boolean;
}

export interface FakeView {
  id: string;
  /** The view as the bot sent it (title, blocks, callback_id, private_metadata, …). */
  view: JsonObject;
  hash: string;
  userId: string;
  open: boolean;
  rootViewId: string;
  previousViewId: string | null;
  /** views.update calls and `update` submission answers applied to it. */
  updates: number;
}

export interface FakeResponse {
  id: string;
  url: string;
  body: unknown;
  at: Date;
  status: number;
  /** What issued the URL. */
  source: 'command' | 'action' | 'shortcut';
  channelId: string;
  userId: string;
}

export interface FailureSpec {
  /** `ok:false` error name; default 'ratelimited' for 429, 'internal_error' for 5xx, else 'fatal_error'. */
  error?: string;
  /** HTTP status; default 200 (a platform error), 500 for 'upload' and 'respond'. 429 answers carry `retry-after`. */
  status?: number;
  /** Seconds for `retry-after` on a 429; default 1. */
  retryAfter?: number;
  /** How many calls it affects; default 1. */
  times?: number;
  /** The call takes effect first, then this failure is the answer: Slack did it, but the answer was lost. */
  afterProcessing?: boolean;
  /**
   * Waits this long (real time) before answering: a Slack that hangs. With `afterProcessing` the call takes effect
   * first and then the answer hangs (a test can see the effect, e.g. a file deleted, while the caller still waits).
   */
  delayMs?: number;
}
