// Child process: the reference for both scoring paths. For each recorded call (prompt tokens and
// target token sequences, from scoringProbe.ts), log P(target | prompt) computed from the RAW
// logits of the whole vocabulary (node-llama-cpp 3.22.1's `generateNext.logits: true`, no sampler
// involved) with a softmax done here in double precision.
// Evaluation order: `fresh` evaluates prompt + target in a cleared sequence for every target;
// `reuse` (for continuation calls; next-token calls are one pass over the prompt either way)
// evaluates the prompt with the first target, then for each later target erases back to the last
// prompt token and evaluates from there, as the engine's KV-cache reuse does. Float32
// results depend on how tokens are split into batches (differences of ~1e-3 per continuation on
// random weights), so `reuse` isolates the scoring path's own numerics; `fresh` shows that spread.
// Reads the calls as JSON from the file given; prints one array per call.
// Usage: node rawLogProbs.mjs MODEL CALLS_JSON_FILE [reuse|fresh]
import { readFileSync } from 'node:fs';
import { getLlama } from 'node-llama-cpp';

const [modelPath, callsFile, order = 'reuse'] = process.argv.slice(2);
const calls = JSON.parse(readFileSync(callsFile, 'utf8'));
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: 'error' });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 2048, threads: 1 });
const sequence = context.getSequence();

function logSoftmaxAt(logits, token) {
  let max = -Infinity;
  for (const value of logits.values()) max = Math.max(max, value);
  let total = 0;
  for (const value of logits.values()) total += Math.exp(value - max);
  return logits.get(token) - max - Math.log(total);
}

const results = [];
for (const call of calls) {
  const row = [];
  const first = call.promptTokens.length - 1;
  await sequence.clearHistory();
  for (const target of call.targets) {
    if (order === 'fresh' || call.kind === 'next') await sequence.clearHistory();
    else if (sequence.nextTokenIndex > first) await sequence.eraseContextTokenRanges([{ start: first, end: sequence.nextTokenIndex }]);
    const all = [...call.promptTokens, ...target];
    const offset = sequence.nextTokenIndex;
    const input = all.slice(offset).map((token, k) => {
      const i = offset + k;
      return i >= first && i < all.length - 1 ? [token, { generateNext: { logits: true } }] : token;
    });
    const output = await sequence.controlledEvaluate(input);
    let sum = 0;
    for (let i = first; i < all.length - 1; i++) sum += logSoftmaxAt(output[i - offset].next.logits, all[i + 1]);
    row.push(sum);
  }
  results.push(row);
}
console.log(JSON.stringify(results));
await llama.dispose();
