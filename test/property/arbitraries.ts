import fc from 'fast-check';

/*
 * Generators shared by the property tests. They mix fully random text (every string unit fast-check knows,
 * lone surrogates included) with text built from the vocabulary the code looks for, so that both the
 * "never throws" and the "reads what it should" properties get inputs that reach deep into the parsers.
 */

/** Whitespace JavaScript's `\s` and `trim()` know, including the exotic ones Slack clients can paste. */
export const WHITESPACE = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u2028', '\ufeff'] as const;

export const whitespaceRun = fc
  .array(fc.constantFrom(...WHITESPACE), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join(''));

/** Any string: code units (lone surrogates too), full code points, grapheme clusters (emoji, ZWJ sequences). */
export const anyText = (maxLength = 80) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'grapheme-composite', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'binary-ascii', maxLength }),
  );

/** Text without lone surrogates (what a real Slack client sends). */
export const wellFormedText = (maxLength = 80) =>
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'grapheme-composite', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
  );

/** True when `text` has no lone surrogate (String.prototype.isWellFormed, which ES2023 typings lack). */
export function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** A Slack user id as mentions carry it. */
export const slackUserId = fc.stringMatching(/^[UW][A-Z0-9_]{2,11}$/);

export const email = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('alice@example.com', 'Bob.Smith@Example.COM', 'a@b.c', 'x+tag@sub.example.org'),
);

/** The words `/capture` understands, the ways Slack escapes mentions and emails, and near misses. */
export const commandToken = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('quota', 'status', 'list', 'mine', 'help', '?', 'audit', 'QUOTA', 'List', 'Mine'),
  },
  { weight: 2, arbitrary: fc.mixedCase(fc.constantFrom('quota', 'status', 'list', 'mine', 'help', 'audit')) },
  { weight: 1, arbitrary: fc.constantFrom('7', '30', '90', '91', '0', '-1', '1.5', '1e1') },
  { weight: 2, arbitrary: slackUserId.map((id) => `<@${id}>`) },
  {
    weight: 2,
    arbitrary: fc.tuple(slackUserId, fc.string({ maxLength: 12 })).map(([id, name]) => `<@${id}|${name}>`),
  },
  { weight: 2, arbitrary: email.map((address) => `<mailto:${address}|${address}>`) },
  { weight: 2, arbitrary: email },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,14}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('<@U1>', '<@u123>', '<mailto:>', '<mailto:a@b|x', '@alice', '<@>', '<', '>', '|', ':'),
  },
  { weight: 2, arbitrary: anyText(20) },
);

/** A command text made of vocabulary tokens separated by whitespace runs, sometimes padded. */
export const commandText = fc
  .tuple(
    fc.option(whitespaceRun, { nil: '' }),
    fc.array(fc.tuple(commandToken, whitespaceRun), { minLength: 1, maxLength: 5 }),
    fc.option(whitespaceRun, { nil: '' }),
  )
  .map(([lead, parts, trail]) => {
    const body = parts.map(([token, space], i) => (i < parts.length - 1 ? token + space : token)).join('');
    return lead + body + trail;
  });

/** Ids the device option value accepts: `[A-Za-z0-9._-]{1,64}`. */
export const deviceIdPart = fc.oneof(
  fc.uuid(),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/),
);

/**
 * The test's own account of "one line of printable text" (what ui/format.ts's inert and inertPlain promise): bidi
 * controls dropped, C0/C1 controls, U+2028/2029 and whitespace runs as one space, trimmed, lone surrogates as U+FFFD.
 */
export function oneLine(text: string): string {
  const BIDI = [0x200e, 0x200f, 0x061c, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  return [...text]
    .filter((ch) => {
      const cp = ch.codePointAt(0) as number;
      return !BIDI.includes(cp) && !(cp >= 0x206a && cp <= 0x206f) && !(cp >= 0xfff9 && cp <= 0xfffb);
    })
    .map((ch) => {
      const cp = ch.codePointAt(0) as number;
      if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || /\s/.test(ch)) return ' ';
      return cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch;
    })
    .join('')
    .replace(/ +/g, ' ')
    .trim();
}
