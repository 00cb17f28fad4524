// One node-llama-cpp Llama per backend for the whole process, reused by every model load and by
// the GPU doctor, and never disposed by them.
//
// Why not a fresh Llama per load: node-llama-cpp 3.22.1 keeps llama.cpp's log hook in process-wide
// native state. Each new Llama calls the addon's setLogger, which releases the previous JS logger
// (a thread-safe function) and installs its own; when the released one is finalized, a moment
// later, its finalizer clears the global "a JS logger is set" flag, which now belongs to the new
// logger. From then on every llama.cpp message at or above the log level is fputs()-ed to file
// descriptor 1. In the language server fd 1 is the LSP stream: the LoRA loader's warnings ("lora
// for 'blk.0.attn_k.weight' cannot use buft ..., fallback to CPU") landed between two protocol
// frames, the client could no longer parse the stream, and the reload looked hung at "loading"
// although the server had published "ready". A single Llama per native binary calls setLogger
// once, so its logger stays set.
import type { Llama, LlamaGpuType } from 'node-llama-cpp';
import type { NodeLlamaCpp } from './nodeLlamaCpp';

/** What getLlama is asked for: a GPU type, 'auto', or false for the CPU. */
export type RequestedGpu = 'auto' | Exclude<LlamaGpuType, false> | false;

/**
 * What to ask getLlama for when the user wants the CPU. node-llama-cpp ships no CPU-only binary for
 * Apple silicon (its only darwin-arm64 package is the Metal build: getLlama({ gpu: false }) finds no
 * binary there), so on darwin-arm64 the CPU is the Metal build with no layers offloaded.
 */
export function cpuRequest(platform: string = process.platform, arch: string = process.arch): { gpu: RequestedGpu; gpuLayers: 0 } {
  return { gpu: platform === 'darwin' && arch === 'arm64' ? 'metal' : false, gpuLayers: 0 };
}

export interface SharedLlamaOptions {
  /** Upper bound on the threads llama.cpp may use (applied to a reused Llama too); unset: left as is. */
  maxThreads?: number;
  /** Where llama.cpp's messages go; the latest caller's sink receives them. */
  log?: (message: string) => void;
}

/** Started Llamas per node-llama-cpp module (a test or benchmark may inject another version's). */
const startedByModule = new WeakMap<NodeLlamaCpp, Map<string, Promise<Llama>>>();
function startedFor(nlc: NodeLlamaCpp): Map<string, Promise<Llama>> {
  let started = startedByModule.get(nlc);
  if (!started) startedByModule.set(nlc, (started = new Map()));
  return started;
}
let sink: ((message: string) => void) | undefined;

/**
 * The process's Llama for `gpu`, started on first use. 'auto' is the Llama of the backend it picks
 * (the CPU one where no GPU backend is supported), so a later request that names that backend gets
 * the same Llama, and the reverse. A start that fails is not kept, so the next call tries again.
 */
export async function sharedLlama(nlc: NodeLlamaCpp, gpu: RequestedGpu, options: SharedLlamaOptions): Promise<Llama> {
  if (options.log) sink = options.log;
  const started = startedFor(nlc);
  const key = gpu === 'auto' ? await autoKey(nlc, started) : String(gpu);
  let pending = started.get(key);
  if (pending && !(await isLive(pending))) {
    if (started.get(key) === pending) started.delete(key);
    pending = undefined;
  }
  if (!pending) {
    const starting = nlc.getLlama({
      gpu,
      build: 'never',
      progressLogs: false,
      ...(options.maxThreads !== undefined ? { maxThreads: options.maxThreads } : {}),
      logLevel: nlc.LlamaLogLevel.warn,
      logger: (_level, message) => sink?.(`[llama.cpp] ${message.trimEnd()}`),
    });
    started.set(key, starting);
    starting.catch(() => {
      if (started.get(key) === starting) started.delete(key);
    });
    pending = starting;
  }
  const llama = await pending;
  const backendKey = String(llama.gpu);
  if (!started.has(backendKey)) started.set(backendKey, pending);
  if (options.maxThreads !== undefined) llama.maxThreads = options.maxThreads;
  return llama;
}

async function isLive(pending: Promise<Llama>): Promise<boolean> {
  const llama = await pending.catch(() => undefined);
  return llama !== undefined && !llama.disposed;
}

/** 'auto' takes the first supported GPU backend, else the CPU: the key of a Llama already running for it, or 'auto'. */
async function autoKey(nlc: NodeLlamaCpp, started: Map<string, Promise<Llama>>): Promise<string> {
  const supported = (await nlc.getLlamaGpuTypes('supported').catch(() => [] as LlamaGpuType[])).filter((type) => type !== false);
  const first = supported[0];
  if (first === undefined) return 'false';
  return started.has(first) ? first : 'auto';
}
