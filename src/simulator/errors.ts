/**
 * Every error code the simulator sends, in one place. Cloudflare documents none of the DEX-specific codes,
 * so apart from 7003 (no route), 10000 (authentication) and 971 (rate limit), which Cloudflare uses across
 * its v4 API, these are the simulator's own choices (all ≥ 1000 as the envelope schema requires).
 */
export const ErrorCode = {
  rateLimited: 971,
  invalidQuery: 1001,
  invalidJson: 1002,
  invalidBody: 1003,
  tooManyDevices: 1004,
  unknownDevice: 1005,
  ineligibleDevice: 1006,
  registrationMismatch: 1007,
  userEmailMismatch: 1008,
  quotaExceeded: 1009,
  commandNotFound: 1010,
  artifactNotReady: 1011,
  fileNotFound: 1012,
  bodyTooLarge: 1013,
  rangeNotSatisfiable: 1014,
  internalError: 1015,
  analysisNotFound: 1016,
  noRoute: 7003,
  authentication: 10000,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
