/**
 * The API operations a fault or a log entry can name ('analysis' is the undocumented WARP-diag analysis route);
 * 'other' is everything else (unknown routes).
 */
export const ENDPOINTS = ['create', 'list', 'devices', 'quota', 'download', 'analysis'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type EndpointName = Endpoint | 'other';
