// Runs a benchmark: N workers take questions from one queue, each answer is appended to
// answers.jsonl as soon as it exists, and the run can be cancelled (AbortSignal) and resumed
// later without redoing answered questions.

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InferenceEngine } from '../engine/types';
import type { PromptFormat } from './formats';
import { summariseAnswers, type RunSummary } from './metrics';
import { summaryToCsv } from './report/csv';
import type { Question } from './question';
import {
  ANSWERS_FILE,
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
import { AbortedError, answerQuestion, errorRecord, type AnswerRecord, type ScoringMode, type ScoringOptions } from './scoring';
import { MEDLOCAL_VERSION } from './version';

export type { BenchmarkProgress } from './records';
import type { BenchmarkProgress } from './records';

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
}

export interface BenchmarkResult {
  status: Extract<RunStatus, 'completed' | 'cancelled'>;
  runDir: string;
  /** Latest answer per question of this run's question set. */
  answers: AnswerRecord[];
  /** Present when completed. */
  summary?: RunSummary;
  manifest: RunManifest;
  /** Questions answered in this session (not found in the resumed folder). */
  answeredThisSession: number;
  /** A torn last line was found in the resumed answers.jsonl and dropped. */
  discardedTornLine: boolean;
}

/** After this many failures in a row the run stops: the engine is broken, not one question. */
const MAX_CONSECUTIVE_ERRORS = 5;

export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkResult> {
  const scoring: ScoringOptions = typeof options.scoring === 'string' ? { mode: options.scoring } : options.scoring;
  const parallel = Math.max(1, Math.floor(options.parallel));
  const runDir = resolve(options.resumeDir ?? options.outDir);
  const setup = prepareRunFolder(options, scoring, parallel, runDir);
  const questionIds = new Set(options.questions.map((question) => question.id));
  const finished = new Map([...latestById(setup.previous)].filter(([id, record]) => questionIds.has(id) && record.error === undefined));
  const todo = options.questions.filter((question) => !finished.has(question.id));
  const state = new RunState(options, finished, todo.length);

  let fatal: Error | undefined;
  let consecutiveErrors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let question = todo[next++]; question !== undefined && !options.signal?.aborted && !fatal; question = todo[next++]) {
      const started = Date.now();
      let record: AnswerRecord;
      try {
        record = await answerQuestion(options.engine, question, options.format, scoring, options.signal);
        consecutiveErrors = 0;
      } catch (error) {
        if (options.signal?.aborted || isAbortError(error)) return;
        record = errorRecord(question, scoring.mode, (error as Error).message ?? String(error), Date.now() - started);
        consecutiveErrors += 1;
        if (consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) fatal = error as Error;
      }
      // One write call of one complete line: a crash tears at most this line, which resume drops.
      appendFileSync(setup.answersPath, JSON.stringify(record) + '\n');
      state.record(record);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));

  const manifest = setup.manifest;
  manifest.endedAt = new Date().toISOString();
  if (fatal) {
    manifest.status = 'failed';
    manifest.error = fatal.message;
    writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
    throw new Error(`${MAX_CONSECUTIVE_ERRORS} questions in a row failed (last: ${fatal.message}). Fix the engine, then continue with --resume ${runDir}.`);
  }
  const answers = options.questions.map((question) => state.answers.get(question.id)).filter((record): record is AnswerRecord => record !== undefined);
  // Every question has an answer (an abort that arrived after the last one changes nothing).
  const completed = answers.length === options.questions.length;
  manifest.status = completed ? 'completed' : 'cancelled';
  const result: BenchmarkResult = {
    status: completed ? 'completed' : 'cancelled',
    runDir,
    answers,
    manifest,
    answeredThisSession: state.answeredThisSession,
    discardedTornLine: setup.discardedTornLine,
  };
  if (completed) {
    result.summary = summariseAnswers(answers);
    writeJsonAtomic(join(runDir, SUMMARY_FILE), result.summary);
    writeTextAtomic(join(runDir, SUMMARY_CSV_FILE), summaryToCsv(result.summary));
  }
  writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
  return result;
}

// ---- run folder set-up -------------------------------------------------------------------

interface RunFolderSetup {
  answersPath: string;
  manifest: RunManifest;
  previous: AnswerRecord[];
  discardedTornLine: boolean;
}

function prepareRunFolder(options: RunBenchmarkOptions, scoring: ScoringOptions, parallel: number, runDir: string): RunFolderSetup {
  mkdirSync(runDir, { recursive: true });
  const answersPath = join(runDir, ANSWERS_FILE);
  const now = new Date().toISOString();
  if (options.resumeDir === undefined) {
    if (existsSync(answersPath) && statSync(answersPath).size > 0) {
      throw new Error(`${runDir} already holds a run; continue it with --resume ${runDir}, or choose another --out folder.`);
    }
    const manifest = newManifest(options, scoring, parallel, now);
    writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
    return { answersPath, manifest, previous: [], discardedTornLine: false };
  }
  const earlier = readManifest(runDir);
  if (!earlier) throw new Error(`${runDir} has no ${MANIFEST_FILE}, so it is not a run MedLocal can resume; start a new run with --out.`);
  checkResumeCompatible(earlier, options, scoring, runDir);
  const contents = repairAnswersFile(answersPath);
  const manifest: RunManifest = { ...earlier, status: 'running', parallel, resumedAt: [...(earlier.resumedAt ?? []), now] };
  delete manifest.endedAt;
  delete manifest.error;
  writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest);
  return { answersPath, manifest, previous: contents.records, discardedTornLine: contents.discardedTornLine };
}

/** Mixing answers from two prompt formats or scoring modes in one run would make its numbers meaningless. */
function checkResumeCompatible(earlier: RunManifest, options: RunBenchmarkOptions, scoring: ScoringOptions, runDir: string): void {
  const format = options.format;
  if (earlier.format.id !== format.id || earlier.format.hash !== format.hash) {
    throw new Error(
      `${runDir} was run with format ${earlier.format.id} (${earlier.format.hash.slice(0, 12)}), not ${format.id} (${format.hash.slice(0, 12)}); ` +
        'resume with the same --format, or start a new run with --out.',
    );
  }
  if (JSON.stringify(earlier.scoring) !== JSON.stringify(scoring)) {
    throw new Error(`${runDir} was scored with ${JSON.stringify(earlier.scoring)}, not ${JSON.stringify(scoring)}; resume with the same --scoring.`);
  }
  const earlierModel = modelPath(earlier.model);
  const currentModel = modelPath(options.manifestExtras?.['model']);
  if (earlierModel !== undefined && currentModel !== undefined && earlierModel !== currentModel) {
    throw new Error(`${runDir} was run with model ${earlierModel}, not ${currentModel}; resume with the same --model.`);
  }
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
  ) {
    this.answers = new Map(finished);
    this.correct = [...finished.values()].filter((record) => record.correct).length;
  }

  record(answer: AnswerRecord): void {
    this.answers.set(answer.id, answer);
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
      total: this.options.questions.length,
      accuracy: done === 0 ? 0 : this.correct / done,
      tokensPerSecond: this.sawTokens ? this.tokens / elapsedSeconds : null,
      etaSeconds: this.answeredThisSession === 0 ? null : (left * elapsedSeconds) / this.answeredThisSession,
      current,
    };
  }
}
