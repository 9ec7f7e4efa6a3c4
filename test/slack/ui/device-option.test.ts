import type { OptionGroup, PlainTextOption } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  deviceNameFromOptionText,
  deviceOptions,
  deviceOptionText,
  deviceOptionValue,
  parseDeviceOptionValue,
  searchFailedOptions,
} from '../../../src/slack/ui/device-option.js';
import { dexDevice, uuid } from './fixtures.js';

const NOW = new Date('2026-11-25T14:00:00Z');

describe('device option value', () => {
  it('is the device id, or device id and registration id, and reads back', () => {
    expect(deviceOptionValue({ deviceId: uuid(1), registrationId: null })).toBe(uuid(1));
    const both = deviceOptionValue({ deviceId: uuid(1), registrationId: uuid(2) });
    expect(both).toBe(`${uuid(1)}:${uuid(2)}`);
    expect(both.length).toBeLessThanOrEqual(75);
    expect(parseDeviceOptionValue(both)).toEqual({ deviceId: uuid(1), registrationId: uuid(2), eligible: true });
    expect(parseDeviceOptionValue(uuid(1))).toEqual({ deviceId: uuid(1), registrationId: null, eligible: true });
  });

  it('marks ineligible devices with ! and still fits in 75 characters with two UUIDs', () => {
    const value = deviceOptionValue({ deviceId: uuid(1), registrationId: uuid(2), eligible: false });
    expect(value).toBe(`!${uuid(1)}:${uuid(2)}`);
    expect(value).toHaveLength(74);
    expect(parseDeviceOptionValue(value)).toEqual({ deviceId: uuid(1), registrationId: uuid(2), eligible: false });
  });

  it('refuses ids it cannot represent', () => {
    expect(() => deviceOptionValue({ deviceId: 'a:b', registrationId: null })).toThrow(RangeError);
    expect(() => deviceOptionValue({ deviceId: 'a'.repeat(64), registrationId: 'b'.repeat(64) })).toThrow(RangeError);
  });

  it('returns null for malformed values', () => {
    for (const bad of ['', ':', 'a:', ':b', 'a:b:c', '!', 'has space', 'a'.repeat(76), 'ü', '!a:b:c']) {
      expect(parseDeviceOptionValue(bad), bad).toBeNull();
    }
  });
});

describe('device option text', () => {
  it('reads "name · email · platform"', () => {
    expect(deviceOptionText({ name: 'LAPTOP-42', email: 'alice@example.com', platform: 'windows' })).toBe(
      'LAPTOP-42 · alice@example.com · windows',
    );
  });

  it('reads the same for an ineligible device: the reason goes in the description, never cut into the text', () => {
    expect(
      deviceOptionText({
        name: 'iPhone-7',
        email: 'bob@example.com',
        platform: 'ios',
        eligible: false,
        ineligibleReason: 'Platform not supported',
      }),
    ).toBe('iPhone-7 · bob@example.com · ios');
  });

  it('never goes over 75 characters, shortening the name first, then the email, and keeps the platform', () => {
    for (let nameLength = 1; nameLength <= 120; nameLength += 7) {
      for (let emailLength = 5; emailLength <= 120; emailLength += 9) {
        const name = 'N'.repeat(nameLength);
        const email = `${'e'.repeat(emailLength - 4)}@x.io`;
        const text = deviceOptionText({ name, email, platform: 'windows' });
        expect(text.length, `${nameLength}/${emailLength}`).toBeLessThanOrEqual(75);
        expect(text.endsWith(' · windows')).toBe(true);
        const full = `${name} · ${email} · windows`;
        if (full.length <= 75) {
          expect(text).toBe(full);
        } else {
          expect(text).toContain('…');
          const [shownName = '', shownEmail = ''] = text.split(' · ');
          // The email is only cut once the name is down to its short form.
          if (shownEmail !== email) expect(shownName.length).toBeLessThanOrEqual(12);
        }
      }
    }
  });

  it('reads the device name back from any option text, also one from an older version', () => {
    expect(deviceNameFromOptionText('LAPTOP-42 · alice@example.com · windows')).toBe('LAPTOP-42');
    expect(deviceNameFromOptionText('iPhone-7 · bob@example.com — Platform not supported')).toBe('iPhone-7');
    expect(deviceNameFromOptionText('LAPTOP-VERY-LO… · alice@example.com · windows')).toBe('LAPTOP-VERY-LO');
  });

  it('keeps emoji and accents whole when shortening', () => {
    const text = deviceOptionText({ name: '😀'.repeat(60), email: 'zoë@example.com', platform: 'macos' });
    expect(text.length).toBeLessThanOrEqual(75);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(text).toContain('zoë@example.com · macos');
  });
});

describe('deviceOptions (the block_suggestion answer)', () => {
  const groups = (answer: ReturnType<typeof deviceOptions>): OptionGroup[] =>
    'option_groups' in answer ? answer.option_groups : [];

  it('lists eligible devices first, then the others with their reason in full as the description', () => {
    const reason = 'WARP client version 2024.3.1.0 is below the minimum version 2024.12.0 needed for remote captures';
    const answer = deviceOptions(
      [
        dexDevice(7, {
          name: 'iPhone-7',
          email: 'bob@example.com',
          platform: 'ios',
          eligible: false,
          ineligibleReason: reason,
        }),
        dexDevice(42, { name: 'LAPTOP-42', email: 'alice@example.com', lastSeenAt: new Date(NOW.getTime() - 180_000) }),
      ],
      'a',
      NOW,
    );
    const [eligible, other] = groups(answer);
    expect(eligible?.options.map((o) => o.description?.text)).toEqual(['Connected · last seen 3 min ago']);
    // Cut at a word, not mid-word, within Slack's 75 characters.
    const description = other?.options[0]?.description?.text ?? '';
    expect(description.length).toBeLessThanOrEqual(75);
    expect(description).toBe('WARP client version 2024.3.1.0 is below the minimum version 2024.12.0…');
    expect(other?.options[0]?.text.text).toBe('iPhone-7 · bob@example.com · ios');
  });

  it('puts exact name or email matches first, in each group', () => {
    const devices = [
      dexDevice(1, { name: 'LAPTOP-420', email: 'al@example.com' }),
      dexDevice(2, { name: 'LAPTOP-42', email: 'x@example.com' }),
      dexDevice(3, { name: 'DESK-1', email: 'laptop-42@example.com' }),
    ];
    const names = (query: string) =>
      groups(deviceOptions(devices, query, NOW))[0]?.options.map((o) => o.text.text.split(' · ')[0]);
    expect(names('laptop-42')).toEqual(['LAPTOP-42', 'LAPTOP-420', 'DESK-1']);
    expect(names('LAPTOP-42@example.com')).toEqual(['DESK-1', 'LAPTOP-420', 'LAPTOP-42']);
  });

  it('says Cloudflare did not answer as an option that is not a device', () => {
    const [option] = searchFailedOptions().options;
    expect(option?.text.text).toBe('Cloudflare did not answer. Type again to retry.');
    expect(parseDeviceOptionValue(option?.value ?? '')).toBeNull();
  });

  it('lists eligible devices first, then the others', () => {
    const answer = deviceOptions([
      dexDevice(7, {
        name: 'iPhone-7',
        email: 'bob@example.com',
        platform: 'ios',
        eligible: false,
        ineligibleReason: 'Platform not supported',
      }),
      dexDevice(42, { name: 'LAPTOP-42', email: 'alice@example.com' }),
    ]);
    const [eligible, other] = groups(answer);
    expect(eligible?.label).toEqual({ type: 'plain_text', text: 'Eligible' });
    expect(eligible?.options.map((o) => o.text.text)).toEqual(['LAPTOP-42 · alice@example.com · windows']);
    expect(other?.label).toEqual({ type: 'plain_text', text: 'Not eligible' });
    expect(other?.options.map((o) => o.text.text)).toEqual(['iPhone-7 · bob@example.com · ios']);
    expect(other?.options.map((o) => o.description?.text)).toEqual(['Platform not supported']);
    expect(parseDeviceOptionValue(other?.options[0]?.value ?? '')?.eligible).toBe(false);
    expect(parseDeviceOptionValue(eligible?.options[0]?.value ?? '')).toEqual({
      deviceId: uuid(42),
      registrationId: uuid(1042),
      eligible: true,
    });
  });

  it('leaves out an empty group, and answers with no options when nothing matched', () => {
    expect(groups(deviceOptions([dexDevice(1)])).map((g) => g.label.text)).toEqual(['Eligible']);
    expect(groups(deviceOptions([dexDevice(1, { eligible: false })])).map((g) => g.label.text)).toEqual([
      'Not eligible',
    ]);
    expect(deviceOptions([])).toEqual({ options: [] });
  });

  it('gives at most 100 options in all, eligible ones first, no duplicates', () => {
    const devices = [
      ...Array.from({ length: 80 }, (_, i) => dexDevice(i, { eligible: false, ineligibleReason: 'Old WARP' })),
      ...Array.from({ length: 70 }, (_, i) => dexDevice(100 + i)),
      dexDevice(100),
    ];
    const [eligible, other] = groups(deviceOptions(devices));
    expect(eligible?.options).toHaveLength(70);
    expect(other?.options).toHaveLength(30);
    const all = [...(eligible?.options ?? []), ...(other?.options ?? [])] as PlainTextOption[];
    expect(new Set(all.map((o) => o.value)).size).toBe(100);
    for (const option of all) {
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect((option.value ?? '').length).toBeLessThanOrEqual(75);
    }
  });

  it('skips a device whose ids cannot fit an option value instead of failing the answer', () => {
    const answer = deviceOptions([dexDevice(1, { id: 'x'.repeat(70), registrationId: 'y'.repeat(30) }), dexDevice(2)]);
    expect(groups(answer)[0]?.options).toHaveLength(1);
  });
});
