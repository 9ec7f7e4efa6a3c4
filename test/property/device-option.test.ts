import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeviceLabel,
  deviceDescription,
  deviceNameFromOptionText,
  deviceOptionText,
  deviceOptionValue,
  parseDeviceOptionValue,
} from '../../src/slack/ui/device-option.js';
import { anyText, deviceIdPart, isWellFormed, oneLine, wellFormedText } from './arbitraries.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

const ref = fc.record({
  deviceId: deviceIdPart,
  registrationId: fc.option(deviceIdPart, { nil: null }),
  eligible: fc.boolean(),
});

/** Name, email, platform and reason: anything at all, emoji and ZWJ sequences, whitespace runs, very long. */
const labelText = fc.oneof(
  anyText(40),
  anyText(200),
  fc.constantFrom('', '   ', '\n\t', 'LAPTOP-42', 'alice@example.com', 'windows', '👩‍👩‍👧‍👦'.repeat(30)),
  fc.string({ unit: 'grapheme', minLength: 60, maxLength: 120 }),
);
const label: fc.Arbitrary<DeviceLabel> = fc.record(
  {
    name: labelText,
    email: labelText,
    platform: labelText,
    eligible: fc.boolean(),
    ineligibleReason: fc.option(labelText, { nil: null }),
  },
  { requiredKeys: ['name', 'email', 'platform'] },
);

/** What an option shows of a value: one line (controls and whitespace runs are one space), no bidi controls. */
const clean = (text: string | null | undefined, fallback: string) => oneLine(text ?? '') || fallback;

describe('device option value (property)', () => {
  it('reads back exactly what it wrote, or refuses to write it (RangeError)', () => {
    fc.assert(
      fc.property(ref, (device) => {
        let value: string;
        try {
          value = deviceOptionValue(device);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          const length =
            device.deviceId.length +
            (device.registrationId ? device.registrationId.length + 1 : 0) +
            (device.eligible ? 0 : 2);
          expect(length).toBeGreaterThan(75);
          return;
        }
        expect(value.length).toBeLessThanOrEqual(75);
        expect(parseDeviceOptionValue(value)).toEqual(device);
      }),
      {
        numRuns: 3000,
        // BUG (src/slack/ui/device-option.ts): an eligible device whose id is exactly `x` and that has a
        // registration id is written as `x:reg-1`, which reads back as the *ineligible* device `reg-1`.
        examples: [[{ deviceId: 'x', registrationId: 'reg-1', eligible: true }]],
      },
    );
  });

  it('always fits and reads back for Cloudflare ids (UUIDs)', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.option(fc.uuid(), { nil: null }),
        fc.boolean(),
        (deviceId, registrationId, eligible) => {
          const value = deviceOptionValue({ deviceId, registrationId, eligible });
          expect(value.length).toBeLessThanOrEqual(75);
          expect(parseDeviceOptionValue(value)).toEqual({ deviceId, registrationId, eligible });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parses any string to null or to a device that writes back to the same string', () => {
    const candidate = fc.oneof(
      anyText(90),
      fc.stringMatching(/^!?[A-Za-z0-9._:-]{0,80}$/),
      fc
        .tuple(fc.constantFrom('', '!', '!!'), deviceIdPart, fc.option(deviceIdPart))
        .map(([prefix, a, b]) => `${prefix}${a}${b === null ? '' : `:${b}`}`),
    );
    fc.assert(
      fc.property(candidate, (value) => {
        const parsed = parseDeviceOptionValue(value);
        if (parsed === null) return;
        expect(parsed.deviceId).toMatch(ID);
        if (parsed.registrationId !== null) expect(parsed.registrationId).toMatch(ID);
        expect(typeof parsed.eligible).toBe('boolean');
        expect(deviceOptionValue(parsed)).toBe(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on values that are not strings (a forged payload)', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((value) => typeof value !== 'string'),
        (value) => {
          expect(parseDeviceOptionValue(value as string)).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('device option text (property)', () => {
  it('is never over 75 characters, never empty, on one line, whatever the name, email, platform or reason', () => {
    fc.assert(
      fc.property(label, (device) => {
        const text = deviceOptionText(device);
        expect(text.length).toBeLessThanOrEqual(75);
        expect(text.trim().length).toBeGreaterThan(0);
        expect(text).not.toMatch(/[\n\r\t\u2028\u2029]|\s\s/);
      }),
      { numRuns: 4000 },
    );
  });

  it('never cuts a surrogate pair in half (well-formed in, well-formed out)', () => {
    const wellFormedLabel = fc.record({
      name: wellFormedText(120),
      email: wellFormedText(120),
      platform: wellFormedText(60),
      eligible: fc.boolean(),
      ineligibleReason: fc.option(wellFormedText(120), { nil: null }),
    });
    fc.assert(
      fc.property(wellFormedLabel, (device) => {
        const text = deviceOptionText(device);
        expect(isWellFormed(text), JSON.stringify(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('shows everything unshortened when it fits, and keeps a short platform whole when it does not', () => {
    fc.assert(
      fc.property(label, (device) => {
        const name = clean(device.name, 'Unnamed device');
        const email = clean(device.email, 'no email');
        const platform = clean(device.platform, 'unknown platform');
        const text = deviceOptionText(device);
        const full = `${name} · ${email} · ${platform}`;
        if (full.length <= 75) expect(text).toBe(full);
        // Name and email are shortened to 12 characters at most before the platform is touched.
        else if (platform.length <= 75 - 12 - 12 - 6) expect(text.endsWith(` · ${platform}`)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives back the device name of an option text (what submit uses to find a device Cloudflare dropped)', () => {
    // No separators inside the parts, short enough that nothing is shortened.
    const part = fc
      .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })
      .filter((s) => s.trim() !== '' && !s.includes('·'));
    fc.assert(
      fc.property(part, part, part, (name, email, platform) => {
        const text = deviceOptionText({ name, email, platform });
        expect(deviceNameFromOptionText(text)).toBe(clean(name, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('describes a device in at most 75 characters, and cuts a reason only at a word', () => {
    const reasonWords = fc.array(fc.stringMatching(/^[a-z0-9.]{1,12}$/), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(reasonWords, (words) => {
        const reason = words.join(' ');
        const text = deviceDescription(
          { eligible: false, ineligibleReason: reason, networkStatus: null, lastSeenAt: null },
          new Date(),
        );
        expect(text?.length).toBeLessThanOrEqual(75);
        if (reason.length <= 75) expect(text).toBe(reason);
        else {
          const kept = (text ?? '').replace(/…$/, '');
          expect(reason.startsWith(kept)).toBe(true);
          expect(reason[kept.length] === ' ' || /[,;:.]$/.test(kept) || reason[kept.length + 1] === ' ').toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
