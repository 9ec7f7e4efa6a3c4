import { DexUnsafeArtifactError } from './errors.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip$/;

/**
 * The file name to request from `/dex/commands/{id}/downloads/{name}`, following reference §7.3:
 * the list's `filename` may be a full URL (take its last path segment), a bare name, or null
 * (fall back to `{id}.zip`). The URL itself is never fetched. A URL on a host other than the API's,
 * or a name that could escape the download path, is refused.
 */
export function artifactFileName(commandId: string, filename: string | null, allowedHosts: readonly string[]): string {
  if (!filename) return safeName(`${commandId}.zip`, commandId);

  if (/^[a-z][a-z0-9+.-]*:/i.test(filename)) {
    let url: URL;
    try {
      url = new URL(filename);
    } catch {
      throw new DexUnsafeArtifactError(filename);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DexUnsafeArtifactError(filename);
    if (!allowedHosts.includes(url.host.toLowerCase())) throw new DexUnsafeArtifactError(filename);
    const segment = url.pathname.split('/').pop() ?? '';
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new DexUnsafeArtifactError(filename);
    }
    return safeName(decoded, filename);
  }
  return safeName(filename, filename);
}

function safeName(name: string, reference: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..')) throw new DexUnsafeArtifactError(reference);
  return name;
}
