import type { AccessDecision, AccessPolicy } from '../../captures/access.js';
import type { AuditTrail } from '../../captures/audit.js';
import type { DeniedAttempt } from '../../captures/model.js';
import type { CaptureService } from '../../captures/service.js';
import type { Logger } from '../../logger.js';
import type { WorkQueue } from '../../work-queue.js';
import type { ChannelVisibility } from '../channels.js';
import { asUserId } from '../slack-ids.js';

/** What every listener may use. Listeners stay thin: ack, parse, call the service, answer. */
export interface ListenerDeps {
  service: CaptureService;
  access: AccessPolicy;
  /** Whether a conversation is public, remembered for a minute. */
  channels: ChannelVisibility;
  /** Work done after an acknowledgement (opening a modal): queued so that waiting requests are acked first. */
  followUps: WorkQueue;
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
  { access, audit, logger }: Pick<ListenerDeps, 'access' | 'audit' | 'logger'>,
  who: { userId: string; channelId: string | null },
  attempted: DeniedAttempt,
): Promise<AccessDecision> {
  // A user id that is not one (a forged payload) is refused before anyone is asked about it.
  const decision: AccessDecision = asUserId(who.userId)
    ? await access.mayCapture(who.userId)
    : { allowed: false, refusal: { kind: 'unknown-user' } };
  if (!decision.allowed) {
    // The refusal is logged at once; its row is written without holding up the answer to Slack.
    void audit
      .record({
        at: new Date(),
        userId: who.userId,
        action: 'denied',
        channelId: who.channelId,
        requestId: null,
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
