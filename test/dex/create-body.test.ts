import { describe, expect, it } from 'vitest';
import { buildCreateBody, DexInputError, type NewCommand } from '../../src/dex/index.js';

const device = (n: number) => ({ deviceId: `device-${n}`, userEmail: `user${n}@example.com` });

function problemsOf(commands: NewCommand[]): string[] {
  try {
    buildCreateBody(commands);
  } catch (error) {
    expect(error).toBeInstanceOf(DexInputError);
    return (error as DexInputError).problems;
  }
  throw new Error('expected the request to be refused');
}

describe('buildCreateBody', () => {
  it('writes the live wire shape: type, args with kebab-case keys, registration_id when given', () => {
    const body = buildCreateBody([
      { ...device(1), type: 'pcap', args: { timeLimitMin: 5, maxFileSizeMb: 5, packetSizeBytes: 160 } },
      { ...device(1), registrationId: 'reg-1', type: 'warp-diag', args: { testAllRoutes: true } },
    ]);
    expect(body).toEqual({
      commands: [
        {
          type: 'pcap',
          device_id: 'device-1',
          user_email: 'user1@example.com',
          args: { 'time-limit-min': 5, 'max-file-size-mb': 5, 'packet-size-bytes': 160 },
        },
        {
          type: 'warp-diag',
          device_id: 'device-1',
          user_email: 'user1@example.com',
          registration_id: 'reg-1',
          args: { 'test-all-routes': true },
        },
      ],
    });
    expect(JSON.stringify(body)).not.toMatch(/command_type|command_args|time_limit/);
  });

  it('omits args that were not given, leaving Cloudflare defaults', () => {
    expect(buildCreateBody([{ ...device(1), type: 'pcap' }]).commands[0]).toEqual({
      type: 'pcap',
      device_id: 'device-1',
      user_email: 'user1@example.com',
    });
  });

  it('accepts 10 devices with both types (20 commands)', () => {
    const commands: NewCommand[] = [];
    for (let i = 0; i < 10; i++) commands.push({ ...device(i), type: 'pcap' }, { ...device(i), type: 'warp-diag' });
    expect(buildCreateBody(commands).commands).toHaveLength(20);
  });

  it('refuses more than 10 devices and more than 20 commands', () => {
    const eleven = Array.from({ length: 11 }, (_, i): NewCommand => ({ ...device(i), type: 'pcap' }));
    expect(problemsOf(eleven)).toEqual(['at most 10 devices per request (got 11)']);
    const twentyOne = Array.from({ length: 21 }, (_, i): NewCommand => ({ ...device(i % 3), type: 'pcap' }));
    expect(problemsOf(twentyOne)).toEqual(['at most 20 commands per request (got 21)']);
  });

  it('names every out-of-range PCAP argument at once', () => {
    const problems = problemsOf([
      { ...device(1), type: 'pcap', args: { timeLimitMin: 11, maxFileSizeMb: 0, packetSizeBytes: 1501 } },
      { ...device(2), type: 'pcap', args: { timeLimitMin: 2.5 } },
    ]);
    expect(problems).toEqual([
      'commands[0].args.timeLimitMin must be a whole number from 1 to 10 (got 11)',
      'commands[0].args.maxFileSizeMb must be a whole number from 1 to 50 (got 0)',
      'commands[0].args.packetSizeBytes must be a whole number from 1 to 1500 (got 1501)',
      'commands[1].args.timeLimitMin must be a whole number from 1 to 10 (got 2.5)',
    ]);
  });

  it('accepts the limits themselves', () => {
    for (const args of [
      { timeLimitMin: 1, maxFileSizeMb: 1, packetSizeBytes: 1 },
      { timeLimitMin: 10, maxFileSizeMb: 50, packetSizeBytes: 1500 },
    ]) {
      expect(() => buildCreateBody([{ ...device(1), type: 'pcap', args }])).not.toThrow();
    }
  });

  it('refuses an empty request, missing ids, unknown types', () => {
    expect(problemsOf([])).toEqual(['at least one command is needed']);
    expect(problemsOf([{ deviceId: ' ', userEmail: '', type: 'pcap' }])).toEqual([
      'commands[0].deviceId is required',
      'commands[0].userEmail is required',
    ]);
    const traceroute = { ...device(1), type: 'traceroute' } as unknown as NewCommand;
    expect(problemsOf([traceroute])).toEqual([
      'commands[0].type must be one of "pcap", "warp-diag", "speed-test" (got "traceroute")',
    ]);
  });

  it("writes a speed test's interfaces as given, and refuses an empty, repeated or unknown one", () => {
    const body = buildCreateBody([{ ...device(1), type: 'speed-test', args: { interfaces: ['tunnel'] } }]);
    expect(body.commands[0]).toMatchObject({ type: 'speed-test', args: { interfaces: ['tunnel'] } });
    expect(buildCreateBody([{ ...device(1), type: 'speed-test' }]).commands[0]).not.toHaveProperty('args');
    const bad = [[], ['default', 'default'], ['wifi']] as unknown as Array<Array<'default' | 'tunnel'>>;
    expect(problemsOf(bad.map((interfaces) => ({ ...device(1), type: 'speed-test', args: { interfaces } })))).toEqual([
      'commands[0].args.interfaces must be a non-empty list of "default", "tunnel" without repeats (got [])',
      'commands[1].args.interfaces must be a non-empty list of "default", "tunnel" without repeats (got ["default","default"])',
      'commands[2].args.interfaces must be a non-empty list of "default", "tunnel" without repeats (got ["wifi"])',
    ]);
  });
});
