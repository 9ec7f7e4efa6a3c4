import type { AuditEvent } from '../../captures/model.js';
import { plural } from './format.js';
import { auditOutcomeText } from './replies.js';

/** The export's columns, in order: what a reviewer asks of each row. */
export const AUDIT_CSV_COLUMNS = [
  'time_utc',
  'user_id',
  'action',
  'request_id',
  'channel_id',
  'channel_public',
  'devices',
  'device_owners',
  'types',
  'packet_size_bytes',
  'reason',
  'approved_by',
  'outcome',
] as const;

/**
 * One cell. Quoted when it holds a comma, quote or line break; a cell that a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR) gets a leading apostrophe: device names and reasons come from outside.
 */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The audit rows as CSV (RFC 4180, CRLF line ends, a header row), oldest first. */
export function auditCsv(events: AuditEvent[]): string {
  const rows = [...events]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((event) => [
      event.at.toISOString(),
      event.userId,
      event.action,
      event.requestId ?? '',
      event.channelId ?? '',
      typeof event.destinationPublic === 'boolean' ? String(event.destinationPublic) : '',
      event.devices.map((d) => d.name).join('; '),
      [...new Set(event.devices.map((d) => d.email))].join('; '),
      event.types.join('; '),
      event.options && event.types.includes('pcap') ? String(event.options.pcap.packetSizeBytes) : '',
      event.reason ?? '',
      event.approvedBy ?? '',
      // The words of /capture audit, as they are: they hold outside text (file names, an approver's note) to keep exactly.
      auditOutcomeText(event.outcome),
    ]);
  return `${[[...AUDIT_CSV_COLUMNS], ...rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** The file for the requester's DM: `dex-capture-audit-20261203.csv` with a one-line comment. */
export function auditExportFile(events: AuditEvent[], days: number, now: Date) {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    name: `dex-capture-audit-${day}.csv`,
    title: `DEX capture audit, last ${plural(days, 'day')}`,
    comment: `The audit trail of the last ${plural(days, 'day')}: ${plural(events.length, 'row')}, oldest first.`,
    content: auditCsv(events),
  };
}
