import { describe, expect, it } from 'vitest';
import { parseCaptureCommand } from '../../../src/slack/listeners/commands/parse-capture-command.js';

describe('parseCaptureCommand', () => {
  it.each([
    ['', { kind: 'open', target: null }],
    ['   ', { kind: 'open', target: null }],
    ['<@U0123ABC|alice>', { kind: 'open', target: { userId: 'U0123ABC' } }],
    ['<@W0123ABC>', { kind: 'open', target: { userId: 'W0123ABC' } }],
    ['Alice@Example.com', { kind: 'open', target: { email: 'alice@example.com' } }],
    ['<mailto:alice@example.com|alice@example.com>', { kind: 'open', target: { email: 'alice@example.com' } }],
    ['quota', { kind: 'quota' }],
    ['QUOTA', { kind: 'quota' }],
    ['help', { kind: 'help' }],
    ['status c7k2q9', { kind: 'status', requestId: 'C7K2Q9' }],
    ['list', { kind: 'list', filter: { kind: 'all' } }],
    ['list mine', { kind: 'list', filter: { kind: 'mine' } }],
    ['list <@U0123ABC|alice>', { kind: 'list', filter: { kind: 'user', userId: 'U0123ABC' } }],
    ['list LAPTOP-42', { kind: 'list', filter: { kind: 'device', query: 'LAPTOP-42' } }],
    ['audit', { kind: 'audit', days: 7 }],
    ['audit 30', { kind: 'audit', days: 30 }],
    ['audit export', { kind: 'audit', days: 7, export: true }],
    ['audit EXPORT 30', { kind: 'audit', days: 30, export: true }],
  ])('reads %j', (text, expected) => {
    expect(parseCaptureCommand(text)).toEqual(expected);
  });

  it.each([
    'quota now',
    'status',
    'status a b',
    'status <script>',
    '@alice',
    'LAPTOP 42 please',
    'a/b',
    'list a b',
    'help me',
    'audit export 91',
    'audit export all',
    'audit export 3 4',
  ])('does not guess at %j', (text) => {
    expect(parseCaptureCommand(text).kind).toBe('unknown');
  });

  it.each(['LAPTOP-42', 'mbp-alice.local', 'alice', 'DESKTOP_7'])(
    'reads the bare word %j as a device name (pasted from a ticket)',
    (text) => {
      expect(parseCaptureCommand(text)).toEqual({ kind: 'open', target: { deviceName: text } });
    },
  );

  it('never throws and always answers, whatever the text', () => {
    const alphabet = 'ab@.<>|:/ \t\nUW0123-_mailtoquotastatuslisthelp😀';
    for (let i = 0; i < 5000; i++) {
      const length = (i * 7919) % 80;
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[(i * 31 + j * 17) % alphabet.length];
      const parsed = parseCaptureCommand(text);
      expect(['open', 'quota', 'status', 'list', 'help', 'unknown']).toContain(parsed.kind);
    }
    expect(parseCaptureCommand('x'.repeat(10_000)).kind).toBe('unknown');
  });
});
