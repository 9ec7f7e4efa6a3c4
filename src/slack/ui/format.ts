import { formatDistanceStrict } from 'date-fns';
import { descriptorOf } from '../../capture-types/registry.js';
import { asConversationId, asUserId } from '../slack-ids.js';

/** Slack's option text limit (plain text, characters). */
export const OPTION_TEXT_MAX = 75;
/** Section text limit. */
export const SECTION_TEXT_MAX = 3000;
/** Blocks in a message; a modal may have 100. */
export const MESSAGE_BLOCKS_MAX = 50;
export const MODAL_BLOCKS_MAX = 100;
/**
 * What the texts of one message's blocks may add up to. Slack documents only per-block limits, but refuses a
 * message whose blocks carry much more than about 13,000 characters in all (`msg_blocks_too_long`, bolt-js#2509;
 * see reference/slack-bolt.md §8), so long lists stop short of it.
 */
export const MESSAGE_TEXT_BUDGET = 12_000;

const ELLIPSIS = '…';

/**
 * Shortens plain text to at most `max` UTF-16 code units (never more characters than Slack counts), ending with `…`
 * when something was cut. A surrogate pair is never split. For mrkdwn built by the ui, use `truncateMrkdwn`; for
 * outside text, `inert` and `inertPlain` shorten as they clean.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/** `truncate` (or another shortener), but the cut ends at a word when one ends in the second half. */
export function truncateAtWord(text: string, max: number, shorten = truncate): string {
  if (text.length <= max) return text;
  const cut = shorten(text, max);
  const space = cut.lastIndexOf(' ', cut.length - 2);
  return space > max / 2 ? `${cut.slice(0, space).replace(/[,;:.]$/, '')}${ELLIPSIS}` : cut;
}

/**
 * `truncate` for mrkdwn the ui composed (a section's text): also never leaves half a `<…>` token (a mention, a date,
 * a link) or half an `&amp;`-style escape at the cut; what would be cut in half is left out. A backstop: builders
 * bound what they put in a section so that this rarely has anything to cut.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return ELLIPSIS;
  let cut = truncate(text, max).slice(0, -ELLIPSIS.length);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  // Outside text never carries a raw `&` (inert escapes it), so an `&` with no `;` after it is a cut escape.
  const amp = cut.lastIndexOf('&');
  if (amp > Math.max(cut.lastIndexOf(';'), cut.lastIndexOf('>'))) cut = cut.slice(0, amp);
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Outside text: device names (chosen on people's machines), emails, platforms, Cloudflare's messages and reasons,
// audit outcomes, ids read back from payloads, whatever someone typed. Every builder passes such a value through
// `inert` (into mrkdwn) or `inertPlain` (into a plain_text object) and nothing else, so a value can never start a
// line, reorder what follows it, open bold/italic/strike/code, quote, link or mention.

/** Bidi controls (embeddings, overrides, isolates, marks; U+061C) and deprecated invisible format characters. */
function isDropped(cp: number): boolean {
  return (
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    (cp >= 0x206a && cp <= 0x206f) ||
    (cp >= 0xfff9 && cp <= 0xfffb)
  );
}

/** C0, DEL, C1 (NEL among them), the line and paragraph separators, and any other whitespace: all become a space. */
function isSpacing(cp: number, ch: string): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || /\s/.test(ch);
}

/**
 * One line of printable text: bidi controls dropped, every control character and whitespace run turned into one
 * space, trimmed, and a lone surrogate (which Slack would show as garbage, or refuse) replaced by U+FFFD.
 */
function oneLine(text: string | null | undefined): string {
  let out = '';
  let space = false;
  for (const ch of String(text ?? '')) {
    const cp = ch.codePointAt(0) as number;
    if (isDropped(cp)) continue;
    if (isSpacing(cp, ch)) {
      space = out.length > 0;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch;
  }
  return out;
}

const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A line's graphemes with their offsets. In printable ASCII each character is one (a line has no CR LF left), so the
 * segmenter, by far the slowest part of making text inert, is only asked about text that needs it.
 */
function graphemes(line: string): Iterable<{ segment: string; index: number }> {
  if (!PRINTABLE_ASCII.test(line)) return GRAPHEMES.segment(line);
  return Array.from(line, (segment, index) => ({ segment, index }));
}

/** `pieces` joined, or when longer than `max`, as many whole pieces as fit before `…` (no trailing space). */
function fitPieces(pieces: string[], max: number): string {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length <= max) return pieces.join('');
  if (max < ELLIPSIS.length) return '';
  const kept: string[] = [];
  let used = 0;
  for (const piece of pieces) {
    if (used + piece.length > max - ELLIPSIS.length) break;
    kept.push(piece);
    used += piece.length;
  }
  while (kept.at(-1) === ' ') kept.pop();
  return `${kept.join('')}${ELLIPSIS}`;
}

const ASCII_ALNUM = /^[A-Za-z0-9]$/;
const isAsciiAlnum = (unit: string | undefined) => unit !== undefined && ASCII_ALNUM.test(unit);
/** Words Slack may turn into a notification for everyone when it parses mentions in text. */
const BROADCAST = /^@(?:channel|here|everyone|group)(?![A-Za-z0-9])/i;
/** The same, once shortened: cutting "@here0" to "@here…" must not make a mention of it. */
const CUT_BROADCAST = /(^|[^A-Za-z0-9])@((?:channel|here|everyone|group)…)$/i;

/*
 * How formatting is neutralised. Slack has no escape for `*`, `_`, `~` or a backtick, and inserting an invisible
 * character next to one is no cure: Slack reads a zero-width space as a word break, which is exactly what lets a
 * marker format (jsx-slack's "exact mode" inserts U+200B around markers to force formatting), and what a word joiner
 * does is undocumented. So a marker is replaced by a look-alike Slack never treats as markup: `*` → `∗` (U+2217),
 * `~` → `∼` (U+223C), a backtick → `ˋ` (U+02CB), `_` → `ˍ` (U+02CD), and the full-width forms Slack also reads as
 * markers (`＊` → `﹡`, `＿` → `⸏`, `｀` → `ˋ`). The look-alikes read the same; copied, they are different characters,
 * so `_` is kept where it cannot be a marker: between two ASCII letters or digits (Slack only formats at word
 * boundaries; `first_last@example.com` and `LAPTOP_42` stay exactly as they are, and copy as they are). A `>` is
 * escaped like `&` and `<`, and at the start of a value (where a template might put it at the start of a line,
 * making a quote) it gets an invisible soft hyphen in front. `@here`, `@channel`, `@everyone` and `@group` get a
 * full-width `＠`, so no automatic mention parsing can notify a channel.
 */
function inertUnit(unit: string, text: string, at: number): string {
  switch (unit) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return at === 0 ? '\u00ad&gt;' : '&gt;';
    case '＞':
      return at === 0 ? '\u00ad＞' : unit;
    case '*':
      return '∗';
    case '＊':
      return '﹡';
    case '~':
      return '∼';
    case '`':
    case '｀':
      return 'ˋ';
    case '_':
      return isAsciiAlnum(text[at - 1]) && isAsciiAlnum(text[at + 1]) ? unit : 'ˍ';
    case '＿':
      return '⸏';
    case '@':
      return !isAsciiAlnum(text[at - 1]) && BROADCAST.test(text.slice(at, at + 10)) ? '＠' : unit;
    default:
      return unit;
  }
}

/**
 * Outside text made safe to put in mrkdwn: one line (control characters and whitespace runs become one space; bidi
 * controls are dropped), `&`, `<` and `>` escaped, formatting markers neutralised (see above), at most `max` UTF-16
 * code units once escaped, cut between whole characters (never a surrogate pair, a grapheme or an escape in half)
 * and ending with `…` when cut. Empty when nothing printable is left, so callers can fall back:
 * `inert(device.name, 150) || 'Unnamed device'`.
 */
export function inert(text: string | null | undefined, max = Number.POSITIVE_INFINITY): string {
  const line = oneLine(text);
  const pieces: string[] = [];
  for (const { segment, index } of graphemes(line)) {
    let piece = '';
    for (let i = 0; i < segment.length; i++) piece += inertUnit(segment[i] as string, line, index + i);
    pieces.push(piece);
  }
  // A `_` kept because a letter followed it must not end up beside the `…` that replaced that letter.
  const fitted = fitPieces(pieces, max).replace(CUT_BROADCAST, '$1＠$2');
  return fitted.endsWith(`_${ELLIPSIS}`) ? `${fitted.slice(0, -2)}ˍ${ELLIPSIS}` : fitted;
}

/**
 * Outside text for a plain_text object (option texts, titles, modal field errors): Slack formats nothing there, so
 * only what `inert` does to lines and direction applies (one line, no bidi controls, no lone surrogates), then it is
 * shortened like `inert`, to at most `max`.
 */
export function inertPlain(text: string | null | undefined, max = Number.POSITIVE_INFINITY): string {
  const pieces = Array.from(graphemes(oneLine(text)), ({ segment }) => segment);
  return fitPieces(pieces, max);
}

/** Keeps a URL usable inside `<url|label>`: the characters that would end the link are percent-encoded. */
export function linkUrl(url: string): string {
  return url.replace(/[<>| ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function link(url: string, label: string): string {
  return `<${linkUrl(url)}|${inert(label).replace(/\|/g, '¦')}>`;
}

/** `<@U…>` for a well-formed user id; anything else is never written into the token. */
export function mention(userId: string | null | undefined): string {
  const id = asUserId(userId);
  return id ? `<@${id}>` : 'an unknown user';
}

/** A user group as configured: an id (`S…`) becomes a mention Slack shows as its handle; a handle is shown as `@handle`. */
export function groupRef(group: string): string {
  return /^S[A-Z0-9]+$/.test(group) ? `<!subteam^${group}>` : `@${group.replace(/^@/, '')}`;
}

/** `<#C…>` for a well-formed conversation id; anything else is never written into the token. */
export function channelRef(channelId: string | null | undefined): string {
  const id = asConversationId(channelId);
  return id ? `<#${id}>` : 'an unknown conversation';
}

/** A request id as people see it: `C7K2Q9` in code style (an id read back from a payload is outside text too). */
export function requestIdCode(id: string): string {
  return `\`${inert(id, 20) || '?'}\``;
}

/** `2026-11-25 14:02 UTC`: what clients that cannot render a date token show. */
export function utcFallback(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A Slack date token: every reader sees the time in their own time zone. `format` uses Slack's placeholders, e.g.
 * `{date_short_pretty} at {time}`.
 */
export function slackDate(date: Date, format = '{date_short_pretty} at {time}'): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${utcFallback(date)}>`;
}

/** "4 min", "42 sec", "1 hour", "less than a minute" — how long from `start` to `end`. */
export function shortDuration(start: Date, end: Date): string {
  const ms = end.getTime() - start.getTime();
  if (ms < 60_000) return 'less than a minute';
  return formatDistanceStrict(end, start, { roundingMethod: 'floor' })
    .replace(/ minutes?$/, ' min')
    .replace(/ seconds?$/, ' sec');
}

/** Human file sizes: `512 bytes`, `4.8 KB`, `4.8 MB`, `1.2 GB` (1 KB = 1024 bytes, as file managers show). */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${Math.round(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  // 1023.96 KB rounds to 1024 KB: show the next unit instead.
  if (rounded >= 1024 && unit < units.length - 1) return `1 ${units[unit + 1]}`;
  return `${rounded} ${units[unit]}`;
}

/** A label for any type string (listed commands may carry types this product does not start). */
export function typeShort(type: string): string {
  // Listed commands may carry any type string Cloudflare sends: outside text.
  return descriptorOf(type)?.short ?? (inert(type, 50) || 'unknown type');
}

/** The long name, as in the modal, for any type string. */
export function typeLabel(type: string): string {
  return descriptorOf(type)?.label ?? typeShort(type);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
