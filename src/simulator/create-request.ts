import { z } from 'zod';
import type { CfMessage } from './envelope.js';
import { ErrorCode } from './errors.js';
import type { Fleet, SimDevice } from './fleet.js';
import { type CommandType, SPEED_TEST_INTERFACES, type SpeedTestInterface } from './lifecycle.js';

export const MAX_COMMANDS_PER_REQUEST = 20;
export const MAX_DEVICES_PER_REQUEST = 10;

// The live schema (reference §3.1): per-type args objects with additionalProperties: false. Ranges are the docs'
// limits; integers are required because the values are minutes, megabytes and bytes.
const pcapArgs = z.strictObject({
  'time-limit-min': z.number().int().min(1).max(10).optional(),
  'max-file-size-mb': z.number().int().min(1).max(50).optional(),
  'packet-size-bytes': z.number().int().min(1).max(1500).optional(),
});
const warpDiagArgs = z.strictObject({ 'test-all-routes': z.boolean().optional() });
// "List of interfaces to run the speed test on": a non-empty subset of default and tunnel (reference §16), so an
// empty list or one naming an interface twice is refused. The spec gives no default; without it both are tested.
const speedTestArgs = z.strictObject({
  interfaces: z
    .array(z.enum(SPEED_TEST_INTERFACES))
    .min(1, { error: 'at least one interface is required ("default", "tunnel")' })
    .superRefine((interfaces, context) => {
      interfaces.forEach((name, index) => {
        if (interfaces.indexOf(name) !== index) {
          context.addIssue({ code: 'custom', message: `interface "${name}" is listed twice`, path: [index] });
        }
      });
    })
    .optional(),
});

const commonFields = {
  device_id: z.string().min(1),
  user_email: z.string().min(1),
  registration_id: z.string().min(1).optional(),
  // Cloudflare's own MCP server sends `version: 1`; undocumented, so accepted and ignored.
  version: z.union([z.number(), z.string()]).optional(),
};

const commandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pcap'), ...commonFields, args: pcapArgs.optional() }),
  z.strictObject({ type: z.literal('warp-diag'), ...commonFields, args: warpDiagArgs.optional() }),
  z.strictObject({ type: z.literal('speed-test'), ...commonFields, args: speedTestArgs.optional() }),
]);

const createBodySchema = z.strictObject({
  commands: z
    .array(commandSchema)
    .min(1, { error: 'at least one command is required' })
    .max(MAX_COMMANDS_PER_REQUEST, { error: `at most ${MAX_COMMANDS_PER_REQUEST} commands per request` }),
});

export type CommandInput = z.infer<typeof commandSchema>;

export interface ValidatedCommand {
  type: CommandType;
  input: CommandInput;
  /** The registration the command targets (resolved from registration_id, or the device's only one). */
  registration: SimDevice;
  /** The args as sent, echoed back string→string like the create response does. */
  echoedArgs: Record<string, string>;
  timeLimitMin?: number;
  packetSizeBytes?: number;
  testAllRoutes?: boolean;
  /** speed-test only: the interfaces to test, in the order sent (both when `args.interfaces` is absent). */
  speedTestInterfaces?: SpeedTestInterface[];
}

export type CreateValidation = { ok: true; commands: ValidatedCommand[] } | { ok: false; errors: CfMessage[] };

/** Schema first, then the checks that need the fleet. Quota is the caller's job (it is not per command). */
export function validateCreateRequest(body: unknown, fleet: Fleet): CreateValidation {
  const legacy = legacyFieldErrors(body);
  const parsed = createBodySchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, errors: [...legacy, ...parsed.error.issues.map(issueToError)] };
  }
  const errors: CfMessage[] = [];
  const distinctDevices = new Set(parsed.data.commands.map((command) => command.device_id));
  if (distinctDevices.size > MAX_DEVICES_PER_REQUEST) {
    errors.push({
      code: ErrorCode.tooManyDevices,
      message: `commands: at most ${MAX_DEVICES_PER_REQUEST} distinct devices per request, got ${distinctDevices.size}`,
      source: { pointer: '/commands' },
    });
  }
  const commands: ValidatedCommand[] = [];
  parsed.data.commands.forEach((input, index) => {
    const resolved = resolveRegistration(input, index, fleet);
    if ('error' in resolved) errors.push(resolved.error);
    else commands.push(toValidated(input, resolved.registration));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, commands };
}

function resolveRegistration(
  input: CommandInput,
  index: number,
  fleet: Fleet,
): { registration: SimDevice } | { error: CfMessage } {
  const at = (field: string) => ({ pointer: `/commands/${index}/${field}` });
  const registrations = fleet.registrationsOf(input.device_id);
  if (registrations.length === 0) {
    return {
      error: {
        code: ErrorCode.unknownDevice,
        message: `commands[${index}].device_id: device ${input.device_id} was not found in this account`,
        source: at('device_id'),
      },
    };
  }
  let registration: SimDevice | undefined;
  if (input.registration_id !== undefined) {
    registration = registrations.find((row) => row.registrationId === input.registration_id);
    if (!registration) {
      return {
        error: {
          code: ErrorCode.registrationMismatch,
          message: `commands[${index}].registration_id: registration ${input.registration_id} does not belong to device ${input.device_id}`,
          source: at('registration_id'),
        },
      };
    }
  } else if (registrations.length > 1) {
    return {
      error: {
        code: ErrorCode.registrationMismatch,
        message: `commands[${index}].registration_id: device ${input.device_id} is a multi-user device with ${registrations.length} registrations; registration_id is required`,
        source: at('registration_id'),
      },
    };
  } else {
    registration = registrations[0];
  }
  if (!registration) throw new Error('unreachable: a registered device has at least one registration');
  if (!registration.eligible) {
    return {
      error: {
        code: ErrorCode.ineligibleDevice,
        message: `commands[${index}].device_id: device ${registration.deviceName} (${input.device_id}) is not eligible for remote captures: ${registration.ineligibleReason}`,
        source: at('device_id'),
      },
    };
  }
  if (registration.personEmail.toLowerCase() !== input.user_email.toLowerCase()) {
    return {
      error: {
        code: ErrorCode.userEmailMismatch,
        message: `commands[${index}].user_email: ${input.user_email} is not the user of device ${input.device_id}${registration.multiUser ? ` registration ${registration.registrationId}` : ''}`,
        source: at('user_email'),
      },
    };
  }
  return { registration };
}

function toValidated(input: CommandInput, registration: SimDevice): ValidatedCommand {
  // The create answer's args are string→string (reference §3.3). How Cloudflare writes a list there is not
  // documented: the simulator's guess is the items joined by commas (`"default,tunnel"`).
  const echoedArgs: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.args ?? {})) {
    if (value !== undefined) echoedArgs[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  const validated: ValidatedCommand = { type: input.type, input, registration, echoedArgs };
  if (input.type === 'pcap') {
    if (input.args?.['time-limit-min'] !== undefined) validated.timeLimitMin = input.args['time-limit-min'];
    if (input.args?.['packet-size-bytes'] !== undefined) validated.packetSizeBytes = input.args['packet-size-bytes'];
  }
  if (input.type === 'warp-diag' && input.args?.['test-all-routes'] !== undefined) {
    validated.testAllRoutes = input.args['test-all-routes'];
  }
  if (input.type === 'speed-test') {
    validated.speedTestInterfaces = [...(input.args?.interfaces ?? SPEED_TEST_INTERFACES)];
  }
  return validated;
}

const LEGACY_FIELDS = { command_type: 'type', command_args: 'args' } as const;
const KNOWN_ARG_KEYS = ['time-limit-min', 'max-file-size-mb', 'packet-size-bytes', 'test-all-routes', 'interfaces'];

/** The pre-2026-06 body shape is refused, but with a message that says what to send instead. */
function legacyFieldErrors(body: unknown): CfMessage[] {
  if (!isRecord(body) || !Array.isArray(body.commands)) return [];
  const errors: CfMessage[] = [];
  body.commands.forEach((command: unknown, index: number) => {
    if (!isRecord(command)) return;
    for (const [legacy, current] of Object.entries(LEGACY_FIELDS)) {
      if (legacy in command) {
        errors.push({
          code: ErrorCode.invalidBody,
          message: `commands[${index}].${legacy}: legacy field is not accepted; send "${current}" instead`,
          source: { pointer: `/commands/${index}/${legacy}` },
        });
      }
    }
  });
  return errors;
}

function issueToError(issue: z.core.$ZodIssue): CfMessage {
  const path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const hints = issue.keys
      .map((key) => [key, key.replaceAll('_', '-')] as const)
      .filter(([key, kebab]) => key !== kebab && KNOWN_ARG_KEYS.includes(kebab))
      .map(([key, kebab]) => `"${key}" should be "${kebab}"`);
    if (hints.length > 0) message += ` (arg keys are kebab-case: ${hints.join(', ')})`;
  }
  return {
    code: ErrorCode.invalidBody,
    message: `${formatPath(path)}: ${message}`,
    source: { pointer: `/${path.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}` },
  };
}

function formatPath(path: string[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
