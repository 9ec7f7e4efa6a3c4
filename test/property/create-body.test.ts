import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCreateBody, type CreateCommandsBody } from '../../src/dex/create-body.js';
import { DexInputError } from '../../src/dex/errors.js';
import type { NewCommand } from '../../src/dex/types.js';
import { PCAP_LIMITS } from '../option-ids.js';
import { anyText } from './arbitraries.js';

const PCAP_KEYS = [
  ['timeLimitMin', 'time-limit-min'],
  ['maxFileSizeMb', 'max-file-size-mb'],
  ['packetSizeBytes', 'packet-size-bytes'],
] as const;

// ---------------------------------------------------------------------------------------------------------------
// Generators: mostly well-typed commands (what the domain builds), with the runtime-checked parts (type, argument
// values) sometimes wrong, as a bug upstream or a forged payload could make them.

const deviceId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `device-${i}`)) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n') },
  { weight: 1, arbitrary: anyText(20) },
);
const userEmail = fc.oneof(
  { weight: 6, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.constantFrom('', '  ') },
  { weight: 1, arbitrary: anyText(20) },
);
const registrationId = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('', ' ') },
  { weight: 1, arbitrary: anyText(10) },
);

const argValue = (limits: { min: number; max: number }) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: limits.min, max: limits.max }) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 3000 }) },
    { weight: 1, arbitrary: fc.double() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5, limits.max + 1, '5', null, true),
    },
  );

const pcapArgs = fc.option(
  fc.record(
    {
      timeLimitMin: argValue(PCAP_LIMITS.timeLimitMin),
      maxFileSizeMb: argValue(PCAP_LIMITS.maxFileSizeMb),
      packetSizeBytes: argValue(PCAP_LIMITS.packetSizeBytes),
      testAllRoutes: fc.boolean(),
      time_limit_min: fc.integer(),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const warpArgs = fc.option(
  fc.record(
    {
      testAllRoutes: fc.oneof(
        { weight: 6, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom('true', 1, 0, null) },
      ),
      timeLimitMin: fc.integer(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const SPEED_INTERFACES = ['default', 'tunnel'];
const speedArgs = fc.option(
  fc.record(
    {
      interfaces: fc.oneof(
        { weight: 6, arbitrary: fc.subarray(SPEED_INTERFACES, { minLength: 1 }) },
        { weight: 1, arbitrary: fc.constantFrom([], ['default', 'default'], ['wifi'], 'default', null) },
      ),
      testAllRoutes: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const command = fc
  .record({
    deviceId,
    userEmail,
    registrationId,
    type: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('pcap', 'warp-diag', 'speed-test') },
      { weight: 1, arbitrary: fc.constantFrom('traceroute', 'PCAP', '', 'warp_diag', 'speed_test') },
    ),
    pcap: pcapArgs,
    warp: warpArgs,
    speed: speedArgs,
  })
  .map(({ pcap, warp, speed, registrationId: reg, ...rest }) => {
    const args =
      rest.type === 'pcap'
        ? pcap
        : rest.type === 'warp-diag'
          ? warp
          : rest.type === 'speed-test'
            ? speed
            : (pcap ?? warp);
    return {
      ...rest,
      ...(reg !== undefined ? { registrationId: reg } : {}),
      ...(args !== undefined ? { args } : {}),
    } as unknown as NewCommand;
  });

const commands = fc.oneof(
  { weight: 4, arbitrary: fc.array(command, { minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(command, { maxLength: 25 }) },
);

// ---------------------------------------------------------------------------------------------------------------
// An independent model of what the live API accepts (reference: DESIGN.md "Wire facts").

function isValid(list: readonly NewCommand[]): boolean {
  if (list.length === 0 || list.length > 20) return false;
  if (new Set(list.map((c) => c.deviceId)).size > 10) return false;
  return list.every((c) => {
    if (c.deviceId.trim() === '' || c.userEmail.trim() === '') return false;
    if (c.registrationId !== undefined && c.registrationId.trim() === '') return false;
    const args = (c.args ?? {}) as Record<string, unknown>;
    if (c.type === 'pcap') {
      return PCAP_KEYS.every(([key]) => {
        const value = args[key];
        if (value === undefined) return true;
        const { min, max } = PCAP_LIMITS[key];
        return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
      });
    }
    if (c.type === 'warp-diag') return args.testAllRoutes === undefined || typeof args.testAllRoutes === 'boolean';
    if (c.type === 'speed-test') {
      const { interfaces } = args;
      if (interfaces === undefined) return true;
      return (
        Array.isArray(interfaces) &&
        interfaces.length > 0 &&
        interfaces.every((i) => SPEED_INTERFACES.includes(i)) &&
        new Set(interfaces).size === interfaces.length
      );
    }
    return false;
  });
}

function expectedBody(list: readonly NewCommand[]): CreateCommandsBody {
  return {
    commands: list.map((c) => {
      const wire: CreateCommandsBody['commands'][number] = {
        type: c.type,
        device_id: c.deviceId,
        user_email: c.userEmail,
      };
      if (c.registrationId) wire.registration_id = c.registrationId;
      const args = (c.args ?? {}) as Record<string, number | boolean | string[] | undefined>;
      if (c.type === 'pcap') {
        const wireArgs: Record<string, number> = {};
        for (const [key, wireKey] of PCAP_KEYS) if (args[key] !== undefined) wireArgs[wireKey] = args[key] as number;
        if (Object.keys(wireArgs).length > 0) wire.args = wireArgs;
      } else if (c.type === 'speed-test') {
        if (args.interfaces !== undefined) wire.args = { interfaces: args.interfaces as string[] };
      } else if (args.testAllRoutes !== undefined) {
        wire.args = { 'test-all-routes': args.testAllRoutes as boolean };
      }
      return wire;
    }),
  };
}

/** The body as it goes on the wire has only the live keys and respects every limit. */
function expectLiveWireShape(body: CreateCommandsBody): void {
  const wire = JSON.parse(JSON.stringify(body)) as { commands: Array<Record<string, unknown>> };
  expect(Object.keys(wire)).toEqual(['commands']);
  expect(wire.commands.length).toBeGreaterThanOrEqual(1);
  expect(wire.commands.length).toBeLessThanOrEqual(20);
  expect(new Set(wire.commands.map((c) => c.device_id)).size).toBeLessThanOrEqual(10);
  for (const c of wire.commands) {
    for (const key of Object.keys(c))
      expect(['type', 'device_id', 'user_email', 'registration_id', 'args']).toContain(key);
    expect(['pcap', 'warp-diag', 'speed-test']).toContain(c.type);
    expect(String(c.device_id).trim()).not.toBe('');
    expect(String(c.user_email).trim()).not.toBe('');
    if ('registration_id' in c) expect(String(c.registration_id).trim()).not.toBe('');
    if (!('args' in c)) continue;
    const args = c.args as Record<string, unknown>;
    expect(Object.keys(args).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(args)) {
      expect(key).toMatch(/^[a-z]+(-[a-z]+)*$/);
      if (c.type === 'warp-diag') {
        expect(key).toBe('test-all-routes');
        expect(typeof value).toBe('boolean');
      } else if (c.type === 'speed-test') {
        expect(key).toBe('interfaces');
        expect(Array.isArray(value) && value.length > 0 && value.every((i) => SPEED_INTERFACES.includes(i))).toBe(true);
      } else {
        const entry = PCAP_KEYS.find(([, wireKey]) => wireKey === key);
        expect(entry, key).toBeDefined();
        const { min, max } = PCAP_LIMITS[(entry as (typeof PCAP_KEYS)[number])[0]];
        expect(Number.isInteger(value) && (value as number) >= min && (value as number) <= max).toBe(true);
      }
    }
  }
}

describe('buildCreateBody (property)', () => {
  it('returns a live-shaped body within the limits, or throws DexInputError with its problems; nothing else', () => {
    const outcomes = { built: 0, refused: 0 };
    fc.assert(
      fc.property(commands, (list) => {
        let body: CreateCommandsBody;
        try {
          body = buildCreateBody(list);
        } catch (error) {
          expect(error).toBeInstanceOf(DexInputError);
          const { problems } = error as DexInputError;
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) expect(problem.trim()).not.toBe('');
          outcomes.refused++;
          return;
        }
        expectLiveWireShape(body);
        outcomes.built++;
      }),
      { numRuns: 4000 },
    );
    expect(outcomes.built).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('accepts exactly what the live API accepts, and writes it field for field', () => {
    fc.assert(
      fc.property(commands, (list) => {
        const valid = isValid(list);
        let body: CreateCommandsBody | undefined;
        try {
          body = buildCreateBody(list);
        } catch {
          body = undefined;
        }
        expect(body !== undefined, valid ? 'a valid request was refused' : 'an invalid request was built').toBe(valid);
        if (body) expect(body).toEqual(expectedBody(list));
      }),
      { numRuns: 4000 },
    );
  });

  it('collects every problem: one per bad command field, not just the first', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('', ' '), { minLength: 1, maxLength: 10 }), (blanks) => {
        const list = blanks.map((blank): NewCommand => ({ deviceId: blank, userEmail: blank, type: 'warp-diag' }));
        try {
          buildCreateBody(list);
          expect.unreachable('blank ids must be refused');
        } catch (error) {
          expect(error).toBeInstanceOf(DexInputError);
          expect((error as DexInputError).problems.length).toBeGreaterThanOrEqual(2 * blanks.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});
