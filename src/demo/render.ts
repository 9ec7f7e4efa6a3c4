/** Turns Slack messages into what a person reads in the client, for the terminal. */

type Block = Record<string, unknown>;

/** `<@U1>` → `@alice`, `<!date^…|fallback>` → fallback, `<url|label>` → label, `*bold*` kept as is. */
export function readable(text: string, userNames: (id: string) => string): string {
  return text
    .replace(/<@([A-Z0-9_]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${userNames(id)}`)
    .replace(/<!subteam\^([A-Z0-9_]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${userNames(id)}`)
    .replace(
      /<#([A-Z0-9_]+)(?:\|([^>]*))?>/g,
      (_, id: string, name?: string) => `#${name ?? id.toLowerCase().replace(/^c_/, '')}`,
    )
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The lines a message shows: its blocks when it has them, else its text. */
export function messageLines(
  message: { text?: string; blocks?: unknown },
  userNames: (id: string) => string,
): string[] {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as Block[]) : [];
  if (blocks.length === 0) return (message.text ?? '').split('\n').map((line) => readable(line, userNames));
  const lines: string[] = [];
  for (const block of blocks) {
    const text = (block.text as { text?: string } | undefined)?.text;
    switch (block.type) {
      case 'header':
      case 'section':
        if (text) lines.push(...text.split('\n'));
        for (const field of (block.fields as Array<{ text: string }> | undefined) ?? []) lines.push(field.text);
        break;
      case 'context':
        lines.push(
          (block.elements as Array<{ text?: string }>)
            .map((e) => e.text ?? '')
            .filter(Boolean)
            .join('  '),
        );
        break;
      case 'actions':
        lines.push(
          (block.elements as Array<{ text?: { text?: string } }>).map((e) => `[ ${e.text?.text ?? '?'} ]`).join(' '),
        );
        break;
      case 'divider':
        lines.push('───');
        break;
    }
  }
  return lines.map((line) => readable(line, userNames));
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
