// node-llama-cpp runs every decode and every sampling step as a job on libuv's thread pool (four
// threads by default), and a pool hands successive jobs to whichever idle thread it wakes next, so
// generation hops between sleeping threads twice per token. On a 2-vCPU VM that cost generation
// 40-50% of its speed (the same node-llama-cpp binaries in a C loop: 92 tok/s called directly,
// 50-75 tok/s when each step is handed to a sleeping thread; see perf/engine.mjs). A pool of one
// thread keeps the whole model on one warm thread. The cost: file reads wait while a decode or a
// model load holds that thread, so the server reads dictionaries before it loads a model.
//
// libuv reads UV_THREADPOOL_SIZE once, when the pool is first used: the server's and the CLI's
// entry points set it before anything else runs (see poolPreamble.ts). A value the user set in the
// environment is kept.

export const ENGINE_WORKER_POOL_SIZE = 1;

export interface WorkerPoolSetting {
  size: number;
  /** `medlocal`: MedLocal's default; `environment`: UV_THREADPOOL_SIZE as the user set it. */
  source: 'medlocal' | 'environment';
}

/** Sets UV_THREADPOOL_SIZE in `env` unless it already holds a valid size; returns what applies. */
export function pinWorkerPool(env: NodeJS.ProcessEnv = process.env): WorkerPoolSetting {
  const given = env.UV_THREADPOOL_SIZE?.trim();
  if (given && /^\d+$/.test(given) && Number(given) >= 1) return { size: Math.min(Number(given), 1024), source: 'environment' };
  env.UV_THREADPOOL_SIZE = String(ENGINE_WORKER_POOL_SIZE);
  return { size: ENGINE_WORKER_POOL_SIZE, source: 'medlocal' };
}

let applied: WorkerPoolSetting | undefined;

/** Pins this process's pool once (entry points call it first) and remembers the result for diagnostics. */
export function pinProcessWorkerPool(): WorkerPoolSetting {
  applied ??= pinWorkerPool(process.env);
  return applied;
}

/** What the process runs with: the pinned setting, or libuv's default when nothing pinned it. */
export function processWorkerPool(): WorkerPoolSetting | undefined {
  return applied;
}
