import type { OptionField } from '../capture-types/descriptor.js';
import { CAPTURE_TYPES, descriptorOf, optionProblem } from '../capture-types/registry.js';
import { DexInputError } from './errors.js';
import { MAX_COMMANDS_PER_CREATE, MAX_DEVICES_PER_CREATE, type NewCommand } from './types.js';

type WireValue = number | boolean | string[];

/** The create body exactly as the live API takes it: `type`, `args` with kebab-case keys. */
export interface CreateCommandsBody {
  commands: Array<{
    type: NewCommand['type'];
    device_id: string;
    user_email: string;
    registration_id?: string;
    args?: Record<string, WireValue>;
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

    const descriptor = descriptorOf(command.type);
    if (!descriptor) {
      const known = CAPTURE_TYPES.map((t) => JSON.stringify(t)).join(', ');
      problems.push(`${at}.type must be one of ${known} (got ${JSON.stringify(command.type)})`);
    } else {
      const args = (command.args ?? {}) as Record<string, unknown>;
      const wireArgs: Record<string, WireValue> = {};
      for (const [key, field] of Object.entries(descriptor.options as Record<string, OptionField>)) {
        const value = args[key];
        if (value === undefined) continue;
        const problem = optionProblem(field, value);
        if (problem) problems.push(`${at}.args.${key} ${problem} (got ${JSON.stringify(value)})`);
        wireArgs[field.wireKey] = (Array.isArray(value) ? [...value] : value) as WireValue;
      }
      if (Object.keys(wireArgs).length > 0) wire.args = wireArgs;
    }
    body.commands.push(wire);
  });

  if (problems.length > 0) throw new DexInputError(problems);
  return body;
}
