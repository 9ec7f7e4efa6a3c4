import { randomUUID } from 'node:crypto';
import type { SocketEnvelope, SocketHub } from './socket-link.js';
import type { DriverResponse, PayloadKind, RetryOptions, SendOptions, SentRequest, Transport } from './transport.js';
import type { JsonObject } from './types.js';

/** Slack gives up on an unacknowledged envelope after 3 seconds, as over HTTP. */
const DEFAULT_ACK_TIMEOUT_MS = 3000;

const ENVELOPE_TYPES: Record<PayloadKind, SocketEnvelope['type']> = {
  command: 'slash_commands',
  interactive: 'interactive',
  event: 'events_api',
};

/** Envelopes over the bot's Socket Mode link; no signatures there (the link itself is authenticated). */
export class SocketTransport implements Transport {
  constructor(private readonly hub: () => Promise<SocketHub>) {}

  send(kind: PayloadKind, payload: JsonObject, accepts: boolean, options: SendOptions): Promise<DriverResponse> {
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type: ENVELOPE_TYPES[kind],
      accepts_response_payload: accepts,
      payload,
    };
    return this.deliver(envelope, options);
  }

  resend(sent: SentRequest, options: RetryOptions): Promise<DriverResponse> {
    if (sent.transport !== 'socket') throw new Error('fake-slack: cannot resend an HTTP request over a socket');
    return this.deliver(sent.envelope, options);
  }

  private async deliver(base: SocketEnvelope, options: RetryOptions): Promise<DriverResponse> {
    const envelope: SocketEnvelope = {
      ...base,
      ...(options.retryNum !== undefined && { retry_attempt: options.retryNum }),
      ...(options.retryReason !== undefined && { retry_reason: options.retryReason }),
    };
    const hub = await this.hub();
    const ack = await hub.deliver(envelope, options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS);
    const request: SentRequest = { transport: 'socket', envelope: base };
    if (!ack) return { status: 504, body: undefined, acked: false, request };
    const payload = ack.payload;
    const empty = payload === undefined || Object.keys(payload).length === 0;
    return { status: 200, body: empty ? undefined : payload, acked: true, request };
  }
}
