import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { CallLog } from './call-log.js';
import { type DriverOptions, SlackDriver } from './driver.js';
import { Failures } from './failures.js';
import { type FakeFile, FileRegistry } from './file-registry.js';
import { HomeViews } from './home-views.js';
import { FakeSlackServer, HOST } from './http-server.js';
import { IdFactory } from './ids.js';
import { ResponseUrls } from './response-urls.js';
import type { Identity, Services } from './services.js';
import { viewJson } from './slack-json.js';
import { type SocketModeControl, SocketModeLink } from './socket-control.js';
import { HttpTransport } from './transport-http.js';
import { SocketTransport } from './transport-socket.js';
import type {
  ChannelEntry,
  FailureSpec,
  FakeCall,
  FakeChannel,
  FakeEphemeral,
  FakeMessage,
  FakeResponse,
  FakeUser,
  FakeUsergroup,
  FakeView,
  JsonObject,
} from './types.js';
import { ViewRegistry } from './view-registry.js';
import { waitFor } from './wait.js';
import { DEFAULT_CHANNELS, DEFAULT_USERS, Workspace } from './workspace.js';

export interface FakeSlackOptions {
  /** Default 0 (ephemeral). The host is always 127.0.0.1. */
  port?: number;
  /** Defaults: fresh random `xoxb-…` / `xapp-…` tokens and signing secret. */
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  teamId?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  /** Default: U_ALICE, U_BOB, U_ADMIN (admin and owner). */
  users?: FakeUser[];
  /** Default: C_HELPDESK, C_ONCALL, G_SECURITY (private). */
  channels?: FakeChannel[];
  usergroups?: FakeUsergroup[];
  /** How long a trigger_id may wait for views.open; default 3000 ms, as in Slack. */
  triggerTtlMs?: number;
}

/** The Web API side of Slack on 127.0.0.1, plus a driver that plays Slack's clients. See index.ts. */
export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly socketMode: SocketModeControl;

  private readonly ids = new IdFactory();
  private readonly log = new CallLog();
  private readonly failures = new Failures();
  private readonly services: Services;
  private readonly server: FakeSlackServer;
  private readonly defaultChannelId: string;
  private readonly link: SocketModeLink;
  private agent: Agent | undefined;
  private port = 0;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? `xoxb-${randomBytes(12).toString('hex')}`;
    this.appToken = options.appToken ?? `xapp-1-${randomBytes(12).toString('hex')}`;
    this.signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
    this.teamId = options.teamId ?? 'T0FAKETEAM';
    this.appId = options.appId ?? 'A0FAKEAPP';
    this.botUserId = options.botUserId ?? 'U0FAKEBOT';
    this.botId = options.botId ?? 'B0FAKEBOT';
    const identity: Identity = {
      teamId: this.teamId,
      teamName: 'Fake Workspace',
      teamDomain: 'fake-workspace',
      appId: this.appId,
      botUserId: this.botUserId,
      botId: this.botId,
      botName: 'dex-capture-bot',
      verificationToken: randomBytes(12).toString('hex'),
    };
    const workspace = new Workspace(this.ids, this.teamId, this.botUserId, this.botId);
    for (const user of options.users ?? DEFAULT_USERS) workspace.addUser(user);
    workspace.addUser({ id: this.botUserId, name: identity.botName, isBot: true });
    const channels = options.channels ?? DEFAULT_CHANNELS;
    for (const channel of channels) workspace.addChannel(channel);
    for (const group of options.usergroups ?? []) workspace.addUsergroup(group);
    this.defaultChannelId = channels[0]?.id ?? 'C_HELPDESK';
    this.services = {
      ids: this.ids,
      identity,
      workspace,
      views: new ViewRegistry(this.ids, options.triggerTtlMs ?? 3000),
      homes: new HomeViews(this.ids),
      files: new FileRegistry(this.ids),
      responses: new ResponseUrls(this.ids, workspace, () => this.baseUrl),
      baseUrl: () => this.baseUrl,
      issueSocketUrl: () => this.link.issueUrl(),
    };
    this.server = new FakeSlackServer({
      services: this.services,
      tokens: { bot: this.botToken, app: this.appToken },
      log: this.log,
      failures: this.failures,
      onLinkUpgrade: (req, socket, head) => this.link.upgrade(req, socket, head),
    });
    this.link = new SocketModeLink(this.ids, this.appId, () => ({ host: HOST, port: this.port }));
    this.socketMode = this.link;
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.port = await fake.server.listen(options.port ?? 0);
    return fake;
  }

  /** `http://127.0.0.1:PORT/` */
  get baseUrl(): string {
    return `http://${HOST}:${this.port}/`;
  }

  /** What SLACK_API_URL / `clientOptions.slackApiUrl` is set to: `http://127.0.0.1:PORT/api/`. */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  get calls(): readonly FakeCall[] {
    return this.log.calls;
  }

  callsTo(method: string): FakeCall[] {
    return this.log.to(method);
  }

  /** Top-level messages and file shares of a channel (or of the bot's IM with a user id), oldest first. */
  messages(channelId: string): ChannelEntry[] {
    return this.services.workspace.topLevel(channelId);
  }

  /** Replies in a thread (messages and file shares), oldest first. */
  thread(channelId: string, ts: string): ChannelEntry[] {
    return this.services.workspace.replies(channelId, ts);
  }

  /** Open modals by view id. */
  get views(): Map<string, FakeView> {
    return this.services.views.openViews();
  }

  /** Any view ever opened, closed ones included. */
  view(viewId: string): FakeView | undefined {
    return this.services.views.get(viewId);
  }

  /** The modal the bot opened with `triggerId` (views.open), once it has. */
  viewOpenedWith(triggerId: string): FakeView | undefined {
    return this.services.views.openedWith(triggerId);
  }

  /** The user's Home tab as the bot last published it (views.publish), as Slack shows it; else undefined. */
  homeView(userId: string): JsonObject | undefined {
    const home = this.services.homes.of(userId);
    return home === undefined ? undefined : viewJson(home, this.services.identity);
  }

  /**
   * A message typed by a person (not the bot), e.g. for a message shortcut to act on. Returns it with its ts.
   * Slack would also send the bot a `message` event; this does not.
   */
  postAs(userId: string, channelId: string, text: string, options: { threadTs?: string } = {}): FakeMessage {
    this.services.workspace.user(userId);
    return this.services.workspace.post(channelId, { text, blocks: undefined, author: userId, ...options });
  }

  ephemerals(userId?: string): FakeEphemeral[] {
    return this.services.workspace.ephemerals(userId);
  }

  /** Bodies POSTed to response_urls, in order. */
  get responses(): readonly FakeResponse[] {
    return this.services.responses.received;
  }

  /** Files from files.getUploadURLExternal on, whatever became of them. */
  files(): FakeFile[] {
    return this.services.files.all();
  }

  /** The next `times` calls to `method` (or to the pseudo-methods 'upload' / 'respond') fail this way. */
  failNext(method: string, failure: FailureSpec = {}): void {
    this.failures.arm(method, failure);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  addUser(user: FakeUser): void {
    this.services.workspace.addUser(user);
  }

  addChannel(channel: FakeChannel): void {
    this.services.workspace.addChannel(channel);
  }

  addUsergroup(group: FakeUsergroup): void {
    this.services.workspace.addUsergroup(group);
  }

  /**
   * A trigger_id as Slack puts in an interaction, for tests that call views.open themselves; with `viewId` it
   * comes "from" that modal, so views.push can stack on it.
   */
  issueTrigger(userId: string, viewId?: string): string {
    return this.services.views.issueTrigger(userId, viewId);
  }

  /** A response_url as Slack puts in a slash command, for tests that POST to it themselves. */
  issueResponseUrl(channelId: string, userId: string): string {
    return this.services.responses.issue('command', channelId, userId);
  }

  /** A Slack client for one user. */
  driver(options: DriverOptions): SlackDriver {
    const channelId = options.channelId ?? this.defaultChannelId;
    if (options.mode === 'socket') {
      return new SlackDriver(this.services, new SocketTransport(() => this.link.load()), { ...options, channelId });
    }
    if (options.botUrl === undefined) throw new Error("fake-slack: driver({ mode: 'http' }) needs botUrl");
    this.agent ??= new Agent({ connections: 16 });
    const transport = new HttpTransport(options.botUrl, options.signingSecret ?? this.signingSecret, this.agent);
    return new SlackDriver(this.services, transport, { ...options, channelId });
  }

  /** Waits until `probe` returns a value (not undefined/false): the bot acts after it acks. */
  waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    return waitFor(probe, { timeoutMs });
  }

  /** Waits for the `n`-th (1-based, default 1) successful call to `method`. */
  waitForCall(method: string, { n = 1, timeoutMs = 5000 }: { n?: number; timeoutMs?: number } = {}): Promise<FakeCall> {
    return waitFor(() => this.callsTo(method).filter((call) => call.ok)[n - 1], {
      timeoutMs,
      what: `call #${n} to ${method}`,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.link.close(), this.server.close(), this.agent?.close()]);
  }
}

export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start(options);
}
