// Threads chosen per phase. llama.cpp distinguishes prompt processing (many tokens per batch: more
// threads help) from generation (one token per sequence: on a small machine, extra threads fight
// the Node event loop for cores — on 2 vCPUs generation with 2 threads ran at ~0.6x the speed of 1).
// node-llama-cpp 3.22 sets one thread count per context, so this wraps its native context handle
// to pick the count for each decoded batch. The handle is internal API: if its shape differs (a
// future version), nothing is patched and the context keeps its single thread count.

interface NativeContext {
  initBatch(size: number): unknown;
  setThreads(threads: number): unknown;
  decodeBatch(): Promise<unknown>;
}

export interface PhaseThreads {
  prompt: number;
  generation: number;
}

/** Batches of at most this many tokens count as generation (one token for each busy sequence). */
export const GENERATION_BATCH_MAX = 4;

export function threadsForBatch(batchSize: number, plan: PhaseThreads): number {
  return batchSize > GENERATION_BATCH_MAX ? plan.prompt : plan.generation;
}

export function applyPhaseThreads(context: object, plan: PhaseThreads): boolean {
  const holder = context as { _ctx?: Partial<NativeContext> };
  const native = holder._ctx;
  if (!native || typeof native.initBatch !== 'function' || typeof native.setThreads !== 'function' || typeof native.decodeBatch !== 'function') return false;
  const target = native as NativeContext;
  let batchSize = 0;
  let current = -1;
  const overrides: Partial<NativeContext> = {
    initBatch: (size: number) => {
      batchSize = size;
      return target.initBatch(size);
    },
    // node-llama-cpp's thread splitter calls this before each decode; the phase decides instead.
    setThreads: () => undefined,
    decodeBatch: () => {
      const wanted = threadsForBatch(batchSize, plan);
      if (wanted !== current) {
        target.setThreads(wanted);
        current = wanted;
      }
      return target.decodeBatch();
    },
  };
  // Native methods are read-only and must be called on the native object itself, so the handle is
  // replaced by a proxy that routes three methods through the overrides and binds the rest.
  holder._ctx = new Proxy(target, {
    get(object, property) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof NativeContext];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
  return true;
}
