import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';

/**
 * What every request into the bot passes before Bolt sees it: a timestamp within 5 minutes of now in either
 * direction (Bolt alone accepts future ones), a valid signature, and a body that is an object. Bolt reads
 * `body.ssl_check` of whatever the body parses to, in a promise nobody awaits, so a signed `null` would crash
 * the process. The body is read here once; Bolt uses the bytes handed to it (`rawBody`).
 */
export function gateSlackRequest(
  req: IncomingMessage,
  res: ServerResponse,
  signingSecret: string,
  pass: () => void,
): void {
  if (!timestampIsFresh(req.headers['x-slack-request-timestamp'], Date.now())) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('request timestamp is not within 5 minutes of now');
    return;
  }
  readBody(req, BODY_LIMIT_BYTES).then(
    (raw) => {
      const signed = isValidSlackRequest({
        signingSecret,
        body: raw.toString('utf8'),
        headers: {
          'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
          'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
        },
      });
      if (!signed) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('request signature is not valid');
        return;
      }
      if (!isObjectBody(raw, req.headers['content-type'])) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed request body');
        return;
      }
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      pass();
    },
    () => {
      if (!res.headersSent) res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
    },
  );
}

const FIVE_MINUTES_S = 5 * 60;

/** Slack signs the request time; one far from now in either direction is a replay or a wrong clock. */
export function timestampIsFresh(header: string | string[] | undefined, nowMs: number): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !/^\d{1,12}$/.test(value)) return false;
  return Math.abs(nowMs / 1000 - Number(value)) <= FIVE_MINUTES_S;
}

/** Bolt's own default limit. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A Slack request body is a form (a slash command, or `payload=<JSON object>`) or a JSON object. */
function isObjectBody(raw: Buffer, contentType: string | undefined): boolean {
  const isObject = (text: string) => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  };
  const text = raw.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    return payload === null || isObject(payload);
  }
  return isObject(text);
}
