import { escapeHtml, mrkdwnToHtml, plainToHtml, type UserNames } from './html-mrkdwn.js';

/**
 * Block Kit → HTML, drawn as the Slack client shows it. A block or element type not known here is drawn as a
 * magenta "Unknown block" box, never dropped: the browser test's screenshot looks for that colour.
 */

type Json = Record<string, unknown>;
type TextObject = { type?: string; text?: string };
type Option = { text?: TextObject; value?: string; description?: TextObject };

export function blocksToHtml(blocks: unknown[], names: UserNames): string {
  return blocks.map((block) => blockToHtml(asJson(block), names)).join('\n');
}

export function unknownBox(kind: 'block' | 'element', type: unknown): string {
  return `<div class="unknown-block">Unknown ${kind}: ${escapeHtml(String(type))}</div>`;
}

function asJson(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : { type: String(value) };
}

function textHtml(text: unknown, names: UserNames): string {
  const object = asJson(text) as TextObject;
  if (typeof object.text !== 'string') return '';
  return object.type === 'mrkdwn' ? mrkdwnToHtml(object.text, names) : plainToHtml(object.text);
}

function blockToHtml(block: Json, names: UserNames): string {
  switch (block.type) {
    case 'section':
      return sectionHtml(block, names);
    case 'context':
      return `<div class="block context">${(asArray(block.elements) as Json[])
        .map((element) => contextElementHtml(element, names))
        .join(' ')}</div>`;
    case 'actions':
      return `<div class="block actions">${elementsHtml(block.elements, names)}</div>`;
    case 'divider':
      return '<hr class="block divider">';
    case 'header':
      return `<h3 class="block header">${textHtml(block.text, names)}</h3>`;
    case 'input':
      return inputHtml(block, names);
    case 'rich_text':
      return `<div class="block rich-text">${richTextHtml(block.elements, names)}</div>`;
    default:
      return unknownBox('block', block.type);
  }
}

function sectionHtml(block: Json, names: UserNames): string {
  const text = block.text ? `<div class="section-text">${textHtml(block.text, names)}</div>` : '';
  const fields = asArray(block.fields);
  const grid = fields.length
    ? `<div class="fields">${fields.map((f) => `<div>${textHtml(f, names)}</div>`).join('')}</div>`
    : '';
  const accessory = block.accessory
    ? `<div class="accessory">${elementHtml(asJson(block.accessory), names)}</div>`
    : '';
  return `<div class="block section"><div class="section-body">${text}${grid}</div>${accessory}</div>`;
}

function contextElementHtml(element: Json, names: UserNames): string {
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return `<span>${textHtml(element, names)}</span>`;
  return unknownBox('element', element.type);
}

function inputHtml(block: Json, names: UserNames): string {
  const optional = block.optional ? ' <span class="optional">(optional)</span>' : '';
  const hint = block.hint ? `<div class="hint">${textHtml(block.hint, names)}</div>` : '';
  return (
    `<div class="block input"><label>${textHtml(block.label, names)}${optional}</label>` +
    `${elementHtml(asJson(block.element), names)}${hint}</div>`
  );
}

function elementsHtml(elements: unknown, names: UserNames): string {
  return (asArray(elements) as Json[]).map((element) => elementHtml(element, names)).join(' ');
}

function elementHtml(element: Json, names: UserNames): string {
  const placeholder = element.placeholder
    ? `<span class="placeholder">${textHtml(element.placeholder, names)}</span>`
    : '';
  switch (element.type) {
    case 'button':
      return buttonHtml(element, names);
    case 'multi_external_select':
    case 'multi_static_select': {
      const chips = (asArray(element.initial_options) as Option[])
        .map((option) => `<span class="chip">${textHtml(option.text, names)} ×</span>`)
        .join('');
      return `<div class="select multi">${chips}${placeholder}<span class="caret">▾</span></div>`;
    }
    case 'external_select':
    case 'static_select': {
      const picked = asJson(element.initial_option ?? {}) as Option;
      const shown = picked.text ? `<span class="chosen">${textHtml(picked.text, names)}</span>` : placeholder;
      return `<div class="select">${shown}<span class="caret">▾</span></div>`;
    }
    case 'checkboxes':
    case 'radio_buttons':
      return choicesHtml(element, names);
    case 'number_input':
    case 'plain_text_input': {
      const value = typeof element.initial_value === 'string' ? escapeHtml(element.initial_value) : '';
      const multiline = element.multiline ? ' multiline' : '';
      return `<div class="text-input${multiline}">${value || placeholder}</div>`;
    }
    case 'conversations_select':
    case 'channels_select': {
      const id = element.initial_conversation ?? element.initial_channel;
      const shown =
        typeof id === 'string' ? `<span class="chosen">${mrkdwnToHtml(`<#${id}>`, names)}</span>` : placeholder;
      return `<div class="select">${shown}<span class="caret">▾</span></div>`;
    }
    case 'users_select': {
      const id = element.initial_user;
      const shown =
        typeof id === 'string' ? `<span class="chosen">${mrkdwnToHtml(`<@${id}>`, names)}</span>` : placeholder;
      return `<div class="select">${shown}<span class="caret">▾</span></div>`;
    }
    default:
      return unknownBox('element', element.type);
  }
}

function buttonHtml(button: Json, names: UserNames): string {
  const style = button.style === 'primary' || button.style === 'danger' ? ` ${button.style}` : '';
  // A confirm dialog is a second step in Slack; the title says it is there.
  const confirm = button.confirm
    ? ` title="${escapeHtml(String(asJson(asJson(button.confirm).title).text ?? ''))}"`
    : '';
  return `<span class="button${style}"${confirm}>${textHtml(button.text, names)}</span>`;
}

function choicesHtml(element: Json, names: UserNames): string {
  const picked = new Set(
    (element.type === 'radio_buttons' ? [element.initial_option] : asArray(element.initial_options))
      .filter(Boolean)
      .map((o) => (o as Option).value),
  );
  const box = element.type === 'radio_buttons' ? ['◉', '○'] : ['☑', '☐'];
  const rows = (asArray(element.options) as Option[]).map((option) => {
    const ticked = picked.has(option.value);
    const description = option.description
      ? `<div class="description">${textHtml(option.description, names)}</div>`
      : '';
    return (
      `<div class="choice${ticked ? ' ticked' : ''}"><span class="box">${ticked ? box[0] : box[1]}</span>` +
      `<div>${textHtml(option.text, names)}${description}</div></div>`
    );
  });
  return `<div class="choices">${rows.join('')}</div>`;
}

/** rich_text: sections, lists, quotes and preformatted runs of text, links, mentions and emoji names. */
function richTextHtml(elements: unknown, names: UserNames): string {
  return (asArray(elements) as Json[])
    .map((element) => {
      switch (element.type) {
        case 'rich_text_section':
          return `<div>${richRunsHtml(element.elements, names)}</div>`;
        case 'rich_text_preformatted':
          return `<pre>${richRunsHtml(element.elements, names)}</pre>`;
        case 'rich_text_quote':
          return `<blockquote>${richRunsHtml(element.elements, names)}</blockquote>`;
        case 'rich_text_list': {
          const tag = element.style === 'ordered' ? 'ol' : 'ul';
          const items = (asArray(element.elements) as Json[]).map(
            (item) => `<li>${richRunsHtml(item.elements, names)}</li>`,
          );
          return `<${tag}>${items.join('')}</${tag}>`;
        }
        default:
          return unknownBox('element', element.type);
      }
    })
    .join('');
}

function richRunsHtml(runs: unknown, names: UserNames): string {
  return (asArray(runs) as Json[])
    .map((run) => {
      const style = asJson(run.style ?? {});
      let html: string;
      switch (run.type) {
        case 'text':
          html = plainToHtml(String(run.text ?? ''));
          break;
        case 'link': {
          const url = String(run.url ?? '');
          const label = escapeHtml(String(run.text ?? url));
          html = /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${label}</a>` : label;
          break;
        }
        case 'user':
          html = `<span class="mention">@${escapeHtml(names(String(run.user_id)))}</span>`;
          break;
        case 'channel':
          html = mrkdwnToHtml(`<#${String(run.channel_id)}>`, names);
          break;
        case 'emoji':
          html = `:${escapeHtml(String(run.name))}:`;
          break;
        default:
          return unknownBox('element', run.type);
      }
      if (style.bold) html = `<strong>${html}</strong>`;
      if (style.italic) html = `<em>${html}</em>`;
      if (style.strike) html = `<del>${html}</del>`;
      if (style.code) html = `<code>${html}</code>`;
      return html;
    })
    .join('');
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
