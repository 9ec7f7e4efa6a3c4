import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../../src/captures/model.js';
import { auditCsv } from '../../../src/slack/ui/audit-csv.js';
import { target } from './fixtures.js';

describe('auditCsv', () => {
  it('quotes what needs quoting and never lets a cell run as a spreadsheet formula', () => {
    const csv = auditCsv([
      {
        at: new Date('2026-12-03T10:00:00Z'),
        userId: 'U1',
        action: 'start',
        channelId: 'C1',
        requestId: 'ABC123',
        devices: [target(1, { name: '=HYPERLINK("http://x")', email: 'a@x.io' }), target(2, { email: 'a@x.io' })],
        types: ['pcap'],
        options: { ...DEFAULT_CAPTURE_OPTIONS, pcap: { ...DEFAULT_CAPTURE_OPTIONS.pcap, packetSizeBytes: 1500 } },
        commandIds: [],
        outcome: { kind: 'started', confirmedFromList: false },
        reason: 'INC-1, "urgent"\nsecond line',
        destinationPublic: false,
        approvedBy: 'U2',
      },
      {
        at: new Date('2026-12-03T09:00:00Z'),
        userId: 'U2',
        action: 'rejected',
        channelId: 'C1',
        requestId: 'ABC000',
        devices: [],
        types: [],
        options: null,
        commandIds: [],
        outcome: { kind: 'approval-decided', approved: false, note: '*not* without a_ticket' },
      },
    ]);
    const [header, denial, row, end] = csv.split('\r\n');
    expect(header?.split(',')).toHaveLength(13);
    // Oldest first; the approver's note exactly as typed.
    expect(denial).toBe('2026-12-03T09:00:00.000Z,U2,rejected,ABC000,C1,,,,,,,,denied: “*not* without a_ticket”');
    expect(row).toBe(
      `2026-12-03T10:00:00.000Z,U1,start,ABC123,C1,false,"'=HYPERLINK(""http://x""); LAPTOP-2",a@x.io,pcap,1500,"INC-1, ""urgent""\nsecond line",U2,started`,
    );
    expect(end).toBe('');
  });
});
