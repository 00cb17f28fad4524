// Choice shuffling (--shuffle K --seed S): each question is asked under K seeded permutations of its
// choices, and each answer is mapped back to the dataset's own choice order before it is recorded,
// so gold, 禁忌肢, alternative golds, the official special cases and every per-choice score keep
// meaning the same choice in every permutation. The record also carries the permutation (its index
// and the order the choices were shown in), from which position bias is read.
//
// A permutation is a pure function of (seed, question id, permutation index): the CLI, the panel
// and a resumed run all show the same question in the same order. K = 1 with a seed is the research
// harness's single `--shuffle`, made reproducible.

import type { Message } from '../shared/messages/index';
import type { InferenceEngine } from '../engine/types';
import type { PromptFormat } from './formats';
import { seededRandom } from './plan';
import type { Question } from './question';
import type { AnswerRecord, ScoringOptions, ShuffleSpec } from './records';
import { answerQuestion, errorRecord, finishRecord, isExactMatch } from './scoring';

/** FNV-1a over the UTF-16 code units: a stable 32-bit number for (seed, id, k). */
function hashKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The order question `id` shows its `count` choices in under permutation `k` of `seed`: shown
 * position p holds original choice order[p] (Fisher-Yates over mulberry32).
 */
export function choiceOrder(seed: number, id: string, k: number, count: number): number[] {
  const random = seededRandom(hashKey(`${seed}\u0000${id}\u0000${k}`));
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** One unit of work: a question, under a permutation when the run shuffles. */
export interface WorkItem {
  question: Question;
  permutation?: { index: number; order: number[] };
}

/** The run's work: each question once, or K times (permutation-major, so permutation 0 finishes first). */
export function workItems(questions: readonly Question[], shuffle: ShuffleSpec | undefined): WorkItem[] {
  if (!shuffle) return questions.map((question) => ({ question }));
  const items: WorkItem[] = [];
  for (let index = 0; index < shuffle.k; index += 1) {
    for (const question of questions) items.push({ question, permutation: { index, order: choiceOrder(shuffle.seed, question.id, index, question.choices.length) } });
  }
  return items;
}

/** The key of a work item, as answerKey gives for its record. */
export function workKey(item: WorkItem): string {
  return item.permutation === undefined ? item.question.id : `${item.question.id}#${item.permutation.index}`;
}

/** The question as shown under `order`: choices permuted, and every index set moved with them. */
export function shuffleQuestion(question: Question, order: readonly number[]): Question {
  const positionOf = new Map(order.map((original, position) => [original, position]));
  const moved = (indices: readonly number[]): number[] => indices.map((index) => positionOf.get(index) ?? index).sort((a, b) => a - b);
  const shown: Question = {
    ...question,
    choices: order.map((original) => question.choices[original] ?? ''),
    answers: moved(question.answers),
    kinki: moved(question.kinki),
  };
  if (question.alternativeAnswers) shown.alternativeAnswers = question.alternativeAnswers.map(moved);
  if (question.choiceBreakdown) shown.choiceBreakdown = order.map((original) => question.choiceBreakdown?.[original] ?? 0);
  return shown;
}

/** Per-choice values in shown order → original order. */
function unshuffleList(values: readonly number[] | undefined, order: readonly number[]): number[] | undefined {
  if (values === undefined) return undefined;
  const original = new Array<number>(order.length);
  order.forEach((originalIndex, position) => {
    original[originalIndex] = values[position] as number;
  });
  return original;
}

/**
 * The answer to the shown question, in the original order: predictions and scores mapped back,
 * the verdict and 禁忌肢 picks recomputed against the original question (so the official special
 * cases, which name original letters, still apply), exact match against the gold texts as the
 * dataset lists them (the harness fixes the gold text before it shuffles).
 */
export function unshuffleRecord(question: Question, shown: AnswerRecord, permutation: { index: number; order: number[] }): AnswerRecord {
  const { order } = permutation;
  const scored: Partial<AnswerRecord> & { predicted: number[] } = { predicted: shown.predicted.map((position) => order[position] ?? position) };
  const probs = unshuffleList(shown.choiceProbs, order);
  const scores = unshuffleList(shown.choiceScores, order);
  const gestalt = unshuffleList(shown.gestaltScores, order);
  if (probs) scored.choiceProbs = probs;
  if (scores) scored.choiceScores = scores;
  if (gestalt) scored.gestaltScores = gestalt;
  if (shown.response !== undefined) scored.response = shown.response;
  if (shown.answerLine !== undefined) {
    scored.answerLine = shown.answerLine;
    scored.exactMatch = isExactMatch(question, shown.answerLine);
  }
  if (shown.answeredWithLetters !== undefined) scored.answeredWithLetters = shown.answeredWithLetters;
  if (shown.tokens !== undefined) scored.tokens = shown.tokens;
  return { ...finishRecord(question, shown.mode, scored, shown.elapsedMs), permutation: permutation.index, order: [...order] };
}

/** Answers one work item: the question as is, or shown under its permutation and mapped back. */
export async function answerItem(engine: InferenceEngine, item: WorkItem, format: PromptFormat, scoring: ScoringOptions, signal?: AbortSignal): Promise<AnswerRecord> {
  if (!item.permutation) return answerQuestion(engine, item.question, format, scoring, signal);
  const shown = await answerQuestion(engine, shuffleQuestion(item.question, item.permutation.order), format, scoring, signal);
  return unshuffleRecord(item.question, shown, item.permutation);
}

/** The record of a failed work item (retried on resume, under the same permutation). */
export function itemErrorRecord(item: WorkItem, scoring: ScoringOptions, message: Message, elapsedMs: number): AnswerRecord {
  const record = errorRecord(item.question, scoring.mode, message, elapsedMs);
  return item.permutation ? { ...record, permutation: item.permutation.index, order: [...item.permutation.order] } : record;
}
