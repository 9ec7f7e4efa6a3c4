import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { redactSecrets } from '../src/redact.js';

const cfToken = 'cfut_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd5f3e';

describe('redactSecrets', () => {
  it.each([
    ['a Slack bot token', 'token xoxb-1234-5678-abcdEFGH here', 'token [redacted] here'],
    ['a Slack user token', 'xoxp-1-2-3-abc', '[redacted]'],
    ['a Slack app-level token', 'app xapp-1-A0-123-abc.', 'app [redacted].'],
    ['a Bearer credential', 'sent Bearer abc.DEF-123_x, then', 'sent Bearer [redacted], then'],
    ['a Bearer credential in markup', '<td>Bearer abc123</td>', '<td>Bearer [redacted]</td>'],
    [
      'an Authorization header line',
      'Host: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\nAccept: */*',
      'Host: x\r\nAuthorization: [redacted]\r\nAccept: */*',
    ],
    [
      'an Authorization header in lower case',
      'authorization: Digest username="bob", response="f00"\nx',
      'authorization: [redacted]\nx',
    ],
    ['an Authorization field in JSON', '{"authorization":"Token t0ps3cret"}', '{"authorization":[redacted]'],
    ['an X-Auth-Key header', 'X-Auth-Key: 0123456789abcdef0123456789abcdef01234\n', 'X-Auth-Key: [redacted]\n'],
    [
      'an X-Auth-User-Service-Key header',
      'x-auth-user-service-key: v1.0-abc-def',
      'x-auth-user-service-key: [redacted]',
    ],
    ['a scannable Cloudflare user token', `token=${cfToken}&x=1`, 'token=[redacted]&x=1'],
    ['a scannable Cloudflare account token', `cfat_${'Z'.repeat(44)}`, '[redacted]'],
    ['a scannable Cloudflare global key', `cfk_${'9'.repeat(45)}`, '[redacted]'],
  ])('masks %s', (_, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves ordinary text alone, including ids and short cf_ words', () => {
    const text =
      'command 5758fefe-ae7e-4538-a39b-1fef6abcb909 cf-ray 8f00000000000000-SJC cfut_short X-Auth-Email: a@b.c';
    expect(redactSecrets(text)).toBe(text);
  });

  it('masks given secrets wherever they appear, longest first, and ignores ones too short to be safe', () => {
    expect(redactSecrets('a=s3cr3t-long b=s3cr3t-long-er c=abc', ['s3cr3t-long', 's3cr3t-long-er', 'abc'])).toBe(
      'a=[redacted] b=[redacted] c=abc',
    );
  });
});

describe('createLogger', () => {
  it('masks credentials in every value and key, and each line stays one JSON object', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), secrets: ['the-signing-secret'] });
    logger.warn(
      {
        excerpt: 'Authorization: Bearer abc\nHost: x',
        nested: { list: ['xoxb-1-2-abc', 42], 'key-the-signing-secret': true },
        err: new Error(`failed with ${cfToken}`),
      },
      'proxy said Authorization: Basic Zm9v',
    );
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 'warn',
      msg: 'proxy said Authorization: [redacted]',
      excerpt: 'Authorization: [redacted]\nHost: x',
      nested: { list: ['[redacted]', 42], 'key-[redacted]': true },
      err: { name: 'Error', message: 'failed with [redacted]' },
    });
    expect(lines[0]).not.toMatch(/abc|Zm9v|the-signing-secret|cfut_/);
  });
});
