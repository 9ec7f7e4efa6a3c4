import type { InputBlock, KnownBlock, ModalView, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../../src/captures/model.js';
import {
  type CaptureModalInput,
  captureModal,
  fieldError,
  noCapturableDevicesNotice,
  publicChannelNotice,
  quotaLine,
  selectionProblemsError,
  submitText,
} from '../../../src/slack/ui/capture-modal.js';
import { readCaptureSubmission, readModalNow } from '../../../src/slack/ui/capture-modal-read.js';
import { deviceOptionValue } from '../../../src/slack/ui/device-option.js';
import {
  CAPTURE_MODAL,
  CHANGE_OPTIONS_ACTION,
  CHANNEL_ACTION,
  CHANNEL_BLOCK,
  CHANNEL_WARNING_BLOCK,
  DEVICES_ACTION,
  DEVICES_BLOCK,
  QUOTA_BLOCK,
  REASON_ACTION,
  REASON_BLOCK,
  TYPES_ACTION,
  TYPES_BLOCK,
} from '../../../src/slack/ui/ids.js';
import {
  PCAP_PACKET_ACTION,
  PCAP_PACKET_BLOCK,
  PCAP_SIZE_ACTION,
  PCAP_SIZE_BLOCK,
  PCAP_TIME_ACTION,
  PCAP_TIME_BLOCK,
  TEST_ALL_ROUTES_VALUE,
  WARP_ROUTES_ACTION,
  WARP_ROUTES_BLOCK,
} from '../../option-ids.js';
import { blockKitProblems, target, uuid } from './fixtures.js';

const RESETS = new Date('2026-11-26T00:00:00Z');

function input(overrides: Partial<CaptureModalInput> = {}): CaptureModalInput {
  return {
    channelId: 'C0HELPDESK',
    quota: { total: 800, used: 12, remaining: 788, resetsAt: RESETS },
    preselected: [],
    types: ['pcap', 'warp-diag'],
    options: DEFAULT_CAPTURE_OPTIONS,
    privateMetadata: '{"channel":"C0HELPDESK"}',
    ...overrides,
  };
}

function modal(overrides: Partial<CaptureModalInput> = {}): ModalView {
  const view = captureModal(input(overrides));
  if (view.type !== 'modal') throw new Error('expected a modal');
  return view;
}

function block<T extends KnownBlock>(view: ModalView, blockId: string): T {
  const found = view.blocks.find((b) => b.block_id === blockId);
  if (!found) throw new Error(`no block ${blockId}`);
  return found as T;
}

function contextText(view: ModalView, blockId: string): string {
  const b = block<KnownBlock & { elements: Array<{ text: string }> }>(view, blockId);
  return b.elements.map((e) => e.text).join(' ');
}

describe('submitText', () => {
  it('says how many captures the button starts (devices × types), within 24 characters', () => {
    expect(submitText({ devices: 0, types: 2 })).toBe('Start capture');
    expect(submitText({ devices: 2, types: 0 })).toBe('Start capture');
    expect(submitText({ devices: 1, types: 1 })).toBe('Start 1 capture');
    expect(submitText({ devices: 2, types: 2 })).toBe('Start 4 captures');
    expect(submitText({ devices: 10, types: 3 }).length).toBeLessThanOrEqual(24);
  });

  it('is on the modal opened with devices preselected', () => {
    const view = modal({ preselected: [target(1), target(2)] });
    expect(view.submit?.text).toBe('Start 4 captures');
  });
});

describe('captureModal', () => {
  it('has the ids, title, buttons and metadata listeners rely on, within Slack limits', () => {
    const view = modal();
    expect(view.callback_id).toBe(CAPTURE_MODAL);
    expect(view.title).toEqual({ type: 'plain_text', text: 'DEX remote capture' });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text).toBe('Start capture');
    expect(view.close?.text).toBe('Cancel');
    expect(view.private_metadata).toBe('{"channel":"C0HELPDESK"}');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(blockKitProblems(view.blocks, 100)).toEqual([]);
    const ids = view.blocks.map((b) => b.block_id);
    expect(ids).toEqual([
      'capture_intro',
      DEVICES_BLOCK,
      TYPES_BLOCK,
      'capture_pcap_summary',
      'capture_warp_summary',
      REASON_BLOCK,
      CHANNEL_BLOCK,
      QUOTA_BLOCK,
    ]);
    const opened = modal({ editing: ['pcap', 'warp-diag', 'speed-test'], types: ['pcap', 'warp-diag', 'speed-test'] });
    expect(blockKitProblems(opened.blocks, 100)).toEqual([]);
    for (const id of [
      PCAP_TIME_BLOCK,
      PCAP_SIZE_BLOCK,
      PCAP_PACKET_BLOCK,
      WARP_ROUTES_BLOCK,
      'capture_speed_interfaces',
    ]) {
      expect(opened.blocks.map((b) => b.block_id)).toContain(id);
    }
  });

  it("folds each ticked type's options into one line with a Change button; an unticked type shows nothing", () => {
    const view = modal({ types: ['pcap', 'speed-test'] });
    const summaries = view.blocks.filter((b) => b.block_id?.endsWith('_summary')) as SectionBlock[];
    expect(summaries.map((b) => (b.text as { text: string }).text)).toEqual([
      '*Packet capture:* 5 min, 5 MB max, 160-byte packets',
      '*Speed test:* default interface and WARP tunnel',
    ]);
    expect(summaries.map((b) => b.accessory)).toEqual([
      expect.objectContaining({
        type: 'button',
        action_id: CHANGE_OPTIONS_ACTION,
        value: 'pcap',
        text: expect.objectContaining({ text: 'Change' }),
      }),
      expect.objectContaining({ type: 'button', action_id: CHANGE_OPTIONS_ACTION, value: 'speed-test' }),
    ]);
    expect(view.blocks.map((b) => b.block_id)).not.toContain('capture_warp_summary');
    // Nine inputs before; now devices, types, the reason and the destination, with the quota line right after.
    expect(view.blocks.filter((b) => b.type === 'input')).toHaveLength(4);
  });

  it('dispatches an action on every change that the modal follows: devices, types, the conversation', () => {
    const view = modal();
    for (const id of [DEVICES_BLOCK, TYPES_BLOCK, CHANNEL_BLOCK]) {
      expect(block<InputBlock>(view, id).dispatch_action, id).toBe(true);
    }
  });

  it('shows the public-channel warning right under "Post status in" only when the picked conversation is public', () => {
    const view = modal({ publicChannel: true });
    const ids = view.blocks.map((b) => b.block_id);
    expect(ids.indexOf(CHANNEL_WARNING_BLOCK)).toBe(ids.indexOf(CHANNEL_BLOCK) + 1);
    expect(contextText(view, CHANNEL_WARNING_BLOCK)).toBe(
      '⚠️ <#C0HELPDESK> is a public channel: everyone in it can download the files posted in the status thread. ' +
        'Pick a private channel or a DM to keep them private.',
    );
    expect(modal().blocks.map((b) => b.block_id)).not.toContain(CHANNEL_WARNING_BLOCK);
  });

  it('warns that captures are privacy-sensitive', () => {
    expect(JSON.stringify(modal().blocks[0])).toContain("Captures can include the person's network traffic.");
  });

  it('has a device search that answers from the first letter, up to 10 devices, and has the focus when it opens', () => {
    const devices = block<InputBlock>(modal(), DEVICES_BLOCK);
    expect(devices.optional).toBeFalsy();
    expect(devices.element).toMatchObject({
      type: 'multi_external_select',
      action_id: DEVICES_ACTION,
      min_query_length: 1,
      focus_on_load: true,
      max_selected_items: 10,
      placeholder: { type: 'plain_text', text: 'Search by device name or email' },
    });
    expect(devices.element).not.toHaveProperty('initial_options');
    // Slack allows one focused element per view.
    expect(JSON.stringify(modal()).match(/"focus_on_load":true/g)).toHaveLength(1);
  });

  it('prefills devices, types and options (Run again, /capture @alice)', () => {
    const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com', registrationId: uuid(9) });
    const view = modal({
      preselected: [alice],
      types: ['pcap', 'warp-diag'],
      editing: ['pcap', 'warp-diag'],
      options: {
        pcap: { timeLimitMin: 3, maxFileSizeMb: 20, packetSizeBytes: 1500 },
        'warp-diag': { testAllRoutes: false },
        'speed-test': { interfaces: ['default', 'tunnel'] },
      },
    });
    expect(block<InputBlock>(view, DEVICES_BLOCK).element).toMatchObject({
      initial_options: [
        {
          text: { type: 'plain_text', text: 'LAPTOP-42 · alice@example.com · windows' },
          value: `${uuid(42)}:${uuid(9)}`,
        },
      ],
    });
    const types = block<InputBlock>(view, TYPES_BLOCK).element as { initial_options?: Array<{ value: string }> };
    expect(types.initial_options?.map((o) => o.value)).toEqual(['pcap', 'warp-diag']);
    expect(block<InputBlock>(view, PCAP_TIME_BLOCK).element).toMatchObject({ initial_value: '3' });
    expect(block<InputBlock>(view, PCAP_SIZE_BLOCK).element).toMatchObject({ initial_value: '20' });
    expect(block<InputBlock>(view, PCAP_PACKET_BLOCK).element).toMatchObject({ initial_value: '1500' });
    expect(block<InputBlock>(view, WARP_ROUTES_BLOCK).element).not.toHaveProperty('initial_options');
  });

  it('never preselects more than 10 devices', () => {
    const view = modal({ preselected: Array.from({ length: 12 }, (_, i) => target(i)) });
    const element = block<InputBlock>(view, DEVICES_BLOCK).element as { initial_options: unknown[] };
    expect(element.initial_options).toHaveLength(10);
  });

  it('offers every capture type with its description', () => {
    const view = modal({ types: ['pcap', 'warp-diag'] });
    const element = block<InputBlock>(view, TYPES_BLOCK).element;
    expect(element).toMatchObject({
      type: 'checkboxes',
      action_id: TYPES_ACTION,
      options: [
        {
          text: { text: 'Packet capture (PCAP)' },
          description: { text: 'Default interface and WARP tunnel' },
          value: 'pcap',
        },
        {
          text: { text: 'WARP diagnostics' },
          description: { text: 'Logs from the past 96 hours' },
          value: 'warp-diag',
        },
        {
          text: { text: 'Speed test' },
          description: { text: 'Download and upload speed, latency and jitter' },
          value: 'speed-test',
        },
      ],
    });
    expect((element as { initial_options: unknown[] }).initial_options).toHaveLength(2);
  });

  it('bounds the PCAP numbers to the documented limits, said once in each label (no hint repeated on every field)', () => {
    const view = modal({ editing: ['pcap'] });
    const cases = [
      [PCAP_TIME_BLOCK, PCAP_TIME_ACTION, '1', '10', '5', 'PCAP time limit (1–10 minutes)'],
      [PCAP_SIZE_BLOCK, PCAP_SIZE_ACTION, '1', '50', '5', 'PCAP max file size (1–50 MB)'],
      [PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '1', '1500', '160', 'PCAP packet size (1–1500 bytes)'],
    ] as const;
    for (const [blockId, actionId, min, max, initial, label] of cases) {
      const b = block<InputBlock>(view, blockId);
      expect(b.optional).toBe(true);
      expect(b.label.text).toBe(label);
      expect(b.hint).toBeUndefined();
      expect(b.element).toEqual({
        type: 'number_input',
        action_id: actionId,
        is_decimal_allowed: false,
        min_value: min,
        max_value: max,
        initial_value: initial,
      });
    }
  });

  it('has "Test all routes" on by default with a hint that it takes longer', () => {
    const b = block<InputBlock>(modal({ editing: ['warp-diag'] }), WARP_ROUTES_BLOCK);
    expect(b.optional).toBe(true);
    expect(b.hint?.text).toMatch(/longer/);
    expect(b.element).toMatchObject({
      type: 'checkboxes',
      action_id: WARP_ROUTES_ACTION,
      initial_options: [{ text: { text: 'Test all routes' }, value: TEST_ALL_ROUTES_VALUE }],
    });
  });

  it('posts the status where /capture was typed unless the agent picks another conversation', () => {
    const b = block<InputBlock>(modal(), CHANNEL_BLOCK);
    expect(b.label.text).toBe('Post status in');
    expect(b.dispatch_action).toBe(true);
    expect(b.element).toEqual({
      type: 'conversations_select',
      action_id: CHANNEL_ACTION,
      default_to_current_conversation: true,
      initial_conversation: 'C0HELPDESK',
      filter: { include: ['public', 'private', 'im', 'mpim'], exclude_bot_users: true },
      response_url_enabled: false,
    });
    expect(block<InputBlock>(modal({ channelId: null }), CHANNEL_BLOCK).element).not.toHaveProperty(
      'initial_conversation',
    );
  });

  it('shows the quota with a time-zone-correct reset time', () => {
    const epoch = RESETS.getTime() / 1000;
    expect(contextText(modal(), QUOTA_BLOCK)).toBe(
      `Quota: 788 of 800 captures left today · resets <!date^${epoch}^{date_short_pretty} at {time}|2026-11-26 00:00 UTC> · each device × capture type uses 1`,
    );
    expect(contextText(modal({ loading: true, quota: null }), QUOTA_BLOCK)).toBe('Quota: loading…');
    expect(contextText(modal({ quota: null, quotaError: "Couldn't read the quota right now." }), QUOTA_BLOCK)).toBe(
      "Couldn't read the quota right now. · each device × capture type uses 1",
    );
  });

  it('says what the request will use: devices × capture types', () => {
    expect(quotaLine({ quota: null, usage: { devices: 3, types: 2 } })).toBe(
      'Quota: not known right now · this request uses 6 (3 devices × 2 types)',
    );
    expect(quotaLine({ quota: null, usage: { devices: 1, types: 1 } })).toMatch(/uses 1 \(1 device × 1 type\)$/);
    expect(quotaLine({ quota: null, usage: { devices: 0, types: 2 } })).toMatch(/each device × capture type uses 1$/);
  });

  it('turns the quota line into a warning before submit when the selection needs more than is left, with the way out', () => {
    const quota = { total: 800, used: 797, remaining: 3, resetsAt: RESETS };
    const line = quotaLine({ quota, usage: { devices: 2, types: 2 } });
    expect(line).toBe(
      `⚠️ *Not enough quota:* this needs 4 captures and 3 of 800 are left today. Untick a capture type or remove devices, ` +
        `or wait until the quota resets <!date^${RESETS.getTime() / 1000}^{date_short_pretty} at {time}|2026-11-26 00:00 UTC>.`,
    );
    expect(quotaLine({ quota, usage: { devices: 1, types: 3 } })).toMatch(/^Quota: 3 of 800 captures left today/);
  });

  it('keeps the same blocks while loading, so views.update only swaps the quota line', () => {
    const loading = modal({ loading: true, quota: null });
    const loaded = modal();
    expect(loading.blocks.map((b) => b.block_id)).toEqual(loaded.blocks.map((b) => b.block_id));
    expect(loading.blocks.filter((b) => b.block_id !== QUOTA_BLOCK)).toEqual(
      loaded.blocks.filter((b) => b.block_id !== QUOTA_BLOCK),
    );
  });

  it('shows a notice when given', () => {
    const view = modal({ notice: '<@U0ALICE> (alice@example.com) has no devices that can be captured.' });
    expect(JSON.stringify(view.blocks)).toContain(
      '<@U0ALICE> (alice@example.com) has no devices that can be captured.',
    );
    expect(view.blocks.length).toBe(modal().blocks.length + 1);
  });

  it('writes the notices with outside text inert and only checked ids in tokens', () => {
    expect(noCapturableDevicesNotice({ userId: 'U0ALICE', email: 'first_last@example.com\n*x*' })).toBe(
      '<@U0ALICE> (first_last@example.com ∗x∗) has no devices that can be captured right now (devices must have ' +
        'connected in the last hour).',
    );
    expect(noCapturableDevicesNotice({ userId: 'U0ALICE', email: null })).toMatch(/^<@U0ALICE> has no devices/);
    expect(noCapturableDevicesNotice({ email: '<!here>@x.io' })).toMatch(/^&lt;!here&gt;@x\.io has no devices/);
    expect(publicChannelNotice('C0HELPDESK')).toMatch(/^⚠️ <#C0HELPDESK> is a public channel:/);
    expect(publicChannelNotice('C0X><!channel><#C0Y')).toMatch(/^⚠️ an unknown conversation is a public channel/);
  });

  it('field errors are one plain line, however the sentences came', () => {
    expect(fieldError('KIOSK-9\u202E\ncan’t be captured.', undefined, 'Not enough quota.')).toBe(
      'KIOSK-9 can’t be captured. Not enough quota.',
    );
    expect(fieldError('x'.repeat(5000))).toHaveLength(1500);
  });

  it('words each problem with a selection on the device field, the devices first and the quota last', () => {
    expect(
      selectionProblemsError([
        { kind: 'device-not-listed', deviceId: 'dev-1', hint: 'LAPTOP-1' },
        { kind: 'device-ineligible', deviceId: 'dev-2', name: 'KIOSK-9', reason: 'Too old' },
        { kind: 'device-ineligible', deviceId: 'dev-3', name: 'PHONE-3', reason: null },
        { kind: 'quota', needed: 6, remaining: 1 },
      ]),
    ).toBe(
      'LAPTOP-1 is no longer listed by Cloudflare (devices must have connected in the last hour). ' +
        "KIOSK-9 can't be captured: Too old. PHONE-3 can't be captured: not eligible. " +
        'Not enough quota: this needs 6 captures and 1 are left today.',
    );
    // No name was shown for it: the device id says which.
    expect(selectionProblemsError([{ kind: 'device-not-listed', deviceId: 'dev-1', hint: '' }])).toBe(
      'dev-1 is no longer listed by Cloudflare (devices must have connected in the last hour).',
    );
    expect(selectionProblemsError([{ kind: 'quota', needed: 2, remaining: 1 }])).toBe(
      'Not enough quota: this needs 2 captures and 1 are left today.',
    );
    // Cloudflare's words and device names are outside text: one plain line.
    expect(
      selectionProblemsError([{ kind: 'device-ineligible', deviceId: 'd', name: 'A\u202E\nB', reason: 'x\ny' }]),
    ).toBe("A B can't be captured: x y.");
  });

  it('refuses private_metadata over 3000 characters', () => {
    expect(() => modal({ privateMetadata: 'x'.repeat(3000) })).not.toThrow();
    expect(() => modal({ privateMetadata: 'x'.repeat(3001) })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------

function deviceState(options: Array<{ value: string; text: string }>) {
  return {
    type: 'multi_external_select',
    selected_options: options.map((o) => ({ text: { type: 'plain_text', text: o.text, emoji: true }, value: o.value })),
  };
}

function state(overrides: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
  return {
    [DEVICES_BLOCK]: {
      [DEVICES_ACTION]: deviceState([
        { value: `${uuid(42)}:${uuid(9)}`, text: 'LAPTOP-42 · alice@example.com · windows' },
        { value: uuid(43), text: 'MAC-43 · bob@example.com · macos' },
      ]),
    },
    [TYPES_BLOCK]: {
      [TYPES_ACTION]: {
        type: 'checkboxes',
        selected_options: [
          { text: { type: 'plain_text', text: 'WARP diagnostics' }, value: 'warp-diag' },
          { text: { type: 'plain_text', text: 'Packet capture (PCAP)' }, value: 'pcap' },
        ],
      },
    },
    [PCAP_TIME_BLOCK]: { [PCAP_TIME_ACTION]: { type: 'number_input', value: '3' } },
    [PCAP_SIZE_BLOCK]: { [PCAP_SIZE_ACTION]: { type: 'number_input', value: '50' } },
    [PCAP_PACKET_BLOCK]: { [PCAP_PACKET_ACTION]: { type: 'number_input', value: '1500' } },
    [WARP_ROUTES_BLOCK]: { [WARP_ROUTES_ACTION]: { type: 'checkboxes', selected_options: [] } },
    [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: 'INC-4821: slow VPN' } },
    [CHANNEL_BLOCK]: { [CHANNEL_ACTION]: { type: 'conversations_select', selected_conversation: 'C0OTHER' } },
    ...overrides,
  };
}

function errorsOf(
  values: Record<string, Record<string, unknown>>,
  rules: { reasonRequired?: boolean } = {},
): Record<string, string> {
  const result = readCaptureSubmission(values, undefined, rules);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

const number = (blockId: string, actionId: string, value: string | null) => ({
  [blockId]: { [actionId]: { type: 'number_input', value } },
});

describe('readCaptureSubmission', () => {
  it('reads a valid submission', () => {
    expect(readCaptureSubmission(state())).toEqual({
      ok: true,
      value: {
        devices: [
          {
            deviceId: uuid(42),
            registrationId: uuid(9),
            eligible: true,
            text: 'LAPTOP-42 · alice@example.com · windows',
          },
          { deviceId: uuid(43), registrationId: null, eligible: true, text: 'MAC-43 · bob@example.com · macos' },
        ],
        types: ['pcap', 'warp-diag'],
        options: {
          pcap: { timeLimitMin: 3, maxFileSizeMb: 50, packetSizeBytes: 1500 },
          'warp-diag': { testAllRoutes: false },
          'speed-test': { interfaces: ['default', 'tunnel'] },
        },
        channelId: 'C0OTHER',
        reason: 'INC-4821: slow VPN',
      },
    });
  });

  it('uses the defaults for empty number fields and reads "Test all routes"', () => {
    const result = readCaptureSubmission(
      state({
        ...number(PCAP_TIME_BLOCK, PCAP_TIME_ACTION, null),
        ...number(PCAP_SIZE_BLOCK, PCAP_SIZE_ACTION, ''),
        ...number(PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '  '),
        [WARP_ROUTES_BLOCK]: {
          [WARP_ROUTES_ACTION]: {
            selected_options: [{ text: { text: 'Test all routes' }, value: TEST_ALL_ROUTES_VALUE }],
          },
        },
        [CHANNEL_BLOCK]: { [CHANNEL_ACTION]: { type: 'conversations_select', selected_conversation: null } },
      }),
    );
    expect(result.ok && result.value.options).toEqual(DEFAULT_CAPTURE_OPTIONS);
    expect(result.ok && result.value.channelId).toBeNull();
  });

  it('asks for at least one device', () => {
    expect(errorsOf(state({ [DEVICES_BLOCK]: { [DEVICES_ACTION]: deviceState([]) } }))).toEqual({
      [DEVICES_BLOCK]: 'Pick at least one device.',
    });
  });

  it('refuses 11 devices', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ value: uuid(i), text: `LAPTOP-${i} · u@x.io · windows` }));
    expect(errorsOf(state({ [DEVICES_BLOCK]: { [DEVICES_ACTION]: deviceState(eleven) } }))).toEqual({
      [DEVICES_BLOCK]: 'Pick at most 10 devices.',
    });
  });

  it("leaves an ineligible device to the selection check, which words it from Cloudflare's data, not the option text", () => {
    const phone = deviceOptionValue({ deviceId: uuid(7), registrationId: uuid(8), eligible: false });
    const values = state({
      [DEVICES_BLOCK]: {
        [DEVICES_ACTION]: deviceState([
          { value: uuid(42), text: 'LAPTOP-42 · alice@example.com · windows' },
          { value: phone, text: 'iPhone-7 · bob@example.com · ios' },
        ]),
      },
    });
    const read = readCaptureSubmission(values);
    expect(read.ok && read.value.devices.map((d) => d.eligible)).toEqual([true, false]);
    expect(
      selectionProblemsError([
        {
          kind: 'device-ineligible',
          deviceId: uuid(7),
          name: 'LAPTOP-ALICE',
          reason: 'WARP client version 2024.3.1.0 is below the minimum version 2024.12.0 needed for remote captures',
        },
      ]),
    ).toBe(
      "LAPTOP-ALICE can't be captured: WARP client version 2024.3.1.0 is below the minimum version 2024.12.0 needed for remote captures.",
    );
  });

  it('says a picked message ("Cloudflare did not answer") is not a device', () => {
    const values = state({
      [DEVICES_BLOCK]: {
        [DEVICES_ACTION]: deviceState([
          { value: '~search-failed', text: 'Cloudflare did not answer. Type again to retry.' },
        ]),
      },
    });
    expect(errorsOf(values)).toEqual({
      [DEVICES_BLOCK]:
        '“Cloudflare did not answer. Type again to retry.” is a message, not a device: remove it and search again.',
    });
  });

  it('keeps the carried options of a type whose fields were folded away (not in the view, so not sent)', () => {
    const carried = structuredClone(DEFAULT_CAPTURE_OPTIONS);
    carried.pcap.timeLimitMin = 9;
    const values = state({});
    for (const id of [PCAP_TIME_BLOCK, PCAP_SIZE_BLOCK, PCAP_PACKET_BLOCK, WARP_ROUTES_BLOCK]) delete values[id];
    const read = readCaptureSubmission(values, carried);
    expect(read.ok && read.value.options.pcap).toEqual({ timeLimitMin: 9, maxFileSizeMb: 5, packetSizeBytes: 160 });
  });

  it('asks for at least one capture type', () => {
    expect(
      errorsOf(state({ [TYPES_BLOCK]: { [TYPES_ACTION]: { type: 'checkboxes', selected_options: [] } } })),
    ).toEqual({ [TYPES_BLOCK]: 'Pick at least one capture type.' });
  });

  it('refuses numbers out of range or not whole, on the right field', () => {
    const cases: Array<[string, string, string, string]> = [
      [PCAP_TIME_BLOCK, PCAP_TIME_ACTION, '0', 'Enter a whole number from 1 to 10.'],
      [PCAP_TIME_BLOCK, PCAP_TIME_ACTION, '11', 'Enter a whole number from 1 to 10.'],
      [PCAP_TIME_BLOCK, PCAP_TIME_ACTION, '2.5', 'Enter a whole number from 1 to 10.'],
      [PCAP_SIZE_BLOCK, PCAP_SIZE_ACTION, '51', 'Enter a whole number from 1 to 50.'],
      [PCAP_SIZE_BLOCK, PCAP_SIZE_ACTION, '-1', 'Enter a whole number from 1 to 50.'],
      [PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '1501', 'Enter a whole number from 1 to 1500.'],
      [PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, 'abc', 'Enter a whole number from 1 to 1500.'],
      [PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '1e3', 'Enter a whole number from 1 to 1500.'],
    ];
    for (const [blockId, actionId, value, message] of cases) {
      expect(errorsOf(state(number(blockId, actionId, value))), value).toEqual({ [blockId]: message });
    }
    const ok = readCaptureSubmission(state(number(PCAP_TIME_BLOCK, PCAP_TIME_ACTION, ' 10 ')));
    expect(ok.ok && ok.value.options.pcap.timeLimitMin).toBe(10);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf(
      state({
        [DEVICES_BLOCK]: { [DEVICES_ACTION]: deviceState([]) },
        [TYPES_BLOCK]: { [TYPES_ACTION]: { selected_options: [] } },
        ...number(PCAP_TIME_BLOCK, PCAP_TIME_ACTION, '99'),
        ...number(PCAP_PACKET_BLOCK, PCAP_PACKET_ACTION, '0'),
      }),
    );
    expect(Object.keys(errors).sort()).toEqual([DEVICES_BLOCK, PCAP_PACKET_BLOCK, PCAP_TIME_BLOCK, TYPES_BLOCK].sort());
  });

  it('gives a clear error on each block of a malformed payload, never a crash', () => {
    const malformed = errorsOf(
      state({
        [DEVICES_BLOCK]: { [DEVICES_ACTION]: { selected_options: [{ value: 'not a device id!' }] } },
        [TYPES_BLOCK]: { [TYPES_ACTION]: { selected_options: [{ value: 'traceroute' }] } },
        [PCAP_TIME_BLOCK]: { [PCAP_TIME_ACTION]: { value: 5 } },
        [WARP_ROUTES_BLOCK]: { [WARP_ROUTES_ACTION]: { selected_options: 'yes' } },
        [CHANNEL_BLOCK]: { [CHANNEL_ACTION]: { selected_conversation: '<script>' } },
      }),
    );
    expect(malformed).toEqual({
      [DEVICES_BLOCK]: "Couldn't read the devices you picked. Pick them again.",
      [TYPES_BLOCK]: "Couldn't read the capture types. Pick them again.",
      [PCAP_TIME_BLOCK]: "Couldn't read this number. Enter a whole number from 1 to 10.",
      [WARP_ROUTES_BLOCK]: "Couldn't read this choice. Tick or untick it again.",
      [CHANNEL_BLOCK]: "Couldn't read the conversation. Pick it again.",
    });

    // Missing option fields were folded away: they keep their carried values; the rest must be there.
    const empty = errorsOf({});
    expect(Object.keys(empty).sort()).toEqual([CHANNEL_BLOCK, DEVICES_BLOCK, TYPES_BLOCK].sort());
    for (const junk of [null, 'values', 42, []]) {
      expect(readCaptureSubmission(junk as never).ok).toBe(false);
    }
  });
});

describe('readModalNow (the modal as it is, to build it again)', () => {
  it('keeps what was picked, ticked and typed, the open fields, the left-out hint and the carried options', () => {
    const carried = structuredClone(DEFAULT_CAPTURE_OPTIONS);
    carried['speed-test'].interfaces = ['tunnel'];
    const shown = modal({
      types: ['pcap', 'speed-test'],
      editing: ['pcap'],
      devicesHint: "Left out, as they can't be captured: IPAD (not supported).",
      notice: 'A note',
      privateMetadata: JSON.stringify({ channelId: 'C0HELPDESK', options: carried, warnedPublic: null }),
    });
    const now = readModalNow({
      ...shown,
      state: {
        values: {
          [DEVICES_BLOCK]: {
            [DEVICES_ACTION]: {
              selected_options: [
                { value: uuid(1), text: { text: 'LAPTOP-1 · a@x.io · windows' } },
                { value: 'not a device!', text: { text: 'forged' } },
              ],
            },
          },
          [TYPES_BLOCK]: { [TYPES_ACTION]: { selected_options: [{ value: 'pcap' }, { value: 'traceroute' }] } },
          [PCAP_TIME_BLOCK]: { [PCAP_TIME_ACTION]: { value: '8' } },
          [CHANNEL_BLOCK]: { [CHANNEL_ACTION]: { selected_conversation: 'G0PRIVATE' } },
        },
      },
    });
    expect(now.picked?.map((o) => o.value)).toEqual([uuid(1)]);
    expect(now.types).toEqual(['pcap']);
    expect(now.editing).toEqual(['pcap']);
    expect(now.options.pcap.timeLimitMin).toBe(8);
    expect(now.options['speed-test'].interfaces).toEqual(['tunnel']);
    expect(now.channelId).toBe('G0PRIVATE');
    expect(now.notice).toBe('A note');
    expect(now.devicesHint).toBe("Left out, as they can't be captured: IPAD (not supported).");
  });

  it('reads anything at all without throwing, as an empty modal', () => {
    for (const junk of [null, 'view', 42, [], { blocks: 'x', state: 7, private_metadata: {} }]) {
      const now = readModalNow(junk);
      expect(now.picked).toEqual([]);
      expect(now.types).toEqual([]);
      expect(now.channelId).toBeNull();
    }
  });
});

describe('the reason field', () => {
  const reason = (text: string | null) => ({
    [REASON_BLOCK]: { [REASON_ACTION]: { type: 'plain_text_input', value: text } },
  });
  const withPcap = (packet: string) => ({
    [PCAP_PACKET_BLOCK]: { [PCAP_PACKET_ACTION]: { type: 'number_input', value: packet } },
  });

  it('is asked for right before "Post status in", required unless configured otherwise, at most 200 characters', () => {
    const view = modal({ reasonRequired: true });
    const ids = view.blocks.map((b) => b.block_id);
    expect(ids.indexOf(REASON_BLOCK)).toBe(ids.indexOf(CHANNEL_BLOCK) - 1);
    const field = block<InputBlock>(view, REASON_BLOCK);
    expect(field.optional).toBe(false);
    expect(field.label.text).toBe('Reason or ticket');
    expect(field.element).toMatchObject({ type: 'plain_text_input', action_id: REASON_ACTION, max_length: 200 });
    expect(block<InputBlock>(modal({ reasonRequired: false }), REASON_BLOCK).optional).toBe(true);
  });

  it('is required when configured, read trimmed on one line, and refused over 200 characters', () => {
    const required = { reasonRequired: true };
    expect(errorsOf(state(reason(null)), required)).toEqual({
      [REASON_BLOCK]: "Give a reason or a ticket reference: it is shown to the device's owner and kept in the audit.",
    });
    const read = readCaptureSubmission(state(reason('  INC-4821:\n Wi-Fi   drops ')), undefined, required);
    expect(read.ok && read.value.reason).toBe('INC-4821: Wi-Fi drops');
    expect(errorsOf(state(reason('x'.repeat(201))), required)[REASON_BLOCK]).toMatch(/^Keep the reason to 200/);
    const optional = readCaptureSubmission(state({ ...reason(''), ...withPcap('160') }));
    expect(optional.ok && optional.value.reason).toBeNull();
  });

  it('is needed for a packet size above 160 bytes, even when reasons are optional', () => {
    expect(errorsOf(state({ ...withPcap('1500'), ...reason(null) }))).toEqual({
      [REASON_BLOCK]:
        "A packet size above 160 bytes keeps more of each packet's contents: give a reason, or set it back to 160.",
    });
    expect(readCaptureSubmission(state({ ...withPcap('1500'), ...reason('INC-1: need payloads') })).ok).toBe(true);
    expect(readCaptureSubmission(state({ ...withPcap('160'), ...reason(null) })).ok).toBe(true);
  });
});
