import { randomUUID } from 'node:crypto';
import type { ValidatedCommand } from './create-request.js';
import type { SimDevice } from './fleet.js';
import {
  type CommandPlan,
  type CommandStatus,
  type CommandType,
  planCommand,
  type SpeedTestInterface,
  statusAt,
} from './lifecycle.js';

/** A created command as the simulator keeps it; status is not stored, it is computed from `plan`. */
export interface StoredCommand {
  readonly id: string;
  readonly sequence: number;
  readonly type: CommandType;
  readonly deviceId: string;
  readonly registrationId: string;
  readonly userEmail: string;
  readonly args: Readonly<Record<string, string>>;
  readonly createdAtMs: number;
  readonly device: SimDevice;
  readonly plan: CommandPlan;
  readonly packetSizeBytes?: number;
  readonly testAllRoutes?: boolean;
  readonly speedTestInterfaces?: readonly SpeedTestInterface[];
  /**
   * Fixed at creation so the artifact (and its ETag) never changes under a client that resumes a download. Null when
   * the command leaves no file (a speed test whose results only the dashboard shows). A speed test's results file is
   * as large as its JSON, so its target is 0.
   */
  readonly artifactSizeBytes: number | null;
}

/** A command with its status at a given simulated time: what `sim.commands` hands to tests. */
export interface SimCommand {
  readonly id: string;
  readonly type: CommandType;
  readonly deviceId: string;
  readonly registrationId: string;
  readonly userEmail: string;
  readonly args: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly status: CommandStatus;
  readonly completedAt: Date | null;
  /** Why it failed (the API does not expose this; tests and logs can). */
  readonly failureReason: string | null;
  readonly device: SimDevice;
}

export interface CommandFilter {
  fromMs?: number;
  toMs?: number;
  deviceId?: string;
  userEmail?: string;
  type?: CommandType;
  status?: CommandStatus;
}

export class CommandStore {
  private readonly commands: StoredCommand[] = [];
  private readonly byId = new Map<string, StoredCommand>();
  private readonly byDeviceId = new Map<string, StoredCommand[]>();

  /** Creates every command (validation and quota already passed), in request order, at `nowMs`. */
  create(validated: readonly ValidatedCommand[], nowMs: number, artifactSize: (type: CommandType) => number | null) {
    return validated.map((command) => this.createOne(command, nowMs, artifactSize(command.type)));
  }

  get(id: string): StoredCommand | undefined {
    return this.byId.get(id);
  }

  /** Matching commands, newest first (commands from one request: last one first). */
  list(filter: CommandFilter, nowMs: number): StoredCommand[] {
    const email = filter.userEmail?.toLowerCase();
    const matches: StoredCommand[] = [];
    for (let i = this.commands.length - 1; i >= 0; i--) {
      const command = this.commands[i];
      if (!command) continue;
      if (filter.fromMs !== undefined && command.createdAtMs < filter.fromMs) continue;
      if (filter.toMs !== undefined && command.createdAtMs > filter.toMs) continue;
      if (filter.deviceId !== undefined && command.deviceId !== filter.deviceId) continue;
      if (email !== undefined && command.userEmail.toLowerCase() !== email) continue;
      if (filter.type !== undefined && command.type !== filter.type) continue;
      if (filter.status !== undefined && statusAt(command.plan, nowMs).status !== filter.status) continue;
      matches.push(command);
    }
    return matches;
  }

  snapshots(nowMs: number): SimCommand[] {
    return this.commands.map((command) => snapshot(command, nowMs));
  }

  private createOne(command: ValidatedCommand, nowMs: number, artifactSizeBytes: number | null): StoredCommand {
    const deviceId = command.registration.deviceId;
    const onDevice = this.byDeviceId.get(deviceId) ?? [];
    const pcapAlreadyRunning = onDevice.some(
      (other) => other.type === 'pcap' && statusAt(other.plan, nowMs).status === 'PENDING_EXEC',
    );
    const plan = planCommand({
      type: command.type,
      createdAtMs: nowMs,
      behaviour: command.registration.behaviour,
      platform: command.registration.platform,
      pcapAlreadyRunning,
      ...(command.timeLimitMin !== undefined && { timeLimitMin: command.timeLimitMin }),
      ...(command.testAllRoutes !== undefined && { testAllRoutes: command.testAllRoutes }),
      ...(command.speedTestInterfaces !== undefined && {
        speedTestInterfaceCount: command.speedTestInterfaces.length,
      }),
    });
    const stored: StoredCommand = {
      id: randomUUID(),
      sequence: this.commands.length,
      type: command.type,
      deviceId,
      registrationId: command.registration.registrationId,
      userEmail: command.registration.personEmail,
      args: command.echoedArgs,
      createdAtMs: nowMs,
      device: command.registration,
      plan,
      artifactSizeBytes,
      ...(command.packetSizeBytes !== undefined && { packetSizeBytes: command.packetSizeBytes }),
      ...(command.testAllRoutes !== undefined && { testAllRoutes: command.testAllRoutes }),
      ...(command.speedTestInterfaces !== undefined && { speedTestInterfaces: command.speedTestInterfaces }),
    };
    this.commands.push(stored);
    this.byId.set(stored.id, stored);
    onDevice.push(stored);
    this.byDeviceId.set(deviceId, onDevice);
    return stored;
  }
}

export function snapshot(command: StoredCommand, nowMs: number): SimCommand {
  const { status, completedAtMs } = statusAt(command.plan, nowMs);
  return {
    id: command.id,
    type: command.type,
    deviceId: command.deviceId,
    registrationId: command.registrationId,
    userEmail: command.userEmail,
    args: command.args,
    createdAt: new Date(command.createdAtMs),
    status,
    completedAt: completedAtMs === null ? null : new Date(completedAtMs),
    failureReason: status === 'FAILED' ? command.plan.failureReason : null,
    device: command.device,
  };
}
