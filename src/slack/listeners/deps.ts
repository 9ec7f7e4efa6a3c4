import type { AccessPolicy } from '../../captures/access.js';
import type { AuditTrail } from '../../captures/audit.js';
import type { CaptureService } from '../../captures/service.js';
import type { ArtifactDestination } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { WorkQueue } from '../../work-queue.js';
import type { AppHome } from '../app-home.js';
import type { ChannelVisibility } from '../channels.js';
import type { Permalinks } from '../permalinks.js';

/**
 * What every listener may use. Listeners stay thin: ack, parse, call the service, answer; those that need a right are
 * built with `authorized` (authorized.ts).
 */
export interface ListenerDeps {
  service: CaptureService;
  access: AccessPolicy;
  /** Each person's App Home tab. */
  home: AppHome;
  /** Links to status messages, remembered. */
  permalinks: Permalinks;
  /** Whether a conversation is public, remembered for a minute. */
  channels: ChannelVisibility;
  /** Work done after an acknowledgement (opening a modal): queued so that waiting requests are acked first. */
  followUps: WorkQueue;
  audit: AuditTrail;
  logger: Logger;
  now: () => Date;
  /** ARTIFACT_DESTINATION: the modal warns when files would land in a public channel's thread. */
  artifactDestination: ArtifactDestination;
  /** CAPTURE_REASON_REQUIRED: the modal's reason field must be filled in. */
  reasonRequired: boolean;
}
