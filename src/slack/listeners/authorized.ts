import type { AccessDecision, Refusal } from '../../captures/access.js';
import type { DeniedAttempt } from '../../captures/model.js';
import { asUserId } from '../slack-ids.js';
import type { ListenerDeps } from './deps.js';

/** What a listener needs the person to be allowed before it acts. */
export type Need =
  /** Nothing: `/capture help`, an answer to what could not be understood. */
  | { right: 'none' }
  /** Reading (quota, status, list): open to everyone unless CAPTURE_READERS_RESTRICTED. A refusal is not audited. */
  | { right: 'read'; userId: string }
  /**
   * The right to start captures. A refusal is recorded in the audit trail as a denied `attempted`; with no attempt
   * (the device search, asked on every keystroke) it is refused without a record.
   */
  | { right: 'capture'; userId: string; channelId: string | null; attempted: DeniedAttempt | null }
  /**
   * Approving or denying a request `requestedBy` made (CAPTURE_APPROVERS): a member of an approver group who is not
   * the requester. A refusal is recorded in the audit trail.
   */
  | { right: 'approve'; userId: string; requestedBy: string; channelId: string | null; requestId: string };

/** What deciding `request` needs of `userId`: to be an approver other than its requester. */
export function approverNeed(
  userId: string,
  request: { id: string; requestedBy: string },
  channelId: string | null,
): Need {
  return { right: 'approve', userId, requestedBy: request.requestedBy, channelId, requestId: request.id };
}

/** A listener that acts only for people allowed to; `authorized` runs its steps in order. */
export interface Guarded<A, P> {
  /**
   * Reads the interaction before anything is decided: parse it, acknowledge it, start read-only checks that may run
   * beside the decision. Nothing here may act on the request.
   */
  prepare(args: A): P | Promise<P>;
  /** What the person must be allowed, from what was read. */
  needs(args: A, prepared: P): Need;
  /** Tells the person privately why not (the refusal is already in the audit trail). */
  refuse(args: A, refusal: Refusal, prepared: P): Promise<unknown>;
  /** What the listener does; runs only once the person is allowed. */
  run(args: A, prepared: P): Promise<void>;
}

/**
 * The one way a listener is authorized: decided on every request (not only when the modal opened), a refusal is
 * recorded in the audit trail with what was attempted and answered privately, and `run` is reached only when allowed.
 */
export function authorized<A, P>(
  deps: Pick<ListenerDeps, 'access' | 'audit' | 'logger' | 'now'>,
  listener: Guarded<A, P>,
): (args: A) => Promise<void> {
  return async (args) => {
    const prepared = await listener.prepare(args);
    const decision = await decide(deps, listener.needs(args, prepared));
    if (!decision.allowed) {
      await listener.refuse(args, decision.refusal, prepared);
      return;
    }
    await listener.run(args, prepared);
  };
}

async function decide(
  { access, audit, logger, now }: Pick<ListenerDeps, 'access' | 'audit' | 'logger' | 'now'>,
  need: Need,
): Promise<AccessDecision> {
  if (need.right === 'none') return { allowed: true };
  if (need.right === 'read') return access.mayRead(need.userId);
  // A user id that is not one (a forged payload) is refused before anyone is asked about it.
  const decision: AccessDecision = !asUserId(need.userId)
    ? { allowed: false, refusal: { kind: 'unknown-user' } }
    : need.right === 'approve'
      ? await access.mayApprove(need.userId, need.requestedBy)
      : await access.mayCapture(need.userId);
  const attempted = need.right === 'approve' ? 'decide-approval' : need.attempted;
  if (!decision.allowed && attempted) {
    // The refusal is logged at once; its row is written without holding up the answer to Slack.
    void audit
      .record({
        at: now(),
        userId: need.userId,
        action: 'denied',
        channelId: need.channelId,
        requestId: need.right === 'approve' ? need.requestId : null,
        devices: [],
        types: [],
        options: null,
        commandIds: [],
        outcome: { kind: 'denied', attempted, refusal: decision.refusal },
      })
      .catch((error: unknown) => logger.error({ err: error }, 'could not store a refusal in the audit trail'));
  }
  return decision;
}
