// CSV/TSV records with the physical line each starts on, robust to bad lines: a malformed line
// is reported and parsing goes on with the next line instead of the rest of the file being lost
// (an unclosed quote would otherwise swallow everything after it).
//
// Dictionary rows never span lines, so a record that does (a stray quote closed lines later) is
// reported as malformed at its first line and parsing restarts on the line after it.

import { parse } from 'csv-parse/sync';

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line. */
  line: number;
}

export interface CsvProblem {
  line: number;
  reason: string;
}

interface ParsedRow {
  record: string[];
  raw: string;
  info: { lines: number };
}

/** Offset of the start of 1-based line `line` in `text` (text.length when past the end). */
function lineOffset(text: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return offset;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Newlines at the start of a raw record (empty lines skipped before it). */
function leadingNewlines(raw: string): number {
  const m = /^(?:[ \t]*\r?\n)*/.exec(raw);
  return m ? countNewlines(m[0]) : 0;
}

/** Physical line a raw record starts on, given the line its text ends on. */
function startLine(raw: string, endLine: number): number {
  const body = raw.replace(/^(?:[ \t]*\r?\n)*/, '').replace(/\r?\n$/, '').replace(/\r$/, '');
  return endLine - countNewlines(body);
}

/**
 * Parses `text` as delimited rows, skipping empty lines. `firstLine` is the physical line number
 * of the first line of `text` (when a caller has already consumed a preamble).
 */
export function parseDelimited(
  text: string,
  delimiter: string,
  firstLine = 1,
): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let rest = text;
  let base = firstLine - 1; // lines consumed before `rest`
  for (let restarts = 0; rest.length > 0; restarts++) {
    let unclosed = false;
    const skipped: CsvProblem[] = [];
    let rows: ParsedRow[];
    try {
      rows = parse(rest, {
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        raw: true,
        info: true,
        on_skip: (err) => {
          if (!err) return undefined;
          if (err.code === 'CSV_QUOTE_NOT_CLOSED') unclosed = true;
          else skipped.push({ line: base + (typeof err.lines === 'number' ? err.lines : 0), reason: err.message });
          return undefined;
        },
      }) as unknown as ParsedRow[];
    } catch (err) {
      problems.push({ line: base + 1, reason: `cannot parse: ${(err as Error).message}` });
      return { records, problems };
    }
    let lastEnd = 0; // last physical line (relative to rest) used by a good record
    let restartAt = -1; // relative line to restart after
    for (const row of rows) {
      const end = row.info.lines;
      const start = startLine(row.raw, end);
      if (start !== end) {
        problems.push({ line: base + start, reason: `unbalanced quote: the field runs on to line ${base + end}` });
        restartAt = start;
        break;
      }
      records.push({ fields: row.record, line: base + start });
      lastEnd = end;
    }
    for (const p of skipped) if (restartAt < 0 || p.line - base < restartAt) problems.push(p);
    if (restartAt < 0 && unclosed) {
      // The unclosed record starts on the first non-empty line after the last good record.
      const after = rest.slice(lineOffset(rest, lastEnd + 1));
      restartAt = lastEnd + 1 + leadingNewlines(after);
      problems.push({ line: base + restartAt, reason: 'unclosed quote' });
    }
    if (restartAt < 0) break;
    rest = rest.slice(lineOffset(rest, restartAt + 1));
    base += restartAt;
    if (restarts > 100_000) break;
  }
  records.sort((a, b) => a.line - b.line);
  problems.sort((a, b) => a.line - b.line);
  return { records, problems };
}
