// Engine speed: prompt processing (pp) and generation (tg) tokens/s of MedLocal's engine on the
// benchmark model (perf/bench-model.mjs: Qwen2.5-0.5B's shape with Qwen2's real 151,936-row BPE
// vocabulary, Q8_0; the old 238M llama with a 32k synthetic vocabulary when the tokenizer package
// is missing), next to raw node-llama-cpp and to llama.cpp's own llama-bench on the same file in
// the same run. perf/parity.mjs tries what node-llama-cpp's API allows against the gap.
//
// Each configuration runs in a fresh process (libuv's thread pool is sized per process: see
// src/engine/workerPool.ts), configurations take turns over several rounds so that a slow
// moment of a shared machine hits all of them, and each figure is the best seen.
//   raw node-llama-cpp        what node-llama-cpp gives out of the box (libuv's default pool of 4)
//   raw, pool of 1            the same with the pool MedLocal uses: the cause, isolated
//   engine                    MedLocal's LlamaEngine in the environment the server and CLI set up
//   llama-bench with node-llama-cpp's CPU backend (<variant>)
//                             the like-for-like baseline: llama-bench run on node-llama-cpp's own
//                             prebuilt libllama, libggml and CPU variant (perf/llama-cpp.mjs,
//                             build-dl), so it runs the same kernels; the summary's ratio is
//                             against it. Skipped, with the reason, when not built or not Linux.
//   llama.cpp                 llama-bench statically built without AMX (the older reference),
//                             when built (npm run bench:llama-cpp; skipped otherwise)
// The header says which CPU variant and weight buffer types (e.g. AMX) node-llama-cpp and the
// like-for-like llama-bench use, from their own load logs.
//
// Run: npm run bench (or node --import tsx perf/engine.mjs [--quick] [--rounds N])
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuHasAmx, likeForLikeLlamaBench, llamaBenchPath, runLlamaBench } from './llama-cpp.mjs';
import { ensureBenchModel } from './bench-model.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const PP_TOKENS = quick ? 128 : 512;
const TG_TOKENS = quick ? 32 : 128;
const REPEATS = 2; // inside each process, after which the best counts
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Math.max(1, Number(args[roundsArg + 1]) || 1) : quick ? 1 : 3;
const THREADS = [1, 2];

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};

/** Prompt text of exactly `count` tokens for this model: decoded random tokens, re-tokenized to check. */
function promptOfTokens(model, count, seed) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const tokens = Array.from({ length: count }, () => 300 + Math.floor(next() * 30000));
  const text = model.detokenize(tokens);
  return { text, tokens: model.tokenize(text, false) };
}

// ---------------------------------------------------------------------------------------------
// One configuration, in this (child) process; prints one JSON line.

async function measureRaw(threads) {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: 'error' });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, threads, batchSize: 512 });
  const sequence = context.getSequence();
  let pp = 0;
  let tg = 0;
  const reads = [];
  for (let r = 0; r < REPEATS; r++) {
    const { tokens } = promptOfTokens(model, PP_TOKENS, 1000 + r);
    await sequence.clearHistory();
    const probe = probeFileReads();
    let t = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    pp = Math.max(pp, tokens.length / ((performance.now() - t) / 1000));
    reads.push(...(await probe.stop()));

    await sequence.clearHistory();
    let generated = 0;
    t = performance.now();
    for await (const _token of sequence.evaluate(tokens.slice(0, 8), { temperature: 0 })) {
      if (++generated >= TG_TOKENS) break;
    }
    tg = Math.max(tg, generated / ((performance.now() - t) / 1000));
  }
  await llama.dispose();
  return { pp, tg, ...readFigures(reads) };
}

function readFigures(reads) {
  reads.sort((a, b) => a - b);
  return { readP50: reads[Math.floor(reads.length / 2)] ?? 0, readMax: reads.at(-1) ?? 0 };
}

async function measureEngine(threads) {
  const { LlamaEngine } = await loadTs('../src/engine/llamaEngine.ts');
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 1024, threads, loraAdapters: [] },
    cores: availableParallelism(),
    sequences: 2,
  });
  // Prompts of exactly PP_TOKENS tokens need the model's tokenizer: the engine's own (a private
  // field in TypeScript, readable here).
  const tokenizer = engine.model;
  let pp = 0;
  let tg = 0;
  const reads = [];
  for (let r = 0; r < REPEATS; r++) {
    const { text, tokens } = promptOfTokens(tokenizer, PP_TOKENS, 1000 + r);
    const probe = probeFileReads();
    let t = performance.now();
    await engine.scoreNextTokens(text, ['a']);
    pp = Math.max(pp, tokens.length / ((performance.now() - t) / 1000));
    reads.push(...(await probe.stop()));

    t = performance.now();
    const result = await engine.generate(`Patient ${r}:`, { maxTokens: TG_TOKENS });
    tg = Math.max(tg, result.tokens / ((performance.now() - t) / 1000));
  }
  await engine.dispose();
  return { pp, tg, ...readFigures(reads) };
}

/**
 * The price of one pool thread: file reads (which also go through libuv's pool) wait while a decode
 * holds it. Reads a small file every 20 ms while the prompt is processed; returns their latencies.
 */
function probeFileReads() {
  const latencies = [];
  let running = true;
  const loop = (async () => {
    const { readFile } = await import('node:fs/promises');
    while (running) {
      const started = performance.now();
      await readFile(fileURLToPath(import.meta.url));
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

/**
 * What node-llama-cpp runs on, from its own load log: the CPU variant file ggml loaded and the
 * buffer types the weights went to ("AMX" only if AMX holds weights).
 */
async function describeNodeLlamaCpp() {
  const { getLlama } = await import('node-llama-cpp');
  const lines = [];
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'debug', logger: (_level, message) => lines.push(message) });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  await model.dispose();
  await llama.dispose();
  const text = lines.join('\n');
  const loaded = text.match(/loaded CPU backend from (\S+)/)?.[1];
  const { realpathSync } = await import('node:fs');
  const variantFile = loaded ? realpathSync(loaded) : undefined;
  const buffers = [...new Set([...text.matchAll(/load_tensors:\s+(\S+) model buffer size/g)].map((m) => m[1]))];
  return { variant: variantFile?.match(/libggml-cpu-([\w-]+)\.so$/)?.[1] ?? (loaded ? 'cpu' : undefined), variantFile, buffers, amx: buffers.includes('AMX') };
}

const childArg = args.indexOf('--child');
let modelPath;
if (childArg >= 0) {
  const config = JSON.parse(args[childArg + 1]);
  modelPath = config.modelPath;
  const result = config.kind === 'describe' ? await describeNodeLlamaCpp() : config.kind === 'raw' ? await measureRaw(config.threads) : await measureEngine(config.threads);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The parent: configurations in turns, then the table.

const { pinWorkerPool } = await loadTs('../src/engine/workerPool.ts');
const { planThreads } = await loadTs('../src/engine/threads.ts');

const benchModel = await ensureBenchModel();
modelPath = benchModel.path;

const defaultEnv = { ...process.env };
delete defaultEnv.UV_THREADPOOL_SIZE;
const productEnv = { ...defaultEnv };
const pool = pinWorkerPool(productEnv); // exactly what the server's and the CLI's entry points do

const configs = [
  ...THREADS.map((threads) => ({ label: `raw node-llama-cpp, ${threads} thread${threads > 1 ? 's' : ''}`, kind: 'raw', threads, env: defaultEnv, group: 'raw' })),
  ...THREADS.map((threads) => ({ label: `raw, pool of ${pool.size}, ${threads} thread${threads > 1 ? 's' : ''}`, kind: 'raw', threads, env: productEnv, group: 'rawPool' })),
  ...THREADS.map((threads) => ({ label: `engine, ${threads} thread${threads > 1 ? 's' : ''}`, kind: 'engine', threads, env: productEnv, group: 'engine' })),
  { label: 'engine, auto (default)', kind: 'engine', threads: 'auto', env: productEnv, group: 'auto' },
];
let llamaBench = existsSync(llamaBenchPath()) ? llamaBenchPath() : undefined;

const script = fileURLToPath(import.meta.url);
function runChild(config) {
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : []), '--child', JSON.stringify({ kind: config.kind, threads: config.threads, modelPath })], {
    env: config.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').pop());
}

console.log(`engine benchmark (${benchModel.description}): ${availableParallelism()} cores, pp ${PP_TOKENS} tokens, tg ${TG_TOKENS} tokens, ${ROUNDS} round(s) x ${REPEATS} repeats, best of all`);
const showBackend = (d) => `CPU backend ${d.variant ?? 'unknown'}${d.variantFile ? ` (${d.variantFile})` : ''}, weights in ${d.buffers.join(' + ') || 'unknown'} buffers, AMX ${d.amx ? 'used' : 'not used'}`;
const nlc = runChild({ kind: 'describe', threads: 1, env: defaultEnv });
console.log(`node-llama-cpp: ${showBackend(nlc)}${cpuHasAmx() ? '' : ' (this CPU has no AMX)'}`);
const likeForLike = likeForLikeLlamaBench(modelPath);
if (likeForLike.skipped) console.log(`llama-bench with node-llama-cpp's CPU backend (like-for-like baseline): skipped: ${likeForLike.skipped}`);
else {
  console.log(`${likeForLike.label}: ${showBackend(likeForLike)}; libllama, libggml and libggml-base are node-llama-cpp's too (${likeForLike.binary})`);
  if (likeForLike.variantFile !== nlc.variantFile) console.log(`  WARNING: not the variant node-llama-cpp loaded (${nlc.variantFile}): not like-for-like`);
}
if (!llamaBench) console.log(`llama.cpp reference (static, no AMX): not built (npm run bench:llama-cpp builds ${llamaBenchPath()}); skipped`);
const best = new Map();
const record = (label, result) => {
  const seen = best.get(label) ?? { pp: 0, tg: 0 };
  const worst = (key) => (result[key] === undefined ? {} : { [key]: Math.max(seen[key] ?? 0, result[key]) });
  best.set(label, { pp: Math.max(seen.pp, result.pp), tg: Math.max(seen.tg, result.tg), ...worst('readP50'), ...worst('readMax') });
};
for (let round = 1; round <= ROUNDS; round++) {
  const started = performance.now();
  for (const config of configs) record(config.label, runChild(config));
  if (likeForLike.binary) {
    try {
      const results = runLlamaBench(likeForLike.binary, { model: modelPath, threads: THREADS, pp: PP_TOKENS, tg: TG_TOKENS, repeats: REPEATS });
      for (const [threads, result] of results) record(`${likeForLike.label}, ${threads} thread${threads > 1 ? 's' : ''}`, result);
    } catch (error) {
      console.log(`${likeForLike.label} failed (${error.signal ?? `exit ${error.status}`}); its rows are skipped`);
      likeForLike.skipped = `failed (${error.signal ?? `exit ${error.status}`})`;
      likeForLike.binary = undefined;
    }
  }
  if (llamaBench) {
    try {
      const results = runLlamaBench(llamaBench, { model: modelPath, threads: THREADS, pp: PP_TOKENS, tg: TG_TOKENS, repeats: REPEATS });
      for (const [threads, result] of results) record(`llama.cpp llama-bench, ${threads} thread${threads > 1 ? 's' : ''}`, result);
    } catch (error) {
      // E.g. SIGILL: a GGML_NATIVE build whose AMX kernels the VM does not allow.
      console.log(`llama-bench failed (${error.signal ?? `exit ${error.status}`}); its rows are skipped`);
      llamaBench = undefined;
    }
  }
  console.log(`round ${round}/${ROUNDS}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

console.log('');
console.log('configuration | pp tok/s | tg tok/s | file read during pp: p50 / max ms (worst round)');
for (const [label, { pp, tg, readP50, readMax }] of best) {
  console.log(`${label} | ${pp.toFixed(1)} | ${tg.toFixed(1)} | ${readMax === undefined ? '-' : `${readP50.toFixed(1)} / ${readMax.toFixed(1)}`}`);
}

const bestOf = (prefix) => {
  const rows = [...best].filter(([label]) => label.startsWith(prefix)).map(([, v]) => v);
  return rows.length > 0 ? { pp: Math.max(...rows.map((r) => r.pp)), tg: Math.max(...rows.map((r) => r.tg)) } : undefined;
};
const plan = planThreads('auto', availableParallelism());
const auto = best.get('engine, auto (default)');
const raw = bestOf('raw node-llama-cpp');
const llamaCpp = bestOf('llama.cpp');
const sameKernels = likeForLike.label ? bestOf(likeForLike.label) : undefined;
console.log('');
console.log(`engine auto (${plan.contextThreads} threads, worker pool ${pool.size}): pp ${auto.pp.toFixed(1)} tok/s, tg ${auto.tg.toFixed(1)} tok/s`);
console.log(`  vs best raw node-llama-cpp: pp ${(auto.pp / raw.pp).toFixed(2)}x, tg ${(auto.tg / raw.tg).toFixed(2)}x`);
const goal = (pp, tg) => `goal within 5% (>= 0.95x): ${pp >= 0.95 && tg >= 0.95 ? 'met' : 'not met'}`;
if (sameKernels) {
  const ppRatio = auto.pp / sameKernels.pp;
  const tgRatio = auto.tg / sameKernels.tg;
  console.log(`  vs best ${likeForLike.label}, like-for-like: pp ${ppRatio.toFixed(2)}x, tg ${tgRatio.toFixed(2)}x; ${goal(ppRatio, tgRatio)}`);
} else {
  console.log(`  vs llama-bench with node-llama-cpp's CPU backend (like-for-like): skipped: ${likeForLike.skipped ?? 'no rows'}`);
}
if (llamaCpp) {
  const ppRatio = auto.pp / llamaCpp.pp;
  const tgRatio = auto.tg / llamaCpp.tg;
  console.log(`  vs best llama.cpp (llama-bench), static build without AMX: pp ${ppRatio.toFixed(2)}x, tg ${tgRatio.toFixed(2)}x; ${goal(ppRatio, tgRatio)}`);
  if (cpuHasAmx() && nlc.amx) console.log('  the static build is NOT like-for-like on this CPU: node-llama-cpp\'s CPU variant uses AMX (Q8_0 weights repacked for it); llama-bench built statically here runs without AMX, whose kernel dies with SIGILL there (perf/llama-cpp.mjs). The like-for-like line above is the one to read.');
}
