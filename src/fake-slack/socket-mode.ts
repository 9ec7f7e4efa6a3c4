import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { CreateSocketHub, SocketAck, SocketEnvelope, SocketHub } from './socket-link.js';
import type { JsonObject } from './types.js';

/*
 * Slack's Socket Mode server side, on the fake's own HTTP server (upgrade on /link/). The only file that imports
 * `ws`; fake-slack.ts loads it with a dynamic import the first time a bot opens a link.
 */

class WsSocketHub implements SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  /** In connection order: the newest open one gets the envelopes, like a fresh Slack link after a refresh. */
  private readonly sockets: WebSocket[] = [];
  private readonly waiting = new Map<string, (ack: SocketAck) => void>();
  private readonly connectionWaiters = new Set<() => void>();
  readonly envelopes: SocketEnvelope[] = [];
  readonly acks: SocketAck[] = [];

  constructor(private readonly hello: (connections: number) => JsonObject) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('error', () => {});
    ws.on('close', () => {
      const index = this.sockets.indexOf(ws);
      if (index !== -1) this.sockets.splice(index, 1);
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data);
    });
    ws.send(JSON.stringify(this.hello(this.connectionCount())));
    for (const notify of this.connectionWaiters) notify();
    this.connectionWaiters.clear();
  }

  private onMessage(data: RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return; // Slack ignores what it cannot parse; so do we
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const ack: SocketAck = {
      envelope_id: envelopeId,
      ...(typeof payload === 'object' && payload !== null && { payload: payload as JsonObject }),
      at: new Date(),
    };
    this.acks.push(ack);
    this.waiting.get(envelopeId)?.(ack);
    this.waiting.delete(envelopeId);
  }

  deliver(envelope: SocketEnvelope, timeoutMs: number): Promise<SocketAck | undefined> {
    const socket = this.sockets.findLast((candidate) => candidate.readyState === candidate.OPEN);
    if (!socket) return Promise.reject(new Error('fake-slack: no open Socket Mode connection (did the bot start?)'));
    this.envelopes.push(envelope);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelope.envelope_id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(envelope.envelope_id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      socket.send(JSON.stringify(envelope));
    });
  }

  connectionCount(): number {
    return this.sockets.filter((socket) => socket.readyState === socket.OPEN).length;
  }

  waitForConnection(timeoutMs: number): Promise<void> {
    if (this.connectionCount() > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const notify = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectionWaiters.delete(notify);
        reject(new Error(`fake-slack: no Socket Mode connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.connectionWaiters.add(notify);
    });
  }

  disconnect(reason: string): void {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } });
    for (const socket of this.sockets) socket.send(message);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.length = 0;
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

export const createSocketHub: CreateSocketHub = (hello) => new WsSocketHub(hello);
