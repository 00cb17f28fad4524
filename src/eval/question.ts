// The benchmark's one question shape, shared by every loader, prompt format, scorer and metric.
// Loaders turn IgakuQA / MedQA / MedMCQA / JMedBench / generic files into this; nothing downstream
// knows which file format a question came from.
import { format, msg, type Locale, type Message, type MessageKey } from '../shared/messages/index';
import { UserError } from '../shared/userError';

import { appendAll } from '../shared/arrays';
import { hasJapanese, type Language } from '../shared/language';
export type { Language };

export interface Question {
  /** Stable key across runs (IgakuQA `problem_id`, MedQA `realidx`, ...): resume and compare use it. */
  id: string;
  /** Dataset kind the question came from: 'igakuqa', 'medqa', 'medmcqa', 'jmedbench', 'jsonl', 'csv', 'medlocal-sample'. */
  source: string;
  language: Language;
  stem: string;
  choices: string[];
  /** Zero-based indices of the correct choices, ascending; more than one = all-or-nothing multi-answer. */
  answers: number[];
  /** IgakuQA weight: 1 (general), 3 (clinical blocks B/E), 0 (excluded from official scoring). Others: 1. */
  points: number;
  /** Exam block, e.g. "112-A" (IgakuQA) or "step1" (MedQA meta_info). */
  block?: string;
  /** Specialty, e.g. 呼吸器. */
  category?: string;
  /** Contraindicated choices (禁忌肢), zero-based. Picking one fails a real candidate whatever the score. */
  kinki: number[];
  /** Percent of real examinees who answered correctly (0-100). */
  humanAccuracy?: number;
  /** Percent of examinees choosing each option, same order as `choices`. */
  choiceBreakdown?: number[];
  /** Set on an English translation: the id of the original (Japanese) question. */
  englishOf?: string;
  /** Other gold sets that also count as correct (IgakuQA "a or d" answers). */
  alternativeAnswers?: number[][];
  /** IgakuQA: the `answer` list as the file writes it (["a","c"], a calculation's ["26"]); the official rule compares with it. */
  officialGold?: string[];
  /** IgakuQA `text_only` (false: the question shows an image; kept as text only under igakuqa-official). */
  textOnly?: boolean;
}

/** A malformed record: reported as `file:line: reason`, skipped, and the load goes on. */
export interface LoadIssue {
  file: string;
  line: number;
  reason: Message;
}

export interface LoadResult {
  questions: Question[];
  /** Reason (a SkipReason's catalogue key) → number of records skipped for it (images, calculation questions, malformed lines...). */
  skipped: Partial<Record<SkipReason, number>>;
  /** One entry per malformed record, with its file and line. */
  issues: LoadIssue[];
  /** Every file read, for the run manifest (sha256 is taken by the runner). */
  files: string[];
}

/** Counted reasons a record did not become a question: catalogue keys of messages without arguments. */
export const SKIP_REASONS = {
  image: 'skipImage',
  noChoices: 'skipNoChoices',
  noTranslation: 'skipNoTranslation',
  duplicate: 'skipDuplicate',
  malformed: 'skipMalformed',
  tooFewChoices: 'skipTooFewChoices',
  harnessImage: 'skipHarnessImage',
  harnessNotFive: 'skipHarnessNotFive',
  harnessTooLongJa: 'skipHarnessTooLongJa',
  harnessTooLongEn: 'skipHarnessTooLongEn',
} as const satisfies Record<string, MessageKey>;

export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** A malformed record as `file:line: reason`. */
export function issueMessage(issue: LoadIssue): Message {
  return msg('atFileLine', issue.file, issue.line, issue.reason);
}

export function emptyLoadResult(): LoadResult {
  return { questions: [], skipped: {}, issues: [], files: [] };
}

export function countSkip(result: LoadResult, reason: SkipReason): void {
  result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
}

/** Folds `part` into `into` (several files, one dataset). */
export function mergeLoadResults(into: LoadResult, part: LoadResult): void {
  appendAll(into.questions, part.questions);
  appendAll(into.issues, part.issues);
  appendAll(into.files, part.files);
  for (const [reason, count] of Object.entries(part.skipped) as Array<[SkipReason, number]>) {
    into.skipped[reason] = (into.skipped[reason] ?? 0) + count;
  }
}

/** Thrown by record converters; the file reader turns it into a LoadIssue with file and line. */
export class RecordError extends UserError {
  constructor(
    text: Message,
    /** Counted under this reason instead of "malformed record" (e.g. an image question). */
    readonly skipReason?: SkipReason,
  ) {
    super(text);
    this.name = 'RecordError';
  }
}

// ---- choice letters -------------------------------------------------------------------------

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Choice index → lower-case label: 0 → "a". */
export function letterOf(index: number): string {
  const letter = LETTERS[index];
  if (letter === undefined) throw new RangeError(`no letter for choice index ${index}`);
  return letter;
}

/** Labels for n choices: 5 → ["a","b","c","d","e"]. */
export function lettersFor(count: number): string[] {
  return Array.from({ length: count }, (_, index) => letterOf(index));
}

/**
 * Letter → choice index, tolerant of case and full-width forms ("ｂ", "Ｂ" → 1), as the official
 * IgakuQA script normalises predictions with zen_to_han().lower(). Returns undefined for non-letters.
 */
export function indexOfLetter(letter: string): number | undefined {
  const normalised = letter.normalize('NFKC').trim().toLowerCase();
  if (normalised.length !== 1) return undefined;
  const index = LETTERS.indexOf(normalised);
  return index === -1 ? undefined : index;
}

/** Sorted, de-duplicated copy: gold and predicted sets are compared in this form. */
export function normaliseIndexSet(indices: readonly number[]): number[] {
  return [...new Set(indices)].sort((a, b) => a - b);
}

export function sameIndexSet(a: readonly number[], b: readonly number[]): boolean {
  const left = normaliseIndexSet(a);
  const right = normaliseIndexSet(b);
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

/** Japanese if the text holds any kana or CJK ideograph; used where a file does not say its language. */
export function questionLanguage(text: string): Language {
  return hasJapanese(text) ? 'ja' : 'en';
}

// ---- dry-run summary ------------------------------------------------------------------------

export interface DatasetSummary {
  loaded: number;
  skipped: Partial<Record<SkipReason, number>>;
  multiAnswer: number;
  /** Number of choices → number of questions. */
  choiceCounts: Record<string, number>;
  /** Points value → number of questions. */
  points: Record<string, number>;
  /** Malformed records, each with its file and line. */
  issues: LoadIssue[];
}

/** A summary as a reader sees it: skip reasons and `file:line: reason` issues as text in one locale. */
export interface DatasetFactsText extends Omit<DatasetSummary, 'skipped' | 'issues'> {
  skipped: Record<string, number>;
  issues: string[];
}

export function datasetFactsIn(summary: DatasetSummary, locale: Locale): DatasetFactsText {
  const skipped: Record<string, number> = {};
  for (const [reason, count] of Object.entries(summary.skipped) as Array<[SkipReason, number]>) skipped[format(locale, msg(reason))] = count;
  return { ...summary, skipped, issues: summary.issues.map((issue) => format(locale, issueMessage(issue))) };
}

/** Why a dataset gave no questions: its skip counts ("3 skipped (malformed record), ...") and its first problems. */
export function noUsableQuestions(dataset: string, summary: DatasetSummary): Message {
  const counts = (Object.entries(summary.skipped) as Array<[SkipReason, number]>).map(([reason, count]) => msg('skippedCount', count, msg(reason)));
  const why = counts.length === 0 ? msg('fileIsEmpty') : counts.reduce((list, count) => msg('listOf', list, count));
  const issues = summary.issues.slice(0, 3).map(issueMessage);
  if (issues.length === 0) return msg('noUsableQuestions', dataset, why);
  return msg('noUsableQuestionsIssues', dataset, why, issues.reduce((list, issue) => msg('issueListOf', list, issue)));
}

export function summariseDataset(result: LoadResult, questions: readonly Question[] = result.questions): DatasetSummary {
  const choiceCounts: Record<string, number> = {};
  const points: Record<string, number> = {};
  for (const question of questions) {
    const choiceKey = String(question.choices.length);
    choiceCounts[choiceKey] = (choiceCounts[choiceKey] ?? 0) + 1;
    const pointsKey = String(question.points);
    points[pointsKey] = (points[pointsKey] ?? 0) + 1;
  }
  return {
    loaded: questions.length,
    skipped: { ...result.skipped },
    multiAnswer: questions.filter((question) => question.answers.length > 1).length,
    choiceCounts,
    points,
    issues: [...result.issues],
  };
}
