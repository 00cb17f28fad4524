// Per-category accuracy of several runs side by side (a local run and imported baselines, ...): the
// numbers behind the panel's category chart and `medlocal bench categories`, and their Markdown,
// CSV and JSON renderings. Every run is counted on the same questions: those ALL the runs answered
// (a shuffled run by its first order), so the bars of one category compare like with like; what
// each run answered beyond them is counted and said, never silently mixed in.
import { wilsonInterval } from '../metrics';
import type { AnswerRecord } from '../records';
import { csvTable } from './csv';
import { jsonDocument } from './json';
import { markdownTable } from './markdown';
import { intervalText, percent } from './numbers';

/** The most runs one chart takes (legible bars, distinct colours). */
export const MAX_CATEGORY_RUNS = 8;

/** One run's per-category accuracy. */
export interface CategorySeries {
  label: string;
  /** 0-1, one per category. */
  values: number[];
  /** 95% Wilson intervals, one per category. */
  intervals: Array<[number, number]>;
  correct: number[];
  /** Questions this run answered (its first order when shuffled). */
  answered: number;
  /** Of those, the questions left out because another run did not answer them. */
  leftOut: number;
  /** The run was shuffled: only its first order (permutation 0) is counted. */
  firstOrderOnly: boolean;
}

export interface CategoryChartData {
  /** The categories of the questions every run answered, sorted (questions without one are left out). */
  categories: string[];
  /** Questions per category (the same for every run). */
  counts: number[];
  /** Questions every run answered. */
  common: number;
  /** Of the common questions, those without a category (in no bar). */
  uncategorised: number;
  series: CategorySeries[];
}

export interface CategoryRunInput {
  label: string;
  answers: readonly AnswerRecord[];
}

/** Per-category accuracy of several runs on the questions all of them answered (a shuffled run's first order). */
export function categoryChartData(runs: readonly CategoryRunInput[]): CategoryChartData {
  const firstOrder = runs.map((run) => new Map(run.answers.filter((a) => (a.permutation ?? 0) === 0).map((a) => [a.id, a])));
  const [first, ...rest] = firstOrder;
  const common = [...(first?.keys() ?? [])].filter((id) => rest.every((run) => run.has(id)));
  const idsByCategory = new Map<string, string[]>();
  let uncategorised = 0;
  for (const id of common) {
    const category = first?.get(id)?.category;
    if (category === undefined || category === '') {
      uncategorised += 1;
      continue;
    }
    idsByCategory.set(category, [...(idsByCategory.get(category) ?? []), id]);
  }
  const categories = [...idsByCategory.keys()].sort();
  const counts = categories.map((category) => idsByCategory.get(category)?.length ?? 0);
  const series = runs.map((run, index) => {
    const answers = firstOrder[index] ?? new Map<string, AnswerRecord>();
    const correct = categories.map((category) => (idsByCategory.get(category) ?? []).filter((id) => answers.get(id)?.correct === true).length);
    return {
      label: run.label,
      values: correct.map((c, i) => ((counts[i] ?? 0) === 0 ? 0 : c / (counts[i] ?? 1))),
      intervals: correct.map((c, i) => wilsonInterval(c, counts[i] ?? 0)),
      correct,
      answered: answers.size,
      leftOut: answers.size - common.length,
      firstOrderOnly: run.answers.some((a) => a.permutation !== undefined),
    };
  });
  return { categories, counts, common: common.length, uncategorised, series };
}

/** The words of a category table, in the reader's language (the panel's strings; English for the CLI). */
export interface CategoryTableWords {
  category: string;
  n: string;
  run: string;
  answered: string;
  leftOut: string;
  /** "Every run is counted on the {0} questions all {1} runs answered ..." */
  coverage: string;
  /** "... (a shuffled run: its first order only)" */
  firstOrder: string;
}

export const CATEGORY_TABLE_EN: CategoryTableWords = {
  category: 'Category',
  n: 'n',
  run: 'Run',
  answered: 'Answered',
  leftOut: 'Left out (not answered by every run)',
  coverage: 'Every bar counts the {0} questions all {1} runs answered ({2} of them without a category, in no bar); questions only some runs answered are left out of every run.',
  firstOrder: 'shuffled: first order only',
};

function fill(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => String(args[Number(index)] ?? whole));
}

/** "72.2% (55.9–84.2%)" */
function cell(series: CategorySeries, index: number): string {
  return `${percent(series.values[index] ?? 0)} (${intervalText(series.intervals[index] ?? [0, 0])})`;
}

/** The coverage sentence: which questions each bar covers. */
export function coverageText(data: CategoryChartData, words: CategoryTableWords = CATEGORY_TABLE_EN): string {
  return fill(words.coverage, data.common, data.series.length, data.uncategorised);
}

/** Per run: its label, questions answered, questions left out (and, shuffled, that only its first order counts). */
export function coverageRows(data: CategoryChartData, words: CategoryTableWords = CATEGORY_TABLE_EN): string[][] {
  return data.series.map((series) => [series.label + (series.firstOrderOnly ? ` (${words.firstOrder})` : ''), String(series.answered), String(series.leftOut)]);
}

/** Markdown: the coverage sentence, the runs with what each answered, and one row per category (accuracy with its 95% CI per run). */
export function categoriesToMarkdown(data: CategoryChartData, words: CategoryTableWords = CATEGORY_TABLE_EN): string {
  const runs = markdownTable([words.run, words.answered, words.leftOut], coverageRows(data, words), 'lrr');
  const table = markdownTable(
    [words.category, words.n, ...data.series.map((series) => series.label)],
    data.categories.map((category, i) => [category, data.counts[i] ?? 0, ...data.series.map((series) => cell(series, i))]),
    'l' + 'r'.repeat(data.series.length + 1),
  );
  return [`> ${coverageText(data, words)}`, runs, table].join('\n\n') + '\n';
}

/** CSV: one row per (category, run) with the counts and the interval, machine-readable. */
export function categoriesToCsv(data: CategoryChartData): string {
  const rows = data.categories.flatMap((category, i) =>
    data.series.map((series) => [category, series.label, data.counts[i] ?? 0, series.correct[i] ?? 0, series.values[i] ?? 0, series.intervals[i]?.[0] ?? 0, series.intervals[i]?.[1] ?? 0, series.firstOrderOnly]),
  );
  return csvTable(['category', 'run', 'n', 'correct', 'accuracy', 'ci95_low', 'ci95_high', 'first_order_only'], rows);
}

/** JSON: the runs (folder, what each answered and left out) and per category each run's counts and interval. */
export function categoriesToJson(data: CategoryChartData, runDirs: readonly string[]): string {
  return jsonDocument('medlocal-benchmark-categories', {
    note: coverageText(data),
    common: data.common,
    uncategorised: data.uncategorised,
    runs: data.series.map((series, index) => ({ label: series.label, runDir: runDirs[index] ?? null, answered: series.answered, leftOut: series.leftOut, firstOrderOnly: series.firstOrderOnly })),
    categories: data.categories.map((category, i) => ({
      category,
      n: data.counts[i] ?? 0,
      runs: data.series.map((series) => ({ label: series.label, correct: series.correct[i] ?? 0, accuracy: series.values[i] ?? 0, ci95: series.intervals[i] ?? [0, 0] })),
    })),
  });
}

/** Distinct labels for runs: each its own name, with " (2)", " (3)"... where names repeat. */
export function distinctLabels(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}
