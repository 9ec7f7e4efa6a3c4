import { describe, expect, it } from 'vitest';
import { blocksToHtml } from '../../src/demo/html-blocks.js';
import { mrkdwnToHtml } from '../../src/demo/html-mrkdwn.js';
import { renderConversationPage } from '../../src/demo/html-page.js';
import { htmlOutputPath } from '../../src/demo/page-recorder.js';

const names = (id: string) => ({ U_ALICE: 'alice', C_HELPDESK: 'helpdesk' })[id] ?? id;

describe('mrkdwnToHtml', () => {
  it('formats bold, italic, strike, code and pre, and keeps line breaks', () => {
    expect(mrkdwnToHtml('*Running* · _soon_ · ~old~ · `C7K2Q9`\nnext', names)).toBe(
      '<strong>Running</strong> · <em>soon</em> · <del>old</del> · <code>C7K2Q9</code><br>next',
    );
    expect(mrkdwnToHtml('```a *b*\nc```', names)).toBe('<pre>a *b*\nc</pre>');
    expect(mrkdwnToHtml('snake_case_name stays', names)).toBe('snake_case_name stays');
  });

  it('shows mentions, channels, dates and links as Slack does', () => {
    expect(mrkdwnToHtml('<@U_ALICE> in <#C_HELPDESK> and <#C_OTHER|other>', names)).toBe(
      '<span class="mention">@alice</span> in <span class="mention">#helpdesk</span> and <span class="mention">#other</span>',
    );
    expect(mrkdwnToHtml('<!date^1764079330^{time}|14:02 UTC>', names)).toBe('14:02 UTC');
    expect(mrkdwnToHtml('<https://dash.cloudflare.com/x?a=1&amp;b=2|the dashboard>', names)).toBe(
      '<a href="https://dash.cloudflare.com/x?a=1&amp;b=2">the dashboard</a>',
    );
  });

  it('escapes outside text before formatting it: tags, quotes and Slack escapes show as text', () => {
    const hostile = '&lt;script&gt;alert(1)&lt;/script&gt; "&gt;&lt;img src=x onerror=alert(1)&gt; *b*';
    expect(mrkdwnToHtml(hostile, names)).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; <strong>b</strong>',
    );
    // Raw tags (text not escaped for Slack) are text too, and a label cannot break out of the link.
    expect(mrkdwnToHtml('<img src=x onerror=alert(1)>', names)).toBe('img src=x onerror=alert(1)');
    // A quote in the URL makes it no link at all, so it cannot end the href.
    expect(mrkdwnToHtml('<https://x.example/"onmouseover="alert(1)|a>', names)).toBe('a');
    expect(mrkdwnToHtml('<https://x.example/|"><b>x</b>>', names)).not.toContain('<b>');
  });

  it('makes only http and https links into <a>', () => {
    expect(mrkdwnToHtml('<javascript:alert(1)|click>', names)).toBe('click');
    expect(mrkdwnToHtml('<mailto:a@example.com|mail>', names)).toBe('mail');
    expect(mrkdwnToHtml('<data:text/html,x>', names)).toBe('data:text/html,x');
  });

  it('cannot be made to emit a placeholder from outside text', () => {
    expect(mrkdwnToHtml('\uE0000\uE000 `x`', names)).toBe('0 <code>x</code>');
  });
});

describe('blocksToHtml', () => {
  it('draws a block or element type it does not know as a magenta box naming it', () => {
    const html = blocksToHtml(
      [
        { type: 'video', title: { type: 'plain_text', text: 'x' } },
        { type: 'actions', elements: [{ type: 'datepicker' }] },
      ],
      names,
    );
    expect(html).toContain('<div class="unknown-block">Unknown block: video</div>');
    expect(html).toContain('<div class="unknown-block">Unknown element: datepicker</div>');
  });

  it('knows every block and element type Slack shows here, the ones the bot sends and a few more', () => {
    const plain = (text: string) => ({ type: 'plain_text', text });
    const option = (text: string) => ({ text: plain(text), value: text, description: plain(`${text} help`) });
    const html = blocksToHtml(
      [
        { type: 'header', text: plain('Header') },
        { type: 'divider' },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*s*' },
          fields: [{ type: 'mrkdwn', text: 'f1' }, plain('f2')],
          accessory: { type: 'button', text: plain('Go'), style: 'danger' },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'm' }, plain('p')] },
        { type: 'actions', elements: [{ type: 'button', text: plain('OK'), style: 'primary' }] },
        ...[
          { type: 'multi_external_select', placeholder: plain('Search'), initial_options: [option('A')] },
          { type: 'static_select', options: [option('A')], initial_option: option('A') },
          { type: 'checkboxes', options: [option('A'), option('B')], initial_options: [option('B')] },
          { type: 'radio_buttons', options: [option('A')] },
          { type: 'number_input', is_decimal_allowed: false, initial_value: '5' },
          { type: 'plain_text_input', placeholder: plain('Type'), multiline: true },
          { type: 'conversations_select', initial_conversation: 'C_HELPDESK' },
          { type: 'users_select', initial_user: 'U_ALICE' },
        ].map((element) => ({ type: 'input', label: plain(element.type), element })),
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_section', elements: [{ type: 'text', text: 'hi ', style: { bold: true } }] },
            {
              type: 'rich_text_list',
              style: 'bullet',
              elements: [{ elements: [{ type: 'user', user_id: 'U_ALICE' }] }],
            },
            { type: 'rich_text_preformatted', elements: [{ type: 'link', url: 'https://example.com', text: 'x' }] },
          ],
        },
      ],
      names,
    );
    expect(html).not.toContain('unknown-block');
    expect(html).toContain('<span class="chip">A ×</span>');
    expect(html).toContain('<div class="choice ticked"><span class="box">☑</span><div>B<div class="description">');
    expect(html).toContain('<span class="button danger">Go</span>');
    expect(html).toContain('<div class="text-input">5</div>');
    expect(html).toContain('#helpdesk');
    expect(html).toContain('<strong>hi </strong>');
  });

  it('escapes the type it names', () => {
    expect(blocksToHtml([{ type: '<img src=x>' }], names)).toContain('Unknown block: &lt;img src=x&gt;');
  });
});

describe('renderConversationPage', () => {
  it('is a standalone document: inline style, no script, nothing fetched', () => {
    const html = renderConversationPage([{ kind: 'caption', text: 'alice types <b>' }], names);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain('alice types &lt;b&gt;');
  });
});

describe('htmlOutputPath', () => {
  it('reads --html FILE, and is null without it', () => {
    expect(htmlOutputPath(['--html', 'demo.html'])).toBe('demo.html');
    expect(htmlOutputPath([])).toBeNull();
    expect(() => htmlOutputPath(['--html'])).toThrow(/needs a file name/);
  });
});
