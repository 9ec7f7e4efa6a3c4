import type { JsonObject } from './types.js';

/** A Web API refusal: `{ok:false, error}` (HTTP 200 unless `status` says otherwise), plus Slack's extra fields. */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: JsonObject = {},
    readonly status = 200,
  ) {
    super(error);
    this.name = 'SlackApiError';
  }

  /** `invalid_blocks` & co. carry `[ERROR] … [json-pointer:/…]` lines that web-api logs: keep them. */
  static withMessages(error: string, messages: readonly string[]): SlackApiError {
    return new SlackApiError(error, {
      errors: [...messages],
      response_metadata: { messages: messages.map((message) => `[ERROR] ${message}`) },
    });
  }

  body(): JsonObject {
    return { ok: false, error: this.error, ...this.extra };
  }
}
