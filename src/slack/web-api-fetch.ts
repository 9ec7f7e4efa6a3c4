import type { webApi } from '@slack/bolt';
import { type Dispatcher, request } from 'undici';

/** Slack answers API calls in well under a second; a call that hangs must not hold its caller for minutes. */
const CALL_TIMEOUT_MS = 30_000;

/** Statuses whose responses cannot carry a body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The Web API client's fetch, on undici's `request` (its global dispatcher keeps connections alive) instead of the global `fetch`:
 * the same answer for what the client reads (status, headers, body) at a fraction of the CPU per call, which
 * is what lets the bot acknowledge Slack as fast as a bare Bolt app while it opens modals and updates
 * messages (see README, Performance). Bodies the client builds as FormData (file uploads through the client,
 * which this bot does not use) go to the global fetch.
 */
export function undiciFetch(): webApi.FetchFunction {
  return async (url, init = {}) => {
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') return globalThis.fetch(url, init);
    const response = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers as Record<string, string> | undefined,
      body: body ?? null,
      signal: init.signal ?? null,
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
    const bytes = Buffer.from(await response.body.arrayBuffer());
    return new Response(NULL_BODY_STATUSES.has(response.statusCode) ? null : bytes, {
      status: response.statusCode,
      headers,
    });
  };
}
