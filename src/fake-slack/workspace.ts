import { SlackApiError } from './api-error.js';
import type { IdFactory } from './ids.js';
import type {
  ChannelEntry,
  FakeChannel,
  FakeEphemeral,
  FakeFileShare,
  FakeMessage,
  FakeUser,
  FakeUsergroup,
  JsonObject,
} from './types.js';

export const DEFAULT_USERS: readonly FakeUser[] = [
  { id: 'U_ALICE', name: 'alice', realName: 'Alice Agent', email: 'alice@example.com', tz: 'Europe/London' },
  { id: 'U_BOB', name: 'bob', realName: 'Bob Oncall', email: 'bob@example.com', tz: 'America/New_York' },
  {
    id: 'U_ADMIN',
    name: 'admin',
    realName: 'Ada Admin',
    email: 'admin@example.com',
    isAdmin: true,
    isOwner: true,
    tz: 'Europe/Berlin',
  },
];

export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  { id: 'C_HELPDESK', name: 'helpdesk' },
  { id: 'C_ONCALL', name: 'oncall' },
  { id: 'G_SECURITY', name: 'security', isPrivate: true },
];

interface ChannelState {
  info: FakeChannel;
  /** Top-level entries and replies, in posting order. */
  entries: ChannelEntry[];
}

export interface NewMessage {
  text: string | undefined;
  blocks: JsonObject[] | undefined;
  threadTs?: string;
  metadata?: unknown;
  /** A person's user id; default the bot. */
  author?: string;
}

/** Users, channels and what was posted in them: the "workspace" the bot sees. */
export class Workspace {
  private readonly users = new Map<string, FakeUser>();
  private readonly channels = new Map<string, ChannelState>();
  private readonly usergroups = new Map<string, FakeUsergroup>();
  private readonly ephemeralLog: FakeEphemeral[] = [];

  constructor(
    private readonly ids: IdFactory,
    readonly teamId: string,
    readonly botUserId: string,
    readonly botId: string,
  ) {}

  addUser(user: FakeUser): void {
    this.users.set(user.id, { ...user });
  }

  addChannel(channel: FakeChannel): void {
    const existing = this.channels.get(channel.id);
    this.channels.set(channel.id, { info: { ...channel }, entries: existing?.entries ?? [] });
  }

  addUsergroup(group: FakeUsergroup): void {
    this.usergroups.set(group.id, { ...group, users: [...group.users] });
  }

  user(id: string): FakeUser {
    const user = this.users.get(id);
    if (!user) throw new SlackApiError('user_not_found');
    return user;
  }

  userByEmail(email: string): FakeUser {
    const wanted = email.toLowerCase();
    for (const user of this.users.values()) if (user.email?.toLowerCase() === wanted) return user;
    throw new SlackApiError('users_not_found');
  }

  usergroupList(): FakeUsergroup[] {
    return [...this.usergroups.values()];
  }

  usergroup(id: string): FakeUsergroup {
    const group = this.usergroups.get(id);
    if (!group) throw new SlackApiError('no_such_subteam');
    return group;
  }

  /** A channel id, or a user id (Slack then posts in the bot's IM with that user). */
  channel(id: string): FakeChannel {
    return this.channelState(id).info;
  }

  hasChannel(id: string): boolean {
    return this.channels.has(id) || this.users.has(id);
  }

  post(channelId: string, message: NewMessage): FakeMessage {
    const state = this.channelState(channelId);
    const threadTs = message.threadTs === undefined ? undefined : this.threadRoot(state, message.threadTs);
    const entry: FakeMessage = {
      kind: 'message',
      channel: state.info.id,
      ts: this.ids.ts(),
      ...(threadTs !== undefined && { threadTs }),
      user: message.author ?? this.botUserId,
      ...(message.author === undefined && { botId: this.botId }),
      text: message.text,
      blocks: message.blocks,
      ...(message.metadata !== undefined && { metadata: message.metadata }),
      updates: 0,
      history: [],
      deleted: false,
    };
    state.entries.push(entry);
    return entry;
  }

  share(channelId: string, file: Omit<FakeFileShare, 'kind' | 'channel' | 'ts' | 'threadTs'>, threadTs?: string) {
    const state = this.channelState(channelId);
    const root = threadTs === undefined ? undefined : this.threadRoot(state, threadTs);
    const entry: FakeFileShare = {
      kind: 'file',
      channel: state.info.id,
      ts: this.ids.ts(),
      ...(root !== undefined && { threadTs: root }),
      ...file,
    };
    state.entries.push(entry);
    return entry;
  }

  /** Applies an edit; keeps blocks when the edit omits them (as chat.update does), records the old version. */
  edit(channelId: string, ts: string, change: { text?: string; blocks?: JsonObject[] }): FakeMessage {
    const message = this.message(channelId, ts);
    if (message.user !== this.botUserId) throw new SlackApiError('cant_update_message');
    message.history.push({ text: message.text, blocks: message.blocks, at: new Date() });
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks.length > 0 ? change.blocks : undefined;
    message.updates += 1;
    return message;
  }

  /** The ts of the thread a reply to `ts` lands in (`thread_not_found` when there is no such message). */
  resolveThread(channelId: string, ts: string): string {
    return this.threadRoot(this.channelState(channelId), ts);
  }

  /** A real channel (or IM) by id; unlike `channel`, a user id is not one. */
  conversation(id: string): FakeChannel {
    const state = this.channels.get(id);
    if (!state) throw new SlackApiError('channel_not_found');
    return state.info;
  }

  /** A deleted file disappears from every conversation it was shared in. */
  unshare(fileId: string): void {
    for (const state of this.channels.values()) {
      for (const entry of state.entries) if (entry.kind === 'file' && entry.fileId === fileId) entry.deleted = true;
    }
  }

  remove(channelId: string, ts: string): FakeMessage {
    const message = this.message(channelId, ts);
    message.deleted = true;
    return message;
  }

  /** A live (not deleted) message in that channel, top level or reply. */
  message(channelId: string, ts: string): FakeMessage {
    const state = this.channelState(channelId);
    const entry = state.entries.find((candidate) => candidate.ts === ts);
    if (entry?.kind !== 'message' || entry.deleted) throw new SlackApiError('message_not_found');
    return entry;
  }

  addEphemeral(ephemeral: Omit<FakeEphemeral, 'ts' | 'updates' | 'deleted'>): FakeEphemeral {
    const state = this.channelState(ephemeral.channel);
    const members = state.info.members;
    // The user typed the command there, so an ack reaches them wherever; the bot's own posts are checked.
    const checked = ephemeral.via !== 'command_ack';
    if (checked && members && !members.includes(ephemeral.user)) throw new SlackApiError('user_not_in_channel');
    const entry: FakeEphemeral = {
      ...ephemeral,
      channel: state.info.id,
      ts: this.ids.ts(),
      updates: 0,
      deleted: false,
    };
    this.ephemeralLog.push(entry);
    return entry;
  }

  /** A live (not deleted) ephemeral by its message_ts. */
  ephemeral(ts: string): FakeEphemeral {
    const entry = this.ephemeralLog.find((candidate) => candidate.ts === ts);
    if (!entry || entry.deleted) throw new SlackApiError('message_not_found');
    return entry;
  }

  /** replace_original on an ephemeral: like chat.update, blocks are kept when the edit omits them. */
  editEphemeral(ts: string, change: { text?: string; blocks?: JsonObject[] }): FakeEphemeral {
    const entry = this.ephemeral(ts);
    if (change.text !== undefined) entry.text = change.text;
    if (change.blocks !== undefined) entry.blocks = change.blocks.length > 0 ? change.blocks : undefined;
    entry.updates += 1;
    return entry;
  }

  removeEphemeral(ts: string): FakeEphemeral {
    const entry = this.ephemeral(ts);
    entry.deleted = true;
    return entry;
  }

  topLevel(channelId: string): ChannelEntry[] {
    const state = this.channels.get(this.resolveId(channelId));
    return state ? state.entries.filter((entry) => entry.threadTs === undefined) : [];
  }

  replies(channelId: string, ts: string): ChannelEntry[] {
    const state = this.channels.get(this.resolveId(channelId));
    return state ? state.entries.filter((entry) => entry.threadTs === ts) : [];
  }

  ephemerals(userId?: string): FakeEphemeral[] {
    return this.ephemeralLog.filter((entry) => userId === undefined || entry.user === userId);
  }

  private channelState(id: string): ChannelState {
    const state = this.channels.get(this.resolveId(id));
    if (state) return state;
    if (this.users.has(id)) return this.openIm(id);
    throw new SlackApiError('channel_not_found');
  }

  /** conversations.open: the bot's IM with a user, created on first use; returns its id. */
  openDirectMessage(userId: string): string {
    this.user(userId);
    return this.channelState(userId).info.id;
  }

  private resolveId(id: string): string {
    return this.users.has(id) ? imIdFor(id) : id;
  }

  private openIm(userId: string): ChannelState {
    const id = imIdFor(userId);
    const state: ChannelState = { info: { id, name: userId, isIm: true, isPrivate: true, user: userId }, entries: [] };
    this.channels.set(id, state);
    return state;
  }

  /** A reply to a reply lands in the parent's thread, as in Slack; an unknown parent is refused. */
  private threadRoot(state: ChannelState, ts: string): string {
    const parent = state.entries.find((entry) => entry.ts === ts);
    if (!parent || (parent.kind === 'message' && parent.deleted)) throw new SlackApiError('thread_not_found');
    return parent.threadTs ?? parent.ts;
  }
}

/** The bot's IM with a user: stable, so tests can compute it. */
export function imIdFor(userId: string): string {
  return `D${userId}`;
}
