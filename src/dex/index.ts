export { artifactFileName } from './artifact-name.js';
export {
  type CallOptions,
  type DexCallEvent,
  DexClient,
  type DexClientOptions,
  type DexSkippedItemEvent,
} from './client.js';
export { buildCreateBody, type CreateCommandsBody } from './create-body.js';
export * from './errors.js';
export {
  InMemoryRateLimitGate,
  type RateLimitGate,
  type RateLimitHolds,
  rateLimitKey,
  retryAfterToDate,
  sharedRateLimitGate,
} from './rate-limit.js';
export { type Clock, DEFAULT_RETRY_POLICY, type RetryPolicy, systemClock } from './retry.js';
export * from './types.js';
