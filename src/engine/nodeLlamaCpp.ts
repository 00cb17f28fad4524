// node-llama-cpp is ESM-only and native: it stays external to the bundle and is loaded here, once,
// with import() (a require() fails on Node 20).
import type * as NodeLlamaCppModule from 'node-llama-cpp';

export type NodeLlamaCpp = typeof NodeLlamaCppModule;

let loading: Promise<NodeLlamaCpp> | undefined;

export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= import('node-llama-cpp').catch((error: unknown) => {
    loading = undefined;
    throw new Error(
      `The inference engine (node-llama-cpp) could not be loaded: ${error instanceof Error ? error.message : String(error)}. ` +
        'Reinstall MedLocal, or run `npm ci` in a development checkout.',
    );
  });
  return loading;
}
