// Child process: the reference for both scoring paths. For each recorded call (prompt tokens and
// target token sequences, from scoringProbe.ts), log P(target | prompt) computed from the RAW
// logits of the whole vocabulary (node-llama-cpp 3.22.1's `generateNext.logits: true`, no sampler
// involved) with a softmax done here in double precision.
// Evaluation order: `fresh` evaluates prompt + target in a cleared sequence for every target;
// `reuse` puts the same tokens through the model in the same batches as the engine does
// (LlamaEngine.continuationLogProbs): the prompt once, from what the sequence already holds, with
// the logits of its last token; then each target from the KV cache, from its first position whose
// log-probability no earlier target of the call gave (a trie over token paths: a position's
// logits give every token that follows it in some target), never its last token. Float32 logits depend on which rows share a batch (differences of ~1e-3 per continuation
// on random weights: llama.cpp multiplies only the rows that want logits by the output matrix),
// so `reuse` isolates the scoring path's own numerics; `fresh` shows that spread.
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

/** Keeps the first `keep` cells that match `tokens`, erases the rest; returns the index to evaluate from. */
async function align(tokens, keep) {
  const { firstDifferentIndex } = sequence.compareContextTokens(tokens);
  const from = Math.min(firstDifferentIndex, keep);
  if (from < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: from, end: sequence.nextTokenIndex }]);
  return sequence.nextTokenIndex;
}

/** Evaluates tokens[from..]; the logits of every position ≥ firstLogits, by position. */
async function evaluate(tokens, from, firstLogits) {
  const input = tokens.slice(from).map((token, k) => (from + k >= firstLogits ? [token, { generateNext: { logits: true } }] : token));
  const output = await sequence.controlledEvaluate(input);
  return (position) => output[position - from].next.logits;
}

const results = [];
for (const call of calls) {
  const row = [];
  const prompt = call.promptTokens;
  const P = prompt.length;
  if (order === 'fresh') {
    for (const target of call.targets) {
      await sequence.clearHistory();
      const all = [...prompt, ...target];
      const logitsAt = await evaluate(all, 0, P - 1);
      let sum = 0;
      for (let i = P - 1; i < all.length - 1; i++) sum += logSoftmaxAt(logitsAt(i), all[i + 1]);
      row.push(sum);
    }
    results.push(row);
    continue;
  }
  const known = new Map();
  const key = (target, j) => target.slice(0, j + 1).join(',');
  const following = new Map();
  for (const target of call.targets) {
    for (let j = 1; j < target.length; j++) {
      const path = key(target, j - 1);
      following.set(path, (following.get(path) ?? new Set()).add(target[j]));
    }
  }
  if (call.targets.some((t) => t.length > 0)) {
    const logitsAt = await evaluate(prompt, await align(prompt, P - 1), P - 1);
    for (const target of call.targets) if (target.length > 0) known.set(key(target, 0), logSoftmaxAt(logitsAt(P - 1), target[0]));
  }
  for (const target of call.targets) {
    let missing = 1;
    while (missing < target.length && known.has(key(target, missing))) missing++;
    if (missing < target.length) {
      const tokens = [...prompt, ...target.slice(0, -1)];
      const firstNeeded = P + missing - 1;
      const logitsAt = await evaluate(tokens, await align(tokens, firstNeeded), firstNeeded);
      for (let i = firstNeeded; i < tokens.length; i++) {
        const path = target.slice(0, i - P + 1);
        for (const next of following.get(path.join(',')) ?? []) known.set([...path, next].join(','), logSoftmaxAt(logitsAt(i), next));
      }
    }
    let sum = 0;
    for (let j = 0; j < target.length; j++) sum += known.get(key(target, j));
    row.push(sum);
  }
  results.push(row);
}
console.log(JSON.stringify(results));
await llama.dispose();
