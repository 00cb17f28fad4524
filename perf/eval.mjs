// Evaluation speed: questions/s of the three scoring modes (letter, likelihood, generate) on the
// generated 238M-parameter Q8_0 model and the same IgakuQA-style questions, with 1 and 4 parallel
// sequences. Prints figures and the letter/generate ratio (goal ≥ 10×).
// Run: npm run bench (or node --import tsx perf/eval.mjs [--quick])
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};
// The engine runs here as in the server and the CLI: with libuv's pool sized by their preamble
// (src/engine/workerPool.ts). The pool has already started in this process (tsx reads
// files), so the benchmark runs again in a child with that environment.
{
  const { pinWorkerPool } = await loadTs('../src/engine/workerPool.ts');
  if (!process.env.MEDLOCAL_BENCH_CHILD) {
    const env = { ...process.env, MEDLOCAL_BENCH_CHILD: '1' };
    pinWorkerPool(env);
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { env, stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
}
const { writeSyntheticModel } = await loadTs('../test/fixtures/gguf/tinyModel.ts');
const { LlamaEngine } = await loadTs('../src/engine/llamaEngine.ts');
const bench = await loadTs('../src/eval/index.ts');

const modelPath = join(tmpdir(), 'medlocal-bench', 'synthetic-238M-q8_0.gguf');
if (!existsSync(modelPath)) await writeSyntheticModel(modelPath);

// The same 50 questions for every mode: real IgakuQA 2018 when ../shared/data is present, else the
// built-in sample set (cycled to 50 with distinct ids).
const igakuqa = join(import.meta.dirname, '..', '..', 'shared', 'data', 'igakuqa', '2018');
let questions;
if (existsSync(igakuqa)) {
  questions = (await bench.loadIgakuQA(igakuqa, { language: 'ja' })).questions.slice(0, 50);
} else {
  const sample = bench.loadSampleSet('ja').questions;
  questions = Array.from({ length: 50 }, (_, i) => ({ ...sample[i % sample.length], id: `bench-${i}` }));
}
const QUESTIONS = { letter: 50, likelihood: quick ? 10 : 25, generate: quick ? 3 : 8 };
const PARALLEL = [1, 4];
const format = bench.getPromptFormat('igakuqa');

async function measure(mode, parallel) {
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 'auto', loraAdapters: [] },
    cores: availableParallelism(),
    sequences: parallel,
    reserveForInteractive: 0,
  });
  const subset = questions.slice(0, QUESTIONS[mode]);
  const started = performance.now();
  const result = await bench.runBenchmark({
    engine,
    questions: subset,
    format,
    scoring: mode === 'generate' ? { mode, maxTokens: 256 } : { mode },
    parallel,
    outDir: mkdtempSync(join(tmpdir(), `medlocal-bench-${mode}-`)),
  });
  const seconds = (performance.now() - started) / 1000;
  await engine.dispose();
  return { questions: result.answers.length, seconds, perSecond: result.answers.length / seconds };
}

console.log(`evaluation benchmark: ${availableParallelism()} cores, ${questions.length} questions (${existsSync(igakuqa) ? 'IgakuQA 2018' : 'sample set'}), format igakuqa`);
const results = {};
for (const mode of ['letter', 'likelihood', 'generate']) {
  for (const parallel of PARALLEL) {
    const r = await measure(mode, parallel);
    results[`${mode}/${parallel}`] = r;
    console.log(`${mode.padEnd(10)} parallel ${parallel}: ${r.questions} questions in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(3)} q/s`);
  }
}
for (const parallel of PARALLEL) {
  const ratio = results[`letter/${parallel}`].perSecond / results[`generate/${parallel}`].perSecond;
  console.log(`letter/generate at parallel ${parallel}: ${ratio.toFixed(1)}x (goal >= 10x)`);
}
for (const mode of ['letter', 'likelihood', 'generate']) {
  console.log(`${mode}: parallel 4 vs 1 = ${(results[`${mode}/4`].perSecond / results[`${mode}/1`].perSecond).toFixed(2)}x`);
}
