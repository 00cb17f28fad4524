// The one way to get an engine, for the language server and the CLI alike: the local GGUF model
// through node-llama-cpp, or an OpenAI-compatible server. Callers say what to run and how many
// requests may be in flight; the factory picks the engine class and its options. A local model runs
// in an engine process (process/client.ts) unless `inProcess` asks for this process (the CLI's
// default); a remote server is only HTTP, so its client always stays in the caller's process.
import { availableParallelism } from 'node:os';
import type { LoraAdapterSetting, ModelSettings } from '../shared/settings';
import type { HostedEngine } from './hosted';
import { LlamaEngine } from './llamaEngine';
import { ProcessEngine } from './process/client';
import { RemoteEngine, type RemoteSettings } from './remoteEngine';
import type { InferenceEngine } from './types';
import { format } from '../shared/messages/index';

/** What to run: the local GGUF model, or a remote OpenAI-compatible server. */
export type EngineTarget = { kind: 'local'; model: ModelSettings } | { kind: 'remote'; remote: RemoteSettings };

export interface CreateEngineOptions {
  /** CPU cores the local engine may use (default: all of this machine's). */
  cores?: number;
  /** Context sequences (local) or request slots (remote): requests in flight at once. */
  sequences: number;
  /** Sequences (local) or request slots (remote) background work may not take (default: the engine's own rule). */
  reserveForInteractive?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
  onProgress?: (fraction: number) => void;
  /** Load the local model into this process instead of an engine process. */
  inProcess?: boolean;
}

export function createEngine(target: EngineTarget, options: CreateEngineOptions): Promise<HostedEngine> {
  if (target.kind === 'remote') {
    const reserve = options.reserveForInteractive ?? target.remote.reserveForInteractive;
    return RemoteEngine.connect({ ...target.remote, slots: Math.max(target.remote.slots ?? 0, options.sequences), ...(reserve !== undefined ? { reserveForInteractive: reserve } : {}) });
  }
  // The same load options for the engine process and for this process.
  const load = {
    settings: target.model,
    cores: options.cores ?? availableParallelism(),
    sequences: options.sequences,
    ...(options.reserveForInteractive !== undefined ? { reserveForInteractive: options.reserveForInteractive } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  return options.inProcess ? LlamaEngine.load(load) : ProcessEngine.load(load);
}

/** An engine for a headless benchmark run, with the model facts a run manifest records. */
export interface RunEngineHandle {
  engine: InferenceEngine;
  /** Facts about the loaded model for manifest.json (file size, quantisation, context size, GPU...). */
  modelFacts: Record<string, unknown>;
  dispose(): Promise<void>;
}

export type RunEngineFactory = (options: {
  modelPath: string;
  /** An OpenAI-compatible server instead of a local model (modelPath is then its URL). */
  remote?: { baseUrl: string; model?: string; apiKey?: string };
  /** Questions in flight at once: the factory provides at least this many context sequences. */
  parallel: number;
  threads?: number;
  signal?: AbortSignal;
  /** LoRA adapters applied to the local model (the manifest names each by its fingerprint). */
  loraAdapters?: LoraAdapterSetting[];
  /** Run the local model in an engine process (default: in this process, see createRunEngine). */
  engineProcess?: boolean;
}) => Promise<RunEngineHandle>;

/**
 * The CLI's engine: one context sequence per parallel question and none held back for interactive
 * work (the CLI has none), or the remote server with at least two request slots. The local model
 * runs in the CLI's own process unless `engineProcess` is set, or MEDLOCAL_ENGINE_PROCESS=1 is in
 * the environment (to measure both): the CLI has no editor to keep responsive, its libuv pool is
 * pinned for the engine (bin.ts), and one process less is one hop less per request.
 */
export const createRunEngine: RunEngineFactory = async ({ modelPath, parallel, threads, signal, remote, loraAdapters, engineProcess }) => {
  const target: EngineTarget = remote
    ? { kind: 'remote', remote: { ...remote, slots: Math.max(1, parallel) } }
    : { kind: 'local', model: { path: modelPath, gpu: 'auto', gpuLayers: 'auto', contextSize: 4096, threads: threads ?? 'auto', loraAdapters: loraAdapters ?? [] } };
  const engine = await createEngine(target, { sequences: Math.max(1, parallel), reserveForInteractive: 0, inProcess: !(engineProcess ?? process.env.MEDLOCAL_ENGINE_PROCESS === '1'), ...(signal ? { signal } : {}) });
  const { info } = engine;
  return {
    engine,
    modelFacts: {
      ...info.model,
      backend: info.backend,
      gpuLayers: info.gpuLayers,
      threads: info.threads,
      sequences: info.sequences,
      loraAdapters: info.loraAdapters,
      ...(info.runtime ? { engine: info.runtime } : {}),
      ...(info.fallbackReason ? { fallbackReason: format('en', info.fallbackReason) } : {}),
    },
    dispose: () => engine.dispose(),
  };
};
