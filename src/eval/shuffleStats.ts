// The figures of a shuffled run (--shuffle K): accuracy under each permutation (mean, min, max),
// how often a question's answer stayed the same choice TEXT across permutations (consistency), and
// which shown positions were picked (position bias). Pure, over answer records in original order.

import type { AnswerRecord } from './records';

export interface ShuffleSummary {
  /** Permutations per question (K). */
  permutations: number;
  /** Accuracy under each permutation (index = permutation), over its answered questions. */
  perPermutation: number[];
  accuracy: { mean: number; min: number; max: number };
  /**
   * Mean over questions of the share of its permutations whose answer was the question's most
   * frequent answer (the same choice texts): 1 = never moved with the order, 1/K = always moved.
   */
  consistency: number;
  /** Questions whose answer was the same choice texts under every permutation. */
  consistentQuestions: number;
  questions: number;
  /** Per question id: the share of its permutations that gave its most frequent answer. */
  perQuestion: Record<string, number>;
  /** Picks per shown position (a, b, c...) over all answers: a flat profile means no position bias. */
  positionPicks: number[];
}

export function isShuffled(records: readonly AnswerRecord[]): boolean {
  return records.some((record) => record.permutation !== undefined);
}

/** The records of permutation 0 (or all of an unshuffled run): the run's headline figures and comparisons. */
export function firstPermutation(records: readonly AnswerRecord[]): AnswerRecord[] {
  return records.filter((record) => (record.permutation ?? 0) === 0);
}

function mostFrequentShare(answers: readonly string[]): number {
  const counts = new Map<string, number>();
  let best = 0;
  for (const answer of answers) {
    const count = (counts.get(answer) ?? 0) + 1;
    counts.set(answer, count);
    best = Math.max(best, count);
  }
  return answers.length === 0 ? 0 : best / answers.length;
}

export function summariseShuffle(records: readonly AnswerRecord[]): ShuffleSummary {
  const byPermutation = new Map<number, { n: number; correct: number }>();
  const byQuestion = new Map<string, string[]>();
  // Every position any question showed, picked or not: a zero is a finding too.
  const positionPicks: number[] = new Array<number>(records.reduce((most, record) => Math.max(most, record.choiceCount), 0)).fill(0);
  for (const record of records) {
    const index = record.permutation ?? 0;
    const tally = byPermutation.get(index) ?? { n: 0, correct: 0 };
    tally.n += 1;
    tally.correct += record.correct ? 1 : 0;
    byPermutation.set(index, tally);
    // A failed answer has no choice: it counts wrong, but says nothing about which text was chosen.
    if (record.error !== undefined) continue;
    const answers = byQuestion.get(record.id) ?? [];
    answers.push(record.predicted.join(','));
    byQuestion.set(record.id, answers);
    for (const original of record.predicted) {
      const position = record.order ? record.order.indexOf(original) : original;
      while (positionPicks.length <= position) positionPicks.push(0);
      positionPicks[position] = (positionPicks[position] ?? 0) + 1;
    }
  }
  const permutations = byPermutation.size === 0 ? 0 : Math.max(...byPermutation.keys()) + 1;
  const perPermutation = Array.from({ length: permutations }, (_, index) => {
    const tally = byPermutation.get(index);
    return tally && tally.n > 0 ? tally.correct / tally.n : 0;
  });
  const perQuestion: Record<string, number> = {};
  let shareSum = 0;
  let consistentQuestions = 0;
  for (const [id, answers] of byQuestion) {
    const share = mostFrequentShare(answers);
    perQuestion[id] = share;
    shareSum += share;
    if (share === 1) consistentQuestions += 1;
  }
  return {
    permutations,
    perPermutation,
    accuracy: {
      mean: perPermutation.length === 0 ? 0 : perPermutation.reduce((sum, value) => sum + value, 0) / perPermutation.length,
      min: perPermutation.length === 0 ? 0 : Math.min(...perPermutation),
      max: perPermutation.length === 0 ? 0 : Math.max(...perPermutation),
    },
    consistency: byQuestion.size === 0 ? 0 : shareSum / byQuestion.size,
    consistentQuestions,
    questions: byQuestion.size,
    perQuestion,
    positionPicks,
  };
}
