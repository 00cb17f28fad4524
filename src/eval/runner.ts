// Runs a benchmark: N workers take questions from one queue, each answer is appended to
// answers.jsonl as soon as it exists, and the run can be cancelled (AbortSignal) and resumed
// later without redoing answered questions.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InferenceEngine } from '../engine/types';
import type { PromptFormat } from './formats';
import { summariseAnswers, type RunSummary } from './metrics';
import { summaryToCsv } from './report/csv';
import type { Question } from './question';
import { describeWriteError, openRunFileForAppend, overwriteInPlace, writeAll } from './runFileAccess';
import {
  ANSWERS_FILE,
  droppedRecordsNote,
  latestById,
  MANIFEST_FILE,
  readManifest,
  repairAnswersFile,
  SUMMARY_CSV_FILE,
  SUMMARY_FILE,
  writeJsonAtomic,
  writeTextAtomic,
  type RunManifest,
  type RunStatus,
} from './runFiles';
import { SAMPLE_DATASET_PATH, sampleSetSha256 } from './sample';
import { AbortedError, type AnswerRecord, type ScoringMode, type ScoringOptions } from './scoring';
import { answerItem, itemErrorRecord, workItems, workKey } from './shuffle';
import { answerKey, type ShuffleSpec } from './records';
import { MEDLOCAL_VERSION } from './version';
import { applyProtocol, unanswerableRecord } from './protocols';
import type { ProtocolId } from './records';

export type { BenchmarkProgress } from './records';
import type { BenchmarkProgress } from './records';
import { format, msg, type Message } from '../shared/messages/index';
import { errorMessage, UserError } from '../shared/userError';

export interface RunBenchmarkOptions {
  engine: InferenceEngine;
  questions: readonly Question[];
  format: PromptFormat;
  scoring: ScoringOptions | ScoringMode;
  /** Questions in flight at once; the engine's scheduler maps them to context sequences. */
  parallel: number;
  /** Folder for the run files (created). */
  outDir: string;
  /** An earlier run folder to continue in place (outDir is then ignored); its answers are not redone. */
  resumeDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: BenchmarkProgress) => void;
  /** Dataset files to fingerprint (sha256) in the manifest, e.g. LoadResult.files. */
  datasetFiles?: readonly string[];
  /** Merged into manifest.json: `model` (facts about the loaded model), the command line, ... */
  manifestExtras?: Record<string, unknown>;
  /** The evaluation protocol that scores each answer (src/eval/protocols); default medlocal. */
  protocol?: ProtocolId;
  /** Ask every question under K seeded permutations of its choices (recorded in manifest.shuffle). */
  shuffle?: ShuffleSpec;
}

export interface BenchmarkResult {
  status: Extract<RunStatus, 'completed' | 'cancelled'>;
  runDir: string;
  /** Latest answer per question of this run's question set (per question and permutation when shuffled). */
  answers: AnswerRecord[];
  /** Present when completed. */
  summary?: RunSummary;
  manifest: RunManifest;
  /** Questions answered in this session (not found in the resumed folder). */
  answeredThisSession: number;
  /** A torn last line was found in the resumed answers.jsonl and dropped. */
  discardedTornLine: boolean;
  /** Damaged records dropped from the resumed answers.jsonl (file:line, reason), or recomputed verdicts. */
  dropped?: Message;
}

/**
 * A write into the run folder failed (disk full, folder not writable): the run stopped, the answers
 * written before are kept and the manifest says `interrupted`. `reason` says what happened to which
 * file; the message adds how to continue on the command line (the server words its own).
 */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
  constructor(
    readonly reason: Message,
    readonly runDir: string,
    /** Answers of this run's questions kept in answers.jsonl (resumed ones included). */
    readonly kept: number,
  ) {
    super(format('en', msg('runInterrupted', reason, keptSentence(kept), runDir)));
  }
}

export function keptSentence(kept: number): Message {
  return kept === 1 ? msg('keptAnswerOne') : msg('keptAnswers', kept);
}

/** After this many failures in a row the run stops: the engine is broken, not one question. */
const MAX_CONSECUTIVE_ERRORS = 5;

export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkResult> {
  const scoring: ScoringOptions = typeof options.scoring === 'string' ? { mode: options.scoring } : options.scoring;
  const parallel = Math.max(1, Math.floor(options.parallel));
  const runDir = resolve(options.resumeDir ?? options.outDir);
  const setup = prepareRunFolder(options, scoring, parallel, runDir);
  try {
    return await runQuestions(options, scoring, parallel, runDir, setup);
  } finally {
    closeSync(setup.answersFd);
  }
}

async function runQuestions(options: RunBenchmarkOptions, scoring: ScoringOptions, parallel: number, runDir: string, setup: RunFolderSetup): Promise<BenchmarkResult> {
  const items = workItems(options.questions, options.shuffle);
  const itemKeys = new Set(items.map(workKey));
  const finished = new Map<string, AnswerRecord>();
  for (const [key, record] of latestById(setup.previous)) if (itemKeys.has(key) && record.error === undefined) finished.set(key, record);
  const todo = items.filter((item) => !finished.has(workKey(item)));
  const state = new RunState(options, finished, todo.length, items.length);

  let fatal: Message | undefined;
  let writeFailure: Message | undefined;
  let consecutiveErrors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = todo[next++]; item !== undefined && !options.signal?.aborted && !fatal && !writeFailure; item = todo[next++]) {
      const started = Date.now();
      let record: AnswerRecord;
      try {
        const protocol = options.protocol ?? 'medlocal';
        record = unanswerableRecord(item.question, scoring.mode, protocol) ??
          applyProtocol(await answerItem(options.engine, item, options.format, scoring, options.signal), item.question, protocol);
        consecutiveErrors = 0;
      } catch (error) {
        if (options.signal?.aborted || isAbortError(error)) return;
        record = applyProtocol(itemErrorRecord(item, scoring, errorMessage(error), Date.now() - started), item.question, options.protocol ?? 'medlocal');
        consecutiveErrors += 1;
        if (consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) fatal = errorMessage(error);
      }
      if (writeFailure) return;
      // One write call of one complete line: a crash tears at most this line, which resume drops.
      const before = fstatSync(setup.answersFd).size;
      try {
        writeAll(setup.answersFd, JSON.stringify(record) + '\n');
      } catch (error) {
        writeFailure = describeWriteError(error, setup.answersPath);
        dropTornLine(setup.answersFd, before);
        return;
      }
      state.record(record);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));

  const manifest = setup.manifest;
  manifest.endedAt = new Date().toISOString();
  if (writeFailure) throw interrupt(manifest, runDir, writeFailure, state);
  if (fatal) {
    manifest.status = 'failed';
    manifest.error = format('en', fatal);
    manifest.errorMessage = fatal;
    writeRunFile(join(runDir, MANIFEST_FILE), manifest, manifest, runDir, state);
    throw new UserError(msg('runFailedInARow', MAX_CONSECUTIVE_ERRORS, fatal, runDir));
  }
  const answers = items.map((item) => state.answers.get(workKey(item))).filter((record): record is AnswerRecord => record !== undefined);
  // Every question has an answer (an abort that arrived after the last one changes nothing).
  const completed = answers.length === items.length;
  manifest.status = completed ? 'completed' : 'cancelled';
  const result: BenchmarkResult = {
    status: completed ? 'completed' : 'cancelled',
    runDir,
    answers,
    manifest,
    answeredThisSession: state.answeredThisSession,
    discardedTornLine: setup.discardedTornLine,
    ...(setup.dropped ? { dropped: setup.dropped } : {}),
  };
  if (completed) {
    result.summary = summariseAnswers(answers);
    writeRunFile(join(runDir, SUMMARY_FILE), result.summary, manifest, runDir, state);
    writeRunFile(join(runDir, SUMMARY_CSV_FILE), summaryToCsv(result.summary), manifest, runDir, state);
  }
  writeRunFile(join(runDir, MANIFEST_FILE), manifest, manifest, runDir, state);
  return result;
}

/** An atomic write of a run file; a failure interrupts the run (answers kept, manifest says why). */
function writeRunFile(path: string, value: unknown, manifest: RunManifest, runDir: string, state: RunState): void {
  try {
    if (typeof value === 'string') writeTextAtomic(path, value);
    else writeJsonAtomic(path, value);
  } catch (error) {
    throw interrupt(manifest, runDir, describeWriteError(error, path), state);
  }
}

/** Marks the manifest `interrupted` with the reason (when it can still be written) and builds the error. */
function interrupt(manifest: RunManifest, runDir: string, reason: Message, state: RunState): RunInterruptedError {
  manifest.status = 'interrupted';
  manifest.error = format('en', reason);
  manifest.errorMessage = reason;
  manifest.endedAt = new Date().toISOString();
  const path = join(runDir, MANIFEST_FILE);
  try {
    writeJsonAtomic(path, manifest);
  } catch {
    // A full disk has no room for a second copy: rewrite the manifest's own blocks instead. If even
    // that fails it keeps saying `running`, which readers treat as resumable too.
    try {
      overwriteInPlace(path, JSON.stringify(manifest, null, 2) + '\n');
    } catch {
      // nothing more to do: the answers are kept either way
    }
  }
  return new RunInterruptedError(reason, runDir, state.answers.size);
}

/** Cuts a half-written line off again (a short write on a full disk), so the file ends on a whole record. */
function dropTornLine(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    // resume drops a torn last line anyway
  }
}

// ---- run folder set-up -------------------------------------------------------------------

interface RunFolderSetup {
  answersPath: string;
  /** answers.jsonl, open for appending (a regular file, never through a symlink). */
  answersFd: number;
  manifest: RunManifest;
  previous: AnswerRecord[];
  discardedTornLine: boolean;
  dropped?: Message;
}

function hasAnswers(path: string): boolean {
  try {
    return lstatSync(path).size > 0;
  } catch {
    return false;
  }
}

function prepareRunFolder(options: RunBenchmarkOptions, scoring: ScoringOptions, parallel: number, runDir: string): RunFolderSetup {
  mkdirSync(runDir, { recursive: true });
  const answersPath = join(runDir, ANSWERS_FILE);
  const now = new Date().toISOString();
  if (options.resumeDir === undefined) {
    if (hasAnswers(answersPath)) {
      throw new UserError(msg('runAlreadyThere', runDir, runDir));
    }
    const manifest = newManifest(options, scoring, parallel, now);
    writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
    return { answersPath, answersFd: openRunFileForAppend(answersPath), manifest, previous: [], discardedTornLine: false };
  }
  const earlier = readManifest(runDir);
  if (!earlier) throw new UserError(msg('runNoManifest', runDir, MANIFEST_FILE));
  checkResumeCompatible(earlier, options, scoring, runDir);
  // The question set is the truth for gold, points and 禁忌肢: each record's verdict is recomputed.
  // A symlinked or non-regular answers.jsonl is refused here, before anything is written.
  const questions = new Map(options.questions.map((question) => [question.id, question]));
  const contents = repairAnswersFile(answersPath, questions);
  const answersFd = openRunFileForAppend(answersPath);
  const manifest: RunManifest = { ...earlier, status: 'running', parallel, resumedAt: [...(Array.isArray(earlier.resumedAt) ? earlier.resumedAt : []), now] };
  delete manifest.endedAt;
  delete manifest.error;
  delete manifest.errorMessage;
  try {
    writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
  } catch (error) {
    closeSync(answersFd);
    throw error;
  }
  const dropped = droppedRecordsNote(contents);
  return { answersPath, answersFd, manifest, previous: contents.records, discardedTornLine: contents.discardedTornLine, ...(dropped ? { dropped } : {}) };
}

/** Mixing answers from two prompt formats or scoring modes in one run would make its numbers meaningless. */
function checkResumeCompatible(earlier: RunManifest, options: RunBenchmarkOptions, scoring: ScoringOptions, runDir: string): void {
  const format = options.format;
  if (earlier.format.id !== format.id || earlier.format.hash !== format.hash) {
    throw new UserError(msg('runOtherFormat', runDir, earlier.format.id, earlier.format.hash.slice(0, 12), format.id, format.hash.slice(0, 12)));
  }
  const earlierShuffle = shuffleText(earlier['shuffle']);
  const currentShuffle = shuffleText(options.shuffle);
  if (JSON.stringify(earlierShuffle) !== JSON.stringify(currentShuffle)) {
    throw new UserError(msg('runShuffleMismatch', runDir, earlierShuffle, currentShuffle));
  }
  if (JSON.stringify(earlier.scoring) !== JSON.stringify(scoring)) {
    throw new UserError(msg('runOtherScoring', runDir, JSON.stringify(earlier.scoring), JSON.stringify(scoring)));
  }
  const earlierModel = modelPath(earlier.model);
  const currentModel = modelPath(options.manifestExtras?.['model']);
  if (earlierModel !== undefined && currentModel !== undefined && earlierModel !== currentModel) {
    throw new UserError(msg('runOtherModel', runDir, earlierModel, currentModel));
  }
}

function shuffleText(shuffle: unknown): Message {
  const spec = typeof shuffle === 'object' && shuffle !== null ? (shuffle as Partial<ShuffleSpec>) : undefined;
  return spec?.k === undefined ? msg('shuffleNone') : msg('plainText', `--shuffle ${String(spec.k)} --seed ${String(spec.seed)}`);
}

function modelPath(model: unknown): string | undefined {
  const path = typeof model === 'object' && model !== null ? (model as Record<string, unknown>)['path'] : undefined;
  return typeof path === 'string' ? path : undefined;
}

function newManifest(options: RunBenchmarkOptions, scoring: ScoringOptions, parallel: number, now: string): RunManifest {
  return {
    ...(options.manifestExtras ?? {}),
    medlocalVersion: MEDLOCAL_VERSION,
    status: 'running',
    startedAt: now,
    dataset: { files: (options.datasetFiles ?? []).map(fingerprint), questions: options.questions.length },
    format: { id: options.format.id, hash: options.format.hash, description: options.format.description },
    scoring,
    parallel,
    ...(options.shuffle ? { shuffle: { k: options.shuffle.k, seed: options.shuffle.seed } } : {}),
  };
}

function fingerprint(path: string): { path: string; sha256: string } {
  if (path === SAMPLE_DATASET_PATH) return { path, sha256: sampleSetSha256() };
  return { path: resolve(path), sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

function isAbortError(error: unknown): boolean {
  return error instanceof AbortedError || (error instanceof Error && error.name === 'AbortError');
}

// ---- progress ---------------------------------------------------------------------------------

class RunState {
  readonly answers: Map<string, AnswerRecord>;
  answeredThisSession = 0;
  private correct: number;
  private tokens = 0;
  private sawTokens = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly options: RunBenchmarkOptions,
    finished: Map<string, AnswerRecord>,
    private readonly remainingAtStart: number,
    /** Questions × permutations. */
    private readonly total: number,
  ) {
    this.answers = new Map(finished);
    this.correct = 0;
    for (const record of finished.values()) if (record.correct) this.correct += 1;
  }

  record(answer: AnswerRecord): void {
    this.answers.set(answerKey(answer), answer);
    this.answeredThisSession += 1;
    this.correct += answer.correct ? 1 : 0;
    if (answer.tokens !== undefined) {
      this.tokens += answer.tokens;
      this.sawTokens = true;
    }
    this.options.onProgress?.(this.progress(answer.id));
  }

  private progress(current: string): BenchmarkProgress {
    const elapsedSeconds = Math.max((Date.now() - this.startedAt) / 1000, 1e-3);
    const done = this.answers.size;
    const left = this.remainingAtStart - this.answeredThisSession;
    return {
      done,
      total: this.total,
      accuracy: done === 0 ? 0 : this.correct / done,
      tokensPerSecond: this.sawTokens ? this.tokens / elapsedSeconds : null,
      etaSeconds: this.answeredThisSession === 0 ? null : (left * elapsedSeconds) / this.answeredThisSession,
      current,
    };
  }
}
