// Checks one answers.jsonl record read back from a run folder. The file is data, not a trusted
// result: what a record claims about itself (`correct`, 禁忌肢 picks) is recomputed from what it
// predicted and the question's gold and 禁忌肢 (from the question set when the caller has it,
// else the record's own facts), and a record with a missing or impossible field (not a number,
// Infinity from `1e999`, an index out of range...) is dropped with a reason.

import type { Question } from './question';
import { normaliseIndexSet } from './question';
import { isCorrect, SCORING_MODES, type AnswerRecord, type ScoringMode } from './scoring';
import { harnessRecord, officialRecord } from './protocols';
import { format, isMessage, msg, type Message } from '../shared/messages/index';

/** More choices than letters a-z cannot be a real question. */
const MAX_CHOICES = 26;
const MAX_ID_LENGTH = 200;

export type RecordCheck = { record: AnswerRecord; recomputed: boolean } | { reason: Message };

/** Why a record is dropped, as a catalogue message (the CLI and the panel show it in their language). */
class Invalid extends Error {
  constructor(readonly reason: Message) {
    super(format('en', reason));
  }
}

function fail(reason: Message): never {
  throw new Invalid(reason);
}

/** Messages nest a few levels (a reason inside a sentence); deeper is not a message MedLocal wrote. */
const MAX_MESSAGE_DEPTH = 8;

/** A catalogue message read back from a file, or undefined when it is not one (checked without deep recursion). */
function storedMessage(value: unknown, depth: number): Message | undefined {
  if (depth > MAX_MESSAGE_DEPTH || !isObject(value) || !Array.isArray(value['args']) || value['args'].length > 10) return undefined;
  const args = value['args'] as unknown[];
  if (!args.every((arg) => typeof arg === 'string' || typeof arg === 'number' || storedMessage(arg, depth + 1) !== undefined)) return undefined;
  return isMessage(value) ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteNumber(value: unknown, field: string): number {
  if (typeof value !== 'number') fail(msg('recNotNumber', field));
  if (!Number.isFinite(value)) fail(msg('recNotFinite', field));
  return value;
}

function optionalFinite(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : finiteNumber(value, field);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(msg('recNotText', field));
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(msg('recNotBoolean', field));
  return value;
}

function indexList(value: unknown, field: string, choiceCount: number): number[] {
  if (!Array.isArray(value)) fail(msg('recNotList', field));
  if (value.length > MAX_CHOICES) fail(msg('recTooManyChoices', field, MAX_CHOICES));
  for (const index of value) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= choiceCount) {
      fail(msg('recBadIndex', field, JSON.stringify(index) ?? String(index), choiceCount));
    }
  }
  return normaliseIndexSet(value as number[]);
}

/** Scores per choice: numbers or null (JSON writes -Infinity log-probabilities as null). */
function optionalScores(value: unknown, field: string): Array<number | null> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_CHOICES) fail(msg('recNotScores', field));
  for (const score of value) {
    if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) fail(msg('recScoreNotFinite', field, JSON.stringify(score) ?? String(score)));
  }
  return value as Array<number | null>;
}

/** The question facts of a record: from the question set when it has the id, else the record's own. */
function facts(value: Record<string, unknown>, question: Question | undefined) {
  if (question) {
    return {
      source: question.source,
      language: question.language,
      block: question.block,
      category: question.category,
      points: question.points,
      choiceCount: question.choices.length,
      gold: normaliseIndexSet(question.answers),
      alternativeGold: question.alternativeAnswers,
      kinki: normaliseIndexSet(question.kinki),
      humanAccuracy: question.humanAccuracy,
    };
  }
  const choiceCount = finiteNumber(value['choiceCount'], 'choiceCount');
  // A calculation question has no choices; only the official protocol keeps those.
  const fewest = value['protocol'] === 'igakuqa-official' ? 0 : 1;
  if (!Number.isInteger(choiceCount) || choiceCount < fewest || choiceCount > MAX_CHOICES) fail(msg('recBadChoiceCount', choiceCount));
  const source = optionalString(value['source'], 'source') ?? fail(msg('recMissing', 'source'));
  const language = value['language'];
  if (language !== 'ja' && language !== 'en') fail(msg('recBadLanguage'));
  const points = finiteNumber(value['points'], 'points');
  if (points < 0) fail(msg('recNegativePoints'));
  const alternatives = value['alternativeGold'];
  if (alternatives !== undefined && (!Array.isArray(alternatives) || alternatives.length > MAX_CHOICES)) fail(msg('recBadAlternatives'));
  return {
    source,
    language: language as 'ja' | 'en',
    block: optionalString(value['block'], 'block'),
    category: optionalString(value['category'], 'category'),
    points,
    choiceCount,
    gold: indexList(value['gold'], 'gold', choiceCount),
    alternativeGold: alternatives === undefined ? undefined : (alternatives as unknown[]).map((set, i) => indexList(set, `alternativeGold[${i}]`, choiceCount)),
    kinki: value['kinki'] === undefined ? [] : indexList(value['kinki'], 'kinki', choiceCount),
    humanAccuracy: optionalFinite(value['humanAccuracy'], 'humanAccuracy'),
  };
}

function check(value: unknown, questions: ReadonlyMap<string, Question> | undefined): { record: AnswerRecord; recomputed: boolean } {
  if (!isObject(value)) fail(msg('jsonNotObject'));
  const id = value['id'];
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) fail(msg('recBadId'));
  const mode = value['mode'];
  if (typeof mode !== 'string' || !(SCORING_MODES as readonly string[]).includes(mode)) fail(msg('recBadMode'));
  const claimedPoints = value['points'];
  if (typeof claimedPoints === 'number' && !Number.isFinite(claimedPoints)) fail(msg('recNotFinite', 'points'));
  const known = facts(value, questions?.get(id));
  const error = optionalString(value['error'], 'error');
  const predicted = error !== undefined ? [] : indexList(value['predicted'], 'predicted', known.choiceCount);
  const record: AnswerRecord = {
    id,
    mode: mode as ScoringMode,
    source: known.source,
    language: known.language,
    ...(known.block !== undefined ? { block: known.block } : {}),
    ...(known.category !== undefined ? { category: known.category } : {}),
    points: known.points,
    choiceCount: known.choiceCount,
    gold: known.gold,
    ...(known.alternativeGold !== undefined ? { alternativeGold: known.alternativeGold } : {}),
    kinki: known.kinki,
    ...(known.humanAccuracy !== undefined ? { humanAccuracy: known.humanAccuracy } : {}),
    predicted,
    correct: false,
    kinkiPicked: predicted.filter((index) => known.kinki.includes(index)),
    elapsedMs: optionalFinite(value['elapsedMs'], 'elapsedMs') ?? 0,
  };
  if (error === undefined) record.correct = isCorrect(record, predicted);
  else {
    record.error = error;
    // The same failure as a catalogue message, when the run wrote one: kept only when well formed.
    const message = storedMessage(value['errorMessage'], 0);
    if (message) record.errorMessage = message;
  }
  const probs = optionalScores(value['choiceProbs'], 'choiceProbs');
  const scores = optionalScores(value['choiceScores'], 'choiceScores');
  const gestalt = optionalScores(value['gestaltScores'], 'gestaltScores');
  // Stored as written (null = -Infinity log-probability); the type says number[] as the runner wrote it.
  if (probs) record.choiceProbs = probs as number[];
  if (scores) record.choiceScores = scores as number[];
  if (gestalt) record.gestaltScores = gestalt as number[];
  const tokens = optionalFinite(value['tokens'], 'tokens');
  if (tokens !== undefined) record.tokens = tokens;
  const response = optionalString(value['response'], 'response');
  if (response !== undefined) record.response = response;
  const answerLine = optionalString(value['answerLine'], 'answerLine');
  if (answerLine !== undefined) record.answerLine = answerLine;
  const exactMatch = optionalBoolean(value['exactMatch'], 'exactMatch');
  if (exactMatch !== undefined) record.exactMatch = exactMatch;
  const letters = optionalBoolean(value['answeredWithLetters'], 'answeredWithLetters');
  if (letters !== undefined) record.answeredWithLetters = letters;
  const shuffled = permutationFields(value, known.choiceCount);
  if (shuffled) {
    record.permutation = shuffled.permutation;
    record.order = shuffled.order;
  }
  const rescored = protocolRecord(record, value);
  const claimedKinki = value['kinkiPicked'];
  const recomputed =
    value['correct'] !== rescored.correct ||
    !Array.isArray(claimedKinki) ||
    claimedKinki.length !== rescored.kinkiPicked.length ||
    value['points'] !== rescored.points;
  return { record: rescored, recomputed };
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > 64 || value.some((item) => typeof item !== 'string')) fail(msg('recNotTextList', field));
  return value as string[];
}

/** A record scored under a reference protocol: its verdict recomputed by that protocol's rule. */
function protocolRecord(record: AnswerRecord, value: Record<string, unknown>): AnswerRecord {
  const protocol = value['protocol'];
  if (protocol === undefined) return record;
  const quirks = value['quirks'] === undefined ? undefined : stringList(value['quirks'], 'quirks');
  const note = optionalString(value['note'], 'note');
  const base = { ...record, ...(note !== undefined ? { note } : {}), ...(quirks ? { quirks } : {}) };
  if (protocol === 'igakuqa-official') {
    return officialRecord({ ...base, prediction: optionalString(value['prediction'], 'prediction') ?? '', officialGold: stringList(value['officialGold'], 'officialGold') });
  }
  if (protocol === 'harness') {
    const choiceTexts = stringList(value['choiceTexts'], 'choiceTexts');
    if (choiceTexts.length !== record.choiceCount) fail(msg('recChoiceTextsCount', choiceTexts.length, record.choiceCount));
    return harnessRecord({ ...base, goldText: optionalString(value['goldText'], 'goldText') ?? fail(msg('recMissing', 'goldText')), choiceTexts });
  }
  fail(msg('recBadProtocol', JSON.stringify(protocol) ?? String(protocol)));
}

/** A shuffled answer's permutation index and shown order (a permutation of the choice indices), or none. */
function permutationFields(value: Record<string, unknown>, choiceCount: number): { permutation: number; order: number[] } | undefined {
  const permutation = value['permutation'];
  const order = value['order'];
  if (permutation === undefined && order === undefined) return undefined;
  if (typeof permutation !== 'number' || !Number.isInteger(permutation) || permutation < 0 || permutation > 10_000) fail(msg('recBadPermutation'));
  if (!Array.isArray(order) || order.length !== choiceCount) fail(msg('recBadOrderLength', choiceCount));
  const seen = new Set<number>();
  for (const index of order) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= choiceCount || seen.has(index)) fail(msg('recBadOrder'));
    seen.add(index);
  }
  return { permutation, order: [...(order as number[])] };
}

/** The checked record (correct and 禁忌肢 picks recomputed), or why it was dropped. */
export function checkAnswerRecord(value: unknown, questions?: ReadonlyMap<string, Question>): RecordCheck {
  try {
    return check(value, questions);
  } catch (error) {
    if (error instanceof Invalid) return { reason: error.reason };
    throw error;
  }
}
