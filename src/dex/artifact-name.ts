import { DexUnsafeArtifactError } from './errors.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip$/;
const URL_WITH_HOST = /^[a-z][a-z0-9+.-]*:\/\//i;
// `%2f` / `%5c`, however many times the `%` itself was encoded (`%252f`, `%25252f`…).
const ENCODED_SEPARATOR = /%(?:25)*(?:2f|5c)/i;
const DECODE_LEVELS = 3;

/**
 * The file name to request from `/dex/commands/{id}/downloads/{name}`. What the list's `filename` means is not
 * documented (reference §7.3, §16), so only a few forms are read, and the reference itself is never fetched:
 * - null or empty: `{id}.zip`;
 * - a URL on the API's host (or api.cloudflare.com) whose last path segment is a safe `*.zip`: that segment;
 * - a bare safe `*.zip`: that name;
 * - anything else harmless (a name that is not a zip, an opaque token, an API URL whose path ends otherwise):
 *   `{id}.zip`, which the download then asks for on our own account.
 * Refused with `DexUnsafeArtifactError`: a URL on another host or with another scheme, and any reference that
 * contains a backslash, NUL, `..` or an encoded slash or backslash, or (outside a URL) a `/`: someone is trying to
 * steer the download somewhere else, and that is worth an error rather than a quiet fallback.
 */
export function artifactFileName(commandId: string, filename: string | null, allowedHosts: readonly string[]): string {
  const fallback = `${commandId}.zip`;
  if (!SAFE_NAME.test(fallback)) throw new DexUnsafeArtifactError(commandId);
  if (!filename?.trim()) return fallback;
  if (decodings(filename).some(isPathTrick)) throw new DexUnsafeArtifactError(filename);

  if (URL_WITH_HOST.test(filename)) {
    let url: URL;
    try {
      url = new URL(filename);
    } catch {
      throw new DexUnsafeArtifactError(filename);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DexUnsafeArtifactError(filename);
    if (!allowedHosts.includes(url.host.toLowerCase())) throw new DexUnsafeArtifactError(filename);
    const segment = decodeOnce(url.pathname.split('/').pop() ?? '');
    return segment !== null && SAFE_NAME.test(segment) ? segment : fallback;
  }
  if (filename.includes('/')) throw new DexUnsafeArtifactError(filename);
  return SAFE_NAME.test(filename) ? filename : fallback;
}

function isPathTrick(text: string): boolean {
  return text.includes('\0') || text.includes('\\') || text.includes('..') || ENCODED_SEPARATOR.test(text);
}

/** The text, then each level of percent-decoding of it, until nothing changes or it no longer decodes. */
function decodings(text: string): string[] {
  const levels = [text];
  for (let i = 0; i < DECODE_LEVELS; i++) {
    const last = levels[levels.length - 1] as string;
    const decoded = decodeOnce(last);
    if (decoded === null || decoded === last) break;
    levels.push(decoded);
  }
  return levels;
}

function decodeOnce(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
