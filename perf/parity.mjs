// Parity with llama.cpp: what node-llama-cpp's public API can do about the gap to llama-bench,
// each variant in a fresh process, measured in the same run as llama-bench on the same GGUF and
// thread count, best of the rounds; then a timestamp profile of where a generated token's time
// goes in node-llama-cpp.
//
// Variants (all with MedLocal's libuv pool of 1 unless named; threads = MedLocal's auto plan):
//   raw                       sequence.evaluate (decode job + sample job per token), 1 sequence
//   raw, default pool         the same with libuv's default pool of 4
//   raw, threads min=ideal    context threads { ideal: T, min: T } (never fewer than T)
//   raw, 2 seq nextCycle      a 2-sequence context (as MedLocal's engine has) with the default
//                             batch dispatch (setImmediate before each decode)
//   raw, 2 seq immediate      the same with batching.dispatchSchedule = run at once
//   decode only               one token per decode with its logits, no sample job: what
//                             llama-bench's tg measures (it never samples); internal API
//   llama-bench with node-llama-cpp's CPU backend (<variant>)
//                             the like-for-like reference (perf/llama-cpp.mjs, build-dl: llama-bench
//                             on node-llama-cpp's own libllama, libggml and CPU variant), default
//                             and --poll 0; the ratios are against its default row. Skipped, with
//                             the reason, when not built.
//   llama-bench               the static build without AMX: default (its threadpool polls,
//                             --poll 50), and --poll 0
//
// Profile: decodeBatch and sampleToken of the context's native object timed from JavaScript
// (internal fields, read only for this measurement): decode ms, sample ms and the two hops
// (decode end → sample start, sample end → next decode start) per generated token.
//
// Run: node --import tsx perf/parity.mjs [--quick] [--rounds N] [--threads N]     (npm run bench runs it)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureBenchModel } from './bench-model.mjs';
import { cpuHasAmx, likeForLikeLlamaBench, llamaBenchPath } from './llama-cpp.mjs';

const script = fileURLToPath(import.meta.url);
const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};

function promptTokens(model, count, seed) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  // Ordinary vocabulary rows (Qwen's first 150k are byte-level BPE pieces).
  return Array.from({ length: count }, () => 300 + Math.floor(next() * 30000));
}

// ---------------------------------------------------------------------------------------------
// A variant, in this (child) process

async function measureVariant({ modelPath, variant, threads, pp, tg, repeats }) {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: 'error' });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const twoSeq = variant === 'seq2-nextCycle' || variant === 'seq2-immediate';
  const context = await model.createContext({
    contextSize: 2048,
    batchSize: 512,
    sequences: twoSeq ? 2 : 1,
    threads: variant === 'threads-min' ? { ideal: threads, min: threads } : threads,
    ...(variant === 'seq2-immediate' ? { batching: { dispatchSchedule: (dispatch) => dispatch() } } : {}),
  });
  const sequence = context.getSequence();
  const profile = variant === 'raw' ? timeNativeCalls(context) : undefined;
  let bestPp = 0;
  let bestTg = 0;
  for (let r = 0; r < repeats; r++) {
    const tokens = promptTokens(model, pp, 1000 + r);
    await sequence.clearHistory();
    let t = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    bestPp = Math.max(bestPp, tokens.length / ((performance.now() - t) / 1000));

    await sequence.clearHistory();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 8));
    profile?.reset();
    let generated = 0;
    t = performance.now();
    if (variant === 'decode-only') {
      // Logits of the new token computed (the output layer runs, as in llama-bench's tg), but no
      // sample job: the public API always samples when it asks for logits, so this uses the
      // sequence's internal _decodeTokens, for this measurement only.
      for (let i = 0; i < tg; i++) {
        await sequence._decodeTokens([tokens[8 + (i % 100)]], [true], 5, sequence._tokenMeter, sequence._contextShift, () => undefined);
      }
      generated = tg;
    } else {
      for await (const _token of sequence.evaluate([tokens[8]], { temperature: 0 })) {
        if (++generated >= tg) break;
      }
    }
    bestTg = Math.max(bestTg, generated / ((performance.now() - t) / 1000));
  }
  const result = { pp: bestPp, tg: bestTg, ...(profile ? { profile: profile.summary() } : {}) };
  await llama.dispose();
  return result;
}

/**
 * Wraps decodeBatch and sampleToken of the context's native object (an internal field) with
 * timestamps. Only this benchmark does this; the product never touches internals.
 */
function timeNativeCalls(context) {
  // The native object's methods are read-only: the context gets a Proxy in its place.
  const native = context._ctx;
  const events = [];
  const timed = new Set(['decodeBatch', 'sampleToken']);
  context._ctx = new Proxy(native, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!timed.has(prop)) return value.bind(target);
      return async (...args) => {
        const start = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          events.push({ name: prop, start, end: performance.now() });
        }
      };
    },
  });
  return {
    reset: () => { events.length = 0; },
    summary: () => {
      const sum = { decode: 0, sample: 0, decodeToSample: 0, sampleToDecode: 0, tokens: 0 };
      for (let i = 1; i < events.length; i++) {
        const prev = events[i - 1];
        const cur = events[i];
        if (prev.name === 'decodeBatch' && cur.name === 'sampleToken') sum.decodeToSample += cur.start - prev.end;
        if (prev.name === 'sampleToken' && cur.name === 'decodeBatch') sum.sampleToDecode += cur.start - prev.end;
      }
      for (const e of events) {
        if (e.name === 'decodeBatch') sum.decode += e.end - e.start;
        else { sum.sample += e.end - e.start; sum.tokens += 1; }
      }
      const n = Math.max(1, sum.tokens);
      return { tokens: sum.tokens, decodeMs: sum.decode / n, sampleMs: sum.sample / n, decodeToSampleMs: sum.decodeToSample / n, sampleToDecodeMs: sum.sampleToDecode / n };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The parent

function llamaBenchRows(binary, { model, threads, pp, tg, repeats, poll }) {
  const args = ['-m', model, '-t', String(threads), '-p', String(pp), '-n', String(tg), '-r', String(repeats), '-o', 'json', ...(poll === undefined ? [] : ['--poll', String(poll)])];
  const rows = JSON.parse(execFileSync(binary, args, { cwd: dirname(binary), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 }));
  const out = { pp: 0, tg: 0 };
  for (const row of rows) {
    const best = Math.max(...(row.samples_ts ?? [row.avg_ts]));
    if (row.n_prompt > 0 && row.n_gen === 0) out.pp = Math.max(out.pp, best);
    if (row.n_gen > 0 && row.n_prompt === 0) out.tg = Math.max(out.tg, best);
  }
  return out;
}

export const VARIANTS = [
  { id: 'raw', label: 'node-llama-cpp raw (pool 1)' },
  { id: 'raw', label: 'node-llama-cpp raw, default pool', defaultPool: true },
  { id: 'threads-min', label: 'raw, threads { ideal, min } = T' },
  { id: 'seq2-nextCycle', label: 'raw, 2 sequences, dispatch nextCycle' },
  { id: 'seq2-immediate', label: 'raw, 2 sequences, dispatch immediate' },
  { id: 'decode-only', label: 'decode only, no sampling (as llama-bench tg)' },
];

export async function measureParity({ quick = false, rounds = quick ? 1 : 2, log = console.log, model, threads: threadsOverride } = {}) {
  const benchModel = model ?? (await ensureBenchModel({ log }));
  const { planThreads } = await loadTs('../src/engine/threads.ts');
  const { pinWorkerPool } = await loadTs('../src/engine/workerPool.ts');
  const threads = threadsOverride ?? planThreads('auto', availableParallelism()).contextThreads;
  const pp = quick ? 128 : 512;
  const tg = quick ? 32 : 128;
  const repeats = 2;
  const defaultEnv = { ...process.env };
  delete defaultEnv.UV_THREADPOOL_SIZE;
  const productEnv = { ...defaultEnv };
  pinWorkerPool(productEnv);
  let bench = existsSync(llamaBenchPath()) ? llamaBenchPath() : undefined;
  log(`parity with llama-bench: ${threads} threads, pp ${pp}, tg ${tg}, ${rounds} round(s) x ${repeats}, best of all; model: ${benchModel.description}`);
  if (!bench) log(`  llama-bench (static, no AMX) not built (npm run bench:llama-cpp builds ${llamaBenchPath()}); its rows skipped`);
  const likeForLike = likeForLikeLlamaBench(benchModel.path);
  if (likeForLike.skipped) log(`  llama-bench with node-llama-cpp's CPU backend (like-for-like) skipped: ${likeForLike.skipped}`);
  else log(`  ${likeForLike.label}: weights in ${likeForLike.buffers.join(' + ')} buffers, AMX ${likeForLike.amx ? 'used' : 'not used'}`);
  const best = new Map();
  const record = (label, r) => {
    const seen = best.get(label) ?? { pp: 0, tg: 0 };
    best.set(label, { pp: Math.max(seen.pp, r.pp), tg: Math.max(seen.tg, r.tg), profile: r.profile ?? seen.profile });
  };
  for (let round = 0; round < rounds; round++) {
    for (const v of VARIANTS) {
      const config = { modelPath: benchModel.path, variant: v.id, threads, pp, tg, repeats };
      const out = execFileSync(process.execPath, ['--import', 'tsx', script, '--child', JSON.stringify(config)], {
        env: v.defaultPool ? defaultEnv : productEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
      });
      record(v.label, JSON.parse(out.trim().split('\n').pop()));
    }
    if (likeForLike.binary) {
      try {
        record(likeForLike.label, llamaBenchRows(likeForLike.binary, { model: benchModel.path, threads, pp, tg, repeats }));
        record(`${likeForLike.label} --poll 0`, llamaBenchRows(likeForLike.binary, { model: benchModel.path, threads, pp, tg, repeats, poll: 0 }));
      } catch (error) {
        log(`  ${likeForLike.label} failed (${error.signal ?? `exit ${error.status}`}); its rows skipped`);
        likeForLike.binary = undefined;
      }
    }
    if (bench) {
      try {
        record('llama-bench (default, --poll 50)', llamaBenchRows(bench, { model: benchModel.path, threads, pp, tg, repeats }));
        record('llama-bench --poll 0', llamaBenchRows(bench, { model: benchModel.path, threads, pp, tg, repeats, poll: 0 }));
      } catch (error) {
        // E.g. SIGILL: a GGML_NATIVE build whose AMX kernels the VM does not allow.
        log(`  llama-bench failed (${error.signal ?? `exit ${error.status}`}); ratios skipped`);
        bench = undefined;
      }
    }
  }
  // The reference: the like-for-like llama-bench when it ran, else the static one.
  const refLabel = best.has(likeForLike.label) ? likeForLike.label : best.has('llama-bench (default, --poll 50)') ? 'llama-bench (default, --poll 50)' : undefined;
  const ref = refLabel ? best.get(refLabel) : undefined;
  if (cpuHasAmx() && refLabel === 'llama-bench (default, --poll 50)') log('  (this CPU has AMX: node-llama-cpp uses it, the static llama-bench cannot, so these ratios overstate node-llama-cpp; compare the variants with "decode only")');
  log(`  variant | pp tok/s | tg tok/s | vs ${refLabel ?? 'llama-bench'} pp | tg`);
  for (const [label, r] of best) {
    log(`  ${label} | ${r.pp.toFixed(1)} | ${r.tg.toFixed(1)} | ${ref ? `${(r.pp / ref.pp).toFixed(2)}x | ${(r.tg / ref.tg).toFixed(2)}x` : '- | -'}`);
  }
  const profile = best.get(VARIANTS[0].label)?.profile;
  if (profile) {
    const total = profile.decodeMs + profile.sampleMs + profile.decodeToSampleMs + profile.sampleToDecodeMs;
    log(`  per generated token (raw, last round, ${profile.tokens} tokens): decode job ${profile.decodeMs.toFixed(2)} ms, sample job ${profile.sampleMs.toFixed(2)} ms, hop decode→sample ${profile.decodeToSampleMs.toFixed(2)} ms, hop sample→next decode ${profile.sampleToDecodeMs.toFixed(2)} ms; total ${total.toFixed(2)} ms` +
      (ref ? `; ${refLabel} ${(1000 / ref.tg).toFixed(2)} ms per token` : ''));
  }
  return { best, threads, refLabel };
}

const childArg = process.argv.indexOf('--child');
if (childArg >= 0) {
  const result = await measureVariant(JSON.parse(process.argv[childArg + 1]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else if (process.argv[1] && resolve(process.argv[1]) === script) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--rounds');
  const threadsAt = args.indexOf('--threads');
  await measureParity({
    quick: args.includes('--quick'),
    ...(at >= 0 ? { rounds: Math.max(1, Number(args[at + 1]) || 1) } : {}),
    ...(threadsAt >= 0 ? { threads: Math.max(1, Number(args[threadsAt + 1]) || 1) } : {}),
  });
}
