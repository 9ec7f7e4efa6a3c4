import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../src/captures/model.js';
import { CONVERSATION_ID } from '../../src/slack/slack-ids.js';
import { type CaptureSubmissionResult, readCaptureSubmission } from '../../src/slack/ui/capture-modal-read.js';
import { PCAP_LIMITS, PCAP_PACKET_BLOCK, PCAP_SIZE_BLOCK, PCAP_TIME_BLOCK } from '../option-ids.js';
import { ACTION_OF, BREAKERS, INPUT_BLOCKS, nearRealValues, type Values, validCase } from './state-values.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

function within(value: number, limits: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= limits.min && value <= limits.max;
}

/** What every answer must satisfy, whatever came in. */
function expectSafe(result: CaptureSubmissionResult): void {
  if (result.ok) {
    const { devices, types, options, channelId } = result.value;
    expect(devices.length).toBeGreaterThanOrEqual(1);
    expect(devices.length).toBeLessThanOrEqual(10);
    for (const device of devices) {
      expect(device.deviceId).toMatch(ID);
      if (device.registrationId !== null) expect(device.registrationId).toMatch(ID);
      // An ineligible device reads back as such; the selection check refuses it in Cloudflare's words.
      expect(typeof device.eligible).toBe('boolean');
      expect(typeof device.text).toBe('string');
    }
    const keys = devices.map((d) => `${d.deviceId}:${d.registrationId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(types.length).toBeGreaterThanOrEqual(1);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(['pcap', 'warp-diag', 'speed-test']).toContain(type);
    expect(within(options.pcap.timeLimitMin, PCAP_LIMITS.timeLimitMin)).toBe(true);
    expect(within(options.pcap.maxFileSizeMb, PCAP_LIMITS.maxFileSizeMb)).toBe(true);
    expect(within(options.pcap.packetSizeBytes, PCAP_LIMITS.packetSizeBytes)).toBe(true);
    expect(typeof options['warp-diag'].testAllRoutes).toBe('boolean');
    if (channelId !== null) expect(channelId).toMatch(CONVERSATION_ID);
  } else {
    const entries = Object.entries(result.errors);
    expect(entries.length).toBeGreaterThan(0);
    for (const [block, message] of entries) {
      expect(INPUT_BLOCKS).toContain(block);
      expect(typeof message).toBe('string');
      expect(message.trim().length).toBeGreaterThan(0);
      expect(message.length).toBeLessThan(2000);
    }
  }
}

describe('readCaptureSubmission (property)', () => {
  it('never throws on anything at all, and answers within the limits', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
        }),
        (values) => {
          expectSafe(readCaptureSubmission(values as Values));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on random objects keyed by the real block and action ids', () => {
    const element = fc.anything({ maxDepth: 3, withNullPrototype: true });
    const blockState = fc.dictionary(fc.constantFrom(...Object.values(ACTION_OF), 'other'), element, { maxKeys: 3 });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...INPUT_BLOCKS, 'capture_quota', 'x'), blockState), (values) => {
        expectSafe(readCaptureSubmission(values as Values));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on payloads close to the real shape, and answers within the limits', () => {
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(nearRealValues, (values) => {
        const result = readCaptureSubmission(values);
        expectSafe(result);
        outcomes[result.ok ? 'ok' : 'refused']++;
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both answers, not only the refusals.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('reads every valid submission exactly (defaults for blank numbers, types in a fixed order)', () => {
    fc.assert(
      fc.property(validCase, fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 2 }), (c, extra) => {
        const values = { ...extra, ...c.values } as Values;
        expect(readCaptureSubmission(values)).toEqual({
          ok: true,
          value: {
            devices: c.expected.devices.map((d) => ({ ...d, eligible: true })),
            types: c.expected.types,
            options: {
              pcap: c.expected.pcap,
              'warp-diag': { testAllRoutes: c.expected.testAllRoutes },
              'speed-test': { interfaces: c.expected.interfaces },
            },
            channelId: c.expected.channelId,
            reason: c.expected.reason,
          },
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('with some blocks broken, names exactly those blocks (all at once) and nothing else', () => {
    const broken = fc
      .subarray(INPUT_BLOCKS, { minLength: 1 })
      .chain((blocks) =>
        fc.tuple(fc.constant(blocks), fc.tuple(...blocks.map((b) => BREAKERS[b] as fc.Arbitrary<unknown>))),
      );
    fc.assert(
      fc.property(validCase, broken, (c, [blocks, elements]) => {
        const values: Values = { ...c.values };
        blocks.forEach((b, i) => {
          values[b] = { [ACTION_OF[b] as string]: elements[i] };
        });
        const result = readCaptureSubmission(values);
        expectSafe(result);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual([...blocks].sort());
      }),
      { numRuns: 2000 },
    );
  });

  it('empty number fields take the documented defaults', () => {
    fc.assert(
      fc.property(validCase, fc.constantFrom(null, '', ' \t '), (c, blank) => {
        const values: Values = { ...c.values };
        for (const b of [PCAP_TIME_BLOCK, PCAP_SIZE_BLOCK, PCAP_PACKET_BLOCK])
          values[b] = { [ACTION_OF[b] as string]: { value: blank } };
        const result = readCaptureSubmission(values);
        expect(result.ok && result.value.options.pcap).toEqual(DEFAULT_CAPTURE_OPTIONS.pcap);
      }),
      { numRuns: 300 },
    );
  });
});
