// Child process: loads MedLocal's LlamaEngine with node-llama-cpp's resolveChatWrapper counted, and
// prints how often it ran after the load and after the first chat prompt, plus the engine's log.
// Usage: node --import tsx chatWrapperProbe.ts MODEL
import { LlamaEngine } from '../../src/engine/llamaEngine';
import type { NodeLlamaCpp } from '../../src/engine/nodeLlamaCpp';

async function main(): Promise<void> {
  // (A dynamic import: node-llama-cpp is an ES module with top-level await.)
  const realNodeLlamaCpp = await import('node-llama-cpp');
  let resolved = 0;
  const nodeLlamaCpp = {
    ...realNodeLlamaCpp,
    resolveChatWrapper: ((...args: Parameters<typeof realNodeLlamaCpp.resolveChatWrapper>) => {
      resolved++;
      return realNodeLlamaCpp.resolveChatWrapper(...args);
    }) as typeof realNodeLlamaCpp.resolveChatWrapper,
  } as unknown as NodeLlamaCpp;
  const log: string[] = [];
  const engine = await LlamaEngine.load({
    settings: { path: process.argv[2] ?? '', gpu: 'cpu', gpuLayers: 0, contextSize: 1024, threads: 1, loraAdapters: [] },
    cores: 1,
    sequences: 1,
    nodeLlamaCpp,
    log: (line) => log.push(line),
  });
  const afterLoad = resolved;
  const answer = await engine.generate({ user: 'What is troponin?' }, { maxTokens: 4 });
  const afterAsk = resolved;
  console.log(JSON.stringify({ afterLoad, afterAsk, tokens: answer.tokens, log }));
  await engine.dispose();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
