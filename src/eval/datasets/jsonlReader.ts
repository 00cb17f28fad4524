// Reads a JSONL file record by record. A bad line never stops a load: it becomes a LoadIssue
// (`file:line: reason`), is counted, and the next line is read.

import { readFileSync } from 'node:fs';
import {
  countSkip,
  emptyLoadResult,
  RecordError,
  SKIP_REASONS,
  type LoadResult,
  type Question,
} from '../question';
import { msg, type Message } from '../../shared/messages/index';
import { errorMessage, errorText } from '../../shared/userError';

export interface JsonlLine {
  /** One-based line number, as editors show it. */
  line: number;
  value: unknown;
}

export interface ParsedJsonl {
  records: JsonlLine[];
  issues: { line: number; reason: Message }[];
}

/** Splits and parses; blank lines are ignored, unparsable ones reported with their line. */
export function parseJsonlText(text: string): ParsedJsonl {
  const parsed: ParsedJsonl = { records: [], issues: [] };
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const content = raw.replace(/\r$/, '');
    if (content.trim() === '') return;
    try {
      parsed.records.push({ line: index + 1, value: JSON.parse(content) as unknown });
    } catch (error) {
      parsed.issues.push({ line: index + 1, reason: msg('recordNotJson', errorText(error)) });
    }
  });
  return parsed;
}

export function readJsonlFile(file: string): ParsedJsonl {
  return parseJsonlText(readFileSync(file, 'utf8'));
}

/** Converts one parsed record to a question; throws RecordError to skip it with a reason. */
export type RecordConverter = (record: Record<string, unknown>, line: number) => Question;

/**
 * Loads a JSONL file through a converter. Duplicate ids keep the first occurrence, so a dataset
 * folder holding the same file twice does not double-count questions.
 */
export function loadJsonlQuestions(file: string, convert: RecordConverter, seenIds = new Set<string>()): LoadResult {
  const result = emptyLoadResult();
  result.files.push(file);
  const parsed = readJsonlFile(file);
  for (const issue of parsed.issues) reportMalformed(result, file, issue.line, issue.reason);
  for (const { line, value } of parsed.records) {
    if (!isRecord(value)) {
      reportMalformed(result, file, line, msg('recordNotObject'));
      continue;
    }
    try {
      const question = convert(value, line);
      if (seenIds.has(question.id)) {
        countSkip(result, SKIP_REASONS.duplicate);
        result.issues.push({ file, line, reason: msg('recordDuplicateKept', question.id) });
        continue;
      }
      seenIds.add(question.id);
      result.questions.push(question);
    } catch (error) {
      // Anything a record can make a converter throw is that record's problem, never the load's.
      if (error instanceof RecordError && error.skipReason !== undefined) countSkip(result, error.skipReason);
      else reportMalformed(result, file, line, errorMessage(error));
    }
  }
  return result;
}

export function reportMalformed(result: LoadResult, file: string, line: number, reason: Message): void {
  countSkip(result, SKIP_REASONS.malformed);
  result.issues.push({ file, line, reason });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- field readers: each names the field and what was expected, for the file:line report -----

export function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RecordError(msg('fieldNonEmptyString', field));
  }
  return value;
}

export function optionalString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  throw new RecordError(msg('fieldString', field));
}

export function requireStringArray(record: Record<string, unknown>, field: string): string[] {
  const value = record[field];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new RecordError(msg('fieldStringList', field));
  }
  return value as string[];
}

/** An id field may be a string or a number (MedQA's realidx is either). */
export function optionalId(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
