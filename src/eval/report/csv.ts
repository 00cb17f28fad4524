// CSV renderers: the run folder's summary.csv and the panel's answer and comparison exports, with
// one field quoting rule (RFC 4180) and the spreadsheet-formula guard.
import { pairAnswers, type GroupStats, type RunSummary } from '../metrics';
import type { AnswerRecord } from '../records';
import { choiceLetters } from './numbers';

/** Excel reads UTF-8 (Japanese categories, model output) correctly only with a byte order mark. */
export const CSV_BOM = '\uFEFF';

export type CsvValue = string | number | boolean | undefined;

/**
 * One CSV field. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: model output and dataset text are untrusted (CSV injection).
 */
export function csvField(value: CsvValue): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toFixed(6))) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A header line and one line per row, each ended by `eol` (CRLF, as spreadsheets expect, unless told). */
export function csvTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>, eol = '\r\n'): string {
  return [header.map(csvField).join(','), ...rows.map((row) => row.map(csvField).join(','))].join(eol) + eol;
}

export const SUMMARY_CSV_HEADER = ['scope', 'key', 'n', 'correct', 'accuracy', 'ci95_low', 'ci95_high', 'points_earned', 'points_possible', 'human_accuracy'] as const;

/** summary.csv: one row per scope: overall, multi-answer, each block, each category (LF line ends, as run folders always had). */
export function summaryToCsv(summary: RunSummary): string {
  const overall: GroupStats = {
    n: summary.total,
    correct: summary.correct,
    accuracy: summary.accuracy,
    ci95: summary.ci95,
    pointsEarned: summary.points.earned,
    pointsPossible: summary.points.possible,
    ...(summary.human ? { humanAccuracy: summary.human.humanAccuracy } : {}),
  };
  const rows: [string, string, GroupStats][] = [
    ['overall', 'all', overall],
    ['multi_answer', 'all', summary.multiAnswer],
    ...Object.entries(summary.byBlock).map(([key, stats]): [string, string, GroupStats] => ['block', key, stats]),
    ...Object.entries(summary.byCategory).map(([key, stats]): [string, string, GroupStats] => ['category', key, stats]),
  ];
  return csvTable(
    SUMMARY_CSV_HEADER,
    rows.map(([scope, key, stats]) => [scope, key, stats.n, stats.correct, stats.accuracy, stats.ci95[0], stats.ci95[1], stats.pointsEarned, stats.pointsPossible, stats.humanAccuracy]),
    '\n',
  );
}

export const ANSWERS_CSV_HEADER = [
  'id',
  'block',
  'category',
  'source',
  'language',
  'mode',
  'points',
  'gold',
  'predicted',
  'correct',
  'multi_answer',
  'kinki_picked',
  'human_accuracy',
  'confidence',
  'exact_match',
  'answer_line',
  'tokens',
  'elapsed_ms',
  'error',
] as const;

/** Answer letters for a CSV cell: none is an empty cell, not a dash. */
function letters(indices: readonly number[]): string {
  return indices.length > 0 ? choiceLetters(indices) : '';
}

/** One row per question (latest answer), machine-readable headers whatever the display language. */
export function answersToCsv(answers: readonly AnswerRecord[]): string {
  return csvTable(
    ANSWERS_CSV_HEADER,
    answers.map((record) => [
      record.id,
      record.block,
      record.category,
      record.source,
      record.language,
      record.mode,
      record.points,
      letters(record.gold),
      letters(record.predicted),
      record.correct,
      record.gold.length > 1,
      letters(record.kinkiPicked),
      record.humanAccuracy !== undefined ? record.humanAccuracy / 100 : undefined,
      record.choiceProbs && record.choiceProbs.length > 0 ? Math.max(...record.choiceProbs) : undefined,
      record.exactMatch,
      record.answerLine,
      record.tokens,
      record.elapsedMs,
      record.error,
    ]),
  );
}

export const COMPARISON_CSV_HEADER = ['id', 'category', 'a_predicted', 'a_correct', 'b_predicted', 'b_correct', 'change'] as const;

/**
 * One row per question both runs answered: what each predicted and whether it flipped. The pairs are
 * the comparison's: with a shuffled run, an `order` column after `id` says which order each row is
 * (0 = the first order, when only one run is shuffled; the order both runs shared, when both are).
 */
export function comparisonToCsv(answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): string {
  const { pairs, pairing } = pairAnswers(answersA, answersB);
  const withOrder = pairing !== 'question';
  const rows: CsvValue[][] = pairs.map(([a, b]) => {
    const change = a.correct === b.correct ? (a.correct ? 'both_right' : 'both_wrong') : a.correct ? 'right_to_wrong' : 'wrong_to_right';
    return [a.id, ...(withOrder ? [a.permutation ?? b.permutation ?? 0] : []), a.category, letters(a.predicted), a.correct, letters(b.predicted), b.correct, change];
  });
  const [id, ...rest] = COMPARISON_CSV_HEADER;
  return csvTable(withOrder ? [id ?? 'id', 'order', ...rest] : COMPARISON_CSV_HEADER, rows);
}
