// Child process for engine tests: loads MedLocal's LlamaEngine on a model and prints JSON facts.
// Usage: node --import tsx engineProbe.ts MODEL
import { LlamaEngine } from '../../src/engine/llamaEngine';

async function main(): Promise<void> {
  const modelPath = process.argv[2] ?? '';
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 1024, threads: 1, loraAdapters: [] },
    cores: 1,
    sequences: 1,
  });
  const prompt = '質問: 心筋梗塞で最初に上昇するのは？\n答え:';
  const choices = [' troponin', ' sodium level', ' 白血球'];
  const forward = await engine.scoreContinuations(prompt, choices);
  const backward = await engine.scoreContinuations(prompt, [...choices].reverse());
  const alone = await Promise.all(choices.map(async (c) => (await engine.scoreContinuations(prompt, [c]))[0]));
  const letters = await engine.scoreNextTokens(prompt, [' A', ' B', 'A']);
  const lettersAgain = await engine.scoreNextTokens(prompt, [' A', ' B', 'A']);
  console.log(JSON.stringify({ forward, backward, alone, letters, lettersAgain }));
  await engine.dispose();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
