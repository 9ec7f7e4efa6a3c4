import type { Readable } from 'node:stream';
import { type CfMessage, failureEnvelope } from './envelope.js';

/** What a handler decides to send; the server turns it into bytes (and applies faults on the way). */
export type Reply = JsonReply | StreamReply;

export interface JsonReply {
  kind: 'json';
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface StreamReply {
  kind: 'stream';
  status: number;
  headers: Record<string, string>;
  /** Opens the body; not called for HEAD requests. */
  open(): Readable;
}

export function jsonReply(status: number, body: unknown, headers?: Record<string, string>): JsonReply {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body };
}

/** Thrown by handlers to refuse a request; the server answers with the failure envelope. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly errors: CfMessage[];
  readonly headers: Record<string, string>;

  constructor(status: number, errors: CfMessage[], headers: Record<string, string> = {}) {
    super(errors.map((error) => error.message).join('; '));
    this.name = 'ApiFailure';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }

  static single(status: number, code: number, message: string, pointer?: string): ApiFailure {
    return new ApiFailure(status, [pointer === undefined ? { code, message } : { code, message, source: { pointer } }]);
  }

  toReply(): JsonReply {
    return jsonReply(this.status, failureEnvelope(this.errors), this.headers);
  }
}
