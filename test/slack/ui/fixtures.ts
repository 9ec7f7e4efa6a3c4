import type { ArtifactUpload, CaptureRequest, TargetDevice, TrackedCommand } from '../../../src/captures/model.js';
import { DEFAULT_CAPTURE_OPTIONS } from '../../../src/captures/model.js';
import type { Device } from '../../../src/dex/types.js';

export const NOW = new Date('2026-11-25T14:06:30Z');
export const STARTED = new Date('2026-11-25T14:02:10Z');

export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function target(n: number, overrides: Partial<TargetDevice> = {}): TargetDevice {
  return {
    deviceId: uuid(n),
    name: `LAPTOP-${n}`,
    email: `user${n}@example.com`,
    platform: 'windows',
    registrationId: null,
    ...overrides,
  };
}

export function dexDevice(n: number, overrides: Partial<Device> = {}): Device {
  return {
    id: uuid(n),
    name: `LAPTOP-${n}`,
    eligible: true,
    ineligibleReason: null,
    email: `user${n}@example.com`,
    platform: 'windows',
    registrationId: uuid(1000 + n),
    networkStatus: 'connected',
    lastSeenAt: STARTED,
    warpVersion: '2025.1.0',
    ...overrides,
  };
}

export function request(overrides: Partial<CaptureRequest> = {}): CaptureRequest {
  return {
    id: 'C7K2Q9',
    requestedBy: 'U0AGENT',
    channelId: 'C0HELPDESK',
    devices: [target(42, { name: 'LAPTOP-42', email: 'alice@example.com' })],
    types: ['pcap', 'warp-diag'],
    options: DEFAULT_CAPTURE_OPTIONS,
    state: 'running',
    createdAt: STARTED,
    statusMessage: { channelId: 'C0HELPDESK', ts: '1764079330.000100' },
    startError: null,
    stoppedBy: null,
    dedupeKey: 'V123:abc',
    reason: null,
    destinationPublic: null,
    approval: null,
    launch: { createSentAt: STARTED, unknownOutcome: null, attempts: 0, nextAttemptAt: null },
    ...overrides,
  };
}

export function command(device: TargetDevice, type: TrackedCommand['type'], status: string, n = 1): TrackedCommand {
  const final = status === 'SUCCESS' || status === 'FAILED' || status === 'TIMED_OUT';
  return {
    id: `cmd-${device.deviceId}-${type}-${n}`,
    requestId: 'C7K2Q9',
    deviceId: device.deviceId,
    registrationId: device.registrationId,
    type,
    status,
    createdAt: STARTED,
    updatedAt: STARTED,
    completedAt: final ? new Date('2026-11-25T14:05:00Z') : null,
    filename: null,
    tracking: !final,
  };
}

/** A finished command's file, posted in Slack unless told otherwise. */
export function upload(command: TrackedCommand, overrides: Partial<ArtifactUpload> = {}): ArtifactUpload {
  return {
    commandId: command.id,
    requestId: command.requestId,
    step: 'done',
    fileName: `${command.id}.zip`,
    fileId: `F-${command.id}`,
    bytes: 1024,
    interfaces: null,
    digest: null,
    error: null,
    failure: null,
    attempts: 0,
    nextAttemptAt: null,
    updatedAt: STARTED,
    postedAt: STARTED,
    removedAt: null,
    removalAttempts: 0,
    removalNextAt: null,
    ...overrides,
  };
}

/** Walks blocks and reports what real Slack would reject (the limits this UI promises to keep). */
export function blockKitProblems(blocks: unknown[], maxBlocks: number): string[] {
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (max ${maxBlocks})`);
  const ids = new Set<string>();
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) visit(child, `${path}[${i}]`);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.type === 'section' && typeof record.text === 'object' && record.text !== null) {
      const text = (record.text as { text: string }).text;
      if (text.length === 0 || text.length > 3000) problems.push(`${path}: section text ${text.length}`);
    }
    if ('value' in record && 'text' in record && typeof record.text === 'object' && record.text !== null) {
      const text = (record.text as { text: string }).text;
      if (record.type !== 'button' && text.length > 75) problems.push(`${path}: option text ${text.length}`);
      if (record.type !== 'button' && String(record.value).length > 75) problems.push(`${path}: option value`);
    }
    if (typeof record.block_id === 'string') {
      if (ids.has(record.block_id)) problems.push(`${path}: duplicate block_id ${record.block_id}`);
      ids.add(record.block_id);
    }
    for (const [key, child] of Object.entries(record)) visit(child, `${path}.${key}`);
  };
  visit(blocks, 'blocks');
  return problems;
}
