// llama.cpp's own tools (llama-bench, llama-perplexity, llama-server), built from the llama.cpp source that node-llama-cpp
// ships (node_modules/node-llama-cpp/llama/gitRelease.bundle, the release its binaries were built
// from), so perf/engine.mjs can put MedLocal's engine next to llama.cpp's best on the same GGUF in
// the same run. Nothing is downloaded. Needs git, cmake and a C++ compiler; the build (a few minutes
// on 2 cores) is cached in $MEDLOCAL_CACHE or ~/.cache/medlocal and reused.
//
//   node perf/llama-cpp.mjs            build what is missing (llama-bench, llama-perplexity,
//                                       llama-server; then the like-for-like set below), print
//                                       each tool's path
//   npm run bench:llama-cpp             the same
//
// Two sets of tools:
//   build/     statically linked, CPU code compiled here with the instruction sets of node-llama-cpp's
//              CPU variants minus AMX (buildLlamaCppTools). llama-server for test:realserver too.
//   build-dl/  the like-for-like baseline (buildLlamaCppDlTools, only for the benchmarks: npm run
//              bench / bench:llama-cpp, never test:realserver or CI): llama-bench and
//              llama-perplexity built as shared libraries with GGML_BACKEND_DL and no CPU backend
//              of their own, then run from build-dl/node-llama-cpp/, a folder where libllama,
//              libggml, libggml-base and the libggml-cpu-<variant>.so files are node-llama-cpp's
//              own prebuilt ones (symbolic links into node_modules/@node-llama-cpp/<platform>/bins).
//              ggml_backend_load_all() picks the CPU variant with the same score function, from the
//              same files, that node-llama-cpp does, so llama-bench runs exactly node-llama-cpp's
//              kernels and model loader; only the tool's own code (and libllama-common) is built
//              here. Linux only (it relies on ELF sonames and RUNPATH $ORIGIN).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    // The like-for-like set loads its CPU backend from its own folder (ggml also looks in the
    // working directory: make that the same folder).
    cwd: dirname(binary),
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

// ---------------------------------------------------------------------------------------------
// The like-for-like set: llama.cpp's tools on node-llama-cpp's own prebuilt libraries

/** The tools of the like-for-like set. */
export const llamaCppDlTools = ['llama-bench', 'llama-perplexity'];

function llamaCppBase() {
  const cache = resolve(process.env.MEDLOCAL_CACHE || join(homedir(), '.cache', 'medlocal'));
  return join(cache, `llama.cpp-${llamaCppRelease()}`);
}

/** Where a tool of the like-for-like set runs from (it may not exist yet). */
export function llamaDlToolPath(tool) {
  return join(llamaCppBase(), 'build-dl', 'node-llama-cpp', tool);
}

/**
 * node-llama-cpp's prebuilt CPU binaries for this platform (the folder holding libggml-base.so and
 * the libggml-cpu-<variant>.so files), or throws why there are none to use.
 */
export function nodeLlamaCppBinsDir() {
  if (process.platform !== 'linux') throw new Error(`only built on Linux (this is ${process.platform}): the tool folder relies on ELF sonames and RUNPATH $ORIGIN`);
  const bins = join(root, 'node_modules', '@node-llama-cpp', `linux-${process.arch}`, 'bins');
  const dir = existsSync(bins) ? readdirSync(bins).map((name) => join(bins, name)).find((path) => existsSync(join(path, 'libggml-base.so'))) : undefined;
  if (!dir) throw new Error(`node-llama-cpp's prebuilt CPU binaries are not installed (${bins}: no libggml-base.so)`);
  return realpathSync(dir);
}

/**
 * The like-for-like llama-bench if it is built and runs: { binary, variant, label, buffers, amx }, or
 * { skipped: why } (not built, not Linux, or its load log fails), so callers print the reason.
 */
export function likeForLikeLlamaBench(model) {
  const binary = llamaDlToolPath('llama-bench');
  try {
    nodeLlamaCppBinsDir();
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  if (!existsSync(binary) || !existsSync(join(dirname(binary), 'libggml-base.so'))) {
    return { skipped: `not built (npm run bench or npm run bench:llama-cpp builds ${binary})` };
  }
  try {
    const described = describeLlamaBench(binary, model);
    if (!described.variant) return { skipped: `${binary} loaded no CPU backend (its load log names none)` };
    return { binary, ...described, label: `llama-bench with node-llama-cpp's CPU backend (${described.variant})` };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
}

/** The CMake options of the like-for-like set: shared, backends loaded at run time, no CPU backend of its own. */
function dlBuildOptions() {
  return [
    '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=ON', '-DGGML_BACKEND_DL=ON', '-DGGML_CPU=OFF', '-DGGML_NATIVE=OFF',
    '-DGGML_OPENMP=OFF', '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_SERVER=OFF',
    '-DLLAMA_BUILD_APP=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_TOOLS=ON', '-DCMAKE_BUILD_RPATH_USE_ORIGIN=ON',
  ];
}

/**
 * Builds llama-bench and llama-perplexity as shared libraries with GGML_BACKEND_DL (into
 * build-dl/bin), then puts together build-dl/node-llama-cpp/: the tools (an executable and its lib<tool>-impl.so) and our
 * libllama-common (copies; their RUNPATH is $ORIGIN), and, under the sonames the tools ask for, node-llama-cpp's
 * libllama, libggml and libggml-base, plus all its libggml-cpu-<variant>.so (symbolic links). Same
 * llama.cpp commit as node-llama-cpp's binaries (its bundled source), so the C API between the
 * tool and node-llama-cpp's libllama matches; node-llama-cpp's one patch (PR-22566) is inside
 * libllama's model loader, which is theirs here. Returns { tool: path }.
 */
export function buildLlamaCppDlTools(log = (line) => process.stderr.write(`${line}\n`), tools = llamaCppDlTools) {
  const bins = nodeLlamaCppBinsDir();
  const paths = Object.fromEntries(tools.map((tool) => [tool, llamaDlToolPath(tool)]));
  const base = llamaCppBase();
  const source = join(base, 'src');
  const build = join(base, 'build-dl');
  const runDir = join(build, 'node-llama-cpp');
  const options = dlBuildOptions();
  const stamp = join(build, 'medlocal-build-options.json');
  const stampText = JSON.stringify({ options, bins });
  const sameOptions = existsSync(stamp) && readFileSync(stamp, 'utf8') === stampText;
  // (existsSync follows the links: a moved node_modules rebuilds the folder.)
  const missing = sameOptions && existsSync(join(runDir, 'libggml-base.so')) ? tools.filter((tool) => !existsSync(join(build, 'bin', tool)) || !existsSync(paths[tool])) : [...tools];
  if (missing.length === 0) return paths;
  if (!existsSync(join(source, 'CMakeLists.txt'))) {
    // The source checkout is shared with the static set; clone it the same way.
    const bundle = join(llamaDir, 'gitRelease.bundle');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm ci`);
    need('git', ['--version']);
    mkdirSync(base, { recursive: true });
    log(`llama.cpp: cloning ${llamaCppRelease()} from node-llama-cpp's bundle into ${source}`);
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, source], { stdio: 'inherit' });
  }
  need('cmake', ['--version']);
  need('c++', ['--version']);
  log('llama.cpp (shared, GGML_BACKEND_DL): configuring (cmake)');
  execFileSync('cmake', ['-S', source, '-B', build, ...options], { stdio: ['ignore', 'ignore', 'inherit'] });
  log(`llama.cpp (shared, GGML_BACKEND_DL): building ${missing.join(', ')} with ${availableParallelism()} jobs (several minutes on 2 cores)`);
  execFileSync('cmake', ['--build', build, '--target', ...missing, '-j', String(availableParallelism())], { stdio: ['ignore', 'ignore', 'inherit'] });

  // The run folder, rebuilt from scratch each time.
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const built = join(build, 'bin');
  const builtNames = readdirSync(built);
  const soname = (lib) => builtNames.find((name) => new RegExp(`^lib${lib}\\.so\\.\\d+$`).test(name));
  const theirNames = readdirSync(bins);
  const theirs = (pattern, what) => {
    const name = theirNames.find((n) => pattern.test(n));
    if (!name) throw new Error(`node-llama-cpp's ${what} is not in ${bins}`);
    return join(bins, name);
  };
  const link = (target, name) => symlinkSync(target, join(runDir, name));
  // Ours: the tools and libllama-common (the tools' C++ helpers), with RUNPATH $ORIGIN.
  // (Each tool is a small executable and a lib<tool>-impl.so holding its code.)
  for (const tool of llamaCppDlTools.filter((t) => existsSync(join(built, t)))) {
    copyFileSync(join(built, tool), join(runDir, tool));
    if (existsSync(join(built, `lib${tool}-impl.so`))) copyFileSync(join(built, `lib${tool}-impl.so`), join(runDir, `lib${tool}-impl.so`));
  }
  const common = soname('llama-common');
  if (!common) throw new Error(`the build made no libllama-common.so.<n> in ${built}`);
  copyFileSync(realpathSync(join(built, common)), join(runDir, common));
  // Theirs, under the sonames our tools and libllama-common ask for (and their own names, which
  // their libraries ask for: one file, so the dynamic loader maps each only once).
  const mapping = [
    ['llama', theirs(/^libllama(\.v[\w.]+)?\.so$/, 'libllama')],
    ['ggml', theirs(/^libggml(\.v[\w.]+)?\.so$/, 'libggml')],
    ['ggml-base', theirs(/^libggml-base\.so$/, 'libggml-base')],
  ];
  for (const [lib, target] of mapping) {
    const name = soname(lib);
    if (!name) throw new Error(`the build made no lib${lib}.so.<n> in ${built}`);
    link(target, name);
    if (!existsSync(join(runDir, target.split('/').pop()))) link(target, target.split('/').pop());
  }
  const variants = theirNames.filter((n) => /^libggml-cpu-[\w-]+\.so$/.test(n));
  if (variants.length === 0) throw new Error(`no libggml-cpu-<variant>.so in ${bins}`);
  for (const variant of variants) link(join(bins, variant), variant);
  for (const tool of missing) if (!existsSync(paths[tool])) throw new Error(`the build finished without ${join(built, tool)}`);
  writeFileSync(stamp, stampText);
  return paths;
}

/**
 * What a like-for-like tool actually runs on, read from llama.cpp's own load log (llama-bench -v,
 * a one-token run on `model`): the CPU variant file ggml_backend_load_all() loaded, and the buffer
 * types the weights went to (e.g. "CPU_Mapped", "CPU_REPACK", "AMX": AMX is used only if an "AMX"
 * buffer holds weights). Also checks that libllama and libggml-base come from node-llama-cpp.
 */
export function describeLlamaBench(binary, model) {
  const run = spawnSync(binary, ['-m', model, '-p', '8', '-n', '0', '-r', '1', '-t', '1', '-v'], { cwd: dirname(binary), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const text = `${run.stderr ?? ''}\n${run.stdout ?? ''}`;
  if (run.error || run.status !== 0) throw new Error(`${binary} -v failed (${run.error?.message ?? run.signal ?? `exit ${run.status}`}): ${text.trim().split('\n').slice(-3).join(' / ')}`);
  const loaded = text.match(/loaded CPU backend from (\S+)/)?.[1];
  const variantFile = loaded ? realpathSync(loaded) : undefined;
  const variant = variantFile?.match(/libggml-cpu-([\w-]+)\.so$/)?.[1] ?? (loaded ? 'cpu' : undefined);
  const buffers = [...new Set([...text.matchAll(/^load_tensors:\s+(\S+) model buffer size/gm)].map((m) => m[1]))];
  return { variant, variantFile, buffers, amx: buffers.includes('AMX') };
}

/** Each library a binary maps at run time (ldd), as name → resolved file. */
export function loadedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8', cwd: dirname(binary) });
  return Object.fromEntries([...out.matchAll(/^\s*(\S+) => (\S+)/gm)].map((m) => [m[1], existsSync(m[2]) ? realpathSync(m[2]) : m[2]]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const [tool, path] of Object.entries(buildLlamaCppTools())) console.log(`${tool}\t${path}`);
  } catch (error) {
    console.error(`llama.cpp's tools could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
  try {
    for (const [tool, path] of Object.entries(buildLlamaCppDlTools())) console.log(`${tool} (node-llama-cpp's libraries and CPU backend)\t${path}`);
  } catch (error) {
    console.error(`llama.cpp's tools on node-llama-cpp's CPU backend (like-for-like) skipped: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
