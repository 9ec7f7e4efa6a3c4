import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AccessDecision, AccessPolicy } from '../../captures/access.js';
import type { AuditTrail } from '../../captures/audit.js';
import type { CaptureService } from '../../captures/service.js';
import type { Logger } from '../../logger.js';
import type { ChannelVisibility } from '../channels.js';

/** What every listener may use. Listeners stay thin: ack, parse, call the service, answer. */
export interface ListenerDeps {
  service: CaptureService;
  access: AccessPolicy;
  /** Whether a conversation is public, remembered for a minute. */
  channels: ChannelVisibility;
  audit: AuditTrail;
  logger: Logger;
  now: () => Date;
  /** ARTIFACT_DESTINATION: the modal warns when files would land in a public channel's thread. */
  artifactDestination: 'thread' | 'dm';
}

/**
 * May this person start captures? Decided on every request (not only when the modal opened); a refusal is
 * recorded in the audit trail with what was attempted.
 */
export async function authorizeCapture(
  { access, audit }: Pick<ListenerDeps, 'access' | 'audit'>,
  who: { userId: string; channelId: string | null },
  attempted: string,
): Promise<AccessDecision> {
  const decision = await access.mayCapture(who.userId);
  if (!decision.allowed) {
    await audit.record({
      at: new Date(),
      userId: who.userId,
      action: 'denied',
      channelId: who.channelId,
      requestId: null,
      devices: [],
      types: [],
      options: null,
      commandIds: [],
      outcome: `denied ${attempted}: ${decision.reason}`,
    });
  }
  return decision;
}

/**
 * Lets requests already waiting on the sockets be read (and acknowledged) before this one's follow-up work
 * runs: under load, Slack's 3-second acknowledgements come before modals and messages that nobody waits on.
 */
export function afterPendingAcks(): Promise<void> {
  return nextTurn();
}
