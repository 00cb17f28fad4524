// Thread counts sized for the machine. node-llama-cpp's default (max(4, cores)) oversubscribes
// small machines: on 2 vCPUs generation fell from ~66 to ~0.6 tokens/s. With libuv's pool sized to
// one thread (workerPool.ts), prompt processing and generation are both fastest with every core
// on small machines (2 vCPUs: generation 95 tok/s with 2 threads, 80 with 1; see perf/engine.mjs).
import type { ThreadsSetting } from '../shared/settings';

export interface ThreadPlan {
  /** Upper bound given to getLlama({ maxThreads }). */
  maxThreads: number;
  /** Threads of the context, for prompt processing and generation alike. */
  contextThreads: number;
}

export function planThreads(setting: ThreadsSetting, cores: number): ThreadPlan {
  const available = Math.max(1, Math.floor(cores));
  if (setting !== 'auto') {
    const threads = Math.max(1, Math.floor(setting));
    return { maxThreads: threads, contextThreads: threads };
  }
  // Never more threads than cores; past 4 cores leave one to the editor and the event loop.
  const threads = available <= 4 ? available : available - 1;
  return { maxThreads: threads, contextThreads: threads };
}
