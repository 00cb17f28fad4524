// What an engine says about the model it has loaded: the facts of the GGUF file, the backend and
// the adapters. The protocol passes these shapes on to the client, fallbackReason rendered as text.
import type { Message } from '../shared/messages/index';

/** `remote`: an OpenAI-compatible server (medlocal.backend = openai). */
export type Backend = 'cuda' | 'vulkan' | 'metal' | 'cpu' | 'remote';

export interface ModelFacts {
  /** general.name from the GGUF, else the file name. */
  name: string;
  path: string;
  sizeBytes: number;
  architecture: string;
  /** e.g. "Q4_K_M", from general.file_type; "unknown" when the file does not say. */
  quantization: string;
  contextSize: number;
  /** sha256 over the file size and its first and last MiB: identifies the file cheaply (caches key on it). */
  fingerprint: string;
}

export interface LoraAdapterInfo {
  path: string;
  scale: number;
  /** See ModelFacts.fingerprint. */
  fingerprint: string;
}

/** How next-token log-probabilities are read from node-llama-cpp (src/engine/scoringPaths.ts). */
export type ScoringPath = 'logits-filter' | 'probabilities';

/** Which node-llama-cpp and llama.cpp the local engine runs on, and the scoring path that follows. */
export interface EngineRuntime {
  nodeLlamaCpp: string;
  /** llama.cpp release tag the binary was built from, e.g. "v0.5.0". */
  llamaCpp: string;
  scoringPath: ScoringPath;
}

export interface ModelInfo {
  model: ModelFacts;
  backend: Backend;
  gpuLayers: number;
  threads: number;
  sequences: number;
  loraAdapters: LoraAdapterInfo[];
  /** Set when a GPU backend was asked for but the CPU is used, or a remote server warns. */
  fallbackReason?: Message;
  /** Local engine only. */
  runtime?: EngineRuntime;
}
