// Evaluation speed with 1 and 4 parallel sequences, for each scoring mode (letter, likelihood,
// generate), on the benchmark model (perf/bench-model.mjs) and the same single-answer IgakuQA 2018
// questions. Each measurement runs in a fresh process the way `medlocal bench --parallel N` does
// (the CLI's engine factory, its libuv pool, each mode's default prompt format), so on a GPU the
// 4-vs-1 ratio shows what batching buys; on 2 CPU cores there is little to buy.
// Also prints the letter/generate ratio (goal >= 10x).
// Run: node --import tsx perf/eval.mjs [--quick] [--questions N] [--max-tokens N] (the last two for short checks)     (npm run bench runs it)
// Exports measureParallel() for perf/bench.mjs.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchModel } from './bench-model.mjs';
import { runMedlocalChild } from './mc.mjs';

export const PARALLEL = [1, 4];

/** Questions per mode: enough for several batches at parallel 4, few enough for 2 cores. */
export function questionCounts(quick) {
  return quick ? { letter: 8, likelihood: 4, generate: 4 } : { letter: 24, likelihood: 12, generate: 8 };
}

export async function measureParallel({ quick = false, log = console.log, model, maxTokens = 256, counts: countsOverride } = {}) {
  const benchModel = model ?? (await ensureBenchModel({ log }));
  const counts = countsOverride ?? questionCounts(quick);
  log(`evaluation, --parallel 1 vs 4: ${availableParallelism()} cores, IgakuQA 2018 single-answer questions (letter ${counts.letter}, likelihood ${counts.likelihood}, generate ${counts.generate} x ${maxTokens} tokens max)`);
  const results = {};
  const rows = [];
  for (const mode of ['letter', 'likelihood', 'generate']) {
    for (const parallel of PARALLEL) {
      const r = await runMedlocalChild({ modelPath: benchModel.path, mode, count: counts[mode], parallel, maxTokens });
      const perSecond = r.questions / r.seconds;
      results[`${mode}/${parallel}`] = perSecond;
      log(`  ${mode.padEnd(10)} parallel ${parallel}: ${r.questions} questions in ${r.seconds.toFixed(1)} s = ${perSecond.toFixed(3)} q/s, peak RSS ${(r.peakRss / 1e9).toFixed(2)} GB${r.errors ? `, ${r.errors} errors` : ''}`);
    }
    const ratio = results[`${mode}/4`] / results[`${mode}/1`];
    rows.push({ mode, p1: results[`${mode}/1`], p4: results[`${mode}/4`], ratio });
    log(`  ${mode}: parallel 4 vs 1 = ${ratio.toFixed(2)}x`);
  }
  for (const parallel of PARALLEL) {
    log(`  letter/generate at parallel ${parallel}: ${(results[`letter/${parallel}`] / results[`generate/${parallel}`]).toFixed(1)}x (goal >= 10x)`);
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? Math.max(1, Number(args[args.indexOf(name) + 1]) || 1) : undefined);
  const n = option('--questions');
  await measureParallel({
    quick: args.includes('--quick'),
    ...(option('--max-tokens') ? { maxTokens: option('--max-tokens') } : {}),
    ...(n ? { counts: { letter: n, likelihood: n, generate: n } } : {}),
  });
}
