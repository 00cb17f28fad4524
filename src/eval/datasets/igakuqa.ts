// IgakuQA (Japanese National Medical Licensing Examination, 2018-2022) loader.
// Layout: `<exam>-<block>.jsonl` question files, each with `_metadata.jsonl` (category, kinki,
// human_accuracy, breakdown) and `_translate.jsonl` (English text) companions, matched by problem_id.
//
// What is kept: text-only questions with choices (6- and 8-choice questions included), the same
// selection as the japanese-lm-med-harness for every 5-choice year (2018: 284 questions, 45 of them
// multi-answer). Questions with points "0" (excluded from the official scoring by the ministry)
// are kept with weight 0, as the official evaluation script counts them in accuracy; in 2018 the
// only one, 112A43, needs an image and is skipped for that reason anyway.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendAll } from '../../shared/arrays';
import { basename, dirname, join } from 'node:path';
import {
  emptyLoadResult,
  indexOfLetter,
  mergeLoadResults,
  normaliseIndexSet,
  RecordError,
  SKIP_REASONS,
  type Language,
  type LoadResult,
  type Question,
} from '../question';
import {
  isRecord,
  loadJsonlQuestions,
  optionalString,
  readJsonlFile,
  reportMalformed,
  requireString,
  requireStringArray,
} from './jsonlReader';
import { msg } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export interface IgakuQALoadOptions {
  language?: Language;
  /** Written into Question.source; the built-in sample set uses its own. */
  source?: string;
  /**
   * Keep every question of each block file, as IgakuQA's official script scores them: image
   * questions as their text, calculation questions with no choices and their string gold
   * (Question.officialGold). The igakuqa-official protocol loads this way.
   */
  keepAll?: boolean;
}

/** The fields of one question line plus its metadata and translation, as in the files. */
export interface IgakuQARecord {
  problem_id: string;
  problem_text: string;
  choices: string[];
  text_only: boolean;
  answer: string[];
  points: string;
}

export interface IgakuQAMetadata {
  category?: string;
  kinki?: string[];
  human_accuracy?: string;
  breakdown?: string[];
}

export interface IgakuQATranslation {
  problem_text_en: string;
  choices_en: string[];
}

const QUESTION_FILE = /^([^_/\\]+)-([A-Za-z]+)\.jsonl$/;
const COMPANION_SUFFIXES = ['_metadata.jsonl', '_translate.jsonl'] as const;

/** Loads a folder (searched recursively, files in name order) or a single question file. */
export function loadIgakuQA(path: string, options: IgakuQALoadOptions = {}): LoadResult {
  if (!existsSync(path)) {
    throw new UserError(msg('igakuqaPathMissing', path));
  }
  const files = statSync(path).isDirectory() ? findQuestionFiles(path) : [questionFileFor(path)];
  if (files.length === 0) {
    throw new UserError(msg('igakuqaNoFiles', path));
  }
  const result = emptyLoadResult();
  const seenIds = new Set<string>();
  for (const file of files) mergeLoadResults(result, loadQuestionFile(file, options, seenIds));
  return result;
}

function findQuestionFiles(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) appendAll(found, findQuestionFiles(full));
    else if (QUESTION_FILE.test(name)) found.push(full);
  }
  return found;
}

/** Accepts a companion file too (112-A_metadata.jsonl → 112-A.jsonl). */
function questionFileFor(file: string): string {
  for (const suffix of COMPANION_SUFFIXES) {
    if (file.endsWith(suffix)) return file.slice(0, -suffix.length) + '.jsonl';
  }
  return file;
}

function companionFile(questionFile: string, suffix: (typeof COMPANION_SUFFIXES)[number]): string {
  return questionFile.replace(/\.jsonl$/, suffix);
}

function blockOf(questionFile: string): string | undefined {
  const match = QUESTION_FILE.exec(basename(questionFile));
  return match ? `${match[1]}-${match[2]}` : undefined;
}

function loadQuestionFile(file: string, options: IgakuQALoadOptions, seenIds: Set<string>): LoadResult {
  const language = options.language ?? 'ja';
  const companions = emptyLoadResult();
  const metadata = readCompanion(companionFile(file, '_metadata.jsonl'), companions);
  const translatePath = companionFile(file, '_translate.jsonl');
  if (language === 'en' && !existsSync(translatePath)) {
    throw new UserError(msg('igakuqaNeedsTranslation', basename(translatePath), basename(file), dirname(file)));
  }
  const translations = language === 'en' ? readCompanion(translatePath, companions) : new Map();
  const context = { language, block: blockOf(file), source: options.source ?? 'igakuqa', ...(options.keepAll ? { keepAll: true } : {}) };
  const result = loadJsonlQuestions(
    file,
    (record) => {
      const id = requireString(record, 'problem_id');
      return igakuqaToQuestion(record, metadata.get(id), translations.get(id), context);
    },
    seenIds,
  );
  mergeLoadResults(result, companions);
  return result;
}

/** problem_id → companion record; a missing companion file is an empty map (metadata is optional). */
function readCompanion(file: string, report: LoadResult): Map<string, Record<string, unknown>> {
  const byId = new Map<string, Record<string, unknown>>();
  if (!existsSync(file)) return byId;
  report.files.push(file);
  const parsed = readJsonlFile(file);
  for (const issue of parsed.issues) reportMalformed(report, file, issue.line, issue.reason);
  for (const { line, value } of parsed.records) {
    const id = isRecord(value) ? value['problem_id'] : undefined;
    if (!isRecord(value) || typeof id !== 'string') {
      reportMalformed(report, file, line, msg('recordCompanionNoId'));
      continue;
    }
    byId.set(id, value);
  }
  return byId;
}

export interface IgakuQAContext {
  language: Language;
  block?: string;
  source: string;
  /** IgakuQALoadOptions.keepAll. */
  keepAll?: boolean;
}

/**
 * One IgakuQA question line (+ metadata + translation) → Question. Throws RecordError with a
 * skip reason for image and calculation questions, without one for malformed records.
 */
export function igakuqaToQuestion(
  record: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
  translation: Record<string, unknown> | undefined,
  context: IgakuQAContext,
): Question {
  const id = requireString(record, 'problem_id');
  if (record['text_only'] === false && !context.keepAll) throw new RecordError(msg('skipImage'), SKIP_REASONS.image);
  const choicesJa = requireStringArray(record, 'choices');
  if (choicesJa.length === 0 && context.keepAll) return calculationQuestion(record, translation, context);
  if (choicesJa.length === 0) throw new RecordError(msg('skipNoChoices'), SKIP_REASONS.noChoices);
  if (choicesJa.length < 2) throw new RecordError(msg('skipTooFewChoices'), SKIP_REASONS.tooFewChoices);
  const { answers, alternatives } = parseAnswerLetters(requireStringArray(record, 'answer'), choicesJa.length);
  const text = context.language === 'en' ? englishText(translation, choicesJa.length) : {
    stem: requireString(record, 'problem_text'),
    choices: choicesJa,
  };
  const question: Question = {
    id,
    source: context.source,
    language: context.language,
    stem: text.stem,
    choices: text.choices,
    answers,
    points: parsePoints(record['points']),
    kinki: [],
    ...(context.block !== undefined ? { block: context.block } : {}),
    ...(context.language === 'en' ? { englishOf: id } : {}),
    ...(alternatives.length > 1 ? { alternativeAnswers: alternatives } : {}),
    officialGold: requireStringArray(record, 'answer'),
    ...(typeof record['text_only'] === 'boolean' ? { textOnly: record['text_only'] } : {}),
  };
  if (metadata) applyMetadata(question, metadata, choicesJa.length);
  return question;
}

/** A calculation question (keepAll only): no choices, gold a string such as "26", matched exactly. */
function calculationQuestion(record: Record<string, unknown>, translation: Record<string, unknown> | undefined, context: IgakuQAContext): Question {
  const id = requireString(record, 'problem_id');
  const stem = context.language === 'en' ? englishText(translation, 0).stem : requireString(record, 'problem_text');
  return {
    id,
    source: context.source,
    language: context.language,
    stem,
    choices: [],
    answers: [],
    points: parsePoints(record['points']),
    kinki: [],
    officialGold: requireStringArray(record, 'answer'),
    ...(typeof record['text_only'] === 'boolean' ? { textOnly: record['text_only'] } : {}),
    ...(context.block !== undefined ? { block: context.block } : {}),
    ...(context.language === 'en' ? { englishOf: id } : {}),
  };
}

function englishText(translation: Record<string, unknown> | undefined, choiceCount: number): { stem: string; choices: string[] } {
  if (!translation) throw new RecordError(msg('skipNoTranslation'), SKIP_REASONS.noTranslation);
  const stem = requireString(translation, 'problem_text_en');
  const choices = requireStringArray(translation, 'choices_en');
  if (choices.length !== choiceCount) {
    throw new RecordError(msg('translationChoiceCount', choices.length, choiceCount));
  }
  return { stem, choices };
}

/**
 * Answer letters → indices. Each list entry is one letter ("b"), several ("bd"), or alternatives
 * ("a or d", 112B30: either single answer counts). Full-width letters are accepted.
 */
export function parseAnswerLetters(entries: string[], choiceCount: number): { answers: number[]; alternatives: number[][] } {
  if (entries.length === 0) throw new RecordError(msg('fieldAnswerEmpty'));
  const alternativeEntry = entries.find((entry) => /\sor\s/i.test(entry));
  if (alternativeEntry !== undefined) {
    const alternatives = alternativeEntry.split(/\s+or\s+/i).map((part) => lettersToIndices(part, choiceCount));
    const first = alternatives[0];
    if (first === undefined) throw new RecordError(msg('answerNoLetter', alternativeEntry));
    return { answers: first, alternatives };
  }
  const answers = normaliseIndexSet(entries.flatMap((entry) => lettersToIndices(entry, choiceCount)));
  return { answers, alternatives: [] };
}

function lettersToIndices(text: string, choiceCount: number): number[] {
  const letters = [...text.normalize('NFKC').replace(/[\s,、，]/g, '')];
  if (letters.length === 0) throw new RecordError(msg('answerNoLetter', text));
  return normaliseIndexSet(letters.map((letter) => {
    const index = indexOfLetter(letter);
    if (index === undefined || index >= choiceCount) {
      throw new RecordError(msg('answerNotLetter', text, String.fromCharCode(96 + choiceCount)));
    }
    return index;
  }));
}

function parsePoints(value: unknown): number {
  // A file cut down to IgakuQA's question fields may leave points out: one point, as most questions.
  if (value === undefined) return 1;
  const points = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(points) || points < 0) throw new RecordError(msg('fieldPointsWhole', JSON.stringify(value) ?? String(value)));
  return points;
}

function applyMetadata(question: Question, metadata: Record<string, unknown>, choiceCount: number): void {
  const category = optionalString(metadata, 'category');
  if (category !== undefined) question.category = category;
  question.kinki = parseKinki(metadata['kinki'], choiceCount);
  const humanAccuracy = parsePercent(metadata['human_accuracy']);
  if (humanAccuracy !== undefined) question.humanAccuracy = humanAccuracy;
  const breakdown = parseBreakdown(metadata['breakdown'], choiceCount);
  if (breakdown !== undefined) question.choiceBreakdown = breakdown;
}

/**
 * 禁忌肢 letters: a list of letters, sometimes one string with several ("cde"), sometimes
 * full-width ("ｂ"). Letters beyond the choices are dropped rather than failing the question.
 */
export function parseKinki(value: unknown, choiceCount: number): number[] {
  if (!Array.isArray(value)) return [];
  const indices: number[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string') continue;
    for (const letter of entry.normalize('NFKC')) {
      const index = indexOfLetter(letter);
      if (index !== undefined && index < choiceCount) indices.push(index);
    }
  }
  return normaliseIndexSet(indices);
}

/** "39.3" → 39.3; "" (excluded questions) or anything unparsable → undefined. */
function parsePercent(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const percent = Number(value.trim());
  return Number.isFinite(percent) ? percent : undefined;
}

function parseBreakdown(value: unknown, choiceCount: number): number[] | undefined {
  if (!Array.isArray(value) || value.length !== choiceCount) return undefined;
  const percents = value.map(parsePercent);
  return percents.every((percent): percent is number => percent !== undefined) ? percents : undefined;
}
