import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IdFactory } from './ids.js';
import type { SocketAck, SocketEnvelope, SocketHub } from './socket-link.js';
import type { JsonObject } from './types.js';

/** `slack.socketMode`: the Socket Mode side, for tests of the bot's link. */
export interface SocketModeControl {
  /** Open links right now. */
  readonly connections: number;
  /** How many times `apps.connections.open` handed out a link URL. */
  readonly linksIssued: number;
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** Sends `{type:'disconnect', reason}` (default 'refresh_requested'): the bot should open a new link. */
  requestReconnect(reason?: string): Promise<void>;
  readonly envelopes: readonly SocketEnvelope[];
  readonly acks: readonly SocketAck[];
}

/**
 * Tickets, link URLs and the lazily loaded WebSocket hub. Loading socket-mode.ts (and with it `ws`) waits for the
 * first apps.connections.open, so a fake used only over HTTP never needs the package.
 */
export class SocketModeLink implements SocketModeControl {
  private readonly tickets = new Set<string>();
  private loading: Promise<SocketHub> | undefined;
  private hub: SocketHub | undefined;
  linksIssued = 0;

  constructor(
    private readonly ids: IdFactory,
    private readonly appId: string,
    private readonly origin: () => { host: string; port: number },
  ) {}

  get connections(): number {
    return this.hub?.connectionCount() ?? 0;
  }

  get envelopes(): readonly SocketEnvelope[] {
    return this.hub?.envelopes ?? [];
  }

  get acks(): readonly SocketAck[] {
    return this.hub?.acks ?? [];
  }

  async waitForConnection(timeoutMs = 5000): Promise<void> {
    await (await this.load()).waitForConnection(timeoutMs);
  }

  async requestReconnect(reason = 'refresh_requested'): Promise<void> {
    (await this.load()).disconnect(reason);
  }

  /** The answer to apps.connections.open: a one-use ticket in Slack's URL shape. */
  issueUrl(): string {
    const ticket = this.ids.secret();
    this.tickets.add(ticket);
    this.linksIssued += 1;
    void this.load().catch(() => {}); // warm up: the bot connects right after this answer
    const { host, port } = this.origin();
    return `ws://${host}:${port}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://fake').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.load().then(
      (hub) => hub.handleUpgrade(req, socket, head),
      () => socket.destroy(),
    );
  }

  load(): Promise<SocketHub> {
    this.loading ??= import('./socket-mode.js').then(({ createSocketHub }) => {
      this.hub = createSocketHub((connections) => this.hello(connections));
      return this.hub;
    });
    return this.loading;
  }

  async close(): Promise<void> {
    if (this.loading) await (await this.loading.catch(() => undefined))?.close();
  }

  /** What Bolt's SocketModeClient waits for before `start()` resolves. */
  private hello(connections: number): JsonObject {
    return {
      type: 'hello',
      num_connections: connections,
      debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.appId },
    };
  }
}
