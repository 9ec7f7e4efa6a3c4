/**
 * Slack text to HTML for the demo's page. Every string here is outside data (device names, Cloudflare's words), so
 * text is HTML-escaped before any formatting is applied, and only http(s) links become <a>.
 */

export type UserNames = (id: string) => string;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack escapes only these three in message text; a literal `<` arrives as `&lt;`. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Plain text (a `plain_text` object, a label): escaped, line breaks kept. */
export function plainToHtml(text: string): string {
  return escapeHtml(text).replace(/\n/g, '<br>');
}

// Tokens (links, mentions, code) are swapped for \uE000n\uE000 (a private-use character) while the rest is
// formatted, then put back.
const PLACEHOLDER = /\uE000(\d+)\uE000/g;

/** mrkdwn → HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, <@U…>, <#C…>, <!date…|fallback>, <url|label>. */
export function mrkdwnToHtml(text: string, names: UserNames): string {
  const tokens: string[] = [];
  const hold = (html: string) => `\uE000${tokens.push(html) - 1}\uE000`;
  // The placeholder's character is dropped from the text, so outside text cannot forge a placeholder.
  let work = text.replace(/\uE000/g, '');
  work = work.replace(/<([^<>]*)>/g, (_, inner: string) => hold(angleToken(inner, names)));
  work = work.replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre>${codeHtml(code, tokens)}</pre>`));
  work = work.replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${codeHtml(code, tokens)}</code>`));
  let html = escapeHtml(unescapeSlack(work));
  html = html
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1<strong>$2</strong>')
    .replace(/(^|[^\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g, '$1<del>$2</del>')
    .replace(/\n/g, '<br>');
  // Tokens may hold tokens (a link inside code): two rounds put every one back.
  for (let round = 0; round < 2; round++) html = html.replace(PLACEHOLDER, (_, n: string) => tokens[Number(n)] ?? '');
  return html;
}

/** Code keeps its text as typed: tokens inside it show as the text they stand for. */
function codeHtml(code: string, tokens: string[]): string {
  return escapeHtml(unescapeSlack(code)).replace(PLACEHOLDER, (_, n: string) => tokens[Number(n)] ?? '');
}

/** One `<…>` sequence: a mention, a channel, a special (`!date`, `!here`) or a link. Returns HTML. */
function angleToken(inner: string, names: UserNames): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    return `<span class="mention">@${escapeHtml(names(target.slice(1)))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(label ?? channelName(id, names))}</span>`;
  }
  if (target.startsWith('!')) {
    if (target.startsWith('!subteam^')) {
      // Slack shows a user group mention as its handle: `names` knows the demo's groups by id.
      return `<span class="mention">@${escapeHtml(label?.replace(/^@/, '') ?? names(target.slice('!subteam^'.length)))}</span>`;
    }
    if (target.startsWith('!date^')) return escapeHtml(label ?? target);
    return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  }
  const url = unescapeSlack(target);
  if (/^https?:\/\/[^\s"'<>]+$/i.test(url)) {
    return `<a href="${escapeHtml(url)}">${escapeHtml(label ?? url)}</a>`;
  }
  // mailto:, javascript: and the like stay text.
  return escapeHtml(label ?? url);
}

/** `names` knows people; a channel id it does not know reads as the terminal demo shows it (C_HELPDESK → helpdesk). */
function channelName(id: string, names: UserNames): string {
  const named = names(id);
  return named !== id ? named : id.toLowerCase().replace(/^c_/, '');
}
