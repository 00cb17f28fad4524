// Evaluation throughput next to llama.cpp's own multiple-choice scorer: the same N single-answer
// IgakuQA 2018 questions (Japanese) on the benchmark model (perf/bench-model.mjs), scored by
//   llama-perplexity --multiple-choice   llama.cpp's scorer: all choices of a task share the
//                                        prompt in one batch, each choice scored by its MEAN token
//                                        log-probability (the tokens after the common prefix)
//   MedLocal likelihood                  `medlocal bench --scoring likelihood`: the SUM of each
//                                        choice's token log-probabilities after the prompt
//   MedLocal letter                      `medlocal bench --scoring letter`: one forward pass, the
//                                        choice letters' probabilities as the next token
// Same prompt shape: llama-perplexity's context is MedLocal's likelihood prompt (format
// jmedbench_mcqa, "質問：…答え："), its choices MedLocal's continuation texts; llama-perplexity
// always joins them with a space (context + " " + choice), MedLocal does not after "答え：".
//
// Each scorer runs in its own process (MedLocal's through the CLI's engine factory and the
// benchmark runner, the code `medlocal bench` runs, with the CLI's libuv pool); questions/s over
// the scoring phase (after the model is loaded) and the peak resident memory (VmHWM) of that
// process. Accuracy of each is printed, and for likelihood also with MedLocal's sums turned into
// means per token, as llama-perplexity ranks.
//
// Two more rows break likelihood's time down: node-llama-cpp alone on likelihood's schedule, with
// and without reading the scored positions (rawLikelihoodChild).
//
// Run: node --import tsx perf/mc.mjs [--quick] [--questions N]     (npm run bench runs it)
// Exports measureMc() for perf/bench.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureBenchModel } from './bench-model.mjs';
import { llamaDlToolPath, llamaToolPath } from './llama-cpp.mjs';

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};
const script = fileURLToPath(import.meta.url);
const igakuqaDir = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'igakuqa', '2018');

/** Peak resident set of this process (kB → bytes), from /proc. */
export function ownPeakRss() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** The first `count` single-answer questions of IgakuQA 2018 (Japanese), in file order. */
export async function mcQuestions(count) {
  const bench = await loadTs('../src/eval/index.ts');
  if (!existsSync(igakuqaDir)) throw new Error(`${igakuqaDir} is missing: the evaluation benchmark needs ../shared/data`);
  const { questions } = await bench.loadIgakuQA(igakuqaDir, { language: 'ja' });
  return questions.filter((q) => q.answers.length === 1 && q.choices.length >= 2).slice(0, count);
}

// ---------------------------------------------------------------------------------------------
// llama-perplexity's binary task file

function u32(value) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}
function lengthPrefixed(text) {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

/**
 * tasks: [{ context, choices: string[], gold: number }] → the file llama-perplexity reads with -bf:
 * u32 task count, u32 offset of each task, then per task the context, the choices with an i32
 * label each (mc1), and an empty mc2.
 */
export function encodeMcTasks(tasks) {
  const bodies = tasks.map((task) => {
    const labels = Buffer.alloc(4 * task.choices.length);
    task.choices.forEach((_, i) => labels.writeInt32LE(i === task.gold ? 1 : 0, 4 * i));
    return Buffer.concat([lengthPrefixed(task.context), u32(task.choices.length), ...task.choices.map(lengthPrefixed), labels, u32(0)]);
  });
  const offsets = [];
  let at = 4 + 4 * tasks.length;
  for (const body of bodies) { offsets.push(at); at += body.length; }
  return Buffer.concat([u32(tasks.length), ...offsets.map(u32), ...bodies]);
}

/**
 * Runs llama-perplexity; returns wall seconds of the scoring phase (from its "calculating" line to
 * its exit), per-task correctness (from its running accuracy lines) and the process's peak RSS.
 */
function runPerplexity(binary, args) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    // (The like-for-like build loads its CPU backend from its own folder.)
    const child = spawn(binary, args, { cwd: dirname(binary), stdio: ['ignore', 'pipe', 'pipe'] });
    let scoringFrom;
    let out = '';
    let err = '';
    const watch = (chunk) => {
      if (scoringFrom === undefined && /calculating TruthfulQA score|task\tacc_norm/.test(chunk)) scoringFrom = performance.now();
    };
    child.stdout.on('data', (d) => { out += d; watch(String(d)); });
    child.stderr.on('data', (d) => { err += d; watch(String(d)); });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch { /* exited */ }
    }, 25);
    child.on('error', (e) => { clearInterval(poll); reject(e); });
    child.on('close', (code) => {
      clearInterval(poll);
      const ended = performance.now();
      if (code !== 0) return reject(new Error(`llama-perplexity exited with ${code ?? child.signalCode}:\n${err.slice(-2000)}`));
      const correct = [];
      let previous = 0;
      for (const line of (out + err).split('\n')) {
        const m = /^(\d+)\t([\d.]+)$/.exec(line.trim());
        if (!m) continue;
        const n = Number(m[1]);
        const hits = Math.round((Number(m[2]) * n) / 100);
        correct[n - 1] = hits > previous;
        previous = hits;
      }
      resolvePromise({ seconds: (ended - (scoringFrom ?? started)) / 1000, totalSeconds: (ended - started) / 1000, correct, peakRss: peak });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Where likelihood's time goes: node-llama-cpp alone, on likelihood's schedule (each question's
// prompt once, reading the distribution after it; then each choice's tokens but its last from the
// KV cache, in one decode per choice), with and without the per-position reads (the output layer's
// rows and node-llama-cpp's sample job for each scored position). No trie here: every choice's
// positions are read, a few more than the engine reads.

async function rawLikelihoodChild({ modelPath, count, reads, threads }) {
  const bench = await loadTs('../src/eval/index.ts');
  const { continuationFor } = await loadTs('../src/eval/scoring.ts');
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 4096, threads });
  const sequence = context.getSequence();
  // Time of node-llama-cpp's native sample jobs (one per read position), by wrapping its addon
  // context's sampleToken: measurement only, an internal the product never touches.
  let sampleMs = 0;
  const addon = context._ctx;
  const sampleToken = addon?.sampleToken?.bind(addon);
  if (sampleToken) {
    // An own property over the prototype's read-only method.
    Object.defineProperty(addon, 'sampleToken', {
      configurable: true,
      value: async (...args) => {
        const t0 = performance.now();
        try {
          return await sampleToken(...args);
        } finally {
          sampleMs += performance.now() - t0;
        }
      },
    });
  }
  const format = bench.getPromptFormat('jmedbench_mcqa');
  const tasks = (await mcQuestions(count)).map((q) => {
    const prompt = format.render(q);
    return { prompt: model.tokenize(prompt, false), choices: q.choices.map((c) => model.tokenize(continuationFor(prompt, c), false)) };
  });
  const read = (tokens) => ({ generateNext: { logits: { filter: { tokens, includeSelected: true } }, totalLogitWeight: true, options: { temperature: 0 } } });
  let positions = 0;
  const started = performance.now();
  for (const { prompt, choices } of tasks) {
    const { firstDifferentIndex } = sequence.compareContextTokens(prompt);
    const keep = Math.min(firstDifferentIndex, prompt.length - 1);
    if (keep < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
    const pending = prompt.slice(sequence.nextTokenIndex);
    await sequence.controlledEvaluate(pending.map((t, i) => (i === pending.length - 1 ? [t, read(choices.filter((c) => c.length > 0).map((c) => c[0]))] : t)));
    positions += 1;
    for (const choice of choices) {
      if (choice.length < 2) continue;
      if (sequence.nextTokenIndex > prompt.length) await sequence.eraseContextTokenRanges([{ start: prompt.length, end: sequence.nextTokenIndex }]);
      const body = choice.slice(0, -1);
      await sequence.controlledEvaluate(body.map((t, i) => (reads ? [t, read([choice[i + 1]])] : t)));
      if (reads) positions += body.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await llama.dispose();
  return { questions: tasks.length, seconds, positions, sampleSeconds: sampleToken ? sampleMs / 1000 : undefined, peakRss: ownPeakRss() };
}

// ---------------------------------------------------------------------------------------------
// MedLocal, in a child process (the pool of the CLI; its own VmHWM)

async function medlocalChild({ modelPath, mode, count, parallel, maxTokens = 256 }) {
  const bench = await loadTs('../src/eval/index.ts');
  const { createRunEngine } = await loadTs('../src/engine/factory.ts');
  const { continuationFor } = await loadTs('../src/eval/scoring.ts');
  const questions = await mcQuestions(count);
  const loadStarted = performance.now();
  const handle = await createRunEngine({ modelPath, parallel });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  // Each mode's default prompt format, as `medlocal bench` picks it (src/eval/plan.ts).
  const { DEFAULT_FORMAT } = await loadTs('../src/eval/plan.ts');
  const format = bench.getPromptFormat(DEFAULT_FORMAT[mode]);
  const outDir = mkdtempSync(join(tmpdir(), `medlocal-mc-${mode}-`));
  const started = performance.now();
  const result = await bench.runBenchmark({
    engine: handle.engine,
    questions,
    format,
    scoring: mode === 'generate' ? { mode, maxTokens } : { mode },
    parallel,
    outDir,
  });
  const seconds = (performance.now() - started) / 1000;
  // Means per token, as llama-perplexity ranks: the engine tokenizes each continuation on its own.
  const records = questions.map((q) => result.answers.find((a) => a.id === q.id));
  let meanCorrect;
  if (mode === 'likelihood') {
    meanCorrect = records.map((record, index) => {
      const q = questions[index];
      if (!record?.choiceScores) return false;
      const prompt = format.render(q);
      const means = record.choiceScores.map((sum, i) => sum / Math.max(1, handle.engine.countTokens(continuationFor(prompt, q.choices[i]))));
      return means.indexOf(Math.max(...means)) === q.answers[0];
    });
  }
  await handle.dispose();
  rmSync(outDir, { recursive: true, force: true });
  const errors = result.answers.filter((a) => a.error !== undefined).length;
  return { questions: result.answers.length, errors, seconds, loadSeconds, correct: records.map((a) => a?.correct === true), meanCorrect, peakRss: ownPeakRss() };
}

/** Runs one MedLocal measurement in a fresh process with the CLI's environment. */
export async function runMedlocalChild(config) {
  const { pinWorkerPool } = await loadTs('../src/engine/workerPool.ts');
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  pinWorkerPool(env); // what the CLI's entry point does
  const output = execFileSync(process.execPath, ['--import', 'tsx', script, '--child', JSON.stringify(config)], {
    env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------
// The comparison

const rate = (correct) => (correct.length === 0 ? 0 : correct.filter(Boolean).length / correct.length);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const gb = (bytes) => `${(bytes / 1e9).toFixed(2)} GB`;

/**
 * Measures the three scorers on the same questions; returns rows for the summary table and prints
 * the details. `log` receives each line.
 */
export async function measureMc({ count, log = console.log, model }) {
  const benchModel = model ?? (await ensureBenchModel({ log }));
  const questions = await mcQuestions(count);
  const { planThreads } = await loadTs('../src/engine/threads.ts');
  const threads = planThreads('auto', availableParallelism()).contextThreads;
  log(`multiple choice vs llama-perplexity: ${questions.length} single-answer IgakuQA 2018 questions (ja), ${threads} threads, model: ${benchModel.description}`);

  // The task file and llama-perplexity's context: np = the most choices, -c so that np × c holds
  // the longest task (its logits buffer is np × c × vocabulary floats: keep it no larger).
  const bench = await loadTs('../src/eval/index.ts');
  const { continuationFor } = await loadTs('../src/eval/scoring.ts');
  const format = bench.getPromptFormat('jmedbench_mcqa');
  const tasks = questions.map((q) => {
    const context = format.render(q);
    return { context, choices: q.choices.map((c) => continuationFor(context, c)), gold: q.answers[0] };
  });
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const vocab = await llama.loadModel({ modelPath: benchModel.path, vocabOnly: true });
  // As llama-perplexity counts a task: the choices' common prefix once, then each choice's tail.
  const required = tasks.map((t) => {
    const seqs = t.choices.map((c) => vocab.tokenize(`${t.context} ${c}`, false));
    let prefix = 0;
    while (seqs.every((seq) => prefix < seq.length && seq[prefix] === seqs[0][prefix])) prefix += 1;
    return prefix + seqs.reduce((sum, seq) => sum + seq.length - prefix, 0);
  });
  await vocab.dispose();
  const np = Math.max(4, ...tasks.map((t) => t.choices.length));
  const perSequence = Math.ceil((Math.max(...required) + 64) / np / 64) * 64;
  const batch = Math.min(512, np * perSequence);

  const rows = [];
  // The like-for-like build (node-llama-cpp's own libllama, ggml and CPU variant: perf/llama-cpp.mjs,
  // build-dl) when it is built, else the static one.
  const likeForLike = llamaDlToolPath('llama-perplexity');
  const binary = existsSync(likeForLike) ? likeForLike : llamaToolPath('llama-perplexity');
  const which = binary === likeForLike ? "on node-llama-cpp's own libraries (like-for-like)" : 'static build (npm run bench:llama-cpp builds the like-for-like one)';
  let perplexity;
  if (existsSync(binary)) {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-mc-'));
    const taskFile = join(dir, 'tasks.bin');
    writeFileSync(taskFile, encodeMcTasks(tasks));
    // Weight repacking stays on, as in node-llama-cpp. The static build has no AMX (its tile
    // instructions died with SIGILL on an earlier 2-vCPU VM); the like-for-like one runs whatever
    // node-llama-cpp's CPU variant runs.
    const args = ['-m', benchModel.path, '-bf', taskFile, '--multiple-choice', '-np', String(np), '-c', String(perSequence), '-b', String(batch), '-t', String(threads), '-tb', String(threads)];
    perplexity = await runPerplexity(binary, args);
    rmSync(dir, { recursive: true, force: true });
    const r = { label: 'llama-perplexity --multiple-choice', perSecond: questions.length / perplexity.seconds, peakRss: perplexity.peakRss, accuracy: rate(perplexity.correct) };
    rows.push(r);
    log(`  llama-perplexity, ${which}: ${binary}`);
    log(`  llama-perplexity -np ${np} -c ${perSequence} (context ${np * perSequence}) -b ${batch}: ${r.perSecond.toFixed(3)} q/s (${perplexity.seconds.toFixed(1)} s scoring, ${perplexity.totalSeconds.toFixed(1)} s with load), peak RSS ${gb(r.peakRss)}, accuracy ${pct(r.accuracy)} (mean token log-prob)`);
  } else {
    log(`  llama-perplexity: not built (npm run bench:llama-cpp builds ${binary}); skipped`);
  }
  for (const mode of ['likelihood', 'letter']) {
    const m = await runMedlocalChild({ modelPath: benchModel.path, mode, count, parallel: 1 });
    const r = { label: `MedLocal ${mode}`, perSecond: m.questions / m.seconds, peakRss: m.peakRss, accuracy: rate(m.correct) };
    rows.push(r);
    const extra = m.meanCorrect ? `; ranked by mean per token as llama-perplexity: ${pct(rate(m.meanCorrect))}` : '';
    log(`  MedLocal ${mode} (parallel 1): ${r.perSecond.toFixed(3)} q/s (${m.seconds.toFixed(1)} s scoring, load ${m.loadSeconds.toFixed(1)} s), peak RSS ${gb(r.peakRss)}, accuracy ${pct(r.accuracy)} (sum${mode === 'letter' ? ' of letter forms' : ''})${extra}${m.errors ? `, ${m.errors} errors` : ''}`);
    if (mode === 'likelihood' && perplexity && m.meanCorrect) {
      const same = m.meanCorrect.filter((c, i) => c === perplexity.correct[i]).length;
      log(`  likelihood ranked by mean vs llama-perplexity: same verdict on ${same}/${m.meanCorrect.length} questions`);
    }
  }
  // The breakdown: the same decodes in node-llama-cpp alone, with and without reading positions.
  const breakdown = {};
  for (const reads of [true, false]) {
    const m = await runMedlocalChild({ raw: true, modelPath: benchModel.path, count, reads, threads });
    const r = { label: `node-llama-cpp, likelihood's decodes ${reads ? 'with' : 'without'} reads`, perSecond: m.questions / m.seconds, peakRss: m.peakRss };
    rows.push(r);
    const sample = m.sampleSeconds === undefined ? '' : `; sample jobs ${(m.sampleSeconds * 1000 / m.questions).toFixed(0)} ms per question, ${((m.sampleSeconds * 1000) / m.positions).toFixed(2)} ms each`;
    log(`  ${r.label}: ${r.perSecond.toFixed(3)} q/s (${m.seconds.toFixed(1)} s, ${(m.positions / m.questions).toFixed(1)} positions read per question${sample})`);
    breakdown[reads ? 'with' : 'without'] = m;
  }
  const { with: w, without: wo } = breakdown;
  if (w && wo && w.sampleSeconds !== undefined && wo.sampleSeconds !== undefined) {
    const perQuestion = (x) => (x * 1000) / w.questions;
    const readsMs = perQuestion(w.seconds - wo.seconds);
    const sampleMsQ = perQuestion(w.sampleSeconds - wo.sampleSeconds);
    log(`  reading ${((w.positions - wo.positions) / w.questions).toFixed(1)} positions costs ${readsMs.toFixed(0)} ms per question: sample jobs ${sampleMsQ.toFixed(0)} ms, the rest (their rows through the output layer, decode-side) ${(readsMs - sampleMsQ).toFixed(0)} ms`);
  }
  if (perplexity) {
    const ref = rows[0];
    for (const r of rows.slice(1)) log(`  ${r.label} vs llama-perplexity: ${(r.perSecond / ref.perSecond).toFixed(2)}x questions/s, ${(r.peakRss / ref.peakRss).toFixed(2)}x peak memory${r.label.endsWith('likelihood') ? ' (goal >= 1.0x q/s)' : ''}`);
  }
  return { rows, questions: questions.length, settings: { np, perSequence, batch, threads } };
}

const childArg = process.argv.indexOf('--child');
if (childArg >= 0) {
  const config = JSON.parse(process.argv[childArg + 1]);
  const result = config.raw ? await rawLikelihoodChild(config) : await medlocalChild(config);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else if (process.argv[1] && resolve(process.argv[1]) === script) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--questions');
  const count = at >= 0 ? Math.max(1, Number(args[at + 1]) || 1) : args.includes('--quick') ? 12 : 60;
  await measureMc({ count });
}
