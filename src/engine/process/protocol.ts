// The typed messages between the language server (or the CLI) and the engine process
// (src/engine/process/main.ts, bundled as dist/engine.js). Node IPC with serialization 'advanced'
// (structured clone: -Infinity log-probabilities and Maps survive the trip). Every request carries
// an id; the reply with that id settles it, and a `cancel` with that id aborts it in the child (a
// model load or a request: generation stops at the next token).
import type { ModelInfo } from '../modelInfo';
import type { FitEstimate, GpuDoctorReport } from '../models/doctor';
import type { SchedulerStats } from '../scheduler';
import type { ModelSettings } from '../../shared/settings';
import type { Message } from '../../shared/messages/index';
import type { CandidateScore, ContinuationScore, GenerateResult, Priority, Prompt, StopReason } from '../types';

export interface LoadRequest {
  settings: ModelSettings;
  cores: number;
  sequences: number;
  reserveForInteractive?: number;
}

export interface DoctorRequest {
  probeUnchosen: boolean;
  /** Estimate whether this model fits (the doctor's fit check), in the same process as the engine. */
  fit?: { path: string; gpuLayers: ModelSettings['gpuLayers']; contextSize: number; sequences: number };
}

export interface DoctorReply {
  report: GpuDoctorReport;
  fit?: FitEstimate;
  fitError?: WireError;
}

/** One call and its reply type. */
export interface EngineCalls {
  load: { args: LoadRequest; reply: ModelInfo };
  scoreNextTokens: { args: { prompt: Prompt; candidates: string[]; priority?: Priority }; reply: CandidateScore[] };
  scoreContinuations: { args: { prompt: Prompt; continuations: string[]; priority?: Priority }; reply: ContinuationScore[] };
  generate: {
    args: { prompt: Prompt; maxTokens: number; temperature?: number; stopStrings?: string[]; priority?: Priority; stream: boolean };
    reply: GenerateResult & { afterCancel?: { chunks: number; stopReason: StopReason } };
  };
  countTokens: { args: { text: string }; reply: number };
  doctor: { args: DoctorRequest; reply: DoctorReply };
  /** Unloads the model (the process stays, ready for another load). */
  unload: { args: Record<string, never>; reply: null };
}

export type EngineOp = keyof EngineCalls;

/** Parent → child. */
export type ParentMessage =
  | { [K in EngineOp]: { type: 'call'; id: number; op: K; args: EngineCalls[K]['args'] } }[EngineOp]
  | { type: 'cancel'; id: number };

/** An error as it crosses the process boundary; a UserError keeps its catalogue messages. */
export interface WireError {
  name: string;
  message: string;
  text?: Message;
  next?: Message;
  code?: string;
}

/** Child → parent. */
export type ChildMessage =
  | { type: 'started'; pid: number }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'chunk'; id: number; text: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'stats'; tokensGenerated: number; scheduler: SchedulerStats }
  | { type: 'log'; message: string };
