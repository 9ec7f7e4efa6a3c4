import fc from 'fast-check';
import type { CaptureType } from '../../src/capture-types/registry.js';
import { deviceOptionValue } from '../../src/slack/ui/device-option.js';
import {
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  TYPES_ACTION,
  TYPES_BLOCK,
} from '../../src/slack/ui/ids.js';
import {
  PCAP_LIMITS,
  PCAP_PACKET_ACTION,
  PCAP_PACKET_BLOCK,
  PCAP_SIZE_ACTION,
  PCAP_SIZE_BLOCK,
  PCAP_TIME_ACTION,
  PCAP_TIME_BLOCK,
  SPEED_INTERFACES_ACTION,
  SPEED_INTERFACES_BLOCK,
  TEST_ALL_ROUTES_VALUE,
  WARP_ROUTES_ACTION,
  WARP_ROUTES_BLOCK,
} from '../option-ids.js';
import { anyText, deviceIdPart } from './arbitraries.js';

/*
 * Generators of the capture modal's `view.state.values`: near the real shape (see
 * test/slack/ui/capture-modal.test.ts), valid ones with the values they must read as, and ways to break a block.
 */

export type Values = Record<string, Record<string, unknown>>;

/** The input blocks of the modal: the only keys `response_action: 'errors'` may name. */
export const INPUT_BLOCKS = [
  DEVICES_BLOCK,
  TYPES_BLOCK,
  PCAP_TIME_BLOCK,
  PCAP_SIZE_BLOCK,
  PCAP_PACKET_BLOCK,
  WARP_ROUTES_BLOCK,
  SPEED_INTERFACES_BLOCK,
  REASON_BLOCK,
  CHANNEL_BLOCK,
];
export const ACTION_OF: Record<string, string> = {
  [DEVICES_BLOCK]: DEVICES_ACTION,
  [TYPES_BLOCK]: TYPES_ACTION,
  [PCAP_TIME_BLOCK]: PCAP_TIME_ACTION,
  [PCAP_SIZE_BLOCK]: PCAP_SIZE_ACTION,
  [PCAP_PACKET_BLOCK]: PCAP_PACKET_ACTION,
  [WARP_ROUTES_BLOCK]: WARP_ROUTES_ACTION,
  [SPEED_INTERFACES_BLOCK]: SPEED_INTERFACES_ACTION,
  [REASON_BLOCK]: REASON_ACTION,
  [CHANNEL_BLOCK]: CHANNEL_ACTION,
};

// ---------------------------------------------------------------------------------------------------------------
// Generators close to the real `state.values` shape (see test/slack/ui/capture-modal.test.ts).

const optionText = fc.oneof(
  fc.constant('LAPTOP-42 · alice@example.com · windows'),
  fc.constant('IPHONE-7 · bob@example.com — Platform not supported'),
  anyText(120),
);

export const deviceValue = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .record({
        deviceId: deviceIdPart,
        registrationId: fc.option(deviceIdPart, { nil: null }),
        eligible: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      })
      .chain((ref) => {
        try {
          return fc.constant(deviceOptionValue(ref));
        } catch {
          return fc.constant(ref.deviceId);
        }
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ':', 'a:', 'x:', 'x:a:b', 'has space', 'ü', 'a'.repeat(76)) },
  { weight: 1, arbitrary: anyText(90) },
);

export const selectedOption = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    {
      weight: 40,
      arbitrary: fc.record({ text: fc.record({ type: fc.constant('plain_text'), text: optionText }), value }),
    },
    { weight: 2, arbitrary: fc.record({ value }) },
    { weight: 1, arbitrary: fc.record({ text: fc.anything(), value }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.anything() },
  );

export const selection = (value: fc.Arbitrary<unknown>, maxLength: number) =>
  fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({
        type: fc.constant('multi_external_select'),
        selected_options: fc.array(selectedOption(value), { maxLength }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ selected_options: fc.constantFrom(null, undefined, 'pcap', 3, {}) }) },
    { weight: 1, arbitrary: fc.anything() },
  );

const numberText = (limits: { min: number; max: number }) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: limits.min, max: limits.max }).map(String) },
    fc.integer({ min: -5, max: 1600 }).map(String),
    fc.constantFrom(
      '',
      ' ',
      '5.0',
      '5.',
      '+5',
      '-0',
      '1e1',
      '0x5',
      '2.5',
      ' 10 ',
      'NaN',
      'Infinity',
      '٣',
      '１',
      '999999999',
    ),
    fc.double().map(String),
    anyText(12),
  );

const numberElement = (limits: { min: number; max: number }) =>
  fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({ type: fc.constant('number_input'), value: fc.option(numberText(limits), { nil: null }) }),
    },
    { weight: 1, arbitrary: fc.record({ value: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.anything()) }) },
    { weight: 1, arbitrary: fc.anything() },
  );

const channelElement = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      type: fc.constant('conversations_select'),
      selected_conversation: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('C_HELPDESK', 'C0OTHER', 'D0123', null) },
        fc.constantFrom('c_lower', '', 'C', 'C HELP', 'C0', 'U0ALICE', 'C0X><!channel><#C0Y'),
        anyText(20),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** Block → action → element, each block present, missing, or replaced by garbage. */
function block(blockId: string, element: fc.Arbitrary<unknown>) {
  const action = ACTION_OF[blockId] as string;
  return fc.oneof(
    { weight: 30, arbitrary: element.map((e) => ({ [blockId]: { [action]: e } })) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.anything().map((garbage) => ({ [blockId]: garbage })) },
    { weight: 1, arbitrary: element.map((e) => ({ [blockId]: { [`${action}_old`]: e } })) },
  );
}

export const nearRealValues: fc.Arbitrary<Values> = fc
  .tuple(
    block(DEVICES_BLOCK, selection(deviceValue, 12)),
    block(
      TYPES_BLOCK,
      selection(
        fc.oneof(
          { weight: 20, arbitrary: fc.constantFrom('pcap', 'warp-diag', 'speed-test') },
          fc.constantFrom('traceroute', 'PCAP', ''),
          anyText(10),
        ),
        3,
      ),
    ),
    block(PCAP_TIME_BLOCK, numberElement(PCAP_LIMITS.timeLimitMin)),
    block(PCAP_SIZE_BLOCK, numberElement(PCAP_LIMITS.maxFileSizeMb)),
    block(PCAP_PACKET_BLOCK, numberElement(PCAP_LIMITS.packetSizeBytes)),
    block(
      WARP_ROUTES_BLOCK,
      selection(fc.oneof({ weight: 10, arbitrary: fc.constant(TEST_ALL_ROUTES_VALUE) }, anyText(10)), 2),
    ),
    block(
      SPEED_INTERFACES_BLOCK,
      selection(fc.oneof({ weight: 10, arbitrary: fc.constantFrom('default', 'tunnel') }, anyText(10)), 3),
    ),
    block(CHANNEL_BLOCK, channelElement),
    fc.dictionary(anyText(12), fc.anything(), { maxKeys: 3 }),
  )
  .map(([...parts]) => Object.assign({}, parts.at(-1), ...parts.slice(0, -1)) as Values);

// ---------------------------------------------------------------------------------------------------------------
// A valid submission and what it must read as.

export interface ValidCase {
  values: Values;
  expected: {
    devices: Array<{ deviceId: string; registrationId: string | null; text: string }>;
    types: CaptureType[];
    pcap: { timeLimitMin: number; maxFileSizeMb: number; packetSizeBytes: number };
    testAllRoutes: boolean;
    interfaces: Array<'default' | 'tunnel'>;
    channelId: string | null;
    reason: string;
  };
}

/** A whole number inside the limits, as typed (padding, `+`, `.0`), or blank for the default. */
const typedNumber = (limits: { min: number; max: number; default: number }) =>
  fc.oneof(
    fc
      .tuple(
        fc.integer({ min: limits.min, max: limits.max }),
        fc.constantFrom('', ' ', '  '),
        fc.constantFrom('', '+'),
        fc.constantFrom('', '.', '.0', '.00'),
      )
      .map(([n, pad, sign, fraction]) => ({ typed: `${pad}${sign}${n}${fraction}${pad}`, value: n })),
    fc.constantFrom(null, '', '   ').map((typed) => ({ typed, value: limits.default })),
  );

// A device id of exactly `x` with a registration id encodes like an ineligible device (see device-option tests).
const eligibleRef = fc
  .record({ deviceId: deviceIdPart.filter((id) => id !== 'x'), registrationId: fc.option(deviceIdPart, { nil: null }) })
  .filter((ref) => ref.deviceId.length + (ref.registrationId ? ref.registrationId.length + 1 : 0) <= 75);

export const validCase: fc.Arbitrary<ValidCase> = fc
  .record({
    devices: fc.uniqueArray(eligibleRef, {
      minLength: 1,
      maxLength: 10,
      selector: (ref) => deviceOptionValue(ref),
    }),
    texts: fc.array(fc.string({ unit: 'grapheme', maxLength: 75 }), { minLength: 10, maxLength: 10 }),
    types: fc.subarray(['pcap', 'warp-diag', 'speed-test'] as CaptureType[], { minLength: 1 }),
    reversed: fc.boolean(),
    time: typedNumber(PCAP_LIMITS.timeLimitMin),
    size: typedNumber(PCAP_LIMITS.maxFileSizeMb),
    packet: typedNumber(PCAP_LIMITS.packetSizeBytes),
    testAllRoutes: fc.boolean(),
    interfaces: fc.subarray(['default', 'tunnel'] as Array<'default' | 'tunnel'>, { minLength: 1 }),
    channelId: fc.option(fc.stringMatching(/^[CDG][A-Z0-9_]{2,12}$/), { nil: null }),
    // Any words on one line (what the field reads back: trimmed, single spaces); a large packet size needs one.
    reason: fc.stringMatching(/^[A-Za-z0-9:#-]{1,20}( [A-Za-z0-9:#-]{1,20}){0,5}$/),
  })
  .map((c) => {
    const typesPicked = c.reversed ? [...c.types].reverse() : c.types;
    const values: Values = {
      [DEVICES_BLOCK]: {
        [DEVICES_ACTION]: {
          type: 'multi_external_select',
          selected_options: c.devices.map((ref, i) => ({
            text: { type: 'plain_text', text: c.texts[i], emoji: true },
            value: deviceOptionValue(ref),
          })),
        },
      },
      [TYPES_BLOCK]: {
        [TYPES_ACTION]: {
          type: 'checkboxes',
          selected_options: typesPicked.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
        },
      },
      [PCAP_TIME_BLOCK]: { [PCAP_TIME_ACTION]: { type: 'number_input', value: c.time.typed } },
      [PCAP_SIZE_BLOCK]: { [PCAP_SIZE_ACTION]: { type: 'number_input', value: c.size.typed } },
      [PCAP_PACKET_BLOCK]: { [PCAP_PACKET_ACTION]: { type: 'number_input', value: c.packet.typed } },
      [WARP_ROUTES_BLOCK]: {
        [WARP_ROUTES_ACTION]: {
          type: 'checkboxes',
          selected_options: c.testAllRoutes
            ? [{ text: { type: 'plain_text', text: 'Test all routes' }, value: TEST_ALL_ROUTES_VALUE }]
            : [],
        },
      },
      [SPEED_INTERFACES_BLOCK]: {
        [SPEED_INTERFACES_ACTION]: {
          type: 'checkboxes',
          selected_options: c.interfaces.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
        },
      },
      [CHANNEL_BLOCK]: { [CHANNEL_ACTION]: { type: 'conversations_select', selected_conversation: c.channelId } },
      [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: ` ${c.reason} ` } },
    };
    return {
      values,
      expected: {
        devices: c.devices.map((ref, i) => ({ ...ref, text: c.texts[i] as string })),
        types: (['pcap', 'warp-diag', 'speed-test'] as const).filter((t) => c.types.includes(t)),
        pcap: { timeLimitMin: c.time.value, maxFileSizeMb: c.size.value, packetSizeBytes: c.packet.value },
        testAllRoutes: c.testAllRoutes,
        interfaces: c.interfaces,
        channelId: c.channelId,
        reason: c.reason,
      },
    };
  });

/** Values that make one block invalid, whatever the others hold. */
export const BREAKERS: Record<string, fc.Arbitrary<unknown>> = {
  [DEVICES_BLOCK]: fc.oneof(
    fc.constant({ selected_options: [] }),
    fc.constant({ selected_options: [{ value: 'not a device id!' }] }),
    fc.constant({ selected_options: 'garbage' }),
    fc.constant({
      selected_options: Array.from({ length: 11 }, (_, i) => ({ value: `dev-${i}`, text: { text: `D${i}` } })),
    }),
    fc.constant({ selected_options: [{ value: '~search-failed', text: { text: 'Cloudflare did not answer.' } }] }),
  ),
  [TYPES_BLOCK]: fc.oneof(
    fc.constant({ selected_options: [] }),
    fc.constant({ selected_options: [{ value: 'traceroute' }] }),
    fc.constant({ selected_options: [{ value: 'pcap' }, { value: 7 }] }),
  ),
  [PCAP_TIME_BLOCK]: fc.oneof(
    fc.constantFrom('0', '11', '2.5', 'five', '1e1', '-1').map((value) => ({ value })),
    fc.constant({ value: 5 }),
  ),
  [PCAP_SIZE_BLOCK]: fc.constantFrom('0', '51', '3.3', 'x').map((value) => ({ value })),
  [PCAP_PACKET_BLOCK]: fc.constantFrom('0', '1501', '99999999999', '1,000').map((value) => ({ value })),
  [WARP_ROUTES_BLOCK]: fc.constantFrom({ selected_options: 'yes' }, { selected_options: [{ value: 1 }] }),
  [SPEED_INTERFACES_BLOCK]: fc.constantFrom({ selected_options: 'yes' }, { selected_options: [{ value: 'wifi' }] }),
  [CHANNEL_BLOCK]: fc.constantFrom({ selected_conversation: 'not a channel' }, { selected_conversation: 42 }),
  [REASON_BLOCK]: fc.constantFrom({ value: 42 }, { value: 'x'.repeat(201) }, { value: ['INC-1'] }),
};
