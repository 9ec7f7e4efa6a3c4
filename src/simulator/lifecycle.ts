import type { DeviceBehaviour, DevicePlatform } from './fleet.js';

export type CommandType = 'pcap' | 'warp-diag' | 'speed-test';
export type CommandStatus = 'PENDING_EXEC' | 'PENDING_UPLOAD' | 'SUCCESS' | 'FAILED';
/** What a speed test may run on (reference §3.1, §16): a non-empty subset; the simulator reads no `args` as both. */
export const SPEED_TEST_INTERFACES = ['default', 'tunnel'] as const;
export type SpeedTestInterface = (typeof SPEED_TEST_INTERFACES)[number];
export const COMMAND_STATUSES: readonly CommandStatus[] = ['PENDING_EXEC', 'PENDING_UPLOAD', 'SUCCESS', 'FAILED'];

/** Durations on the simulated clock. The docs give the pcap time limit and the 10-minute offline timeout. */
export const Timing = {
  uploadMs: 20_000,
  warpDiagExecMs: 60_000,
  testAllRoutesExtraMs: 60_000,
  /** A speed test runs on one interface after the other (the docs give no duration; this is a guess). */
  speedTestPerInterfaceMs: 25_000,
  offlineTimeoutMs: 10 * 60_000,
  failsAfterMs: 15_000,
  defaultPcapMinutes: 5,
} as const;

export const FailureReason = {
  offline: (type: CommandType) =>
    `${type === 'speed-test' ? 'speed test' : 'capture'} timed out: WARP client disconnected`,
  windowsConcurrent: 'Windows does not support concurrent packet captures: another capture is running',
  failed: (type: CommandType) =>
    type === 'speed-test'
      ? 'speed-test failed on the device: speed.cloudflare.com could not be reached'
      : `${type} failed on the device`,
} as const;

/**
 * Everything about a command's future, fixed when it is created. Status is then a pure function of the simulated
 * time, so no timers run and `advance()` can jump straight to any point.
 */
export interface CommandPlan {
  /** When PENDING_EXEC ends (for a failing command: when it turns FAILED). */
  execEndsAtMs: number;
  /** When PENDING_UPLOAD ends and SUCCESS begins (equal to execEndsAtMs for failures). */
  uploadEndsAtMs: number;
  outcome: 'SUCCESS' | 'FAILED';
  failureReason: string | null;
}

export interface PlanInput {
  type: CommandType;
  createdAtMs: number;
  behaviour: DeviceBehaviour;
  platform: DevicePlatform;
  timeLimitMin?: number;
  testAllRoutes?: boolean;
  /** speed-test only: how many interfaces it runs on (default 2, both). */
  speedTestInterfaceCount?: number;
  /** True when another pcap is PENDING_EXEC on the same device at creation time. */
  pcapAlreadyRunning: boolean;
}

export function planCommand(input: PlanInput): CommandPlan {
  const start = input.createdAtMs;
  const fail = (afterMs: number, reason: string): CommandPlan => ({
    execEndsAtMs: start + afterMs,
    uploadEndsAtMs: start + afterMs,
    outcome: 'FAILED',
    failureReason: reason,
  });
  // Windows has no concurrent captures: the docs say the second one fails immediately.
  if (input.type === 'pcap' && input.platform === 'windows' && input.pcapAlreadyRunning) {
    return fail(0, FailureReason.windowsConcurrent);
  }
  if (input.behaviour === 'offline') return fail(Timing.offlineTimeoutMs, FailureReason.offline(input.type));
  if (input.behaviour === 'fails') return fail(Timing.failsAfterMs, FailureReason.failed(input.type));
  const execMs = execDurationMs(input);
  return {
    execEndsAtMs: start + execMs,
    uploadEndsAtMs: start + execMs + Timing.uploadMs,
    outcome: 'SUCCESS',
    failureReason: null,
  };
}

function execDurationMs(input: PlanInput): number {
  switch (input.type) {
    case 'pcap':
      return (input.timeLimitMin ?? Timing.defaultPcapMinutes) * 60_000;
    case 'warp-diag':
      // The spec's default for test-all-routes is true.
      return Timing.warpDiagExecMs + (input.testAllRoutes === false ? 0 : Timing.testAllRoutesExtraMs);
    case 'speed-test':
      return Timing.speedTestPerInterfaceMs * (input.speedTestInterfaceCount ?? SPEED_TEST_INTERFACES.length);
  }
}

export function statusAt(plan: CommandPlan, nowMs: number): { status: CommandStatus; completedAtMs: number | null } {
  if (plan.outcome === 'FAILED') {
    return nowMs >= plan.execEndsAtMs
      ? { status: 'FAILED', completedAtMs: plan.execEndsAtMs }
      : { status: 'PENDING_EXEC', completedAtMs: null };
  }
  if (nowMs < plan.execEndsAtMs) return { status: 'PENDING_EXEC', completedAtMs: null };
  if (nowMs < plan.uploadEndsAtMs) return { status: 'PENDING_UPLOAD', completedAtMs: null };
  return { status: 'SUCCESS', completedAtMs: plan.uploadEndsAtMs };
}
