// The shapes of a benchmark run that leave the evaluation core: answer records, the run manifest,
// progress. Plain types and constants, no Node built-ins, so the protocol and the panel's browser
// bundle can use them.
import type { Language } from './question';
import type { Message } from '../shared/messages/index';
import type { ProtocolId, ScoringMode } from '../shared/benchmarkKinds';
export { DATASET_KINDS, DEFAULT_PROTOCOL, PROTOCOL_IDS, SCORING_MODES, type DatasetKind, type ProtocolId, type ScoringMode } from '../shared/benchmarkKinds';

export type LengthNormalization = 'none' | 'tokens' | 'chars';

export interface ScoringOptions {
  mode: ScoringMode;
  /** generate: new tokens (default 256, as the harness). */
  maxTokens?: number;
  /** likelihood: divide each choice's log-probability by its token or character count (default none). */
  lengthNormalization?: LengthNormalization;
}

/**
 * Choice shuffling: every question is asked under `k` permutations of its choices, drawn from
 * (seed, question id, permutation index) alone, so the same seed gives the same orders anywhere.
 */
export interface ShuffleSpec {
  k: number;
  seed: number;
}

/** Permutations per question at most: each is one more pass over the whole question set. */
export const MAX_SHUFFLE_PERMUTATIONS = 50;

/** One line of answers.jsonl: the question facts metrics need, so a run folder stands on its own. */
export interface AnswerRecord {
  id: string;
  mode: ScoringMode;
  source: string;
  language: Language;
  block?: string;
  category?: string;
  points: number;
  choiceCount: number;
  gold: number[];
  alternativeGold?: number[][];
  kinki: number[];
  humanAccuracy?: number;
  predicted: number[];
  correct: boolean;
  /** Predicted choices that are 禁忌肢. */
  kinkiPicked: number[];
  /** letter / likelihood: probability of each choice, renormalised over the choices. */
  choiceProbs?: number[];
  /** letter / likelihood: the score each choice was ranked by (log-probability, maybe normalised). */
  choiceScores?: number[];
  /** generate: the gestalt score of each choice against the answer line. */
  gestaltScores?: number[];
  response?: string;
  answerLine?: string;
  exactMatch?: boolean;
  /** generate: the answer line was letters ("d,e") rather than choice text. */
  answeredWithLetters?: boolean;
  /** Tokens generated (generate) or scored (likelihood continuations). */
  tokens?: number;
  elapsedMs: number;
  /** The engine failed on this question (in English); counted wrong, retried on resume. */
  error?: string;
  /** The same failure as a catalogue message, so a reader can see it in their own language. */
  errorMessage?: Message;
  /**
   * The reference protocol that gave the verdict (src/eval/protocols); absent = medlocal. The
   * fields below are what that protocol's verdict is recomputed from when the file is read back.
   */
  protocol?: Exclude<ProtocolId, 'medlocal'>;
  /** igakuqa-official: the prediction string the official script reads ("a,c", "26"). */
  prediction?: string;
  /** igakuqa-official: the question file's gold list as written (["a","c"], ["26"], ["a or d"]). */
  officialGold?: string[];
  /** harness: the gold text (choice texts joined by ","). */
  goldText?: string;
  /** harness: the choice texts gestalt compares with, in the order the result file had them. */
  choiceTexts?: string[];
  /** What the protocol's rules did to this record that a reader would not expect (harness quirks). */
  quirks?: string[];
  /** Why the verdict is what it is when no engine answer was scored (e.g. a calculation question under letter scoring). */
  note?: string;
  /**
   * Choice shuffling (--shuffle K): which of the run's K permutations this answer is, 0-based.
   * Absent when the choices were shown in dataset order. Every choice index and per-choice list
   * above (gold, kinki, predicted, scores...) is in the dataset's ORIGINAL order even then.
   */
  permutation?: number;
  /** The order the choices were shown in: shown position p held original choice order[p]. */
  order?: number[];
}

/** An answer's key in a run: its question id, plus its permutation index in a shuffled run. */
export function answerKey(record: Pick<AnswerRecord, 'id' | 'permutation'>): string {
  return record.permutation === undefined ? record.id : `${record.id}#${record.permutation}`;
}

/** interrupted: a write failed (disk full, folder not writable); everything kept is resumable. */
export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface RunManifest {
  medlocalVersion: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  /** Times the run was resumed. */
  resumedAt?: string[];
  /** Model facts given by the caller (path, size, quantisation, context...). */
  model?: unknown;
  dataset: { files: { path: string; sha256: string }[]; questions: number };
  format: { id: string; hash: string; description: string };
  scoring: ScoringOptions;
  parallel: number;
  /** Why the run failed, in English; errorMessage is the same as a catalogue message. */
  error?: string;
  errorMessage?: Message;
  /** Anything else the caller passed in manifestExtras (command line, dataset spec...). */
  [extra: string]: unknown;
}

export interface BenchmarkProgress {
  /** Answered questions, including those found in a resumed folder. */
  done: number;
  total: number;
  /** Accuracy over the answered questions (0-1). */
  accuracy: number;
  /** Generated/scored tokens per second in this session; null when the mode produces no tokens. */
  tokensPerSecond: number | null;
  /** Seconds left at this session's pace; null until the first answer. */
  etaSeconds: number | null;
  /** Id of the question just answered. */
  current: string;
}

/** One run folder as the history lists it. */
export interface RunListing {
  runDir: string;
  /** completed, cancelled or failed (resumable), running (in this process), damaged (unreadable). */
  status: 'completed' | 'cancelled' | 'failed' | 'running' | 'damaged';
  problem?: string;
  model?: string;
  dataset?: string;
  mode?: string;
  format?: string;
  startedAt?: string;
  answered?: number;
  total?: number;
  accuracy?: number;
  ci95?: [number, number];
}
