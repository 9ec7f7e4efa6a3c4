import { redactSecrets } from '../redact.js';
import type { DexEndpoint } from './types.js';

/** A message in Cloudflare's v4 envelope (`errors[]` / `messages[]`). */
export interface CloudflareMessage {
  code: number;
  message: string;
  documentation_url?: string;
  source?: { pointer?: string };
}

export type DexErrorKind = 'input' | 'api' | 'rate-limited' | 'response' | 'network' | 'unsafe-artifact';

/**
 * Base of every error the DEX client throws. `kind` lets callers switch without `instanceof` chains;
 * messages never contain the API token.
 */
export abstract class DexError extends Error {
  abstract readonly kind: DexErrorKind;
}

/** The input was refused before anything was sent. */
export class DexInputError extends DexError {
  readonly kind = 'input';
  constructor(readonly problems: string[]) {
    super(`Invalid DEX request: ${problems.join('; ')}`);
    this.name = 'DexInputError';
  }
}

interface ApiErrorDetails {
  endpoint: DexEndpoint;
  status: number;
  /** Only messages from a real Cloudflare failure envelope (already redacted); never text made up or scraped. */
  errors: CloudflareMessage[];
  cfRay: string | null;
  /** The start of a body that was not a Cloudflare envelope (a proxy's page), redacted; for logs only. */
  bodyExcerpt?: string;
  /** Our own words for the message when Cloudflare gave no `errors[]` (e.g. a call held back, never sent). */
  detail?: string;
}

/**
 * Cloudflare answered with an error status (or `success: false`); keeps its `errors[]`, status and `cf-ray`.
 * `errors` comes only from a Cloudflare failure envelope; a body that was not one (an HTML page from a proxy)
 * leaves `errors` empty and goes to `bodyExcerpt`, which is for logs and never shown to people.
 */
export class DexApiError extends DexError {
  readonly kind: DexErrorKind = 'api';
  readonly endpoint: DexEndpoint;
  readonly status: number;
  readonly errors: CloudflareMessage[];
  readonly cfRay: string | null;
  readonly bodyExcerpt: string;

  constructor(details: ApiErrorDetails) {
    const summary =
      details.errors.map((e) => `${e.code} ${e.message}`).join('; ') ||
      details.detail ||
      (details.bodyExcerpt ? 'the answer was not a Cloudflare error envelope' : 'no error details');
    super(`Cloudflare DEX ${details.endpoint} failed with HTTP ${details.status}: ${summary}`);
    this.name = 'DexApiError';
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.errors = details.errors;
    this.cfRay = details.cfRay;
    this.bodyExcerpt = details.bodyExcerpt ?? '';
  }

  get codes(): number[] {
    return this.errors.map((e) => e.code);
  }
}

/** 429: every call with this token is held back until `retryAt`. */
export class DexRateLimitError extends DexApiError {
  override readonly kind = 'rate-limited';
  constructor(
    details: ApiErrorDetails,
    readonly retryAt: Date,
  ) {
    super(details);
    this.name = 'DexRateLimitError';
  }
}

/** A response that is not what the API documents: not JSON, or a field of the wrong shape. */
export class DexResponseError extends DexError {
  readonly kind = 'response';
  constructor(
    readonly endpoint: DexEndpoint,
    readonly problem: string,
    /** The start of the body (redacted), to help whoever reads the log; never shown to people. */
    readonly bodyExcerpt: string,
    readonly status: number,
    readonly cfRay: string | null,
  ) {
    super(`Unexpected response from Cloudflare DEX ${endpoint} (HTTP ${status}): ${problem}`);
    this.name = 'DexResponseError';
  }
}

/**
 * The request did not complete: connection refused or reset, a timeout, a body cut off.
 * `outcomeUnknown` is true when the request may have reached Cloudflare (e.g. a create whose
 * connection dropped after sending): reconcile by listing, never by sending it again.
 */
export class DexNetworkError extends DexError {
  readonly kind = 'network';
  constructor(
    readonly endpoint: DexEndpoint,
    message: string,
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super(`Could not reach Cloudflare DEX ${endpoint}: ${message}`, options);
    this.name = 'DexNetworkError';
  }
}

/** An artifact reference from a response that we refuse to fetch (path tricks or a foreign host). */
export class DexUnsafeArtifactError extends DexError {
  readonly kind = 'unsafe-artifact';
  /** The reference as given, redacted (a URL could carry a credential) and cut to 200 characters. */
  readonly reference: string;
  constructor(reference: string) {
    const shown = redactSecrets(reference).slice(0, 200);
    super(`Refusing to download artifact reference ${JSON.stringify(shown)}`);
    this.name = 'DexUnsafeArtifactError';
    this.reference = shown;
  }
}

export function isDexError(error: unknown): error is DexError {
  return error instanceof DexError;
}

/**
 * True when a `createCommands` call that failed may still have started commands, so the caller must find out by
 * listing (and must not say "nothing was started", nor send the create again). That is the case when the request
 * may have reached Cloudflare and its answer could not be read:
 * - `DexNetworkError` with `outcomeUnknown` (the connection failed after the request was sent, a timeout, a body
 *   cut off);
 * - `DexResponseError` from create (a 2xx that is not a readable envelope: an HTML page, truncated JSON);
 * - `DexApiError` from create with status 500 or more (Cloudflare's, or a proxy's that may have forwarded it).
 * False for everything else: a 4xx, 429 included (Cloudflare processed nothing), refused input, a connection that
 * was never made. A caller's own abort is rethrown as the raw AbortError and is the caller's to judge.
 */
export function createOutcomeUnknown(error: unknown): boolean {
  if (error instanceof DexNetworkError) return error.endpoint === 'create' && error.outcomeUnknown;
  if (error instanceof DexResponseError) return error.endpoint === 'create';
  if (error instanceof DexApiError) return error.endpoint === 'create' && error.status >= 500;
  return false;
}
