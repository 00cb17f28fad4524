// node-llama-cpp 3.22.1 (Linux packages; scoring from the logits filter) vs 3.21.1 (Windows and
// macOS packages; scoring from the full probability map, through the dev alias node-llama-cpp-3.21),
// in ONE run, on the same GGUF files: prompt processing (pp) and generation (tg) tokens/s, and
// letter and likelihood questions/s on real IgakuQA 2018 questions, for 1 and 2 threads.
// Models: synthetic llamas with a 32k vocabulary and a ~152k one (Qwen-sized vocabulary, where the
// 3.21.1 path's per-position cost — a native sort of the whole vocabulary and a JS Map of it — shows).
//
// Each measurement runs in its own process (two versions' native libraries cannot share one), the
// configurations take turns over the rounds so a slow moment of the shared machine hits all of
// them, and each figure is the best seen. Not part of `npm run bench` (several minutes).
//
// Run: node --import tsx perf/engine-versions.mjs [--rounds N] [--questions N] [--layers N] [--hidden N]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option('--rounds', 2);
const QUESTIONS = option('--questions', 30);
const LAYERS = option('--layers', 16);
const HIDDEN = option('--hidden', 1024);
const PP_TOKENS = 256;
const TG_TOKENS = 32;
const THREADS = [1, 2];
const VERSIONS = [
  { label: '3.22.1', module: 'node-llama-cpp' },
  { label: '3.21.1', module: 'node-llama-cpp-3.21' },
];
const IGAKUQA_2018 = join(process.env.MEDLOCAL_SHARED_DATA ?? '/work/shared/data', 'igakuqa', '2018');

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};

function modelPathFor(vocab) {
  return join(tmpdir(), 'medlocal-bench', `synthetic-l${LAYERS}-h${HIDDEN}-v${vocab}-q8_0.gguf`);
}

// ---------------------------------------------------------------------------------------------
// One measurement in this (child) process: one version, one model, one thread count.

async function measure({ module, modelPath, threads }) {
  const { LlamaEngine } = await loadTs('../src/engine/llamaEngine.ts');
  const { loadIgakuQA } = await loadTs('../src/eval/datasets/igakuqa.ts');
  const { getPromptFormat } = await loadTs('../src/eval/formats.ts');
  const { answerQuestion } = await loadTs('../src/eval/scoring.ts');
  const nodeLlamaCpp = await import(module);
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 2048, threads, loraAdapters: [] },
    cores: threads,
    sequences: 1,
    nodeLlamaCpp,
  });
  const tokenizer = engine.model; // private in TypeScript, readable here
  const tokens = Array.from({ length: PP_TOKENS }, (_, i) => 300 + ((i * 7919) % 30000));
  const text = tokenizer.detokenize(tokens);
  const ppTokens = tokenizer.tokenize(text, false).length;
  let t = performance.now();
  await engine.scoreNextTokens(text, ['a']);
  const pp = ppTokens / ((performance.now() - t) / 1000);
  t = performance.now();
  const generated = await engine.generate('Patient:', { maxTokens: TG_TOKENS });
  const tg = generated.tokens / ((performance.now() - t) / 1000);

  const questions = loadIgakuQA(IGAKUQA_2018).questions.slice(0, QUESTIONS);
  const rate = async (mode, formatId) => {
    const format = getPromptFormat(formatId);
    const started = performance.now();
    for (const question of questions) await answerQuestion(engine, question, format, { mode });
    return questions.length / ((performance.now() - started) / 1000);
  };
  const letter = await rate('letter', 'igakuqa');
  const likelihood = await rate('likelihood', 'jmedbench_mcqa');
  const runtime = engine.info.runtime;
  await engine.dispose();
  return { pp, tg, letter, likelihood, runtime, questions: questions.length };
}

const childArg = args.indexOf('--child');
if (childArg >= 0) {
  const result = await measure(JSON.parse(args[childArg + 1]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The parent: models, configurations in turns, the table.

if (!existsSync(IGAKUQA_2018)) {
  console.log(`IgakuQA 2018 not found at ${IGAKUQA_2018} (set MEDLOCAL_SHARED_DATA); nothing measured`);
  process.exit(1);
}
const { writeSyntheticModel } = await loadTs('../test/fixtures/gguf/tinyModel.ts');
const { pinWorkerPool } = await loadTs('../src/engine/workerPool.ts');
const models = [];
for (const vocab of [32000, 151936]) {
  const path = modelPathFor(vocab);
  if (!existsSync(path)) {
    const started = performance.now();
    const info = await writeSyntheticModel(path, { layers: LAYERS, hidden: HIDDEN, vocab });
    console.log(`generated ${path}: ${(info.parameters / 1e6).toFixed(0)}M parameters, ${(info.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  models.push({ vocab, path });
}

const env = { ...process.env };
pinWorkerPool(env); // the environment the server and the CLI run in
const script = fileURLToPath(import.meta.url);
const configs = models.flatMap((m) => THREADS.flatMap((threads) => VERSIONS.map((v) => ({ ...v, vocab: m.vocab, modelPath: m.path, threads }))));
const key = (c) => `${c.vocab}|${c.threads}|${c.label}`;
const best = new Map();
console.log(`engine versions: ${configs.length} configurations x ${ROUNDS} round(s), ${QUESTIONS} IgakuQA 2018 questions, synthetic llama ${LAYERS} layers hidden ${HIDDEN} Q8_0; best of rounds`);
for (let round = 1; round <= ROUNDS; round++) {
  const started = performance.now();
  // Alternate the version order each round so neither always runs first.
  const order = round % 2 === 1 ? configs : [...configs].reverse();
  for (const config of order) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', script, ...args, '--child', JSON.stringify({ module: config.module, modelPath: config.modelPath, threads: config.threads })], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const result = JSON.parse(output.trim().split('\n').pop());
    console.log(`  ${config.vocab} vocab, ${config.threads} thread(s), ${config.label}: pp ${result.pp.toFixed(1)}, tg ${result.tg.toFixed(1)}, letter ${result.letter.toFixed(2)} q/s, likelihood ${result.likelihood.toFixed(2)} q/s`);
    const seen = best.get(key(config));
    best.set(key(config), seen ? { ...result, ...Object.fromEntries(['pp', 'tg', 'letter', 'likelihood'].map((k) => [k, Math.max(seen[k], result[k])])) } : result);
  }
  console.log(`round ${round}/${ROUNDS}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

console.log('');
console.log('vocab | threads | node-llama-cpp (llama.cpp, path) | pp tok/s | tg tok/s | letter q/s | likelihood q/s');
for (const c of configs) {
  const r = best.get(key(c));
  console.log(`${c.vocab} | ${c.threads} | ${c.label} (${r.runtime.llamaCpp}, ${r.runtime.scoringPath}) | ${r.pp.toFixed(1)} | ${r.tg.toFixed(1)} | ${r.letter.toFixed(2)} | ${r.likelihood.toFixed(2)}`);
}
console.log('');
console.log('ratio 3.21.1 / 3.22.1 (1.00 = as fast):');
for (const m of models) {
  for (const threads of THREADS) {
    const a = best.get(`${m.vocab}|${threads}|3.22.1`);
    const b = best.get(`${m.vocab}|${threads}|3.21.1`);
    const ratio = (k) => (b[k] / a[k]).toFixed(2);
    console.log(`vocab ${m.vocab}, ${threads} thread(s): pp ${ratio('pp')}, tg ${ratio('tg')}, letter ${ratio('letter')}, likelihood ${ratio('likelihood')}`);
  }
}
