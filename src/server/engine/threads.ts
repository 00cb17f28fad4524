// Thread counts sized for the machine. node-llama-cpp's default (max(4, cores)) oversubscribes
// small machines: on 2 vCPUs generation fell from ~66 to ~0.6 tokens/s. Prompt processing and
// generation get their own counts (phaseThreads.ts): generation leaves a core to the Node event
// loop, which does per-token work between decodes. See bench/engine.mjs.
import type { ThreadsSetting } from '../../shared/settings';

export interface ThreadPlan {
  /** Upper bound given to getLlama({ maxThreads }). */
  maxThreads: number;
  /** Threads of the context as created (prompt processing). */
  contextThreads: number;
  /** Threads for batches of one token per sequence (generation). */
  generationThreads: number;
}

export function planThreads(setting: ThreadsSetting, cores: number): ThreadPlan {
  const available = Math.max(1, Math.floor(cores));
  if (setting !== 'auto') {
    const threads = Math.max(1, Math.floor(setting));
    return { maxThreads: threads, contextThreads: threads, generationThreads: threads };
  }
  // Never more threads than cores; past 4 cores leave one to the editor and the event loop.
  const prompt = available <= 4 ? available : available - 1;
  return { maxThreads: prompt, contextThreads: prompt, generationThreads: Math.max(1, available - 1) };
}
