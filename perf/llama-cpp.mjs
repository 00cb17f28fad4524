// llama.cpp's own tools (llama-bench, llama-perplexity, llama-server), built from the llama.cpp source that node-llama-cpp
// ships (node_modules/node-llama-cpp/llama/gitRelease.bundle, the release its binaries were built
// from), so perf/engine.mjs can put MedLocal's engine next to llama.cpp's best on the same GGUF in
// the same run. Nothing is downloaded. Needs git, cmake and a C++ compiler; the build (a few minutes
// on 2 cores) is cached in $MEDLOCAL_CACHE or ~/.cache/medlocal and reused.
//
//   node perf/llama-cpp.mjs            build what is missing (llama-bench, llama-perplexity,
//                                       llama-server), print each tool's path
//   npm run bench:llama-cpp             the same
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const llamaDir = join(root, 'node_modules', 'node-llama-cpp', 'llama');

/** The llama.cpp release node-llama-cpp's binaries come from (e.g. "v0.5.0"). */
export function llamaCppRelease() {
  return JSON.parse(readFileSync(join(llamaDir, 'llama.cpp.info.json'), 'utf8')).tag;
}

/** The tools built from the bundled source, all into one cached build folder. */
export const llamaCppTools = ['llama-bench', 'llama-perplexity', 'llama-server'];

/** Where a built llama.cpp tool lives (it may not exist yet). */
export function llamaToolPath(tool) {
  const cache = resolve(process.env.MEDLOCAL_CACHE || join(homedir(), '.cache', 'medlocal'));
  return join(cache, `llama.cpp-${llamaCppRelease()}`, 'build', 'bin', tool);
}

export function llamaBenchPath() {
  return llamaToolPath('llama-bench');
}

function need(tool, args) {
  const result = spawnSync(tool, args, { stdio: 'ignore' });
  if (result.error || result.status !== 0) throw new Error(`${tool} is needed to build llama-bench (install it, e.g. apt-get install ${tool === 'c++' ? 'g++' : tool})`);
}

export function buildLlamaBench(log = (line) => process.stderr.write(`${line}\n`)) {
  buildLlamaCppTools(log);
  return llamaBenchPath();
}

/**
 * Builds llama-bench, llama-perplexity and llama-server (the ones missing) from node-llama-cpp's
 * bundled llama.cpp source into the cache; returns { tool: path }. The source checkout is kept, so
 * a later call that needs one more tool only builds that one.
 */
/** Whether this CPU has AMX, which node-llama-cpp's CPU variant uses and the tools built here do not. */
export function cpuHasAmx() {
  if (process.platform !== 'linux' || !existsSync('/proc/cpuinfo')) return false;
  return /^flags\s*:.*\bamx_tile\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

export function buildLlamaCppTools(log = (line) => process.stderr.write(`${line}\n`), tools = llamaCppTools) {
  const paths = Object.fromEntries(tools.map((tool) => [tool, llamaToolPath(tool)]));
  const options = buildOptions();
  const stamp = join(dirname(dirname(paths[tools[0]])), 'medlocal-build-options.json');
  const sameOptions = existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(options);
  // Built with other options (an older MedLocal): rebuild every tool (cmake redoes only what changed).
  const missing = sameOptions ? tools.filter((tool) => !existsSync(paths[tool])) : [...tools];
  if (missing.length === 0) return paths;
  const bundle = join(llamaDir, 'gitRelease.bundle');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm ci`);
  need('git', ['--version']);
  need('cmake', ['--version']);
  need('c++', ['--version']);
  const base = dirname(dirname(dirname(paths[tools[0]])));
  const source = join(base, 'src');
  const build = join(base, 'build');
  if (!existsSync(join(source, 'CMakeLists.txt'))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    log(`llama.cpp: cloning ${llamaCppRelease()} from node-llama-cpp's bundle into ${source}`);
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, source], { stdio: 'inherit' });
  }
  log('llama.cpp: configuring (cmake)');
  execFileSync('cmake', ['-S', source, '-B', build, ...options], { stdio: ['ignore', 'ignore', 'inherit'] });
  log(`llama.cpp: building ${missing.join(', ')} with ${availableParallelism()} jobs (several minutes on 2 cores)`);
  execFileSync('cmake', ['--build', build, '--target', ...missing, '-j', String(availableParallelism())], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const tool of missing) if (!existsSync(paths[tool])) throw new Error(`the build finished without ${paths[tool]}`);
  writeFileSync(stamp, JSON.stringify(options));
  return paths;
}

/**
 * CPU only, no OpenMP (like node-llama-cpp's prebuilt CPU binaries), no curl (nothing downloads),
 * the server without TLS (it listens on 127.0.0.1). On x86-64 Linux: the instruction sets of the
 * CPU variants node-llama-cpp loads (ggml's list: haswell, skylakex, icelake, sapphirerapids…),
 * read from /proc/cpuinfo, WITHOUT AMX. node-llama-cpp's sapphirerapids variant does use AMX (it
 * repacks Q8_0 weights for it), but in these statically linked tools the AMX kernel dies with
 * SIGILL on the development VM (gdb: `tilezero` in tinygemm_kernel_amx), with GGML_NATIVE and with
 * the sets named explicitly alike. So on a CPU with AMX, llama-bench here is NOT like-for-like:
 * perf/engine.mjs and perf/parity.mjs print that next to the ratio. Elsewhere: GGML_NATIVE.
 */
function buildOptions() {
  const common = ['-DCMAKE_BUILD_TYPE=Release', '-DGGML_OPENMP=OFF', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_SERVER=ON', '-DLLAMA_BUILD_TOOLS=ON'];
  if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync('/proc/cpuinfo')) return [...common, '-DGGML_NATIVE=ON'];
  const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  const has = (...names) => names.every((name) => flags.has(name));
  const avx512 = has('avx512f', 'avx512cd', 'avx512vl', 'avx512dq', 'avx512bw');
  const sets = {
    AVX: has('avx'), AVX2: has('avx2'), BMI2: has('bmi2'), FMA: has('fma'), F16C: has('f16c'),
    AVX512: avx512, AVX512_VBMI: avx512 && has('avx512vbmi'), AVX512_VNNI: avx512 && has('avx512_vnni'), AVX512_BF16: avx512 && has('avx512_bf16'),
  };
  return [...common, '-DGGML_NATIVE=OFF', '-DCMAKE_C_FLAGS=', '-DCMAKE_CXX_FLAGS=', '-DGGML_AVX_VNNI=OFF', '-DGGML_AMX_TILE=OFF', '-DGGML_AMX_INT8=OFF', '-DGGML_AMX_BF16=OFF', ...Object.entries(sets).map(([name, on]) => `-DGGML_${name}=${on ? 'ON' : 'OFF'}`)];
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
    for (const [tool, path] of Object.entries(buildLlamaCppTools())) console.log(`${tool}\t${path}`);
  } catch (error) {
    console.error(`llama.cpp's tools could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
