// Fuzzing the GGUF header reader (src/engine/ggufReader.ts): 10,000 mutated headers, from
// valid tiny ones (every KV type, nested arrays, the tiny model's 135 KB header with its
// vocabulary) with lengths and counts rewritten near 2^31, 2^32, 2^40, 2^63 and the bytes left,
// random bytes and truncations (fuzz/ggufMutations.ts). Seeded: FAULT_SEED=<n> replays a campaign;
// GGUF_FUZZ_CASES=<n> changes its size.
//
// Contract per case: the reader accepts the file or throws a GgufFormatError (nothing else
// escapes) within CASE_MS, and memory stays bounded. Memory is measured in this process, around
// each case: the growth of RSS and of ArrayBuffer memory (Buffers), and the process's peak RSS
// (getrusage maxrss, a high-water mark): any case that allocated 50 MB even for a moment would have
// pushed the peak that far above its level before the campaign. So that the test's own garbage
// (each mutant is a copy of a header of up to 138 KB) does not pile up into that peak, a full GC
// runs every GC_EVERY cases. A case over CASE_MS is timed again
// up to twice more before it fails: the reader's work is deterministic, while a 2-core machine shared
// with other tests has pauses of its own (the slowest cases seen are two-field refusals).
// At the end the worst cases (slowest, and those claiming the largest sizes) go to a built
// server through medlocal/inspectModel: it answers each and is still alive.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { GgufFormatError, readGgufHeader } from '../../src/engine/ggufReader';
import { InspectModelRequest } from '../../src/protocol/modelsProtocol';
import { ggufSeeds, mutate, type Mutant } from './fuzz/ggufMutations';
import { hover, hoverText, openNote, percentile, prng, rssKb, scratchDir, seedFromEnv, settingsFor, startFaultServer, within } from './support/faultServer';

const CASES = Number(process.env.GGUF_FUZZ_CASES ?? 10_000);
const CASE_MS = 100;
const CASE_MB = 50;
const SERVER_SAMPLE = 40;
const GC_EVERY = 100;

/** global.gc without --expose-gc on the command line. */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Outcome { index: number; mutant: Mutant; ms: number; accepted: boolean; reason: string }

/** Outcomes keep their bytes only while they may go to the server (10,000 copies would be ~0.5 GB). */
function dropBytes(outcome: Outcome): Outcome {
  return { ...outcome, mutant: { ...outcome.mutant, bytes: Buffer.alloc(0) } };
}

async function timedRead(file: string): Promise<{ ms: number; accepted: boolean; reason: string }> {
  const t0 = performance.now();
  try {
    await readGgufHeader(file);
    return { ms: performance.now() - t0, accepted: true, reason: '' };
  } catch (error) {
    const ms = performance.now() - t0;
    if (!(error instanceof GgufFormatError)) throw error;
    return { ms, accepted: false, reason: error.message };
  }
}

test(`GGUF reader fuzz: ${CASES} mutated headers, each settled in < ${CASE_MS} ms and < ${CASE_MB} MB; a server fed the worst survives`, async () => {
  const seed = seedFromEnv(0x6767_7566);
  const random = prng(seed);
  const seeds = ggufSeeds();
  const dir = scratchDir('medlocal-gguf-fuzz-');
  const file = join(dir, 'case.gguf');
  for (const s of seeds) {
    writeFileSync(file, s.bytes);
    await readGgufHeader(file); // the seeds themselves are valid
  }
  // Warm-up (not counted): V8 sizes its heap spaces to this loop's churn before the peak is taken.
  for (let i = 0; i < 600; i++) {
    writeFileSync(file, mutate(seeds[i % seeds.length]!, prng(i)).bytes);
    await timedRead(file);
  }
  const gc = fullGc();
  gc();
  const peakBefore = process.resourceUsage().maxRSS;
  let worstRssMb = 0;
  let worstBuffersMb = 0;
  const outcomes: Outcome[] = [];
  const slowest: Outcome[] = [];
  const huge: Outcome[] = [];
  const started = performance.now();
  for (let index = 0; index < CASES; index++) {
    if (index % GC_EVERY === 0) gc();
    const mutant = mutate(seeds[index % seeds.length]!, random);
    writeFileSync(file, mutant.bytes);
    const rss0 = process.memoryUsage().rss;
    const buffers0 = process.memoryUsage().arrayBuffers;
    let result: Awaited<ReturnType<typeof timedRead>>;
    try {
      result = await timedRead(file);
      for (let retry = 0; retry < 2 && result.ms >= CASE_MS; retry++) result = await timedRead(file);
    } catch (error) {
      assert.fail(`case ${index} (seed ${seed}, ${mutant.seed}: ${mutant.what}) threw something other than a GgufFormatError: ${String(error)}`);
    }
    const usage = process.memoryUsage();
    const rssMb = (usage.rss - rss0) / 2 ** 20;
    const buffersMb = (usage.arrayBuffers - buffers0) / 2 ** 20;
    worstRssMb = Math.max(worstRssMb, rssMb);
    worstBuffersMb = Math.max(worstBuffersMb, buffersMb);
    const label = `case ${index} (FAULT_SEED=${seed}, ${mutant.seed}: ${mutant.what})`;
    assert.ok(result.ms < CASE_MS, `${label} took ${result.ms.toFixed(1)} ms`);
    assert.ok(rssMb < CASE_MB && buffersMb < CASE_MB, `${label} grew RSS by ${rssMb.toFixed(1)} MB, buffers by ${buffersMb.toFixed(1)} MB`);
    const outcome: Outcome = { index, mutant, ...result };
    outcomes.push(dropBytes(outcome));
    if (mutant.claimsHuge && huge.length < SERVER_SAMPLE / 2) huge.push(outcome);
    else if (slowest.length < SERVER_SAMPLE / 2 || outcome.ms > (slowest.at(-1)?.ms ?? 0)) {
      slowest.push(outcome);
      slowest.sort((a, b) => b.ms - a.ms);
      slowest.length = Math.min(slowest.length, SERVER_SAMPLE / 2);
    }
  }
  const peakGrowthMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
  const times = outcomes.map((o) => o.ms);
  const accepted = outcomes.filter((o) => o.accepted).length;
  console.log(
    `[gguf-fuzz] seed ${seed}: ${CASES} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; ${accepted} accepted, ${CASES - accepted} refused; ` +
      `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms; ` +
      `worst growth per case: RSS ${worstRssMb.toFixed(1)} MB, buffers ${worstBuffersMb.toFixed(1)} MB; peak RSS grew ${peakGrowthMb.toFixed(1)} MB`,
  );
  assert.ok(peakGrowthMb < CASE_MB, `the process's peak RSS grew by ${peakGrowthMb.toFixed(0)} MB during the campaign`);
  assert.ok(accepted > 0 && accepted < CASES, 'the campaign should both accept and refuse headers');
  console.log(`[gguf-fuzz] slowest: ${slowest.slice(0, 5).map((o) => `${o.ms.toFixed(1)} ms (${o.mutant.seed}: ${o.mutant.what}; ${o.accepted ? 'accepted' : o.reason})`).join('\n  ')}`);
  const reasons = new Set(outcomes.filter((o) => !o.accepted).map((o) => o.reason.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"')));
  console.log(`[gguf-fuzz] ${reasons.size} distinct refusal reasons, e.g.:\n  ${[...reasons].slice(0, 12).join('\n  ')}`);

  // The worst cases through the built server's inspectModel.
  const sample = [...slowest, ...huge];
  const server = await startFaultServer({ settings: settingsFor('') });
  try {
    await server.waitForStatus((s) => s.state === 'noModel');
    const rssBefore = rssKb(server.pid);
    const t0 = performance.now();
    for (const outcome of sample) {
      const path = join(dir, `worst-${outcome.index}.gguf`);
      writeFileSync(path, outcome.mutant.bytes);
      const answer = await within(
        server.connection.sendRequest(InspectModelRequest.type, { path }).then(() => 'accepted', (error: Error) => error.message),
        10_000,
        `inspectModel of case ${outcome.index} (${outcome.mutant.what})`,
      );
      if (!outcome.accepted) assert.match(answer, /GGUF/, `case ${outcome.index}: ${answer}`);
      assert.equal(server.child.exitCode, null, `the server exited after case ${outcome.index} (${outcome.mutant.what})`);
      assert.equal(server.child.signalCode, null, `the server was killed after case ${outcome.index} (${outcome.mutant.what})`);
    }
    const grownMb = (rssKb(server.pid) - rssBefore) / 1024;
    const text = '既往歴: 急性心筋梗塞。\n';
    const h = await within(hover(server, await openNote(server, text), text, '急性心筋梗塞', 2), 5000, 'hover after the fuzz sample');
    assert.match(hoverText(h), /[Aa]cute myocardial infarction/);
    console.log(`[gguf-fuzz] server (pid ${server.pid}) inspected the ${sample.length} worst cases in ${(performance.now() - t0).toFixed(0)} ms, RSS +${grownMb.toFixed(1)} MB, still answering hovers`);
  } finally {
    await server.stop();
  }
});
