// Filling a server: `medlocal bench --backend openai --parallel N` against llama.cpp's own
// llama-server started with N slots (--parallel N, the same context per slot), on the synthetic
// benchmark model perf/engine.mjs uses, for N = 1, 2, 4, 8, in interleaved rounds. Prints
// questions/s for each N (best round) and the ratio to N = 1, all measured in this run on this
// machine. Without the llama-server binary it is
// skipped by name (build it with `npm run bench:llama-cpp`).
//
//   node --import tsx perf/server.mjs [--questions Q] [--rounds R] [--scoring letter|generate] [--threads T]
//   (part of `npm run bench`; needs `npm run build` first for dist/cli.js)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaToolPath } from './llama-cpp.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const QUESTIONS = Number(option('--questions', '8'));
const ROUNDS = Number(option('--rounds', '2'));
const SCORING = option('--scoring', 'letter');
const THREADS = Number(option('--threads', String(availableParallelism())));
const CONTEXT_PER_SLOT = 2048;
const LEVELS = [1, 2, 4, 8];
const modelPath = join(tmpdir(), 'medlocal-bench', 'synthetic-238M-q8_0.gguf');
const cli = join(root, 'dist', 'cli.js');

const server = llamaToolPath('llama-server');
if (!existsSync(server)) {
  console.log(`SKIPPED server bench: llama-server not built (${server} is missing; build it with \`npm run bench:llama-cpp\`)`);
  process.exit(0);
}
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}
if (!existsSync(modelPath)) {
  const { writeSyntheticModel } = await import('../test/fixtures/gguf/tinyModel.ts');
  const info = await writeSyntheticModel(modelPath);
  console.log(`generated ${modelPath}: ${(info.parameters / 1e6).toFixed(0)}M parameters`);
}

/** Starts llama-server with `parallel` slots of CONTEXT_PER_SLOT tokens each; resolves once /health is 200. */
async function startServer(parallel) {
  const child = spawn(server, ['--model', modelPath, '--host', '127.0.0.1', '--port', '0', '--parallel', String(parallel), '--ctx-size', String(CONTEXT_PER_SLOT * parallel), '--threads', String(THREADS), '--no-webui'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const origin = await new Promise((resolveOrigin, reject) => {
    const timer = setTimeout(() => reject(new Error(`llama-server did not start:\n${log.slice(-2000)}`)), 180_000);
    const onData = (d) => {
      log += d.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolveOrigin(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`llama-server exited (${code}):\n${log.slice(-2000)}`)));
  });
  const deadline = Date.now() + 180_000;
  while ((await fetch(`${origin}/health`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error('llama-server never became healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl: `${origin}/v1`,
    stop: () => new Promise((done) => {
      child.once('exit', done);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }),
  };
}

// Every measurement gets questions no server has seen: llama-server keeps each slot's last prompt
// (and more in its RAM prompt cache), so repeating questions would favour the levels with more
// slots. Text-only IgakuQA 2018 questions (../shared/data), a fresh slice per run; without them,
// the built-in sample (36 questions, repeated).
const IGAKUQA_2018 = join(root, '..', 'shared', 'data', 'igakuqa', '2018');
const pool = existsSync(IGAKUQA_2018)
  ? readdirSync(IGAKUQA_2018).filter((f) => /^\d+-[A-Z]\.jsonl$/.test(f)).sort().flatMap((f) => readFileSync(join(IGAKUQA_2018, f), 'utf8').split('\n').filter((line) => line.includes('"text_only": true')))
  : [];
let taken = 0;
function nextDataset(questions, out) {
  if (pool.length < taken + questions) return 'sample';
  const dir = join(out, 'questions');
  mkdirSync(dir);
  writeFileSync(join(dir, '112-A.jsonl'), pool.slice(taken, taken + questions).join('\n') + '\n');
  taken += questions;
  return `igakuqa:${dir}`;
}

/** One `medlocal bench` run through the openai backend; returns questions/s over the CLI's wall time. */
function benchOnce(baseUrl, parallel, questions = QUESTIONS) {
  const out = mkdtempSync(join(tmpdir(), 'medlocal-serverbench-'));
  const dataset = nextDataset(questions, out);
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, 'bench', '--dataset', dataset, '--backend', 'openai', '--base-url', baseUrl, '--scoring', SCORING, '--limit', String(questions), '--parallel', String(parallel), '--out', join(out, 'run'), '--json'], { encoding: 'utf8', timeout: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`medlocal bench failed (N=${parallel}):\n${result.stderr}`);
  const answered = JSON.parse(result.stdout).answered;
  if (answered !== questions) throw new Error(`answered ${answered} of ${questions}`);
  return { seconds, qps: answered / seconds };
}

console.log(`machine: ${availableParallelism()} CPUs (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start)`);
console.log(`server bench: ${QUESTIONS} ${pool.length > 0 ? 'IgakuQA 2018 (new to the server each run)' : 'sample'} questions per measurement, --scoring ${SCORING}, llama-server ${THREADS} threads, ${CONTEXT_PER_SLOT} context tokens per slot, ${ROUNDS} interleaved rounds (best of), ${modelPath}`);
// One server per level, all started up front (an idle one costs no CPU), then the levels in turns,
// round after round: a change in the machine's load falls on every level alike.
const servers = new Map();
const stopAll = () => Promise.all([...servers.values()].map((server) => server.stop()));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stopAll().then(() => process.exit(130)));
try {
  for (const n of LEVELS) servers.set(n, await startServer(n));
  for (const n of LEVELS) benchOnce(servers.get(n).baseUrl, n, n); // warm-up (one question per slot): page cache, first prompts
  const best = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const n of LEVELS) {
      const { seconds, qps } = benchOnce(servers.get(n).baseUrl, n);
      console.log(`round ${round}, N=${n}: ${qps.toFixed(2)} questions/s (${seconds.toFixed(1)} s)`);
      if (!best.has(n) || qps > best.get(n)) best.set(n, qps);
    }
  }
  const base = best.get(LEVELS[0]);
  console.log(`\n| --parallel N (= llama-server --parallel) | questions/s | vs N=1 |\n|---|---|---|`);
  for (const n of LEVELS) console.log(`| ${n} | ${best.get(n).toFixed(2)} | ${(best.get(n) / base).toFixed(2)}× |`);
} finally {
  await stopAll();
}
