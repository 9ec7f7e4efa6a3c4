import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditOutcome } from '../../src/captures/model.js';
import { decodeAuditOutcome, encodeAuditOutcome } from '../../src/store/codec.js';
import { openStore, type Store } from '../../src/store/index.js';
import { whenTestFinishes } from '../cleanup.js';
import { ThrowawayDatabases } from '../postgres.js';

const OUTCOMES: AuditOutcome[] = [
  { kind: 'started', confirmedFromList: false },
  { kind: 'started', confirmedFromList: true },
  { kind: 'failed-to-start', failure: { reason: 'refused', messages: ['Not enough quota left today.'] } },
  { kind: 'failed-to-start', failure: { reason: 'unconfirmed', after: 'lost-answer' } },
  { kind: 'stopped-watching' },
  { kind: 'opened-form-again' },
  { kind: 'denied', attempted: 'open-form', refusal: { kind: 'not-in-groups', groups: ['S0HELPDESK', 'oncall'] } },
  { kind: 'denied', attempted: 'read-audit', refusal: { kind: 'not-listed' } },
  { kind: 'denied', attempted: 'start', refusal: { kind: 'not-admin' } },
  { kind: 'denied', attempted: 'run-again', refusal: { kind: 'unconfirmed' } },
  { kind: 'denied', attempted: 'stop-watching', refusal: { kind: 'unknown-user' } },
  { kind: 'recorded', text: 'started' },
];

describe('audit outcome codec', () => {
  it('reads back every outcome as it was written', () => {
    for (const outcome of OUTCOMES) expect(decodeAuditOutcome(encodeAuditOutcome(outcome))).toEqual(outcome);
  });

  it('reads the sentences older versions stored as recorded text', () => {
    for (const text of [
      'started',
      'failed to start (rate-limited)',
      'denied to open the capture form: Only members of <!subteam^S0HELPDESK> may start captures. Ask an admin to add you.',
      '',
    ]) {
      expect(decodeAuditOutcome(text)).toEqual({ kind: 'recorded', text });
    }
  });

  it('reads a damaged or unknown row as its text, never throwing', () => {
    for (const text of [
      '{"kind":"exploded"}',
      '{"kind":"denied","attempted":"open-form"}',
      '{"kind":"denied","attempted":"fly","refusal":{"kind":"not-admin"}}',
      '{"kind":"denied","attempted":"start","refusal":{"kind":"not-in-groups","groups":[1]}}',
      '{"kind":"failed-to-start","failure":"boom"}',
      '{"kind":"recorded"}',
      '[1,2]',
      '42',
      'null',
      '{"kind":',
    ]) {
      expect(decodeAuditOutcome(text)).toEqual({ kind: 'recorded', text });
    }
  });

  it('keeps only the facts it knows', () => {
    expect(decodeAuditOutcome('{"kind":"stopped-watching","extra":"<!here>"}')).toEqual({ kind: 'stopped-watching' });
  });
});

const postgresDatabases = new ThrowawayDatabases();
afterAll(() => postgresDatabases.dropAll());

/** A row as a version before structured outcomes wrote it: the sentence itself in `outcome`. */
const LEGACY_ROW = {
  at: '2026-11-25T09:02:00.000Z',
  user_id: 'U_BOB',
  action: 'denied',
  details: JSON.stringify({ devices: [], types: [], options: null, commandIds: [] }),
  outcome: 'denied to open the capture form: Only members of @helpdesk may start captures. Ask an admin to add you.',
};
const SINCE = new Date('2026-11-25T00:00:00Z');

async function expectLegacyRowReadBack(store: Store): Promise<void> {
  const recorded = { kind: 'recorded', text: LEGACY_ROW.outcome };
  expect((await store.auditSince(SINCE)).map((event) => event.outcome)).toEqual([recorded]);
  // Refusals still collapse per person across old and new rows; the latest outcome is the new one.
  const latest: AuditOutcome = { kind: 'denied', attempted: 'start', refusal: { kind: 'not-admin' } };
  await store.recordAudit({
    at: new Date('2026-11-25T09:05:00Z'),
    userId: 'U_BOB',
    action: 'denied',
    channelId: null,
    requestId: null,
    devices: [],
    types: [],
    options: null,
    commandIds: [],
    outcome: latest,
  });
  const refusals = await store.auditRefusalsSince(SINCE);
  expect(refusals.people).toEqual([expect.objectContaining({ userId: 'U_BOB', count: 2, lastOutcome: latest })]);
  expect((await store.auditRefusalsSince(SINCE)).totalRefusals).toBe(2);
  expect((await store.auditSince(SINCE)).map((event) => event.outcome)).toEqual([latest, recorded]);
}

describe('audit rows written by older versions', () => {
  it('SQLite reads a plain-text outcome back as recorded text', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dex-capture-bot-codec-'));
    whenTestFinishes(() => fs.rmSync(directory, { recursive: true, force: true }));
    const file = path.join(directory, 'bot.db');
    await (await openStore(`sqlite:${file}`)).close();
    const database = new Database(file);
    database
      .prepare(
        `INSERT INTO audit_events (at, user_id, action, channel_id, request_id, details, outcome)
         VALUES (@at, @user_id, @action, NULL, NULL, @details, @outcome)`,
      )
      .run(LEGACY_ROW);
    database.close();
    const store = await openStore(`sqlite:${file}`);
    try {
      await expectLegacyRowReadBack(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL reads a plain-text outcome back as recorded text', async () => {
    const { url } = await postgresDatabases.create();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO audit_events (at, user_id, action, channel_id, request_id, details, outcome)
         VALUES ($1, $2, $3, NULL, NULL, $4, $5)`,
        [LEGACY_ROW.at, LEGACY_ROW.user_id, LEGACY_ROW.action, LEGACY_ROW.details, LEGACY_ROW.outcome],
      );
    } finally {
      await client.end();
    }
    const store = await openStore(url);
    try {
      await expectLegacyRowReadBack(store);
    } finally {
      await store.close();
    }
  });
});
