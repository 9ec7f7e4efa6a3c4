/**
 * The WARP client error codes Cloudflare documents (reference §16.1), as facts: what each one is about and whether
 * it keeps the client from connecting at all. Their wording for people is in src/slack/ui/warp-error-codes.ts.
 */

export type WarpErrorCategory =
  | 'network'
  | 'dns'
  | 'tls-inspection'
  | 'registration'
  | 'device-resources'
  | 'configuration'
  | 'connectivity';

export interface WarpErrorCodeFacts {
  category: WarpErrorCategory;
  /** 'blocking': the client cannot connect while it lasts; 'degraded': it may connect, with a part not working. */
  severity: 'blocking' | 'degraded';
}

export const WARP_ERROR_CODES = {
  CF_CAPTIVE_PORTAL_TIMED_OUT: { category: 'network', severity: 'blocking' },
  CF_CONNECTIVITY_FAILURE_UNKNOWN: { category: 'connectivity', severity: 'blocking' },
  CF_DNS_LOOKUP_FAILURE: { category: 'dns', severity: 'blocking' },
  CF_DNS_PROXY_FAILURE: { category: 'dns', severity: 'blocking' },
  CF_FAILED_READ_SYSTEM_DNS_CONFIG: { category: 'dns', severity: 'blocking' },
  CF_FAILED_TO_SET_MTLS: { category: 'configuration', severity: 'degraded' },
  CF_HAPPY_EYEBALLS_MITM_FAILURE: { category: 'network', severity: 'blocking' },
  CF_HOST_UNREACHABLE_CHECK: { category: 'connectivity', severity: 'blocking' },
  CF_INSUFFICIENT_DISK: { category: 'device-resources', severity: 'degraded' },
  CF_INSUFFICIENT_FILE_DESCRIPTORS: { category: 'device-resources', severity: 'blocking' },
  CF_INSUFFICIENT_MEMORY: { category: 'device-resources', severity: 'blocking' },
  CF_LOCAL_POLICY_FILE_FAILED_TO_PARSE: { category: 'configuration', severity: 'blocking' },
  CF_NO_NETWORK: { category: 'network', severity: 'blocking' },
  CF_REGISTRATION_MISSING: { category: 'registration', severity: 'blocking' },
  CF_TLS_INTERCEPTION_BLOCKING_DOH: { category: 'tls-inspection', severity: 'blocking' },
  CF_TLS_INTERCEPTION_CHECK: { category: 'tls-inspection', severity: 'degraded' },
} as const satisfies Record<`CF_${string}`, WarpErrorCodeFacts>;

export type WarpErrorCode = keyof typeof WARP_ERROR_CODES;

export function isKnownWarpErrorCode(code: string): code is WarpErrorCode {
  return Object.hasOwn(WARP_ERROR_CODES, code);
}
