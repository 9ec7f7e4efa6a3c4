import { type Dispatcher, request } from 'undici';
import { slackSignature } from './signing.js';
import type { DriverResponse, PayloadKind, RetryOptions, SendOptions, SentRequest, Transport } from './transport.js';
import type { JsonObject } from './types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const DEFAULT_TIMEOUT_MS = 15_000;
/** Bolt refuses requests whose timestamp is more than 5 minutes old. */
const STALE_SECONDS = 6 * 60;

/** Refuses anything but a loopback URL: the driver must never send a request off this machine. */
export function loopbackUrl(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new Error(`fake-slack: the bot URL must be http on a loopback address, got ${parsed.host}`);
  }
  return parsed;
}

/** Signed POSTs to the bot's Request URL, as Slack sends them. */
export class HttpTransport implements Transport {
  private readonly url: string;

  constructor(
    botUrl: string,
    private readonly signingSecret: string,
    private readonly dispatcher: Dispatcher,
  ) {
    this.url = loopbackUrl(botUrl).toString();
  }

  send(kind: PayloadKind, payload: JsonObject, _accepts: boolean, options: SendOptions): Promise<DriverResponse> {
    const { body, contentType } = encode(kind, payload);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000) - (options.stale ? STALE_SECONDS : 0);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
    };
    const signature = options.signature ?? 'valid';
    if (signature !== 'none') {
      const secret = signature === 'valid' ? this.signingSecret : `${this.signingSecret}-not`;
      headers['x-slack-signature'] = slackSignature(secret, timestamp, body);
    }
    return this.post({ transport: 'http', url: this.url, headers, body }, options);
  }

  resend(sent: SentRequest, options: RetryOptions): Promise<DriverResponse> {
    if (sent.transport !== 'http') throw new Error('fake-slack: cannot resend a socket envelope over HTTP');
    return this.post(sent, options);
  }

  private async post(sent: SentRequest & { transport: 'http' }, options: RetryOptions): Promise<DriverResponse> {
    const headers = { ...sent.headers };
    if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
    if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
    const timeout = options.ackTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const response = await request(sent.url, {
      method: 'POST',
      headers,
      body: sent.body,
      dispatcher: this.dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: parseBody(text), acked: response.statusCode === 200, request: sent };
  }
}

/**
 * Slash commands are a flat form; interactions are one `payload` form field holding JSON; Events API callbacks
 * are a JSON body. The signature covers these exact bytes either way.
 */
function encode(kind: PayloadKind, payload: JsonObject): { body: string; contentType: string } {
  if (kind === 'event') return { body: JSON.stringify(payload), contentType: 'application/json' };
  const form = kind === 'command' ? (payload as Record<string, string>) : { payload: JSON.stringify(payload) };
  // Exactly this content-type: Bolt's HTTPReceiver answers 400 to `…; charset=utf-8`.
  return { body: new URLSearchParams(form).toString(), contentType: 'application/x-www-form-urlencoded' };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
