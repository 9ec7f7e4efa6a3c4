import { describe, expect, it } from 'vitest';
import type { AccessDecision, AccessPolicy } from '../../../src/captures/access.js';
import type { AuditTrail } from '../../../src/captures/audit.js';
import type { AuditEvent } from '../../../src/captures/model.js';
import { createLogger } from '../../../src/logger.js';
import { authorized, type Need } from '../../../src/slack/listeners/authorized.js';

const NOW = new Date('2026-11-25T09:02:00Z');

function harness(decision: AccessDecision) {
  const asked: string[] = [];
  const recorded: AuditEvent[] = [];
  const steps: string[] = [];
  const deps = {
    access: {
      mayCapture: async (userId: string) => {
        asked.push(`capture:${userId}`);
        return decision;
      },
      mayRead: async (userId: string) => {
        asked.push(`read:${userId}`);
        return decision;
      },
    } as unknown as AccessPolicy,
    audit: {
      record: async (event: AuditEvent) => {
        recorded.push(event);
      },
    } as unknown as AuditTrail,
    logger: createLogger({ write: () => {} }),
    now: () => NOW,
  };
  const listener = (need: Need) =>
    authorized<{ id: number }, string>(deps, {
      prepare: ({ id }) => {
        steps.push('prepare');
        return `prepared-${id}`;
      },
      needs: (_args, prepared) => {
        steps.push(`needs:${prepared}`);
        return need;
      },
      refuse: async (_args, refusal, prepared) => {
        steps.push(`refuse:${refusal.kind}:${prepared}`);
      },
      run: async (_args, prepared) => {
        steps.push(`run:${prepared}`);
      },
    });
  return { asked, recorded, steps, listener };
}

const capture = (userId: string, attempted: 'start' | null = 'start'): Need => ({
  right: 'capture',
  userId,
  channelId: 'C0HELPDESK',
  attempted,
});

describe('authorized', () => {
  it('runs the listener once the person may, with what was prepared, and records nothing', async () => {
    const { asked, recorded, steps, listener } = harness({ allowed: true });
    await listener(capture('U0ALICE'))({ id: 1 });
    expect(steps).toEqual(['prepare', 'needs:prepared-1', 'run:prepared-1']);
    expect(asked).toEqual(['capture:U0ALICE']);
    expect(recorded).toEqual([]);
  });

  it('refuses instead of running, and records the denied attempt with its refusal', async () => {
    const { recorded, steps, listener } = harness({
      allowed: false,
      refusal: { kind: 'not-in-groups', groups: ['helpdesk'] },
    });
    await listener(capture('U0BOB'))({ id: 2 });
    expect(steps).toEqual(['prepare', 'needs:prepared-2', 'refuse:not-in-groups:prepared-2']);
    expect(recorded).toEqual([
      {
        at: NOW,
        userId: 'U0BOB',
        action: 'denied',
        channelId: 'C0HELPDESK',
        requestId: null,
        devices: [],
        types: [],
        options: null,
        commandIds: [],
        outcome: { kind: 'denied', attempted: 'start', refusal: { kind: 'not-in-groups', groups: ['helpdesk'] } },
      },
    ]);
  });

  it('refuses a user id that is not one without asking anyone', async () => {
    const { asked, recorded, steps, listener } = harness({ allowed: true });
    await listener(capture('not a user'))({ id: 3 });
    expect(asked).toEqual([]);
    expect(steps.at(-1)).toBe('refuse:unknown-user:prepared-3');
    expect(recorded.map((event) => event.outcome)).toEqual([
      { kind: 'denied', attempted: 'start', refusal: { kind: 'unknown-user' } },
    ]);
  });

  it('refuses quietly when no attempt is named', async () => {
    const { recorded, steps, listener } = harness({ allowed: false, refusal: { kind: 'unconfirmed' } });
    await listener(capture('U0BOB', null))({ id: 4 });
    expect(steps.at(-1)).toBe('refuse:unconfirmed:prepared-4');
    expect(recorded).toEqual([]);
  });

  it('asks the read rule for reading, and nobody when nothing is needed', async () => {
    const reading = harness({ allowed: false, refusal: { kind: 'not-admin' } });
    await reading.listener({ right: 'read', userId: 'U0BOB' })({ id: 5 });
    expect(reading.asked).toEqual(['read:U0BOB']);
    expect(reading.steps.at(-1)).toBe('refuse:not-admin:prepared-5');
    expect(reading.recorded).toEqual([]);

    const open = harness({ allowed: false, refusal: { kind: 'not-admin' } });
    await open.listener({ right: 'none' })({ id: 6 });
    expect(open.asked).toEqual([]);
    expect(open.steps.at(-1)).toBe('run:prepared-6');
  });
});
