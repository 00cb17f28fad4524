// `npm run bench`'s model-bound part, in one run on one benchmark model, closing with a summary of
// every ratio:
//   0. builds the like-for-like llama-bench (node-llama-cpp's own CPU backend) if missing
//   1. engine vs llama-bench, pp and tg (perf/engine.mjs, in its own processes): against the
//      like-for-like llama-bench, and against the static build without AMX
//   2. parity variants of node-llama-cpp vs llama-bench and the per-token profile (perf/parity.mjs)
//   3. evaluation vs llama-perplexity --multiple-choice: MedLocal likelihood and letter, q/s and
//      peak memory (perf/mc.mjs)
//   4. --parallel 1 vs 4 for letter, likelihood and generate (perf/eval.mjs)
// Run: node --import tsx perf/bench.mjs [--quick] [--questions N] [--smoke]
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ensureBenchModel } from './bench-model.mjs';
import { buildLlamaCppDlTools, cpuHasAmx } from './llama-cpp.mjs';
import { measureMc } from './mc.mjs';
import { measureParity } from './parity.mjs';
import { measureParallel } from './eval.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const at = args.indexOf('--questions');
const questions = at >= 0 ? Math.max(1, Number(args[at + 1]) || 1) : quick ? 12 : 60;
// --smoke: every row with tiny sizes and 1 thread, to check the rows run on a busy machine (the
// figures mean nothing); skips perf/engine.mjs.
const smoke = args.includes('--smoke');

const model = await ensureBenchModel();
console.log(`benchmark model: ${model.description}\n`);

// The like-for-like baseline (llama-bench on node-llama-cpp's own CPU backend) is built here, and
// only here (npm run bench; also npm run bench:llama-cpp), never by test:realserver or CI: several
// minutes on 2 cores the first time, cached after.
if (smoke) console.log("llama-bench with node-llama-cpp's CPU backend: not built by --smoke (used if already built)\n");
else {
  try {
    buildLlamaCppDlTools();
  } catch (error) {
    console.log(`llama-bench with node-llama-cpp's CPU backend (like-for-like baseline) skipped: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

const engineScript = fileURLToPath(new URL('./engine.mjs', import.meta.url));
const engine = smoke
  ? { stdout: 'perf/engine.mjs skipped (--smoke)\n', status: 0 }
  : spawnSync(process.execPath, ['--import', 'tsx', engineScript, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
process.stdout.write(engine.stdout ?? '');
if (engine.status !== 0) throw new Error(`perf/engine.mjs failed (exit ${engine.status})`);
console.log('');
const parity = await measureParity({ quick: quick || smoke, model, ...(smoke ? { threads: 1, rounds: 1 } : {}) });
console.log('');
const mc = await measureMc({ count: smoke ? 2 : questions, model });
console.log('');
const parallel = await measureParallel({ quick, model, ...(smoke ? { maxTokens: 4, counts: { letter: 2, likelihood: 2, generate: 2 } } : {}) });

// ---------------------------------------------------------------------------------------------
console.log(`\nsummary (${availableParallelism()} cores; vocabulary: ${model.vocabulary})`);
const engineLines = (engine.stdout ?? '').split('\n');
// The like-for-like ratio (llama-bench on node-llama-cpp's own CPU backend) first, then the static build's.
const likeLine = engineLines.find((line) => /vs (best llama-bench with node-llama-cpp's CPU backend|llama-bench with node-llama-cpp's CPU backend)/.test(line));
console.log(`  engine vs ${likeLine ? likeLine.trim().replace(/^vs (best )?/, '') : 'llama-bench with node-llama-cpp\'s CPU backend: no row (--smoke)'}`);
const engineLine = engineLines.find((line) => line.includes('vs best llama.cpp (llama-bench)'));
console.log(`  engine vs llama-bench (static build without AMX): ${engineLine ? engineLine.trim().replace(/^vs best llama\.cpp \(llama-bench\), static build without AMX: /, '') : 'no row (not built, failed, or --smoke)'}${engineLine && cpuHasAmx() ? ' (NOT like-for-like where node-llama-cpp uses AMX)' : ''}`);
const ref = parity.refLabel ? parity.best.get(parity.refLabel) : undefined;
if (ref) {
  const rawRow = parity.best.get('node-llama-cpp raw (pool 1)');
  const bestVariant = [...parity.best].filter(([label]) => !label.startsWith('llama-bench') && !label.startsWith('decode only'))
    .reduce((a, b) => (b[1].tg > a[1].tg ? b : a));
  console.log(`  raw node-llama-cpp vs ${parity.refLabel}: pp ${(rawRow.pp / ref.pp).toFixed(2)}x, tg ${(rawRow.tg / ref.tg).toFixed(2)}x; best tg variant "${bestVariant[0]}" ${(bestVariant[1].tg / ref.tg).toFixed(2)}x`);
  const decodeOnly = parity.best.get('decode only, no sampling (as llama-bench tg)');
  if (decodeOnly) console.log(`  decode only (no sampling) vs ${parity.refLabel} tg: ${(decodeOnly.tg / ref.tg).toFixed(2)}x`);
}
const mcRef = mc.rows.find((r) => r.label.startsWith('llama-perplexity'));
for (const r of mc.rows.filter((row) => row !== mcRef)) {
  console.log(`  ${r.label}: ${r.perSecond.toFixed(3)} q/s, peak ${(r.peakRss / 1e9).toFixed(2)} GB` +
    (mcRef ? `; vs llama-perplexity ${(r.perSecond / mcRef.perSecond).toFixed(2)}x q/s, ${(r.peakRss / mcRef.peakRss).toFixed(2)}x memory` : ''));
}
if (mcRef) console.log(`  llama-perplexity --multiple-choice: ${mcRef.perSecond.toFixed(3)} q/s, peak ${(mcRef.peakRss / 1e9).toFixed(2)} GB (${mc.questions} questions)`);
for (const r of parallel) console.log(`  ${r.mode} --parallel 4 vs 1: ${r.ratio.toFixed(2)}x (${r.p1.toFixed(3)} → ${r.p4.toFixed(3)} q/s)`);
