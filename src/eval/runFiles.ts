// The run folder: answers.jsonl (one line per answered question, appended as it is answered),
// manifest.json (what ran: model, data, format, scoring), summary.json and summary.csv (at the end).
//
// answers.jsonl is written with one appendFileSync of a complete line per answer, so a crash can
// leave at most one torn line, at the end: reading detects and discards it (and truncates the
// file so the next append starts on a fresh line).

import { existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from './metrics';
import type { AnswerRecord } from './records';

export const ANSWERS_FILE = 'answers.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const SUMMARY_FILE = 'summary.json';
export const SUMMARY_CSV_FILE = 'summary.csv';

export type { RunManifest, RunStatus } from './records';
import type { RunManifest } from './records';
import { msg } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';

export interface AnswersFileContents {
  records: AnswerRecord[];
  /** A last line without its newline (interrupted write) was found and dropped. */
  discardedTornLine: boolean;
  /** Complete lines that were not valid JSON records (never written by MedLocal; dropped). */
  invalidLines: number;
  /** Byte length of the trustworthy prefix. */
  validBytes: number;
}

export function readAnswersFile(path: string): AnswersFileContents {
  const contents: AnswersFileContents = { records: [], discardedTornLine: false, invalidLines: 0, validBytes: 0 };
  if (!existsSync(path)) return contents;
  const buffer = readFileSync(path);
  const lastNewline = buffer.lastIndexOf(0x0a);
  contents.validBytes = lastNewline + 1;
  contents.discardedTornLine = contents.validBytes < buffer.length;
  const complete = buffer.subarray(0, contents.validBytes).toString('utf8');
  for (const line of complete.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseAnswerLine(line);
    if (record) contents.records.push(record);
    else contents.invalidLines += 1;
  }
  return contents;
}

function parseAnswerLine(line: string): AnswerRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<AnswerRecord>;
    const valid = typeof value.id === 'string' && Array.isArray(value.predicted) && Array.isArray(value.gold) && typeof value.correct === 'boolean';
    return valid ? (value as AnswerRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads answers.jsonl and cuts off a torn last line, so appends can go on. */
export function repairAnswersFile(path: string): AnswersFileContents {
  const contents = readAnswersFile(path);
  if (contents.discardedTornLine) truncateSync(path, contents.validBytes);
  return contents;
}

/** The last record per id wins (a retried error is superseded by its retry). */
export function latestById(records: readonly AnswerRecord[]): Map<string, AnswerRecord> {
  const latest = new Map<string, AnswerRecord>();
  for (const record of records) latest.set(record.id, record);
  return latest;
}

/** Write to a temporary file, then rename: readers never see half a manifest. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export function writeTextAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

export function readManifest(runDir: string): RunManifest | undefined {
  const path = join(runDir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
  } catch (error) {
    throw new UserError(msg('runNotJson', path, errorText(error)));
  }
}

export interface StoredRun {
  dir: string;
  manifest?: RunManifest;
  /** Latest record per question id, in file order. */
  answers: AnswerRecord[];
  summary?: RunSummary;
  discardedTornLine: boolean;
}

/** A run folder as written by runBenchmark (complete or not). */
export function readRun(runDir: string): StoredRun {
  const answersPath = join(runDir, ANSWERS_FILE);
  if (!existsSync(answersPath)) {
    throw new UserError(msg('runNoAnswers', runDir, ANSWERS_FILE));
  }
  const contents = readAnswersFile(answersPath);
  const summaryPath = join(runDir, SUMMARY_FILE);
  const manifest = readManifest(runDir);
  return {
    dir: runDir,
    ...(manifest ? { manifest } : {}),
    answers: [...latestById(contents.records).values()],
    ...(existsSync(summaryPath) ? { summary: JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary } : {}),
    discardedTornLine: contents.discardedTornLine,
  };
}
