// `npm run bench`'s model-bound part, in one run on one benchmark model, closing with a summary of
// every ratio:
//   1. engine vs llama-bench, pp and tg (perf/engine.mjs, in its own processes)
//   2. parity variants of node-llama-cpp vs llama-bench and the per-token profile (perf/parity.mjs)
//   3. evaluation vs llama-perplexity --multiple-choice: MedLocal likelihood and letter, q/s and
//      peak memory (perf/mc.mjs)
//   4. --parallel 1 vs 4 for letter, likelihood and generate (perf/eval.mjs)
// Run: node --import tsx perf/bench.mjs [--quick] [--questions N] [--smoke]
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ensureBenchModel } from './bench-model.mjs';
import { cpuHasAmx } from './llama-cpp.mjs';
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
const engineLine = (engine.stdout ?? '').split('\n').find((line) => line.includes('vs best llama.cpp (llama-bench)'));
console.log(`  engine vs llama-bench: ${engineLine ? engineLine.trim().replace(/^vs best llama\.cpp \(llama-bench\): /, '') : 'no llama-bench row (not built, failed, or --smoke)'}${engineLine && cpuHasAmx() ? ' (NOT like-for-like: node-llama-cpp uses AMX here, llama-bench built here cannot)' : ''}`);
const ref = parity.best.get('llama-bench (default, --poll 50)');
if (ref) {
  const rawRow = parity.best.get('node-llama-cpp raw (pool 1)');
  const bestVariant = [...parity.best].filter(([label]) => !label.startsWith('llama-bench') && !label.startsWith('decode only'))
    .reduce((a, b) => (b[1].tg > a[1].tg ? b : a));
  console.log(`  raw node-llama-cpp vs llama-bench: pp ${(rawRow.pp / ref.pp).toFixed(2)}x, tg ${(rawRow.tg / ref.tg).toFixed(2)}x; best tg variant "${bestVariant[0]}" ${(bestVariant[1].tg / ref.tg).toFixed(2)}x`);
  const decodeOnly = parity.best.get('decode only, no sampling (as llama-bench tg)');
  if (decodeOnly) console.log(`  decode only (no sampling) vs llama-bench tg: ${(decodeOnly.tg / ref.tg).toFixed(2)}x`);
}
const mcRef = mc.rows.find((r) => r.label.startsWith('llama-perplexity'));
for (const r of mc.rows.filter((row) => row !== mcRef)) {
  console.log(`  ${r.label}: ${r.perSecond.toFixed(3)} q/s, peak ${(r.peakRss / 1e9).toFixed(2)} GB` +
    (mcRef ? `; vs llama-perplexity ${(r.perSecond / mcRef.perSecond).toFixed(2)}x q/s, ${(r.peakRss / mcRef.peakRss).toFixed(2)}x memory` : ''));
}
if (mcRef) console.log(`  llama-perplexity --multiple-choice: ${mcRef.perSecond.toFixed(3)} q/s, peak ${(mcRef.peakRss / 1e9).toFixed(2)} GB (${mc.questions} questions)`);
for (const r of parallel) console.log(`  ${r.mode} --parallel 4 vs 1: ${r.ratio.toFixed(2)}x (${r.p1.toFixed(3)} → ${r.p4.toFixed(3)} q/s)`);
