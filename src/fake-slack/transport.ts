import type { SocketEnvelope } from './socket-link.js';
import type { JsonObject } from './types.js';

/** How a request into the bot is sent: signature and retry knobs, for tests of the bot's defences. */
export interface SendOptions {
  /** `x-slack-request-timestamp` in seconds; default now. */
  timestamp?: number;
  /** Shorthand for a timestamp 6 minutes old (Bolt refuses anything older than 5). */
  stale?: boolean;
  /** Default 'valid'. 'wrong' signs with another secret; 'none' sends no signature header at all. */
  signature?: 'valid' | 'wrong' | 'none';
  /** `x-slack-retry-num` / `x-slack-retry-reason` over HTTP; `retry_attempt` / `retry_reason` over a socket. */
  retryNum?: number;
  retryReason?: string;
  /** How long to wait for the ack; default 3000 ms over a socket (Slack's limit), 15000 ms over HTTP. */
  ackTimeoutMs?: number;
}

export type RetryOptions = Pick<SendOptions, 'retryNum' | 'retryReason' | 'ackTimeoutMs'>;

/** Exactly what went to the bot, so `driver.resend()` can send the same bytes again. */
export type SentRequest =
  | { transport: 'http'; url: string; headers: Record<string, string>; body: string }
  | { transport: 'socket'; envelope: SocketEnvelope };

export interface DriverResponse {
  /** HTTP status of the bot's answer. Over a socket: 200 when acked, 504 when no ack came in time. */
  status: number;
  /** The ack body: parsed JSON when it is JSON, else text; undefined when empty (`ack()`). */
  body: unknown;
  acked: boolean;
  request: SentRequest;
}

/** What Slack delivers: a slash command, an interaction, or an Events API `event_callback`. */
export type PayloadKind = 'command' | 'interactive' | 'event';

export interface Transport {
  send(
    kind: PayloadKind,
    payload: JsonObject,
    acceptsResponsePayload: boolean,
    options: SendOptions,
  ): Promise<DriverResponse>;
  resend(request: SentRequest, options: RetryOptions): Promise<DriverResponse>;
}
