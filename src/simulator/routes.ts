import type { Endpoint } from './endpoints.js';

export const API_PREFIX = '/client/v4';

export type Route =
  | { endpoint: 'create' | 'list' | 'devices' | 'quota'; accountId: string }
  | { endpoint: 'download'; accountId: string; commandId: string; filename: string; deviceId?: string }
  | { endpoint: 'analysis'; accountId: string; commandId: string };

const ACCOUNT = '([^/]+)';
const SEGMENT = '([^/]+)';
const PATTERNS: readonly { method: 'GET' | 'POST'; endpoint: Endpoint; pattern: RegExp }[] = [
  { method: 'POST', endpoint: 'create', pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands$`) },
  { method: 'GET', endpoint: 'list', pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands$`) },
  { method: 'GET', endpoint: 'devices', pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands/devices$`) },
  { method: 'GET', endpoint: 'quota', pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands/quota$`) },
  {
    method: 'GET',
    endpoint: 'download',
    pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands/${SEGMENT}/downloads/${SEGMENT}$`),
  },
  // Undocumented: Cloudflare's DEX MCP server reads the WARP-diag analyzer's detections here (reference §11).
  {
    method: 'GET',
    endpoint: 'analysis',
    pattern: new RegExp(`^/accounts/${ACCOUNT}/dex/commands/${SEGMENT}/analysis$`),
  },
];
// The undocumented route Cloudflare's MCP server builds (reference §11): …/dex/devices/{device}/commands/downloads/{id}.zip
const DEVICE_DOWNLOAD = new RegExp(`^/accounts/${ACCOUNT}/dex/devices/${SEGMENT}/commands/downloads/${SEGMENT}$`);

/** Maps method + path to an operation; null means Cloudflare's "No route for the URI". HEAD is served as GET. */
export function matchRoute(method: string, pathname: string): Route | null {
  if (!pathname.startsWith(`${API_PREFIX}/`)) return null;
  const path = pathname.slice(API_PREFIX.length);
  const verb = method === 'HEAD' ? 'GET' : method;
  for (const { method: routeMethod, endpoint, pattern } of PATTERNS) {
    if (routeMethod !== verb) continue;
    const match = pattern.exec(path);
    if (!match) continue;
    const [, accountId, commandId, filename] = match.map(decodeSegment);
    if (accountId === undefined || accountId === null) return null;
    if (endpoint === 'analysis') return commandId ? { endpoint, accountId, commandId } : null;
    if (endpoint !== 'download') return { endpoint, accountId };
    if (!commandId || !filename) return null;
    return { endpoint, accountId, commandId, filename };
  }
  const deviceDownload = verb === 'GET' ? DEVICE_DOWNLOAD.exec(path) : null;
  if (deviceDownload) {
    const [, accountId, deviceId, filename] = deviceDownload.map(decodeSegment);
    if (!accountId || !deviceId || !filename?.endsWith('.zip')) return null;
    return { endpoint: 'download', accountId, deviceId, filename, commandId: filename.slice(0, -'.zip'.length) };
  }
  return null;
}

function decodeSegment(segment: string | undefined): string | null | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
