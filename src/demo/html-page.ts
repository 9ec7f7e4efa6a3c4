import { blocksToHtml } from './html-blocks.js';
import { escapeHtml, mrkdwnToHtml, plainToHtml, type UserNames } from './html-mrkdwn.js';
import { PAGE_CSS } from './html-page-style.js';
import { humanSize } from './render.js';

/** One thing the page shows, in the order it happened. Blocks are as the bot sent them (parsed JSON). */
export type PageEntry =
  /** A line of the demo's story ("alice types …"), between the Slack parts. */
  | { kind: 'caption'; text: string }
  | { kind: 'modal'; version: 'opened' | 'updated'; view: Record<string, unknown> }
  /** A top-level message in one of its versions: `chat.postMessage`, then each `chat.update`. */
  | MessageVersionEntry
  /** A reply in a thread, in one of its versions. */
  | (Omit<MessageVersionEntry, 'kind'> & { kind: 'thread-reply'; threadTs: string })
  | { kind: 'file'; channel: string; threadTs: string | null; name: string; bytes: number; comment: string | null }
  /** A person's App Home tab as the bot published it (`views.publish`). */
  | { kind: 'home'; user: string; view: Record<string, unknown> }
  /** An answer only `to` sees (a `respond` to a slash command). */
  | { kind: 'ephemeral'; to: string; text: string; blocks: unknown[] | null };

export interface MessageVersionEntry {
  kind: 'message';
  version: 'posted' | 'updated';
  channel: string;
  /** Null when the message could not be found (the page still shows it). */
  ts: string | null;
  text: string | null;
  blocks: unknown[] | null;
}

/** The whole conversation as one standalone HTML document: inline CSS, no scripts, nothing fetched. */
export function renderConversationPage(entries: PageEntry[], names: UserNames): string {
  const body = entries.map((entry) => entryHtml(entry, names)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>dex-capture-bot demo</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<main class="channel">
<header class="channel-header"># helpdesk <span>dex-capture-bot demo — the conversation as it reads in Slack</span></header>
${body}
</main>
</body>
</html>
`;
}

function entryHtml(entry: PageEntry, names: UserNames): string {
  switch (entry.kind) {
    case 'caption':
      return `<p class="caption">${plainToHtml(entry.text)}</p>`;
    case 'modal':
      return modalHtml(entry.view, entry.version, names);
    case 'message':
      return messageHtml(entry, 'message-version', `${entry.version} in ${channelLabel(entry.channel, names)}`, names);
    case 'thread-reply':
      return `<div class="thread" data-thread-ts="${escapeHtml(entry.threadTs)}">${messageHtml(
        entry,
        'thread-reply',
        entry.version === 'posted' ? 'replied in the thread' : 'reply updated',
        names,
      )}</div>`;
    case 'file':
      return fileHtml(entry, names);
    case 'home': {
      const blocks = Array.isArray(entry.view.blocks) ? entry.view.blocks : [];
      return (
        `<section class="modal home"><div class="modal-version">Home tab of @${escapeHtml(names(entry.user))}</div>` +
        `<div class="modal-body">${blocksToHtml(blocks, names)}</div></section>`
      );
    }
    case 'ephemeral':
      return (
        `<article class="message ephemeral">${authorHtml(`Only you can see this · to @${escapeHtml(names(entry.to))}`)}` +
        `<div class="content">${contentHtml(entry.text, entry.blocks, names)}</div></article>`
      );
  }
}

function authorHtml(label: string): string {
  return (
    '<div class="author"><span class="avatar">DX</span><strong>dex-capture</strong><span class="app">APP</span>' +
    `<span class="label">${label}</span></div>`
  );
}

function messageHtml(
  entry: Omit<MessageVersionEntry, 'kind'>,
  className: string,
  labelHtml: string,
  names: UserNames,
): string {
  const ts = entry.ts ? ` data-ts="${escapeHtml(entry.ts)}"` : '';
  return (
    `<article class="message ${className} ${entry.version}"${ts}>${authorHtml(labelHtml)}` +
    `<div class="content">${contentHtml(entry.text, entry.blocks, names)}</div></article>`
  );
}

/** Blocks when the message has them (Slack shows `text` only in notifications then), else its text. */
function contentHtml(text: string | null, blocks: unknown[] | null, names: UserNames): string {
  if (blocks && blocks.length > 0) return blocksToHtml(blocks, names);
  return `<div class="block section">${mrkdwnToHtml(text ?? '', names)}</div>`;
}

function fileHtml(entry: Extract<PageEntry, { kind: 'file' }>, names: UserNames): string {
  const comment = entry.comment ? `<div class="file-comment">${mrkdwnToHtml(entry.comment, names)}</div>` : '';
  const card =
    `<article class="message file-share">${authorHtml('shared a file')}<div class="content">${comment}` +
    `<div class="file-card"><span class="file-icon">ZIP</span><div><div class="file-name">${escapeHtml(entry.name)}</div>` +
    `<div class="file-size">${escapeHtml(humanSize(entry.bytes))}</div></div></div></div></article>`;
  if (!entry.threadTs) return card;
  return `<div class="thread" data-thread-ts="${escapeHtml(entry.threadTs)}">${card}</div>`;
}

function modalHtml(view: Record<string, unknown>, version: 'opened' | 'updated', names: UserNames): string {
  const text = (value: unknown) => plainToHtml(String((value as { text?: string } | undefined)?.text ?? ''));
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  const close = view.close ? `<span class="button">${text(view.close)}</span>` : '';
  const submit = view.submit ? `<span class="button primary">${text(view.submit)}</span>` : '';
  return (
    `<section class="modal ${version}"><div class="modal-version">modal ${version}</div>` +
    `<header class="modal-title">${text(view.title)}<span class="modal-x">×</span></header>` +
    `<div class="modal-body">${blocksToHtml(blocks, names)}</div>` +
    `<footer class="modal-buttons">${close}${submit}</footer></section>`
  );
}

function channelLabel(channel: string, names: UserNames): string {
  return mrkdwnToHtml(`<#${channel}>`, names);
}
