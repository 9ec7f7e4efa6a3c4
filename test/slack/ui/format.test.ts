import { describe, expect, it } from 'vitest';
import { channelRef, inert, inertPlain, link, mention, truncateMrkdwn } from '../../../src/slack/ui/format.js';

describe('inert (outside text into mrkdwn)', () => {
  it('keeps a forged status line on the same line as the name', () => {
    expect(inert('SPOOF-PC\nPacket capture (PCAP): ✅ Done')).toBe('SPOOF-PC Packet capture (PCAP): ✅ Done');
    expect(inert('a\r\n\tb\u2028c\u2029d\u0085e\u000bf\u0000g\u007fh\u009fi')).toBe('a b c d e f g h i');
    expect(inert('  lots   of\n\n space  ')).toBe('lots of space');
  });

  it('drops bidi controls, so reversed text reads in its real order', () => {
    expect(inert('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(inert(`a${control}b`)).toBe('ab');
    }
    expect(inert('a\u200Eb\u200Fc\u061Cd')).toBe('abcd');
  });

  it('cannot open bold, italic, strike or code', () => {
    expect(inert('*bold* _it_ ~s~ `code`')).toBe('∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ');
    expect(inert('```block```')).toBe('ˋˋˋblockˋˋˋ');
    expect(inert('＊full＊ ＿width＿ ｀code｀')).toBe('﹡full﹡ ⸏width⸏ ˋcodeˋ');
  });

  it('leaves names and emails with inner underscores exactly as they are, so they copy right', () => {
    expect(inert('first_last@example.com')).toBe('first_last@example.com');
    expect(inert('LAPTOP_42')).toBe('LAPTOP_42');
    expect(inert('snake_case_name')).toBe('snake_case_name');
    expect(inert('LAPTOP-42 · alice@example.com · windows')).toBe('LAPTOP-42 · alice@example.com · windows');
    // An underscore at a word's edge could be a marker: it is replaced.
    expect(inert('_admin@example.com')).toBe('ˍadmin@example.com');
    expect(inert('a__b')).toBe('aˍˍb');
    expect(inert('x_ y')).toBe('xˍ y');
  });

  it('escapes &, < and >, so no link, mention or special command can form', () => {
    expect(inert('Tom & Jerry <3')).toBe('Tom &amp; Jerry &lt;3');
    expect(inert('<!channel> <@U123> <#C123> <https://evil.example|bank>')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;https://evil.example|bank&gt;',
    );
    expect(inert('&amp;')).toBe('&amp;amp;');
  });

  it('cannot start a quote even where a template puts it at the start of a line', () => {
    expect(inert('> quoted')).toBe('\u00ad&gt; quoted');
    expect(inert('＞ quoted')).toBe('\u00ad＞ quoted');
    expect(inert('a > b')).toBe('a &gt; b');
  });

  it('cannot notify a whole channel', () => {
    expect(inert('@here look')).toBe('＠here look');
    expect(inert('hey @Channel!')).toBe('hey ＠Channel!');
    expect(inert('@everyone @group')).toBe('＠everyone ＠group');
    expect(inert('me@here.com @heresy @herself')).toBe('me@here.com @heresy @herself');
    // Shortening cannot make one: '@here0' cut to '@here…'.
    expect(inert('ok @here01', 9)).toBe('ok ＠here…');
  });

  it('shortens to at most max once escaped, never splitting an escape, a surrogate pair or a grapheme', () => {
    expect(inert('a&b', 6)).toBe('a…');
    expect(inert('a&b', 7)).toBe('a&amp;b');
    expect(inert('😀😀😀', 3)).toBe('😀…');
    expect(inert('👩‍👩‍👧‍👦 family', 8)).toBe('…');
    expect(inert('abc def ghi', 8)).toBe('abc def…');
    expect(inert('abc     def', 5)).toBe('abc…');
    // A kept underscore never ends up beside the ellipsis that replaced its right-hand letter.
    expect(inert('LAPTOP_42', 8)).toBe('LAPTOPˍ…');
    expect(inert('anything', 0)).toBe('');
    expect(inert('anything', 1)).toBe('…');
  });

  it('gives empty text for nothing printable, so callers can fall back', () => {
    expect(inert(null)).toBe('');
    expect(inert(undefined)).toBe('');
    expect(inert(' \n\t\u202E ')).toBe('');
    expect(inert('\n') || 'Unnamed device').toBe('Unnamed device');
  });

  it('replaces a lone surrogate instead of passing on text Slack cannot show', () => {
    expect(inert('a\ud800b')).toBe('a\ufffdb');
    expect(inert('a\udc00')).toBe('a\ufffd');
  });
});

describe('inertPlain (outside text into plain_text)', () => {
  it('only makes one line with no bidi controls: Slack formats nothing in plain text', () => {
    expect(inertPlain('SPOOF-PC\nPacket capture (PCAP): ✅ Done')).toBe('SPOOF-PC Packet capture (PCAP): ✅ Done');
    expect(inertPlain('a\u202Eb')).toBe('ab');
    expect(inertPlain('*bold* _it_ & <x>')).toBe('*bold* _it_ & <x>');
    expect(inertPlain('😀😀😀', 3)).toBe('😀…');
  });
});

describe('mention and channelRef', () => {
  it('write only well-formed ids into tokens', () => {
    expect(mention('U024BE7LH')).toBe('<@U024BE7LH>');
    expect(mention('W0ENTERPRISE')).toBe('<@W0ENTERPRISE>');
    expect(channelRef('C024BE7LR')).toBe('<#C024BE7LR>');
    expect(channelRef('G0PRIVATE')).toBe('<#G0PRIVATE>');
    expect(channelRef('D0DIRECT')).toBe('<#D0DIRECT>');
  });

  it('write nothing of a forged id', () => {
    expect(channelRef('C0X><!channel><#C0Y')).toBe('an unknown conversation');
    expect(channelRef('U024BE7LH')).toBe('an unknown conversation');
    expect(channelRef('c024be7lr')).toBe('an unknown conversation');
    expect(channelRef(null)).toBe('an unknown conversation');
    expect(mention('U1><!here')).toBe('an unknown user');
    expect(mention('C024BE7LR')).toBe('an unknown user');
    expect(mention('')).toBe('an unknown user');
  });
});

describe('truncateMrkdwn and link', () => {
  it('never leaves half a token or half an escape', () => {
    expect(truncateMrkdwn('hello <@U024BE7LH> there', 12)).toBe('hello…');
    expect(truncateMrkdwn('a &amp; b', 5)).toBe('a…');
    expect(truncateMrkdwn('<https://x.example/?a=1&b=2|Thread> and more text', 40)).toBe(
      '<https://x.example/?a=1&b=2|Thread> and…',
    );
    expect(truncateMrkdwn('short', 10)).toBe('short');
  });

  it('keeps a label from ending the link or formatting it', () => {
    expect(link('https://dash.example/a b', '*Open* | <now>')).toBe(
      '<https://dash.example/a%20b|∗Open∗ ¦ &lt;now&gt;>',
    );
  });
});
