// An engine the server hosts: the local model in its engine process (process/client.ts), the local
// model in this process (the CLI's default), or a remote OpenAI-compatible server, seen the same
// way by features (facts, counters, scheduler state, disposal).
import type { ModelInfo } from './modelInfo';
import type { DoctorReply, DoctorRequest } from './process/protocol';
import type { SchedulerStats } from './scheduler';
import type { InferenceEngine } from './types';
import type { UserError } from '../shared/userError';

export interface HostedEngine extends InferenceEngine {
  readonly info: ModelInfo;
  /** Tokens generated since the engine started (an engine process reports it after each request). */
  readonly tokensGenerated: number;
  schedulerStats(): SchedulerStats;
  dispose(): Promise<void>;
  /** Tokens of a text in this model's vocabulary, where the engine can tell. */
  countTokens?(text: string): number | Promise<number>;
  /** The GPU doctor and the memory estimate, run where the model's native code runs (engine process). */
  diagnose?(request: DoctorRequest): Promise<DoctorReply>;
  /** The engine process's id, where the engine runs in one. */
  readonly pid?: number | undefined;
  /** Called once if the engine dies on its own (an engine process that exited or was killed; `how`: its exit code or signal). */
  onStopped?(listener: (error: UserError, how: string) => void): () => void;
}
