import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JsonObject } from './types.js';

/*
 * The Socket Mode contract without `ws`: socket-mode.ts implements it and is imported only when a bot opens a
 * Socket Mode link, so the HTTP-only path (and the demo) never loads the `ws` package.
 */

export interface SocketEnvelope {
  envelope_id: string;
  type: 'slash_commands' | 'interactive' | 'events_api';
  accepts_response_payload: boolean;
  payload: JsonObject;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketAck {
  envelope_id: string;
  payload?: JsonObject;
  at: Date;
}

export interface SocketHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sends to the newest open connection; resolves with the bot's ack, or undefined after `timeoutMs`. */
  deliver(envelope: SocketEnvelope, timeoutMs: number): Promise<SocketAck | undefined>;
  connectionCount(): number;
  waitForConnection(timeoutMs: number): Promise<void>;
  /** Sends `{type:'disconnect', reason}` to every connection: Slack's "please reconnect". */
  disconnect(reason: string): void;
  readonly envelopes: readonly SocketEnvelope[];
  readonly acks: readonly SocketAck[];
  close(): Promise<void>;
}

/** `hello(n)`: the greeting for a new connection, `n` open connections counting it. */
export type CreateSocketHub = (hello: (connections: number) => JsonObject) => SocketHub;
