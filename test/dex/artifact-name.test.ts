import { describe, expect, it } from 'vitest';
import { artifactFileName, DexUnsafeArtifactError, retryAfterToDate } from '../../src/dex/index.js';

const id = '5758fefe-ae7e-4538-a39b-1fef6abcb909';
const hosts = ['api.cloudflare.com', '127.0.0.1:8787'];

describe('artifactFileName (reference §7.3, §16)', () => {
  it.each([
    ['null', null],
    ['empty', ''],
    ['blank', '   '],
  ])('falls back to {id}.zip when the list gives %s', (_, filename) => {
    expect(artifactFileName(id, filename, hosts)).toBe(`${id}.zip`);
  });

  it.each([
    [
      'the device download URL',
      `https://api.cloudflare.com/client/v4/accounts/abc/dex/devices/dev-1/commands/downloads/${id}.zip`,
    ],
    [
      'the command download URL',
      `https://api.cloudflare.com/client/v4/accounts/abc/dex/commands/${id}/downloads/${id}.zip`,
    ],
    [
      'a URL on the configured API host',
      `http://127.0.0.1:8787/client/v4/accounts/abc/dex/commands/${id}/downloads/${id}.zip`,
    ],
    ['a URL with a query string', `https://api.cloudflare.com/x/${id}.zip?expires=1764000000`],
  ])('takes the last path segment of %s, without fetching it', (_, url) => {
    expect(artifactFileName(id, url, hosts)).toBe(`${id}.zip`);
  });

  it('uses a bare safe zip name as given', () => {
    expect(artifactFileName(id, 'capture-1.zip', hosts)).toBe('capture-1.zip');
  });

  it.each([
    ['a bare name that is not a zip', 'passwd'],
    ['an opaque token', 'dexart_3q2-7Zk_x9PfLw'],
    ['a scheme-like token without a host', 'v1:3q27Zkx9PfLw'],
    ['a zip name with a space', 'my capture.zip'],
    ['a zip name that starts with a dot', '.hidden.zip'],
    ['a percent-encoded name', '%41bc.zip'],
    [
      'an API URL whose path does not end in a zip',
      `https://api.cloudflare.com/client/v4/accounts/abc/dex/commands/${id}/downloads`,
    ],
    ['an API URL whose path ends with a slash', 'https://api.cloudflare.com/client/v4/downloads/'],
    ['an API URL with an undecodable segment', 'https://api.cloudflare.com/x/%E0%A4%A.zip'],
  ])('falls back to {id}.zip for %s (unrecognised but harmless)', (_, reference) => {
    expect(artifactFileName(id, reference, hosts)).toBe(`${id}.zip`);
  });

  it.each([
    ['a URL on another host', `https://evil.example.com/downloads/${id}.zip`],
    ['a look-alike host', `https://api.cloudflare.com.evil.example/${id}.zip`],
    ['a host hidden after user info', `https://api.cloudflare.com@evil.example/${id}.zip`],
    ['the API host on another port', `https://api.cloudflare.com:8443/${id}.zip`],
    ['a non-http scheme', `file:///etc/${id}.zip`],
    ['a scheme-relative URL', `//evil.example/${id}.zip`],
    ['an unparseable URL', 'https://[::1/x.zip'],
    ['a path', `../${id}.zip`],
    ['an absolute path', `/etc/${id}.zip`],
    ['a name with a slash', `sub/${id}.zip`],
    ['a name with dots', '..zip'],
    ['dots inside a URL path', `https://api.cloudflare.com/a/../../${id}.zip`],
    ['encoded dots inside a URL path', `https://api.cloudflare.com/a/%2e%2e/${id}.zip`],
    ['an encoded slash in a URL', 'https://api.cloudflare.com/x/..%2F..%2Fsecret.zip'],
    ['an encoded slash in a bare name', `sub%2f${id}.zip`],
    ['an upper-case encoded backslash', `sub%5C${id}.zip`],
    ['a double-encoded slash', `https://api.cloudflare.com/x/sub%252f${id}.zip`],
    ['a triple-encoded backslash', `sub%25255c${id}.zip`],
    ['a backslash', 'a\\b.zip'],
    ['a NUL', `${id}.zip\0.txt`],
    ['an encoded NUL', `${id}.zip%00`],
  ])('refuses %s', (_, reference) => {
    expect(() => artifactFileName(id, reference, hosts)).toThrow(DexUnsafeArtifactError);
  });

  it('refuses a command id that could not make a safe name', () => {
    expect(() => artifactFileName('../x', null, hosts)).toThrow(DexUnsafeArtifactError);
  });

  it('never puts a credential from the reference into the error', () => {
    const token = 'cfut_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd1234';
    const error = (() => {
      try {
        artifactFileName(id, `https://evil.example/${id}.zip?auth=${token}`, hosts);
      } catch (e) {
        return e as DexUnsafeArtifactError;
      }
    })();
    expect(error).toBeInstanceOf(DexUnsafeArtifactError);
    expect(`${error?.message} ${error?.reference}`).not.toContain(token);
    expect(error?.message).toContain('evil.example');
  });
});

describe('retryAfterToDate', () => {
  const now = Date.parse('2026-11-25T14:00:00Z');

  it('reads seconds', () => {
    expect(retryAfterToDate('30', now).toISOString()).toBe('2026-11-25T14:00:30.000Z');
  });

  it('reads an HTTP date', () => {
    expect(retryAfterToDate('Wed, 25 Nov 2026 14:02:00 GMT', now).toISOString()).toBe('2026-11-25T14:02:00.000Z');
  });

  it("falls back to Cloudflare's five-minute block when the header is missing or unreadable", () => {
    expect(retryAfterToDate(null, now).toISOString()).toBe('2026-11-25T14:05:00.000Z');
    expect(retryAfterToDate('soon', now).toISOString()).toBe('2026-11-25T14:05:00.000Z');
  });
});
