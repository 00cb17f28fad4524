// Thread counts sized for the machine. node-llama-cpp's default (max(4, cores)) oversubscribes
// small machines: on 2 vCPUs generation fell from ~66 to ~0.6 tokens/s. See bench/engine.mjs.
import type { ThreadsSetting } from '../../shared/settings';

export interface ThreadPlan {
  /** Upper bound given to getLlama({ maxThreads }). */
  maxThreads: number;
  /** Threads of the context (prompt processing and generation). */
  contextThreads: number;
}

export function planThreads(setting: ThreadsSetting, cores: number): ThreadPlan {
  const available = Math.max(1, Math.floor(cores));
  if (setting !== 'auto') {
    const threads = Math.max(1, Math.floor(setting));
    return { maxThreads: threads, contextThreads: threads };
  }
  // Never more threads than cores; leave one core to the editor and the event loop once there are
  // enough cores that losing one costs little.
  const threads = available <= 4 ? available : available - 1;
  return { maxThreads: threads, contextThreads: threads };
}
