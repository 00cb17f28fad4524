// An engine the server hosts: the local node-llama-cpp engine or a remote OpenAI-compatible server,
// seen the same way by features (facts, counters, scheduler state, disposal).
import type { Llama } from 'node-llama-cpp';
import type { ModelInfo } from './modelInfo';
import type { SchedulerStats } from './scheduler';
import type { InferenceEngine } from './types';

export interface HostedEngine extends InferenceEngine {
  readonly info: ModelInfo;
  /** Tokens generated since the engine started. */
  readonly tokensGenerated: number;
  schedulerStats(): SchedulerStats;
  dispose(): Promise<void>;
  /** Tokens of a text in this model's vocabulary, where the engine can tell. */
  countTokens?(text: string): number;
  /** The running Llama of a local engine (diagnostics reuse it). */
  readonly llamaInstance?: Llama;
}
