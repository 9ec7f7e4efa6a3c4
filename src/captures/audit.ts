import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { AuditEvent } from './model.js';

/** The audit trail: each event is stored and written as one structured log line. */
export class AuditTrail {
  constructor(
    private readonly store: Pick<Store, 'recordAudit' | 'auditSince'>,
    private readonly logger: Logger,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    this.logger.info(
      {
        audit: {
          ...event,
          devices: event.devices.map((d) => ({ deviceId: d.deviceId, name: d.name, email: d.email })),
        },
      },
      `audit: ${event.action} by ${event.userId}: ${event.outcome}`,
    );
    await this.store.recordAudit(event);
  }

  since(since: Date, limit?: number): Promise<AuditEvent[]> {
    return this.store.auditSince(since, limit);
  }
}
