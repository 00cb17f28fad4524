// llama.cpp's own benchmark tool (llama-bench), built from the llama.cpp source that node-llama-cpp
// ships (node_modules/node-llama-cpp/llama/gitRelease.bundle, the release its binaries were built
// from), so perf/engine.mjs can put MedLocal's engine next to llama.cpp's best on the same GGUF in
// the same run. Nothing is downloaded. Needs git, cmake and a C++ compiler; the build (a few minutes
// on 2 cores) is cached in $MEDLOCAL_CACHE or ~/.cache/medlocal and reused.
//
//   node perf/llama-cpp.mjs            build if missing, print the llama-bench path
//   npm run bench:llama-cpp             the same
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const llamaDir = join(root, 'node_modules', 'node-llama-cpp', 'llama');

/** The llama.cpp release node-llama-cpp's binaries come from (e.g. "v0.5.0"). */
export function llamaCppRelease() {
  return JSON.parse(readFileSync(join(llamaDir, 'llama.cpp.info.json'), 'utf8')).tag;
}

export function llamaBenchPath() {
  const cache = resolve(process.env.MEDLOCAL_CACHE || join(homedir(), '.cache', 'medlocal'));
  return join(cache, `llama.cpp-${llamaCppRelease()}`, 'build', 'bin', 'llama-bench');
}

function need(tool, args) {
  const result = spawnSync(tool, args, { stdio: 'ignore' });
  if (result.error || result.status !== 0) throw new Error(`${tool} is needed to build llama-bench (install it, e.g. apt-get install ${tool === 'c++' ? 'g++' : tool})`);
}

export function buildLlamaBench(log = (line) => process.stderr.write(`${line}\n`)) {
  const binary = llamaBenchPath();
  if (existsSync(binary)) return binary;
  const bundle = join(llamaDir, 'gitRelease.bundle');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm ci`);
  need('git', ['--version']);
  need('cmake', ['--version']);
  need('c++', ['--version']);
  const base = dirname(dirname(dirname(binary)));
  const source = join(base, 'src');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  log(`llama-bench: cloning llama.cpp ${llamaCppRelease()} from node-llama-cpp's bundle into ${source}`);
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, source], { stdio: 'inherit' });
  const build = join(base, 'build');
  // CPU only, tuned for this machine (GGML_NATIVE), no OpenMP (like node-llama-cpp's prebuilt CPU binaries).
  const options = ['-DCMAKE_BUILD_TYPE=Release', '-DGGML_NATIVE=ON', '-DGGML_OPENMP=OFF', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_SERVER=OFF'];
  log('llama-bench: configuring (cmake)');
  execFileSync('cmake', ['-S', source, '-B', build, ...options], { stdio: ['ignore', 'ignore', 'inherit'] });
  log(`llama-bench: building with ${availableParallelism()} jobs (a few minutes)`);
  execFileSync('cmake', ['--build', build, '--target', 'llama-bench', '-j', String(availableParallelism())], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(binary)) throw new Error(`the build finished without ${binary}`);
  return binary;
}

/**
 * Runs llama-bench on a GGUF: prompt processing of `pp` tokens and generation of `tg` tokens for
 * each thread count, `repeats` times; returns the best sample of each (tokens/s), as the engine
 * benchmark reports best-of figures.
 */
export function runLlamaBench(binary, { model, threads, pp, tg, repeats }) {
  const output = execFileSync(binary, ['-m', model, '-t', threads.join(','), '-p', String(pp), '-n', String(tg), '-r', String(repeats), '-o', 'json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const rows = JSON.parse(output);
  const results = new Map(threads.map((t) => [t, { pp: 0, tg: 0 }]));
  for (const row of rows) {
    const best = Math.max(...(row.samples_ts ?? [row.avg_ts]));
    const entry = results.get(row.n_threads);
    if (!entry) continue;
    if (row.n_prompt > 0 && row.n_gen === 0) entry.pp = Math.max(entry.pp, best);
    if (row.n_gen > 0 && row.n_prompt === 0) entry.tg = Math.max(entry.tg, best);
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(buildLlamaBench());
  } catch (error) {
    console.error(`llama-bench could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
