// Benchmark messages between the extension (command, panel) and the language server, which runs
// the evaluations. Typed once; the result shapes are the evaluation engine's own plain types.
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { RunComparison, RunSummary } from '../eval/metrics';
import type { AnswerRecord, BenchmarkProgress, ProtocolId, RunListing, RunManifest, ScoringMode } from '../eval/records';
import type { DatasetFactsText } from '../eval/question';

export type { AnswerRecord, ProtocolId, RunComparison, RunManifest, RunSummary, ScoringMode };

export interface BenchStartParams {
  /** `sample`, `igakuqa:DIR`, `medqa:FILE`, `medmcqa:FILE`, `jmedbench:FILE`, `jsonl:FILE`, `csv:FILE`. */
  dataset: string;
  language?: 'ja' | 'en';
  format?: string;
  scoring: ScoringMode;
  /** The evaluation protocol (absent = medlocal, MedLocal's own scoring). */
  protocol?: ProtocolId;
  /** The first N questions, or a random sample of N when `seed` is given. */
  limit?: number;
  seed?: number;
  /** Ask each question under `k` permutations of its choices drawn from `seed` (as the CLI's --shuffle K --seed S). */
  shuffle?: { k: number; seed: number };
  parallel?: number;
  /** Folder that holds run folders; the run gets a new folder inside it. */
  resultsDir: string;
  /**
   * Continue this run folder instead, with its stored recipe. The dataset and scoring given must be
   * the run's own, and any protocol, shuffle, language or format given too: a resume that asks for
   * other numbers is refused (naming both values), never silently mixed.
   */
  resumeDir?: string;
}

/** What a dataset holds: loaded, skipped (reason → count), multi-answer, choice and points counts, `file:line` issues; texts in the client's locale. */
export type DatasetFacts = DatasetFactsText;

export interface BenchStartResult {
  runId: string;
  runDir: string;
  total: number;
  dataset: DatasetFacts;
}

export interface BenchProgressEvent extends BenchmarkProgress {
  runId: string;
  runDir: string;
  ci95: [number, number];
}

export interface BenchFinishedEvent {
  runId: string;
  runDir: string;
  status: 'completed' | 'cancelled' | 'failed';
  summary?: RunSummary;
  error?: string;
  answered: number;
}

export type BenchRunListing = RunListing;

export interface StoredRunInfo {
  runDir: string;
  manifest?: RunManifest;
  answers: AnswerRecord[];
  summary?: RunSummary;
}

export interface BenchQuestionDetail {
  id: string;
  stem: string;
  choices: string[];
  /** The prompt as the model saw it (chat prompts: system + user). */
  prompt: string;
  record?: AnswerRecord;
  choiceBreakdown?: number[];
}

/** Predictions made elsewhere, scored into a new run folder inside `resultsDir` (as `medlocal bench score`). */
export interface BenchImportParams {
  /** A predictions file, or a folder of them. */
  predictions: string;
  /** `igakuqa:DIR`... when the predictions do not carry the gold answers. */
  dataset?: string;
  /** Absent: the predictions' own (IgakuQA baselines → igakuqa-official, harness results → harness, others → medlocal). */
  protocol?: ProtocolId;
  /** The model whose files to take from a folder holding several. */
  name?: string;
  resultsDir: string;
}

export interface BenchImportResult {
  runDir: string;
  protocol: ProtocolId;
  summary: RunSummary;
  /** Predictions that could not be scored (`where: id: problem`, in the client's locale). */
  issues: string[];
}

/** What a predictions path holds, asked before importing it (see describePredictions in src/eval). */
export interface BenchPredictionsInfo {
  kind: 'igakuqa-baseline' | 'harness' | 'generic';
  /** The models a folder of IgakuQA baseline files holds. */
  models: string[];
  /** The protocol it is scored under unless another is chosen. */
  protocol: ProtocolId;
}

export namespace BenchStartRequest {
  export const type = new RequestType<BenchStartParams, BenchStartResult, void>('medlocal/bench/start');
}
export namespace BenchCancelRequest {
  export const type = new RequestType<{ runId: string }, boolean, void>('medlocal/bench/cancel');
}
export namespace BenchProgressNotification {
  export const type = new NotificationType<BenchProgressEvent>('medlocal/bench/progress');
}
export namespace BenchFinishedNotification {
  export const type = new NotificationType<BenchFinishedEvent>('medlocal/bench/finished');
}
export namespace BenchListRequest {
  export const type = new RequestType<{ resultsDir: string }, { runs: BenchRunListing[] }, void>('medlocal/bench/list');
}
export namespace BenchRunRequest {
  export const type = new RequestType<{ runDir: string }, StoredRunInfo, void>('medlocal/bench/run');
}
export namespace BenchQuestionRequest {
  export const type = new RequestType<{ runDir: string; id: string }, BenchQuestionDetail, void>('medlocal/bench/question');
}
export namespace BenchCompareRequest {
  export const type = new RequestType<{ runA: string; runB: string }, RunComparison, void>('medlocal/bench/compare');
}
export namespace BenchDatasetRequest {
  export const type = new RequestType<{ dataset: string; language?: 'ja' | 'en' }, DatasetFacts, void>('medlocal/bench/dataset');
}
export namespace BenchFormatsRequest {
  export const type = new RequestType0<Array<{ id: string; description: string; hash: string }>, void>('medlocal/bench/formats');
}
export namespace BenchImportRequest {
  export const type = new RequestType<BenchImportParams, BenchImportResult, void>('medlocal/bench/importPredictions');
}
export namespace BenchPredictionsInfoRequest {
  export const type = new RequestType<{ predictions: string }, BenchPredictionsInfo, void>('medlocal/bench/predictionsInfo');
}
