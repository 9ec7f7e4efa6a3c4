import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inert, inertPlain } from '../../src/slack/ui/format.js';
import { anyText, isWellFormed } from './arbitraries.js';

/** What an attacker would put in a device name: markers, controls, bidi, escapes, mentions, among ordinary text. */
const hostilePiece = fc.constantFrom(
  '*',
  '_',
  '~',
  '`',
  '```',
  '＊',
  '＿',
  '｀',
  '>',
  '＞',
  '<',
  '&',
  '&amp;',
  '&lt;',
  '|',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u202E',
  '\u202A',
  '\u2066',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u200B',
  '\u2060',
  '<!channel>',
  '<@U123>',
  '@here',
  '@channel',
  ':x:',
  'Packet capture (PCAP): ✅ Done',
  ' ',
  'LAPTOP',
  '42',
  'a',
  'é',
  '😀',
  '👩‍👩‍👧‍👦',
  '\ud800',
);
const hostileText = fc.oneof(
  anyText(120),
  fc.array(hostilePiece, { maxLength: 40 }).map((pieces) => pieces.join('')),
  fc
    .array(fc.oneof(hostilePiece, fc.string({ unit: 'grapheme-ascii', maxLength: 6 })), { maxLength: 30 })
    .map((pieces) => pieces.join('')),
);
const maxLength = fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 200 }));

/** The characters that must never reach Slack from outside text (line breaks and other controls, bidi controls). */
function forbidden(text: string): string[] {
  return [...text].filter((ch) => {
    const cp = ch.codePointAt(0) as number;
    return (
      cp <= 0x1f ||
      (cp >= 0x7f && cp <= 0x9f) ||
      cp === 0x2028 ||
      cp === 0x2029 ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069) ||
      cp === 0x200e ||
      cp === 0x200f ||
      cp === 0x061c
    );
  });
}

describe('inert (property)', () => {
  it('whatever the input: one line, no control or bidi character, well-formed, within max', () => {
    fc.assert(
      fc.property(hostileText, maxLength, (text, max) => {
        const out = inert(text, max);
        expect(forbidden(out)).toEqual([]);
        expect(isWellFormed(out)).toBe(true);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).toBe(out.trim());
      }),
      { numRuns: 4000 },
    );
  });

  it('no unescaped < or >, and every & starts an escape Slack decodes', () => {
    fc.assert(
      fc.property(hostileText, maxLength, (text, max) => {
        const out = inert(text, max);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
      { numRuns: 4000 },
    );
  });

  it('no formatting run can start or end inside it, no quote at its start, no broadcast mention', () => {
    fc.assert(
      fc.property(hostileText, maxLength, (text, max) => {
        const out = inert(text, max);
        expect(out).not.toMatch(/[*~`＊＿｀]/);
        // An underscore is only ever left between two ASCII letters or digits, where Slack does not format.
        expect(out).not.toMatch(/(^|[^A-Za-z0-9])_|_([^A-Za-z0-9]|$)/);
        expect(out).not.toMatch(/^(&gt;|＞)/);
        expect(out).not.toMatch(/(^|[^A-Za-z0-9])@(channel|here|everyone|group)(?![A-Za-z0-9])/i);
      }),
      { numRuns: 4000 },
    );
  });

  it('shortening keeps a prefix of the whole: whole characters, whole escapes, then …', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 120 }), (text, max) => {
        const whole = inert(text);
        const cut = inert(text, max);
        if (whole.length <= max) {
          expect(cut).toBe(whole);
          return;
        }
        expect(cut.endsWith('…')).toBe(true);
        const head = cut.slice(0, -1);
        // The changes a cut may make at its end: a kept `_` that lost its right-hand letter becomes `ˍ`, and an
        // `@here…` (say) that lost the letter that made it harmless gets a full-width `＠`.
        const unmarked = head.replace(/＠(\w*)$/, '@$1');
        const prefixes = [head, unmarked, `${head.slice(0, -1)}_`];
        expect(prefixes.some((prefix) => whole.startsWith(prefix))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('changes nothing in ordinary names and emails', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);
    const name = fc
      .array(word, { minLength: 1, maxLength: 4 })
      .chain((words) => fc.constantFrom('-', '_', '.', ' ').map((sep) => words.join(sep)));
    const email = fc
      .tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.constantFrom('example.com', 'corp.example.org'))
      .map(([local, domain]) => `${local.join('_')}@${domain}`);
    fc.assert(
      fc.property(fc.oneof(name, email), (text) => {
        expect(inert(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('inertPlain (property)', () => {
  it('one line, no control or bidi character, well-formed, within max; printable text otherwise untouched', () => {
    fc.assert(
      fc.property(hostileText, maxLength, (text, max) => {
        const out = inertPlain(text, max);
        expect(forbidden(out)).toEqual([]);
        expect(isWellFormed(out)).toBe(true);
        expect(out.length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 80 }), (text) => {
        expect(inertPlain(text)).toBe(text.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 2000 },
    );
  });
});
