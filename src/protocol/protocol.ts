// Every custom MedLocal message, typed once and used by the client, the server, the CLI and tests.
// Imports vscode-languageserver-protocol and only types of the layers below (engine, eval, terms): never `vscode`, never node-llama-cpp.
import {
  NotificationType,
  ProgressType,
  ProtocolRequestType,
  RequestType,
  RequestType0,
  type PartialResultParams,
} from 'vscode-languageserver-protocol';

// ---------------------------------------------------------------------------------------------
// Shared shapes

export type { Backend, LoraAdapterInfo, ModelFacts } from '../engine/modelInfo';
import type { Backend, LoraAdapterInfo, ModelFacts, ModelInfo as EngineModelInfo } from '../engine/modelInfo';

/** The engine's ModelInfo as the client gets it: why the GPU is not used, as text in the client's locale. */
export type ModelInfo = Omit<EngineModelInfo, 'fallbackReason'> & { fallbackReason?: string };
export type ModelState = 'noModel' | 'loading' | 'ready' | 'error';

export interface ModelStatus {
  state: ModelState;
  /** 0..1 while loading. */
  progress?: number;
  model?: ModelFacts;
  backend?: Backend;
  gpuLayers?: number;
  loraAdapters?: LoraAdapterInfo[];
  /** Why the state is what it is: the error text, or why a GPU was not used. */
  message?: string;
  /** What the user can do about an error (open a setting, pick a file ...). */
  hint?: string;
}

// ---------------------------------------------------------------------------------------------
// Server → client

export namespace StatusNotification {
  export const method = 'medlocal/status' as const;
  export const type = new NotificationType<ModelStatus>(method);
}

// ---------------------------------------------------------------------------------------------
// Client → server

export namespace ModelInfoRequest {
  export const method = 'medlocal/modelInfo' as const;
  export const type = new RequestType0<ModelInfo | null, void>(method);
}

export type AnswerLanguage = 'ja' | 'en' | 'auto';

export interface AskParams extends PartialResultParams {
  uri?: string;
  question: string;
  /** Note text before the question (the client bounds it by lines; the server by tokens). */
  context?: string;
  language?: AnswerLanguage;
  maxTokens?: number;
}

/** One streamed piece of the answer, sent as a partial result. */
export interface AskPartialResult {
  text: string;
}

export type AskStopReason = 'eos' | 'maxTokens' | 'cancelled';

export interface AskResult {
  text: string;
  tokens: number;
  stopReason: AskStopReason;
  /** The language the answer was asked for. */
  language: 'ja' | 'en';
  /** Prompt id + hash, for the audit trail. */
  promptId: string;
}

export namespace AskRequest {
  export const method = 'medlocal/ask' as const;
  export const type = new ProtocolRequestType<AskParams, AskResult, AskPartialResult, void, void>(method);
  /** The progress type of the streamed chunks (`$/progress` with the request's partialResultToken). */
  export const partialResult = new ProgressType<AskPartialResult>();
}

export interface ScoreChoicesParams {
  prompt: string;
  candidates: string[];
}

export interface ChoiceScore {
  candidate: string;
  logProb: number;
  probability: number;
}

export interface ScoreChoicesResult {
  scores: ChoiceScore[];
}

export namespace ScoreChoicesRequest {
  export const method = 'medlocal/scoreChoices' as const;
  export const type = new RequestType<ScoreChoicesParams, ScoreChoicesResult, void>(method);
}

/** Facts about the running engine, for diagnostics and tests (no document text). */
export interface EngineStats {
  pid: number;
  /** Tokens generated since the server started (all requests). */
  tokensGenerated: number;
  totalSequences: number;
  freeSequences: number;
  queued: { interactive: number; background: number };
}

export namespace EngineStatsRequest {
  export const method = 'medlocal/engineStats' as const;
  export const type = new RequestType0<EngineStats, void>(method);
}

// ---------------------------------------------------------------------------------------------
// Note continuation (ghost text)

export interface ContinueNoteParams {
  uri: string;
  /** Offset of the cursor in the document (UTF-16). */
  offset: number;
  /** An IME composition is in progress: nothing is generated until it is committed. */
  composing?: boolean;
  maxTokens?: number;
}

export interface ContinueNoteResult {
  text: string;
  /** Why nothing (or less) was suggested. */
  reason?: 'composing' | 'superseded' | 'cancelled' | 'empty' | 'noModel';
}

export namespace ContinueNoteRequest {
  export const method = 'medlocal/continueNote' as const;
  export const type = new RequestType<ContinueNoteParams, ContinueNoteResult, void>(method);
}

// ---------------------------------------------------------------------------------------------
// Terms (dictionary hovers)

// The entry shapes are the dictionary's own plain types (type-only import: nothing runs from there).
export type { TermEntry as TermEntryInfo, TermKind, TermSource as TermSourceInfo } from '../terms/types';
import type { TermEntry } from '../terms/types';

export interface TermMatchInfo {
  /** UTF-16 offsets into the text that was looked up, end-exclusive. */
  start: number;
  end: number;
  surface: string;
  /** Every candidate entry (several for an ambiguous abbreviation), best first. */
  entries: TermEntry[];
}

export interface LookupTermParams {
  text: string;
  offset: number;
}

export namespace LookupTermRequest {
  export const method = 'medlocal/lookupTerm' as const;
  export const type = new RequestType<LookupTermParams, { matches: TermMatchInfo[] }, void>(method);
}

export interface ExplainTermParams extends PartialResultParams {
  term: string;
  entryId?: string;
  language?: AnswerLanguage;
  uri?: string;
}

export interface ExplainTermResult {
  term: string;
  text: string;
  language: 'ja' | 'en';
  /** The model that wrote it (explanations are always labelled as model-generated). */
  model: string;
  cached: boolean;
  stopReason: AskStopReason;
}

export namespace ExplainTermRequest {
  export const method = 'medlocal/explainTerm' as const;
  export const type = new ProtocolRequestType<ExplainTermParams, ExplainTermResult, AskPartialResult, void, void>(method);
  export const partialResult = new ProgressType<AskPartialResult>();
}

export interface DictionaryReport {
  file: string;
  name: string;
  entries: number;
  skipped: number;
  messages: Array<{ file: string; line: number; reason: string }>;
  licence?: string;
}

export namespace DictionariesNotification {
  export const method = 'medlocal/dictionaries' as const;
  export const type = new NotificationType<{ builtinEntries: number; reports: DictionaryReport[] }>(method);
}

// ---------------------------------------------------------------------------------------------
// Secrets (never in settings or logs)

export namespace SetSecretsRequest {
  export const method = 'medlocal/setSecrets' as const;
  export const type = new RequestType<{ openaiApiKey?: string }, void, void>(method);
}

// ---------------------------------------------------------------------------------------------
// Helpers

export function logProbToProbability(logProb: number): number {
  return Number.isFinite(logProb) ? Math.exp(logProb) : 0;
}
