// GitHub-flavoured Markdown tables, for the panel's Markdown reports.
import { markdownTableCell } from '../../shared/foreignText';

/** A table cell: one line, pipes, HTML, links and emphasis escaped (names and errors are foreign text). */
export function markdownCell(value: string | number): string {
  return markdownTableCell(String(value)) || ' ';
}

/** A GitHub-flavoured Markdown table; numeric columns (align 'r') right-aligned. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align: string = ''): string {
  const rule = header.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}
