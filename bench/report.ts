/** One line of the bench table. */
export interface Row {
  metric: string;
  target: string;
  measured: string;
  holds: boolean;
}

/** The Markdown table `npm run bench` prints (and the README quotes). */
export function markdownTable(rows: readonly Row[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| metric | target | measured | holds |', '|---|---|---|---|'];
  for (const row of rows) {
    lines.push(
      `| ${cell(row.metric)} | ${cell(row.target)} | ${cell(row.measured)} | ${row.holds ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}
