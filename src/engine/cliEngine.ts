// The engine for `medlocal bench` in the CLI process: the same LlamaEngine the language server
// uses, with one context sequence per parallel question and none held back for interactive work
// (the CLI has none), or the same RemoteEngine for an OpenAI-compatible server.
import { availableParallelism } from 'node:os';
import type { CliEngineFactory } from '../cli/main';
import { LlamaEngine } from './llamaEngine';
import { RemoteEngine } from './remoteEngine';

export const createEngineForCli: CliEngineFactory = async ({ modelPath, parallel, threads, signal, remote }) => {
  const engine = remote
    ? await RemoteEngine.connect({ ...remote, slots: Math.max(2, parallel) })
    : await LlamaEngine.load({
        settings: { path: modelPath, gpu: 'auto', gpuLayers: 'auto', contextSize: 4096, threads: threads ?? 'auto', loraAdapters: [] },
        cores: availableParallelism(),
        sequences: Math.max(1, parallel),
        reserveForInteractive: 0,
        signal,
      });
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
      ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
    },
    dispose: () => engine.dispose(),
  };
};
