// GitHub-flavoured Markdown tables, for the panel's Markdown reports.

/** A table cell: pipes escaped, line breaks folded, so one value stays one cell. */
export function markdownCell(value: string | number): string {
  return String(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ').trim() || ' ';
}

/** A GitHub-flavoured Markdown table; numeric columns (align 'r') right-aligned. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align: string = ''): string {
  const rule = header.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}
