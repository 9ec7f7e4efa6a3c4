import { DexInputError } from './errors.js';
import { MAX_COMMANDS_PER_CREATE, MAX_DEVICES_PER_CREATE, type NewCommand, PCAP_LIMITS } from './types.js';

/** The create body exactly as the live API takes it: `type`, `args` with kebab-case keys. */
export interface CreateCommandsBody {
  commands: Array<{
    type: 'pcap' | 'warp-diag';
    device_id: string;
    user_email: string;
    registration_id?: string;
    args?: Record<string, number | boolean>;
  }>;
}

/**
 * Checks a create request and builds its wire body. Every problem is collected, so the caller can
 * show them all at once; nothing is sent when there is one.
 */
export function buildCreateBody(commands: readonly NewCommand[]): CreateCommandsBody {
  const problems: string[] = [];
  if (commands.length === 0) problems.push('at least one command is needed');
  if (commands.length > MAX_COMMANDS_PER_CREATE) {
    problems.push(`at most ${MAX_COMMANDS_PER_CREATE} commands per request (got ${commands.length})`);
  }
  const devices = new Set(commands.map((c) => c.deviceId));
  if (devices.size > MAX_DEVICES_PER_CREATE) {
    problems.push(`at most ${MAX_DEVICES_PER_CREATE} devices per request (got ${devices.size})`);
  }

  const body: CreateCommandsBody = { commands: [] };
  commands.forEach((command, index) => {
    const at = `commands[${index}]`;
    if (!command.deviceId?.trim()) problems.push(`${at}.deviceId is required`);
    if (!command.userEmail?.trim()) problems.push(`${at}.userEmail is required`);
    if (command.registrationId !== undefined && !command.registrationId.trim()) {
      problems.push(`${at}.registrationId must not be empty when given`);
    }
    const wire: CreateCommandsBody['commands'][number] = {
      type: command.type,
      device_id: command.deviceId,
      user_email: command.userEmail,
    };
    if (command.registrationId) wire.registration_id = command.registrationId;

    if (command.type === 'pcap') {
      const args = command.args ?? {};
      const wireArgs: Record<string, number> = {};
      for (const [key, wireKey] of PCAP_WIRE_KEYS) {
        const value = args[key];
        if (value === undefined) continue;
        const { min, max } = PCAP_LIMITS[key];
        if (!Number.isInteger(value) || value < min || value > max) {
          problems.push(`${at}.args.${key} must be a whole number from ${min} to ${max} (got ${value})`);
        }
        wireArgs[wireKey] = value;
      }
      if (Object.keys(wireArgs).length > 0) wire.args = wireArgs;
    } else if (command.type === 'warp-diag') {
      const value = command.args?.testAllRoutes;
      if (value !== undefined && typeof value !== 'boolean') {
        problems.push(`${at}.args.testAllRoutes must be true or false`);
      }
      if (value !== undefined) wire.args = { 'test-all-routes': value };
    } else {
      problems.push(
        `${at}.type must be "pcap" or "warp-diag" (got ${JSON.stringify((command as { type: unknown }).type)})`,
      );
    }
    body.commands.push(wire);
  });

  if (problems.length > 0) throw new DexInputError(problems);
  return body;
}

const PCAP_WIRE_KEYS = [
  ['timeLimitMin', 'time-limit-min'],
  ['maxFileSizeMb', 'max-file-size-mb'],
  ['packetSizeBytes', 'packet-size-bytes'],
] as const;
