import type { Logger } from '../logger.js';
import type { AuditEvent, AuditRefusals, CaptureRequest } from './model.js';
import type { AuditStore } from './store.js';

/**
 * An audit row about a request: what the reviewer asks of every such row (where it went and whether that was
 * public, the devices and their owners, the types and options, the reason, the approver) taken from the request,
 * with who acted, what they did and what came of it. `devices`, `types` and `options` narrow it when a row is about
 * less.
 */
export function requestAuditEvent(
  request: CaptureRequest,
  row: Pick<AuditEvent, 'at' | 'userId' | 'action' | 'outcome'> &
    Partial<Pick<AuditEvent, 'channelId' | 'devices' | 'types' | 'options' | 'commandIds'>>,
): AuditEvent {
  const decision = request.approval?.decision;
  return {
    channelId: request.statusMessage?.channelId ?? request.channelId,
    requestId: request.id,
    devices: request.devices,
    types: request.types,
    options: request.options,
    commandIds: [],
    reason: request.reason,
    destinationPublic: request.destinationPublic,
    ...(decision?.approved ? { approvedBy: decision.by } : {}),
    ...row,
  };
}

/** What happened in a period, as `/capture audit` shows it. */
export interface AuditReport {
  /** Every start, "run again" and "stop watching", newest first (at most `MAX_REPORTED_ACTIONS`). */
  actions: AuditEvent[];
  /** How many there are in all (more than `actions` holds when the period has over `MAX_REPORTED_ACTIONS`). */
  totalActions: number;
  /** Refusals summed up per person, the most recently refused first (at most `MAX_REPORTED_PEOPLE`). */
  refusals: AuditRefusals[];
  refusedPeople: number;
  totalRefusals: number;
}

/**
 * Bounds on what one report reads: high enough that a period's real starts are all there (the reply shows what fits
 * Slack's limits and says how many more there are), low enough that no period can fill the bot's memory.
 */
export const MAX_REPORTED_ACTIONS = 500;
export const MAX_REPORTED_PEOPLE = 50;

/** The audit trail: each event is stored and written as one structured log line. */
export class AuditTrail {
  constructor(
    private readonly store: Pick<AuditStore, 'recordAudit' | 'auditActionsSince' | 'auditRefusalsSince' | 'auditSince'>,
    private readonly logger: Logger,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    // The log line gives the outcome's kind ("started", "denied", …) and its facts beside it, for log searches.
    const { kind, ...facts } = event.outcome;
    this.logger.info(
      {
        audit: {
          ...event,
          devices: event.devices.map((d) => ({ deviceId: d.deviceId, name: d.name, email: d.email })),
          outcome: kind,
          ...(Object.keys(facts).length > 0 ? { outcomeDetails: facts } : {}),
        },
      },
      `audit: ${event.action} by ${event.userId}: ${kind}`,
    );
    await this.store.recordAudit(event);
  }

  /** Every row since a time, refusals included, for `/capture audit export`. */
  everything(since: Date): Promise<AuditEvent[]> {
    return this.store.auditSince(since, -1);
  }

  /**
   * Since a time: every action, and the refusals per person. Refusals are kept apart so that any number of them
   * (anyone can type `/capture`) can never push a real start out of the report.
   */
  async report(since: Date): Promise<AuditReport> {
    const [actions, refusals] = await Promise.all([
      this.store.auditActionsSince(since, MAX_REPORTED_ACTIONS),
      this.store.auditRefusalsSince(since, MAX_REPORTED_PEOPLE),
    ]);
    return {
      actions: actions.events,
      totalActions: actions.total,
      refusals: refusals.people,
      refusedPeople: refusals.totalPeople,
      totalRefusals: refusals.totalRefusals,
    };
  }
}
