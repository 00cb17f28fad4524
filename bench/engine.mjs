// Engine speed: prompt processing (pp) and generation (tg) tokens/s of MedLocal's engine on a
// synthetic llama of realistic shape (~238M parameters, Q8_0, 16 layers, hidden 1024), with 1 and 2
// threads, next to raw node-llama-cpp on the same file in the same run. Prints figures and ratios.
// Run: npm run bench (or node --import tsx bench/engine.mjs [--quick])
import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const quick = process.argv.includes('--quick');
const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};
const { writeSyntheticModel } = await loadTs('../test/fixtures/gguf/tinyModel.ts');
const { LlamaEngine } = await loadTs('../src/server/engine/llamaEngine.ts');
const { planThreads } = await loadTs('../src/server/engine/threads.ts');
const { getLlama } = await import('node-llama-cpp');

const PP_TOKENS = quick ? 128 : 512;
const TG_TOKENS = quick ? 32 : 128;
const REPEATS = quick ? 1 : 3;
const THREADS = [1, 2];

const modelPath = join(tmpdir(), 'medlocal-bench', 'synthetic-238M-q8_0.gguf');
if (!existsSync(modelPath)) {
  const started = performance.now();
  const info = await writeSyntheticModel(modelPath);
  console.log(`generated ${modelPath}: ${(info.parameters / 1e6).toFixed(0)}M parameters, ${(info.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const best = (values) => Math.max(...values);

/** Prompt text of exactly `count` tokens for this model: decoded random tokens, re-tokenized to check. */
function promptOfTokens(model, count, seed) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const tokens = Array.from({ length: count }, () => 300 + Math.floor(next() * 30000));
  const text = model.detokenize(tokens);
  return { text, tokens: model.tokenize(text, false) };
}

async function measureRaw(threads) {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: 'error' });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, threads, batchSize: 512 });
  const sequence = context.getSequence();
  const pp = [];
  const tg = [];
  for (let r = 0; r < REPEATS; r++) {
    const { tokens } = promptOfTokens(model, PP_TOKENS, 1000 + r);
    await sequence.clearHistory();
    let t = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    pp.push(tokens.length / ((performance.now() - t) / 1000));

    await sequence.clearHistory();
    let generated = 0;
    t = performance.now();
    for await (const _token of sequence.evaluate(tokens.slice(0, 8), { temperature: 0 })) {
      if (++generated >= TG_TOKENS) break;
    }
    tg.push(generated / ((performance.now() - t) / 1000));
  }
  const prompts = Array.from({ length: REPEATS }, (_, r) => promptOfTokens(model, PP_TOKENS, 1000 + r));
  await llama.dispose();
  return { pp: best(pp), tg: best(tg), prompts };
}

async function measureEngine(threads, prompts) {
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 1024, threads, loraAdapters: [] },
    cores: availableParallelism(),
    sequences: 2,
  });
  const pp = [];
  const tg = [];
  for (let r = 0; r < REPEATS; r++) {
    const { text, tokens } = prompts[r];
    let t = performance.now();
    await engine.scoreNextTokens(text, ['a']);
    pp.push(tokens.length / ((performance.now() - t) / 1000));

    t = performance.now();
    const result = await engine.generate(`Patient ${r}:`, { maxTokens: TG_TOKENS });
    tg.push(result.tokens / ((performance.now() - t) / 1000));
  }
  await engine.dispose();
  return { pp: best(pp), tg: best(tg) };
}

console.log(`engine benchmark: ${availableParallelism()} cores, pp ${PP_TOKENS} tokens, tg ${TG_TOKENS} tokens, best of ${REPEATS}`);
const rows = [];
for (const threads of THREADS) {
  const raw = await measureRaw(threads);
  const engine = await measureEngine(threads, raw.prompts);
  rows.push({ threads, raw, engine });
}
console.log('');
console.log('threads | raw pp tok/s | engine pp tok/s | ratio | raw tg tok/s | engine tg tok/s | ratio');
for (const { threads, raw, engine } of rows) {
  console.log(
    [threads, raw.pp.toFixed(1), engine.pp.toFixed(1), (engine.pp / raw.pp).toFixed(2), raw.tg.toFixed(1), engine.tg.toFixed(1), (engine.tg / raw.tg).toFixed(2)]
      .map(String)
      .join(' | '),
  );
}
// MedLocal's default: threads 'auto', sized per phase (prompt vs generation), against the best raw
// node-llama-cpp figure of any thread count in this run.
const plan = planThreads('auto', availableParallelism());
const auto = await measureEngine('auto', rows[rows.length - 1].raw.prompts);
const bestPp = Math.max(...rows.map((r) => r.raw.pp));
const bestTg = Math.max(...rows.map((r) => r.raw.tg));
console.log('');
console.log(`engine auto (prompt ${plan.contextThreads} / generation ${plan.generationThreads} threads): pp ${auto.pp.toFixed(1)} tok/s = ${(auto.pp / bestPp).toFixed(2)}x best raw pp; tg ${auto.tg.toFixed(1)} tok/s = ${(auto.tg / bestTg).toFixed(2)}x best raw tg`);
