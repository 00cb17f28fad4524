// CSV/TSV records with the physical line each is on, robust to bad lines: a malformed line is
// reported and parsing goes on with the next line (an unclosed quote would otherwise swallow
// everything after it).
//
// Dictionary rows never span lines, so the text is split into physical lines first and each line
// is parsed on its own: linear in the file size whatever its defects (re-parsing the rest of the
// file after each stray quote was quadratic: 4,000 bad lines took 18 s). Lines without a quote are
// split directly; lines with one go through csv-parse, which handles quoting and escaping.

import { parse } from 'csv-parse/sync';
import { msg, type Message } from '../shared/messages/index';
import { errorText } from '../shared/userError';

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line. */
  line: number;
}

export interface CsvProblem {
  line: number;
  reason: Message;
}

/**
 * Parses `text` as delimited rows, skipping empty lines. `firstLine` is the physical line number
 * of the first line of `text` (when a caller has already consumed a preamble).
 */
export function parseDelimited(text: string, delimiter: string, firstLine = 1): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let start = 0;
  for (let line = firstLine; start <= text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const raw = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (raw.trim() !== '') {
      const parsed = parseLine(raw, delimiter);
      if ('fields' in parsed) records.push({ fields: parsed.fields, line });
      else problems.push({ line, reason: parsed.reason });
    }
    if (newline === -1) break;
  }
  return { records, problems };
}

function parseLine(raw: string, delimiter: string): { fields: string[] } | { reason: Message } {
  if (!raw.includes('"')) return { fields: raw.split(delimiter) };
  try {
    const rows = parse(raw, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][];
    const fields = rows[0];
    if (rows.length !== 1 || !fields) return { reason: msg('dictUnbalancedQuote') };
    return { fields };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { reason: code === 'CSV_QUOTE_NOT_CLOSED' ? msg('dictUnclosedQuote') : msg('dictCannotParse', errorText(error)) };
  }
}
