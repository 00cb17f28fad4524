// Computes next-token probabilities with node-llama-cpp directly, independently of MedLocal's
// engine: the full vocabulary's raw logits and a softmax done here. Run as a child process (a
// model loads only outside the test runner's process). Args: modelPath prompt candidatesJSON
import { getLlama } from 'node-llama-cpp';

const [modelPath, prompt, candidatesJson] = process.argv.slice(2);
const candidates = JSON.parse(candidatesJson);
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 512, threads: 1 });
const sequence = context.getSequence();
let tokens = model.tokenize(prompt, false);
if (model.tokens.shouldPrependBosToken && model.tokens.bos !== null) tokens = [model.tokens.bos, ...tokens];
const input = tokens.map((t, i) => (i === tokens.length - 1 ? [t, { generateNext: { logits: true } }] : t));
const output = await sequence.controlledEvaluate(input);
const logits = output[tokens.length - 1].next.logits;
let max = -Infinity;
for (const v of logits.values()) max = Math.max(max, v);
let total = 0;
for (const v of logits.values()) total += Math.exp(v - max);
const probabilities = candidates.map((c) => {
  const ids = model.tokenize(c, false);
  if (ids.length !== 1) throw new Error(`candidate ${c} is not one token`);
  return Math.exp(logits.get(ids[0]) - max) / total;
});
console.log(JSON.stringify({ probabilities, vocabulary: logits.size }));
await llama.dispose();
