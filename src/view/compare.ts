// Two runs side by side: accuracy of each with its interval, the paired difference with its
// interval (the core's statistic), flipped questions, McNemar's p, and the same per category.
import { pairAnswers, pairedDifferenceInterval, wilsonInterval, type Pairing } from '../eval/metrics';
import { DASH, percent, pointsIntervalText, pointsText } from './format';
import type { AnswerRecord, RunComparison, StoredRunInfo } from '../protocol/benchProtocol';
import { distinctLabels, type CategoryTableWords } from '../eval/report/categories';
import { runFacts } from './runView';
import { format, type Strings } from './strings';

export { pairedDifferenceInterval };

export interface CompareGroupRow {
  key: string;
  n: number;
  accuracyA: number;
  accuracyB: number;
  difference: number;
  differenceCi: [number, number];
  accuracyAText: string;
  accuracyBText: string;
  differenceText: string;
  differenceCiText: string;
}

export interface CompareView {
  common: number;
  onlyInA: string[];
  onlyInB: string[];
  accuracyA: number;
  accuracyB: number;
  ciA: [number, number];
  ciB: [number, number];
  difference: number;
  differenceCi: [number, number];
  bothCorrect: number;
  bothWrong: number;
  rightToWrong: string[];
  wrongToRight: string[];
  mcnemarP: number;
  significant: boolean;
  /** Per category, on the questions both runs answered. */
  categories: CompareGroupRow[];
  /** How the answers were paired: a shuffled run by its first order, or two shuffled runs by (question, order). */
  pairing: Pairing;
}

/** What the comparison says about its pairing (shuffled runs), in the panel's language; undefined when neither run is shuffled. */
export function pairingNote(view: Pick<CompareView, 'pairing' | 'common'>, t: Strings): string | undefined {
  if (view.pairing === 'questionAndOrder') return format(t.shufflePairing, view.common);
  if (view.pairing === 'firstOrder') return t.shuffleFirstOrder;
  return undefined;
}

function compareGroup(key: string, pairs: ReadonlyArray<[AnswerRecord, AnswerRecord]>): CompareGroupRow {
  let both = 0;
  let aOnly = 0;
  let bOnly = 0;
  let neither = 0;
  for (const [a, b] of pairs) {
    if (a.correct && b.correct) both += 1;
    else if (a.correct) aOnly += 1;
    else if (b.correct) bOnly += 1;
    else neither += 1;
  }
  const n = pairs.length;
  const accuracyA = n === 0 ? 0 : (both + aOnly) / n;
  const accuracyB = n === 0 ? 0 : (both + bOnly) / n;
  const differenceCi = pairedDifferenceInterval(both, aOnly, bOnly, neither);
  return {
    key,
    n,
    accuracyA,
    accuracyB,
    difference: accuracyB - accuracyA,
    differenceCi,
    accuracyAText: percent(accuracyA),
    accuracyBText: percent(accuracyB),
    differenceText: pointsText(accuracyB - accuracyA),
    differenceCiText: pointsIntervalText(differenceCi),
  };
}

export function compareView(comparison: RunComparison, answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): CompareView {
  // The same pairs as the core's comparison: a shuffled run by its first order, two shuffled runs by (question, order).
  const { pairs, pairing } = pairAnswers(answersA, answersB);
  const byCategory = new Map<string, Array<[AnswerRecord, AnswerRecord]>>();
  for (const pair of pairs) {
    const key = pair[0].category ?? '(none)';
    const group = byCategory.get(key);
    if (group) group.push(pair);
    else byCategory.set(key, [pair]);
  }
  const n = comparison.common;
  const correctA = comparison.bothCorrect + comparison.rightToWrong.length;
  const correctB = comparison.bothCorrect + comparison.wrongToRight.length;
  return {
    common: n,
    onlyInA: comparison.onlyInA,
    onlyInB: comparison.onlyInB,
    accuracyA: comparison.accuracyA,
    accuracyB: comparison.accuracyB,
    ciA: wilsonInterval(correctA, n),
    ciB: wilsonInterval(correctB, n),
    difference: comparison.accuracyB - comparison.accuracyA,
    differenceCi: pairedDifferenceInterval(comparison.bothCorrect, comparison.rightToWrong.length, comparison.wrongToRight.length, comparison.bothWrong),
    bothCorrect: comparison.bothCorrect,
    bothWrong: comparison.bothWrong,
    rightToWrong: comparison.rightToWrong,
    wrongToRight: comparison.wrongToRight,
    mcnemarP: comparison.mcnemarP,
    significant: comparison.mcnemarP < 0.05,
    categories: [...byCategory.keys()].sort().map((key) => compareGroup(key, byCategory.get(key) ?? [])),
    pairing,
  };
}

// Per-category accuracy of N runs (the chart and its table): the evaluation core's, as the CLI's `bench categories`.
export {
  categoryChartData,
  categoriesToCsv,
  categoriesToJson,
  categoriesToMarkdown,
  coverageRows,
  coverageText,
  distinctLabels,
  MAX_CATEGORY_RUNS,
  type CategoryChartData,
  type CategoryRunInput,
  type CategorySeries,
  type CategoryTableWords,
} from '../eval/report/categories';

/** The category table's words in the panel's language. */
export function categoryWords(t: Strings): CategoryTableWords {
  return { category: t.colCategory, n: t.colN, run: t.catRun, answered: t.catAnswered, leftOut: t.catLeftOut, coverage: t.catCoverage, firstOrder: t.catFirstOrder };
}

/** A chart's series names: each run's model (its folder name when it names none), made distinct. */
export function chartLabels(runs: readonly StoredRunInfo[]): string[] {
  return distinctLabels(runs.map((run) => {
    const facts = runFacts(run);
    return facts.model === DASH ? facts.name : facts.model;
  }));
}
