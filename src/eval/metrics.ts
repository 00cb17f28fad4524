// Run metrics from answers.jsonl records: accuracy with Wilson intervals, exact/gestalt match,
// the IgakuQA points score, per block and per category, 禁忌肢 picks, model vs examinees, and the
// comparison of two runs (flipped questions, McNemar's exact test, the paired-difference interval).

import { answerKey, type AnswerRecord, type ProtocolId, type ScoringMode } from './records';
import { summariseOfficial, type OfficialSummary } from './protocols/official';
import { firstPermutation, isShuffled, summariseShuffle, type ShuffleSummary } from './shuffleStats';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval for x successes in n trials; [0, 1] when n = 0. */
export function wilsonInterval(successes: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * McNemar's exact test: two-sided binomial test of the discordant pairs (b: only A right, c: only
 * B right) against p = 1/2, i.e. min(1, 2 * P(X <= min(b, c))), X ~ Bin(b + c, 1/2).
 * Summed in log space so thousands of pairs do not underflow.
 */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  const logTerms: number[] = [];
  let logChoose = 0;
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    logTerms.push(logChoose - n * Math.LN2);
  }
  // A loop, not Math.max(...logTerms): k can be hundreds of thousands (too many arguments).
  let max = -Infinity;
  for (const term of logTerms) if (term > max) max = term;
  let sum = 0;
  for (const term of logTerms) sum += Math.exp(term - max);
  const tail = Math.exp(max) * sum;
  return Math.min(1, 2 * tail);
}

export interface GroupStats {
  n: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  pointsEarned: number;
  pointsPossible: number;
  /** Mean examinee accuracy (0-1) over the group's questions that have it. */
  humanAccuracy?: number;
}

export interface RunSummary {
  /** The evaluation protocol that produced these numbers (src/eval/protocols). */
  protocol?: ProtocolId;
  mode?: ScoringMode;
  total: number;
  errors: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  /** generate mode only. */
  exactMatch?: { count: number; rate: number };
  /** generate mode only: gestalt-match accuracy (same as accuracy there). */
  gestalt?: { count: number; rate: number };
  points: { earned: number; possible: number; rate: number };
  kinki: {
    /** Predicted choices that were 禁忌肢, summed over questions. */
    picks: number;
    questionsWithPick: number;
    questionsWithKinki: number;
    ids: string[];
  };
  /** Model vs examinees on the questions that report examinee accuracy. */
  human?: { n: number; humanAccuracy: number; modelAccuracy: number };
  multiAnswer: GroupStats;
  byBlock: Record<string, GroupStats>;
  byCategory: Record<string, GroupStats>;
  /** igakuqa-official: per exam required/general points, 禁忌肢 picks, pass or fail. */
  official?: OfficialSummary;
  /** Reference-protocol rules that changed verdicts in ways a reader would not expect, with how many records each touched. */
  quirks?: string[];
  /** A shuffled run (--shuffle K): the figures above are permutation 0's; these span all K. */
  shuffle?: ShuffleSummary;
}

function groupStats(records: readonly AnswerRecord[]): GroupStats {
  const correct = records.filter((record) => record.correct).length;
  const stats: GroupStats = {
    n: records.length,
    correct,
    accuracy: records.length === 0 ? 0 : correct / records.length,
    ci95: wilsonInterval(correct, records.length),
    pointsEarned: records.reduce((sum, record) => sum + (record.correct ? record.points : 0), 0),
    pointsPossible: records.reduce((sum, record) => sum + record.points, 0),
  };
  const withHuman = records.filter((record) => record.humanAccuracy !== undefined);
  if (withHuman.length > 0) {
    stats.humanAccuracy = withHuman.reduce((sum, record) => sum + (record.humanAccuracy ?? 0), 0) / withHuman.length / 100;
  }
  return stats;
}

function groupBy(records: readonly AnswerRecord[], key: (record: AnswerRecord) => string | undefined): Record<string, GroupStats> {
  const groups = new Map<string, AnswerRecord[]>();
  for (const record of records) {
    const name = key(record) ?? '(none)';
    const group = groups.get(name);
    if (group) group.push(record);
    else groups.set(name, [record]);
  }
  return Object.fromEntries([...groups.keys()].sort().map((name) => [name, groupStats(groups.get(name) ?? [])]));
}

export function summariseAnswers(allRecords: readonly AnswerRecord[]): RunSummary {
  const shuffled = isShuffled(allRecords);
  const records = shuffled ? firstPermutation(allRecords) : allRecords;
  const overall = groupStats(records);
  const mode = records[0]?.mode;
  const summary: RunSummary = {
    protocol: records[0]?.protocol ?? 'medlocal',
    ...(mode !== undefined ? { mode } : {}),
    total: records.length,
    errors: records.filter((record) => record.error !== undefined).length,
    correct: overall.correct,
    accuracy: overall.accuracy,
    ci95: overall.ci95,
    points: {
      earned: overall.pointsEarned,
      possible: overall.pointsPossible,
      rate: overall.pointsPossible === 0 ? 0 : overall.pointsEarned / overall.pointsPossible,
    },
    kinki: kinkiStats(records),
    multiAnswer: groupStats(records.filter((record) => record.gold.length > 1)),
    byBlock: groupBy(records, (record) => record.block),
    byCategory: groupBy(records, (record) => record.category),
  };
  const protocol = records[0]?.protocol;
  if (protocol !== undefined) return protocolSummary(summary, records, protocol);
  if (mode === 'generate') {
    const exact = records.filter((record) => record.exactMatch === true).length;
    summary.exactMatch = { count: exact, rate: records.length === 0 ? 0 : exact / records.length };
    summary.gestalt = { count: overall.correct, rate: overall.accuracy };
  }
  const withHuman = records.filter((record) => record.humanAccuracy !== undefined);
  if (withHuman.length > 0) {
    const stats = groupStats(withHuman);
    summary.human = { n: withHuman.length, humanAccuracy: stats.humanAccuracy ?? 0, modelAccuracy: stats.accuracy };
  }
  if (shuffled) summary.shuffle = summariseShuffle(allRecords);
  return summary;
}

/** The summary of a run scored under a reference protocol (medlocal summaries are unchanged). */
function protocolSummary(summary: RunSummary, records: readonly AnswerRecord[], protocol: NonNullable<AnswerRecord['protocol']>): RunSummary {
  const withProtocol: RunSummary = { ...summary, protocol };
  if (protocol === 'harness') {
    const exact = records.filter((record) => record.exactMatch === true).length;
    withProtocol.exactMatch = { count: exact, rate: records.length === 0 ? 0 : exact / records.length };
    withProtocol.gestalt = { count: summary.correct, rate: summary.accuracy };
  } else {
    withProtocol.official = summariseOfficial(records);
  }
  const quirkCounts = new Map<string, number>();
  for (const record of records) for (const quirk of record.quirks ?? []) quirkCounts.set(quirk, (quirkCounts.get(quirk) ?? 0) + 1);
  withProtocol.quirks = [...quirkCounts].map(([quirk, count]) => `${quirk}: ${count} record${count === 1 ? '' : 's'}`);
  return withProtocol;
}

function kinkiStats(records: readonly AnswerRecord[]): RunSummary['kinki'] {
  const picked = records.filter((record) => record.kinkiPicked.length > 0);
  return {
    picks: picked.reduce((sum, record) => sum + record.kinkiPicked.length, 0),
    questionsWithPick: picked.length,
    questionsWithKinki: records.filter((record) => record.kinki.length > 0).length,
    ids: picked.map((record) => record.id),
  };
}

// ---- comparing two runs -------------------------------------------------------------------

export interface RunComparison {
  /**
   * Answers answered in both runs: compared by question id, or by (id, permutation) when both runs
   * were shuffled (keys `id#k`); a shuffled run compared with an unshuffled one uses its permutation 0.
   */
  common: number;
  onlyInA: string[];
  onlyInB: string[];
  accuracyA: number;
  accuracyB: number;
  bothCorrect: number;
  bothWrong: number;
  /** Right in A, wrong in B. */
  rightToWrong: string[];
  /** Wrong in A, right in B. */
  wrongToRight: string[];
  /**
   * McNemar's exact two-sided p-value on the flips. Under `questionAndOrder` pairing the pairs of
   * one question's orders are not independent: the p-value is indicative only (every report says so).
   */
  mcnemarP: number;
  /** How the answers were paired (see Pairing). */
  pairing: Pairing;
}

/**
 * How two runs' answers pair up: `question` (neither run shuffled), `firstOrder` (one run shuffled:
 * its first order, permutation 0, one answer per question), `questionAndOrder` (both shuffled: per
 * (question, order), so one question gives K pairs that are not independent).
 */
export type Pairing = 'question' | 'firstOrder' | 'questionAndOrder';

export function pairingOf(answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): Pairing {
  const a = isShuffled(answersA);
  const b = isShuffled(answersB);
  return a && b ? 'questionAndOrder' : a || b ? 'firstOrder' : 'question';
}

/** The pairs of two runs' answers under their pairing, in A's order (what compareRuns counts). */
export function pairAnswers(answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): { pairs: Array<[AnswerRecord, AnswerRecord]>; key: (record: AnswerRecord) => string; pairing: Pairing } {
  const { a, b, key } = pairableAnswers(answersA, answersB);
  const byKeyB = new Map(b.map((record) => [key(record), record]));
  const pairs: Array<[AnswerRecord, AnswerRecord]> = [];
  for (const record of a) {
    const other = byKeyB.get(key(record));
    if (other) pairs.push([record, other]);
  }
  return { pairs, key, pairing: pairingOf(answersA, answersB) };
}

/**
 * The answers of two runs that correspond, each under its key: per (id, permutation) when both runs
 * were shuffled, else per question id (a shuffled run giving its permutation 0).
 */
export function pairableAnswers(answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): { a: AnswerRecord[]; b: AnswerRecord[]; key: (record: AnswerRecord) => string } {
  if (isShuffled(answersA) && isShuffled(answersB)) return { a: [...answersA], b: [...answersB], key: answerKey };
  return { a: firstPermutation(answersA), b: firstPermutation(answersB), key: (record) => record.id };
}

export function compareRuns(allA: readonly AnswerRecord[], allB: readonly AnswerRecord[]): RunComparison {
  const { a: answersA, b: answersB, key } = pairableAnswers(allA, allB);
  const byIdB = new Map(answersB.map((record) => [key(record), record]));
  const idsA = new Set(answersA.map(key));
  const comparison: RunComparison = {
    common: 0,
    onlyInA: answersA.filter((record) => !byIdB.has(key(record))).map(key),
    onlyInB: answersB.filter((record) => !idsA.has(key(record))).map(key),
    accuracyA: 0,
    accuracyB: 0,
    bothCorrect: 0,
    bothWrong: 0,
    rightToWrong: [],
    wrongToRight: [],
    mcnemarP: 1,
    pairing: pairingOf(allA, allB),
  };
  let correctA = 0;
  let correctB = 0;
  for (const recordA of answersA) {
    const recordB = byIdB.get(key(recordA));
    if (!recordB) continue;
    comparison.common += 1;
    correctA += recordA.correct ? 1 : 0;
    correctB += recordB.correct ? 1 : 0;
    if (recordA.correct && recordB.correct) comparison.bothCorrect += 1;
    else if (!recordA.correct && !recordB.correct) comparison.bothWrong += 1;
    else if (recordA.correct) comparison.rightToWrong.push(key(recordA));
    else comparison.wrongToRight.push(key(recordA));
  }
  comparison.accuracyA = comparison.common === 0 ? 0 : correctA / comparison.common;
  comparison.accuracyB = comparison.common === 0 ? 0 : correctB / comparison.common;
  comparison.mcnemarP = mcnemarExactP(comparison.rightToWrong.length, comparison.wrongToRight.length);
  return comparison;
}

/**
 * 95% interval for the difference of two paired proportions, p_B − p_A, from the 2×2 table of the
 * questions both runs answered (Newcombe 1998, method 10: Wilson intervals of each proportion
 * combined with the pairs' phi correlation). Unlike the Wald interval it stays inside [−1, 1] and
 * does not collapse to a point when no question changed.
 *
 * @param both   right in A and B      @param aOnly right in A only (right → wrong)
 * @param bOnly  right in B only       @param neither wrong in both
 */
export function pairedDifferenceInterval(both: number, aOnly: number, bOnly: number, neither: number): [number, number] {
  const n = both + aOnly + bOnly + neither;
  if (n === 0) return [-1, 1];
  const pB = (both + bOnly) / n;
  const pA = (both + aOnly) / n;
  const [lowB, highB] = wilsonInterval(both + bOnly, n);
  const [lowA, highA] = wilsonInterval(both + aOnly, n);
  const marginals = (both + aOnly) * (bOnly + neither) * (both + bOnly) * (aOnly + neither);
  // Newcombe's phi: the numerator ad − bc shrunk by n/2 when positive (a continuity correction), 0 in between.
  const cross = both * neither - aOnly * bOnly;
  const corrected = cross > n / 2 ? cross - n / 2 : cross < 0 ? cross : 0;
  const phi = marginals === 0 ? 0 : corrected / Math.sqrt(marginals);
  const difference = pB - pA;
  const below = Math.sqrt(Math.max(0, (pB - lowB) ** 2 - 2 * phi * (pB - lowB) * (highA - pA) + (highA - pA) ** 2));
  const above = Math.sqrt(Math.max(0, (highB - pB) ** 2 - 2 * phi * (highB - pB) * (pA - lowA) + (pA - lowA) ** 2));
  return [Math.max(-1, difference - below), Math.min(1, difference + above)];
}
