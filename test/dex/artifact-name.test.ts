import { describe, expect, it } from 'vitest';
import { artifactFileName, DexUnsafeArtifactError, retryAfterToDate } from '../../src/dex/index.js';

const id = '5758fefe-ae7e-4538-a39b-1fef6abcb909';
const hosts = ['api.cloudflare.com', '127.0.0.1:8787'];

describe('artifactFileName (reference §7.3)', () => {
  it('falls back to {id}.zip when the list gives no filename', () => {
    expect(artifactFileName(id, null, hosts)).toBe(`${id}.zip`);
  });

  it('takes the last path segment of a Cloudflare URL, without fetching it', () => {
    const url = `https://api.cloudflare.com/client/v4/accounts/abc/dex/devices/dev-1/commands/downloads/${id}.zip`;
    expect(artifactFileName(id, url, hosts)).toBe(`${id}.zip`);
  });

  it('uses a bare name as given', () => {
    expect(artifactFileName(id, 'capture-1.zip', hosts)).toBe('capture-1.zip');
  });

  it.each([
    ['a URL on another host', `https://evil.example.com/downloads/${id}.zip`],
    ['a look-alike host', `https://api.cloudflare.com.evil.example/${id}.zip`],
    ['a non-http scheme', `file:///etc/${id}.zip`],
    ['a path', `../${id}.zip`],
    ['a name with a slash', `sub/${id}.zip`],
    ['a name with dots', '..zip'],
    ['an encoded slash in a URL', 'https://api.cloudflare.com/x/..%2F..%2Fsecret.zip'],
    ['a name that is not a zip', 'passwd'],
    ['a backslash', 'a\\b.zip'],
  ])('refuses %s', (_, reference) => {
    expect(() => artifactFileName(id, reference, hosts)).toThrow(DexUnsafeArtifactError);
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
