// Scores one question with the engine, in one of three modes:
//
//   letter      one forward pass: log-probabilities of the choice letters as the next token
//               (a-e and A-E, each with and without a leading space). The forms of one letter are
//               different tokens, i.e. disjoint events, so their probabilities are ADDED
//               (log-sum-exp), not maxed: a model that splits its mass between "c" and " c" still
//               means c. Top-k choices (k = number of gold answers) are the prediction.
//   likelihood  summed log-probability of each choice text after the prompt (JMedBench,
//               llama-perplexity --multiple-choice), optionally divided by its length; top-k.
//   generate    greedy decoding, 256 tokens, then the japanese-lm-med-harness parsing: the first
//               line after the response marker, stripped, "." removed; exact match against the gold
//               texts joined by ","; gestalt match (difflib ratio, both directions) top-k, or the
//               letters themselves when the answer is given as letters ("d,e").
//
// Correctness is IgakuQA's official rule: the predicted set equals the gold set (all or nothing),
// with the two special cases of its evaluation script.

import { maxOf } from '../shared/arrays';
import type { InferenceEngine, Prompt } from '../engine/types';
import { gestaltScore } from './difflib';
import type { PromptFormat } from './formats';
import { indexOfLetter, lettersFor, normaliseIndexSet, sameIndexSet, type Question } from './question';

export { SCORING_MODES, type AnswerRecord, type LengthNormalization, type ScoringMode, type ScoringOptions } from './records';
import type { AnswerRecord, LengthNormalization, ScoringMode, ScoringOptions } from './records';
import { format, msg, type Message } from '../shared/messages/index';
import { UserError } from '../shared/userError';

/** Official IgakuQA evaluation special cases (its evaluate_main.py). */
const ALWAYS_CORRECT = new Set(['116A71']);
const ACCEPTED_ALTERNATIVES: Record<string, number[][]> = { '112B30': [[0], [3]] };

function officialId(question: Pick<AnswerRecord, 'id' | 'source'>): string | undefined {
  return question.source === 'igakuqa' ? question.id : undefined;
}

/** All-or-nothing set comparison, with the official special cases and "a or d" golds. */
export function isCorrect(record: Pick<AnswerRecord, 'id' | 'source' | 'gold' | 'alternativeGold'>, predicted: readonly number[]): boolean {
  const id = officialId(record);
  if (id !== undefined && ALWAYS_CORRECT.has(id)) return true;
  const accepted = [record.gold, ...(record.alternativeGold ?? []), ...(id !== undefined ? ACCEPTED_ALTERNATIVES[id] ?? [] : [])];
  return accepted.some((gold) => sameIndexSet(gold, predicted));
}

export class AbortedError extends Error {
  override name = 'AbortError';
  constructor() {
    super(format('en', msg('benchCancelled')));
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}

export async function answerQuestion(
  engine: InferenceEngine,
  question: Question,
  format: PromptFormat,
  options: ScoringOptions,
  signal?: AbortSignal,
): Promise<AnswerRecord> {
  throwIfAborted(signal);
  const started = Date.now();
  const prompt = format.render(question);
  const scored = await scoreWithEngine(engine, question, format, prompt, options, signal);
  throwIfAborted(signal);
  return finishRecord(question, options.mode, scored, Date.now() - started);
}

type ScoredParts = Partial<AnswerRecord> & { predicted: number[] };

function scoreWithEngine(
  engine: InferenceEngine,
  question: Question,
  format: PromptFormat,
  prompt: Prompt,
  options: ScoringOptions,
  signal: AbortSignal | undefined,
): Promise<ScoredParts> {
  switch (options.mode) {
    case 'letter':
      return scoreLetters(engine, question, format, prompt, signal);
    case 'likelihood':
      return scoreLikelihood(engine, question, prompt, options.lengthNormalization ?? 'none', signal);
    case 'generate':
      return scoreGeneration(engine, question, format, prompt, options.maxTokens ?? 256, signal);
  }
}

/** Builds the answers.jsonl record (question facts + result). */
export function finishRecord(question: Question, mode: ScoringMode, scored: ScoredParts, elapsedMs: number): AnswerRecord {
  const predicted = normaliseIndexSet(scored.predicted);
  const record: AnswerRecord = {
    ...questionFacts(question, mode),
    ...scored,
    predicted,
    correct: false,
    kinkiPicked: predicted.filter((index) => question.kinki.includes(index)),
    elapsedMs,
  };
  record.correct = isCorrect(record, predicted);
  return record;
}

/** A record for a question the engine failed on: counted wrong, retried by resume. */
/** A question the engine failed on: the error in English (run files are English) and as a message. */
export function errorRecord(question: Question, mode: ScoringMode, message: Message, elapsedMs: number): AnswerRecord {
  return { ...questionFacts(question, mode), predicted: [], correct: false, kinkiPicked: [], elapsedMs, error: format('en', message), errorMessage: message };
}

/** What an answer record repeats of its question, so a run folder stands on its own. */
export function questionFacts(question: Question, mode: ScoringMode): Omit<AnswerRecord, 'predicted' | 'correct' | 'kinkiPicked' | 'elapsedMs'> {
  return {
    id: question.id,
    mode,
    source: question.source,
    language: question.language,
    ...(question.block !== undefined ? { block: question.block } : {}),
    ...(question.category !== undefined ? { category: question.category } : {}),
    points: question.points,
    choiceCount: question.choices.length,
    gold: question.answers,
    ...(question.alternativeAnswers ? { alternativeGold: question.alternativeAnswers } : {}),
    kinki: question.kinki,
    ...(question.humanAccuracy !== undefined ? { humanAccuracy: question.humanAccuracy } : {}),
  };
}

// ---- ranking helpers ----------------------------------------------------------------------

/** Indices of the k highest scores; ties go to the earlier choice (Python's list.index(max)). */
export function topK(scores: readonly number[], k: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((left, right) => right.score - left.score || left.index - right.index)
    .slice(0, k)
    .map((entry) => entry.index);
}

export function logSumExp(values: readonly number[]): number {
  const finite = values.filter((value) => value !== -Infinity);
  if (finite.length === 0) return -Infinity;
  const max = maxOf(finite);
  return max + Math.log(finite.reduce((sum, value) => sum + Math.exp(value - max), 0));
}

/** Log-scores → probabilities over the choices (softmax). */
export function softmax(logScores: readonly number[]): number[] {
  const total = logSumExp(logScores);
  return logScores.map((score) => (total === -Infinity ? 1 / logScores.length : Math.exp(score - total)));
}

// ---- letter -------------------------------------------------------------------------------

/** The next-token forms that mean choice i: "a", "A", " a", " A". */
export function letterCandidates(choiceCount: number): string[][] {
  return lettersFor(choiceCount).map((letter) => [letter, letter.toUpperCase(), ` ${letter}`, ` ${letter.toUpperCase()}`]);
}

async function scoreLetters(engine: InferenceEngine, question: Question, format: PromptFormat, prompt: Prompt, signal?: AbortSignal): Promise<ScoredParts> {
  if (!format.labelsChoices) {
    throw new UserError(msg('scoringNoLetters', format.id));
  }
  const forms = letterCandidates(question.choices.length);
  const results = await engine.scoreNextTokens(prompt, forms.flat(), { priority: 'background', ...(signal ? { signal } : {}) });
  const byCandidate = new Map(results.map((result) => [result.candidate, result.logProb]));
  const choiceScores = forms.map((group) => logSumExp(group.map((form) => byCandidate.get(form) ?? -Infinity)));
  return { predicted: topK(choiceScores, question.answers.length), choiceScores, choiceProbs: softmax(choiceScores) };
}

// ---- likelihood ---------------------------------------------------------------------------

function promptEnding(prompt: Prompt): string {
  return typeof prompt === 'string' ? prompt : prompt.assistantPrefix ?? '';
}

/**
 * The continuation scored for a choice. After "Answer:" the text needs a space to tokenize as it
 * would be written; after "答え：", a newline, or before Japanese text it does not.
 */
export function continuationFor(prompt: Prompt, choice: string): string {
  const ending = promptEnding(prompt);
  if (ending === '' || /\s$/u.test(ending) || /^[\s\u3000-\u9fff\uff00-\uffef]/u.test(choice) || /[\u3000-\u9fff\uff00-\uffef]$/u.test(ending)) {
    return choice;
  }
  return ` ${choice}`;
}

async function scoreLikelihood(
  engine: InferenceEngine,
  question: Question,
  prompt: Prompt,
  normalization: LengthNormalization,
  signal?: AbortSignal,
): Promise<ScoredParts> {
  const continuations = question.choices.map((choice) => continuationFor(prompt, choice));
  const results = await engine.scoreContinuations(prompt, continuations, { priority: 'background', ...(signal ? { signal } : {}) });
  const choiceScores = continuations.map((continuation, index) => {
    const result = results.find((candidate) => candidate.continuation === continuation) ?? results[index];
    if (!result) throw new UserError(msg('engineNoScore', index + 1, question.id));
    const length = normalization === 'tokens' ? result.tokens : normalization === 'chars' ? Array.from(question.choices[index] ?? '').length : 1;
    return result.logProb / Math.max(1, length);
  });
  const tokens = results.reduce((sum, result) => sum + result.tokens, 0);
  return { predicted: topK(choiceScores, question.answers.length), choiceScores, choiceProbs: softmax(choiceScores), tokens };
}

// ---- generate -----------------------------------------------------------------------------

/**
 * The answer line: the text after the response marker when the completion repeats it, else the
 * whole completion; stripped; its first line; stripped.
 */
export function extractAnswerLine(completion: string, marker?: string): string {
  const markerAt = marker !== undefined && marker !== '' ? completion.indexOf(marker) : -1;
  const afterMarker = markerAt === -1 ? completion : completion.slice(markerAt + (marker ?? '').length);
  return (afterMarker.trim().split('\n')[0] ?? '').trim();
}

/** The harness's cleansing: "." removed, stripped. */
export function cleanAnswer(text: string): string {
  return text.replaceAll('.', '').trim();
}

/** Cleaned answer line equals the gold choice texts (cleaned) joined by ",". */
export function isExactMatch(question: Pick<Question, 'choices' | 'answers'>, answerLine: string): boolean {
  const gold = cleanAnswer(question.answers.map((index) => question.choices[index] ?? '').join(','));
  return cleanAnswer(answerLine) === gold;
}

const ANSWER_LABEL = /^(答え|解答|正解|answer)\s*[:：]\s*/iu;

/**
 * "d", "d,e", "D, E", "(d)", "ｄ、ｅ", "答え: d,e" → indices; undefined when the line is not
 * just letters (choice text, explanations) or names a letter beyond the choices.
 */
export function parseLetterAnswer(answerLine: string, choiceCount: number): number[] | undefined {
  const text = answerLine.normalize('NFKC').replace(ANSWER_LABEL, '').replaceAll('.', '').trim().toLowerCase();
  if (!/^\(?[a-z]\)?(\s*[,、，・/\s]\s*\(?[a-z]\)?)*$/u.test(text)) return undefined;
  const indices = (text.match(/[a-z]/g) ?? []).map((letter) => indexOfLetter(letter) ?? -1);
  return indices.every((index) => index >= 0 && index < choiceCount) ? normaliseIndexSet(indices) : undefined;
}

/** Gestalt scores of each choice against the cleaned answer, and the top-k choices. */
export function gestaltPrediction(question: Pick<Question, 'choices' | 'answers'>, answerLine: string): { scores: number[]; predicted: number[] } {
  const response = cleanAnswer(answerLine);
  const scores = question.choices.map((choice) => gestaltScore(choice, response));
  return { scores, predicted: topK(scores, question.answers.length) };
}

async function scoreGeneration(
  engine: InferenceEngine,
  question: Question,
  format: PromptFormat,
  prompt: Prompt,
  maxTokens: number,
  signal?: AbortSignal,
): Promise<ScoredParts> {
  const result = await engine.generate(prompt, { maxTokens, temperature: 0, priority: 'background', ...(signal ? { signal } : {}) });
  if (result.stopReason === 'cancelled') throw new AbortedError();
  const answerLine = extractAnswerLine(result.text, format.responseMarker(question.language));
  const gestalt = gestaltPrediction(question, answerLine);
  const letters = parseLetterAnswer(answerLine, question.choices.length);
  return {
    predicted: letters ?? gestalt.predicted,
    gestaltScores: gestalt.scores,
    response: result.text,
    answerLine,
    exactMatch: isExactMatch(question, answerLine),
    answeredWithLetters: letters !== undefined,
    tokens: result.tokens,
  };
}
