import { describe, expect, it } from 'vitest';
import type { TrackedCommand } from '../../src/captures/model.js';
import { nextState } from '../../src/captures/tracker.js';
import type { Command } from '../../src/dex/types.js';

const created = new Date('2026-12-02T10:00:00Z');
const minutes = (n: number) => new Date(created.getTime() + n * 60_000);

function tracked(status: string, overrides: Partial<TrackedCommand> = {}): TrackedCommand {
  return {
    id: 'cmd-1',
    requestId: 'REQ1',
    deviceId: 'dev-1',
    registrationId: null,
    type: 'pcap',
    status,
    createdAt: created,
    updatedAt: created,
    completedAt: null,
    filename: null,
    tracking: true,
    ...overrides,
  };
}

function listed(status: string, overrides: Partial<Command> = {}): Command {
  return {
    id: 'cmd-1',
    type: 'pcap',
    status,
    deviceId: 'dev-1',
    registrationId: null,
    userEmail: 'a@example.com',
    createdAt: created,
    completedAt: null,
    filename: null,
    ...overrides,
  };
}

describe('nextState: what a poll changes for one tracked command', () => {
  it.each([
    ['nothing new: the same running status', tracked('PENDING_EXEC'), listed('PENDING_EXEC'), 5, null],
    [
      'running → uploading',
      tracked('PENDING_EXEC'),
      listed('PENDING_UPLOAD'),
      5,
      { status: 'PENDING_UPLOAD', tracking: true, completedAt: null },
    ],
    [
      'uploading → done, with Cloudflare’s completion time and file',
      tracked('PENDING_UPLOAD'),
      listed('SUCCESS', { completedAt: minutes(6), filename: 'cmd-1.zip' }),
      7,
      { status: 'SUCCESS', tracking: false, completedAt: minutes(6), filename: 'cmd-1.zip' },
    ],
    [
      'failed without a completion time: now',
      tracked('PENDING_EXEC'),
      listed('FAILED'),
      8,
      { status: 'FAILED', tracking: false, completedAt: minutes(8) },
    ],
    [
      'already final when confirmed from the list: ended like any other',
      tracked('SUCCESS'),
      listed('SUCCESS', { completedAt: minutes(4) }),
      9,
      { status: 'SUCCESS', tracking: false, completedAt: minutes(4) },
    ],
    [
      'an unknown status is kept and followed',
      tracked('PENDING_EXEC'),
      listed('QUEUED_SOMEWHERE'),
      3,
      { status: 'QUEUED_SOMEWHERE', tracking: true, completedAt: null },
    ],
    ['not listed yet, well within 30 minutes', tracked('PENDING_EXEC'), undefined, 29, null],
    [
      'not listed and 30 minutes old: timed out',
      tracked('PENDING_EXEC'),
      undefined,
      30,
      { status: 'TIMED_OUT', tracking: false, completedAt: minutes(30) },
    ],
    [
      'listed but still running after 30 minutes: timed out',
      tracked('PENDING_EXEC'),
      listed('PENDING_EXEC'),
      31,
      { status: 'TIMED_OUT', tracking: false, completedAt: minutes(31) },
    ],
  ] as const)('%s', (_, command, fromList, atMinute, expected) => {
    const update = nextState(command as TrackedCommand, fromList as Command | undefined, minutes(atMinute));
    if (expected === null) expect(update).toBeNull();
    else expect(update).toMatchObject({ ...expected, updatedAt: minutes(atMinute) });
  });
});
