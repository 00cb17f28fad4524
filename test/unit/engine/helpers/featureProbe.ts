// Child process: the engine features other than scoring, on a given node-llama-cpp module, so each
// version MedLocal ships is exercised: generation, cancelling it, chat prompts, KV-cache reuse
// across continuation orders, two parallel sequences, and a LoRA adapter. Prints one JSON object.
// Usage: node --import tsx featureProbe.ts MODULE MODEL ADAPTER
import { LlamaEngine } from '../../../../src/engine/llamaEngine';
import type { NodeLlamaCpp } from '../../../../src/engine/nodeLlamaCpp';

async function main(): Promise<void> {
  const [moduleName = 'node-llama-cpp', modelPath = '', adapterPath = ''] = process.argv.slice(2);
  const nodeLlamaCpp = (await import(moduleName)) as NodeLlamaCpp;
  const load = (loraAdapters: Array<{ path: string; scale: number }>) =>
    LlamaEngine.load({
      settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 1024, threads: 1, loraAdapters },
      cores: 1,
      sequences: 2,
      reserveForInteractive: 0,
      nodeLlamaCpp,
    });
  const engine = await load([]);
  const prompt = '質問: 心筋梗塞で最初に上昇するのは？\n答え:';
  const choices = [' troponin', ' sodium level', ' 白血球'];

  const generated = await engine.generate('Patient:', { maxTokens: 12 });
  const controller = new AbortController();
  let chunks = 0;
  const cancelled = await engine.generate('Patient:', {
    maxTokens: 400,
    signal: controller.signal,
    onTextChunk: () => {
      if (++chunks === 3) controller.abort();
    },
  });
  const chat = await engine.generate({ system: 'Answer briefly.', user: 'What rises first?' }, { maxTokens: 8 });
  const chatLetters = await engine.scoreNextTokens({ user: 'Pick one: A or B', assistantPrefix: '答え:' }, ['A', ' A', 'B', ' B']);
  const forward = await engine.scoreContinuations(prompt, choices);
  const backward = await engine.scoreContinuations(prompt, [...choices].reverse());
  const parallel = await Promise.all([engine.scoreNextTokens(prompt, [' A', ' B']), engine.scoreNextTokens(`${prompt} `, ['A', 'B'])]);
  const letters = await engine.scoreNextTokens(prompt, [' A', ' B']);
  await engine.dispose();

  const adapted = await load([{ path: adapterPath, scale: 1 }]);
  const loraLetters = await adapted.scoreNextTokens(prompt, [' A', ' B']);
  const loraInfo = adapted.info.loraAdapters;
  await adapted.dispose();

  console.log(JSON.stringify({ runtime: engine.info.runtime, generated, cancelled, chunks, chat, chatLetters, forward, backward, parallel, letters, loraLetters, loraInfo }));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
