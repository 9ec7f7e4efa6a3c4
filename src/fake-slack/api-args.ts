import type { IncomingMessage } from 'node:http';
import type { JsonObject } from './types.js';

/** Slack caps request bodies well below this; anything bigger is a client bug, not a test case. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Arguments that web-api sends as JSON strings inside the form (it JSON-encodes any non-scalar value). */
const JSON_ARGS = new Set(['blocks', 'view', 'files', 'attachments', 'metadata', 'options', 'option_groups']);

export interface ApiRequest {
  args: JsonObject;
  /** From `Authorization: Bearer …`, else from a `token` argument. */
  token: string | undefined;
  /** Where the token came from: apps.connections.open refuses it in the body. */
  tokenInBody: boolean;
}

export class BadRequest extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Form (what web-api sends) or JSON (what Slack also accepts); nested form values are parsed from JSON. */
export function parseApiRequest(contentType: string | undefined, body: Buffer, authorization: string | undefined) {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let args: JsonObject;
  if (type === 'application/json') {
    const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new BadRequest('body is not an object');
    args = parsed as JsonObject;
  } else {
    args = {};
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) args[key] = parseFormValue(key, value);
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const bodyToken = typeof args.token === 'string' ? args.token : undefined;
  delete args.token; // never keep a token among the recorded arguments
  const request: ApiRequest = {
    args,
    token: bearer ?? bodyToken,
    tokenInBody: bearer === undefined && bodyToken !== undefined,
  };
  return request;
}

function parseFormValue(key: string, value: string): unknown {
  if (!JSON_ARGS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // left as a string: the method answers invalid_*_format, as Slack does
  }
}
