import { SlackApiError } from './api-error.js';
import { checkMessageBlocks } from './block-limits.js';
import type { Services } from './services.js';
import type { JsonObject } from './types.js';

/** Which token a method accepts: the app-level token only opens Socket Mode links. */
export type TokenType = 'bot' | 'app';

export interface Method {
  token: TokenType;
  handle(args: JsonObject, services: Services): JsonObject;
}

export type MethodTable = Record<string, Method>;

export const botMethod = (handle: Method['handle']): Method => ({ token: 'bot', handle });

/** A string argument, or undefined when absent or empty. */
export function stringArg(args: JsonObject, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireString(args: JsonObject, key: string, error = 'invalid_arguments'): string {
  const value = stringArg(args, key);
  if (value === undefined) throw new SlackApiError(error);
  return value;
}

export interface MessageContent {
  text: string | undefined;
  blocks: JsonObject[] | undefined;
}

/** text/blocks of a message: blocks within limits, and something to show (`no_text` otherwise). */
export function messageContent(args: JsonObject, { required }: { required: boolean }): MessageContent {
  const text = typeof args.text === 'string' ? args.text : undefined;
  let blocks: JsonObject[] | undefined;
  if (args.blocks !== undefined && args.blocks !== '') {
    const problem = checkMessageBlocks(args.blocks);
    if (problem) throw problem;
    blocks = args.blocks as JsonObject[];
  }
  const hasAttachments = args.attachments !== undefined && args.attachments !== '';
  const empty = (text === undefined || text === '') && (blocks === undefined || blocks.length === 0);
  if (required && empty && !hasAttachments) throw new SlackApiError('no_text');
  return { text, blocks };
}
