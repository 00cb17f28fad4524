// Continuation log-likelihoods computed directly with node-llama-cpp (full vocabulary softmax at
// every position, fresh context per continuation). Args: modelPath prompt continuationsJSON
import { getLlama } from 'node-llama-cpp';

const [modelPath, prompt, json] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const results = [];
for (const continuation of JSON.parse(json)) {
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const sequence = context.getSequence();
  let promptTokens = model.tokenize(prompt, false);
  if (model.tokens.shouldPrependBosToken && model.tokens.bos !== null) promptTokens = [model.tokens.bos, ...promptTokens];
  const contTokens = model.tokenize(continuation, false);
  const all = [...promptTokens, ...contTokens];
  const input = all.map((t, i) => (i >= promptTokens.length - 1 && i < all.length - 1 ? [t, { generateNext: { logits: true } }] : t));
  const output = await sequence.controlledEvaluate(input);
  let sum = 0;
  for (let i = promptTokens.length - 1; i < all.length - 1; i++) {
    const logits = output[i].next.logits;
    let max = -Infinity;
    for (const v of logits.values()) max = Math.max(max, v);
    let total = 0;
    for (const v of logits.values()) total += Math.exp(v - max);
    sum += logits.get(all[i + 1]) - max - Math.log(total);
  }
  results.push(sum);
  await context.dispose();
}
console.log(JSON.stringify(results));
await llama.dispose();
