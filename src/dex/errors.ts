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
  errors: CloudflareMessage[];
  cfRay: string | null;
}

/** Cloudflare answered with an error status (or `success: false`); keeps its `errors[]`, status and `cf-ray`. */
export class DexApiError extends DexError {
  readonly kind: DexErrorKind = 'api';
  readonly endpoint: DexEndpoint;
  readonly status: number;
  readonly errors: CloudflareMessage[];
  readonly cfRay: string | null;

  constructor(details: ApiErrorDetails) {
    const summary = details.errors.map((e) => `${e.code} ${e.message}`).join('; ') || 'no error details';
    super(`Cloudflare DEX ${details.endpoint} failed with HTTP ${details.status}: ${summary}`);
    this.name = 'DexApiError';
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.errors = details.errors;
    this.cfRay = details.cfRay;
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
    /** The start of the body, to help whoever reads the log. */
    readonly excerpt: string,
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
  constructor(readonly reference: string) {
    super(`Refusing to download artifact reference ${JSON.stringify(reference.slice(0, 200))}`);
    this.name = 'DexUnsafeArtifactError';
  }
}

export function isDexError(error: unknown): error is DexError {
  return error instanceof DexError;
}

/**
 * Whether a failed create may still have started commands at Cloudflare, so that the caller must look in the list
 * instead of saying nothing was started: the answer was lost (a dropped connection after sending, a body that is not
 * Cloudflare's JSON) or Cloudflare answered with a server error. A refusal (4xx, a 429) or a connection that never
 * opened proves nothing was started.
 */
export function createOutcomeUnknown(error: unknown): boolean {
  if (error instanceof DexNetworkError) return error.outcomeUnknown;
  if (error instanceof DexResponseError) return error.endpoint === 'create';
  if (error instanceof DexApiError) return error.endpoint === 'create' && error.status >= 500;
  return false;
}
