/** The five API operations a fault or a log entry can name; 'other' is everything else (unknown routes). */
export const ENDPOINTS = ['create', 'list', 'devices', 'quota', 'download'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type EndpointName = Endpoint | 'other';
