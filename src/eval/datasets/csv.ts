// Generic CSV questions (a header row, then one question per row) through a column mapping.
// Without a mapping the header is matched against the known layouts (MedMCQA opa..opd, or
// question + A..E columns + answer).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { emptyLoadResult, RecordError, type Language, type LoadResult } from '../question';
import { reportMalformed } from './jsonlReader';
import { mappedToQuestion, medmcqaToQuestion, type ColumnMapping, type RecordContext } from './mcqa';
import { msg } from '../../shared/messages/index';
import { errorMessage, UserError } from '../../shared/userError';

interface CsvRow {
  record: Record<string, string>;
  info: { lines: number };
}

export interface CsvLoadOptions {
  mapping?: ColumnMapping;
  language?: Language;
}

export function loadCsvQuestions(file: string, options: CsvLoadOptions = {}): LoadResult {
  const result = emptyLoadResult();
  result.files.push(file);
  const rows = parse(readFileSync(file), {
    columns: true,
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // A broken row (wrong column count, bad quotes) is reported and the rest still loads.
    on_skip: (error) => {
      const line = typeof error?.['lines'] === 'number' ? error['lines'] : 0;
      reportMalformed(result, file, line, error?.message ? msg('recordCsvProblem', error.message) : msg('recordUnreadableCsv'));
      return undefined;
    },
  }) as unknown as CsvRow[];
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  let mapping: ReturnType<typeof detectCsvMapping>;
  try {
    mapping = options.mapping ?? detectCsvMapping(header);
  } catch (error) {
    throw new UserError(msg('atFileLine', file, 1, rows.length === 0 ? msg('csvNoRows') : errorMessage(error)));
  }
  const seenIds = new Set<string>();
  for (const { record, info } of rows) {
    const context: RecordContext = { fileLabel: basename(file), line: info.lines, source: 'csv', ...(options.language ? { language: options.language } : {}) };
    try {
      const question = mapping === 'medmcqa' ? medmcqaToQuestion(record, context) : mappedToQuestion(record, mapping, context);
      if (seenIds.has(question.id)) throw new RecordError(msg('recordDuplicate', question.id));
      seenIds.add(question.id);
      result.questions.push(question);
    } catch (error) {
      reportMalformed(result, file, info.lines, errorMessage(error));
    }
  }
  return result;
}

/** Header → mapping; throws with the columns it needs when nothing fits. */
export function detectCsvMapping(header: string[]): ColumnMapping | 'medmcqa' {
  const find = (...names: string[]): string | undefined => header.find((column) => names.includes(column.trim().toLowerCase()));
  if (find('opa') && find('cop')) return 'medmcqa';
  const question = find('question', 'problem_text', 'stem', '問題', '質問');
  const answer = find('answer_idx', 'answer', 'label', 'cop', '答え', '正解');
  const letterColumns = header.filter((column) => /^(option_?)?[A-Ha-h]$/.test(column.trim()));
  if (question !== undefined && answer !== undefined && letterColumns.length >= 2) {
    const id = find('id', 'problem_id', 'sample_id', 'realidx');
    const category = find('category', 'subject', 'subject_name');
    return {
      question,
      choices: letterColumns,
      answer,
      ...(id !== undefined ? { id } : {}),
      ...(category !== undefined ? { category } : {}),
    };
  }
  throw new UserError(msg('csvLayoutUnknown', header.join(', ')));
}
