import type { CaptureService } from '../../captures/service.js';
import type { Logger } from '../../logger.js';

/** What every listener may use. Listeners stay thin: ack, parse, call the service, answer. */
export interface ListenerDeps {
  service: CaptureService;
  logger: Logger;
  now: () => Date;
}
