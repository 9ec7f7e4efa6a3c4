import { z } from 'zod';

/*
 * Slack's id formats, checked before an id read from a payload (private_metadata, a button's value, a picked
 * conversation) is posted to or written into mrkdwn. One place for both the listeners and the ui's `mention()` and
 * `channelRef()`, so an id that passes one passes the other.
 *
 * Real Slack ids are upper-case letters and digits (`C024BE7LR`, `U024BE7LH`, `D…` for a DM, `G…` for a private
 * channel or group DM, `W…` for an Enterprise Grid user). `_` is also accepted because the local Slack stand-in
 * (src/fake-slack) names things readably (`C_HELPDESK`, `U_ALICE`); it cannot end a `<#…>` or `<@…>` token or open
 * anything in mrkdwn, so it is harmless there. Nothing else gets through: no `<`, `>`, `|`, `!`, `#`, `@`, spaces.
 */

export const CONVERSATION_ID = /^[CGD][A-Z0-9_]{2,39}$/;
export const USER_ID = /^[UW][A-Z0-9_]{2,39}$/;

export const conversationIdSchema = z.string().regex(CONVERSATION_ID);
export const userIdSchema = z.string().regex(USER_ID);

/** The value when it is a well-formed conversation id (channel, private channel, DM); otherwise null. */
export function asConversationId(value: unknown): string | null {
  return typeof value === 'string' && CONVERSATION_ID.test(value) ? value : null;
}

/** The value when it is a well-formed user id; otherwise null. */
export function asUserId(value: unknown): string | null {
  return typeof value === 'string' && USER_ID.test(value) ? value : null;
}
