// The engine on both node-llama-cpp versions MedLocal ships: 3.22.1 (Linux; scoring from the
// logits filter) and 3.21.1 (Windows, macOS; scoring from the full probability map), the latter
// through the dev alias node-llama-cpp-3.21. Two versions' native libraries cannot share a process
// (their unversioned libggml-base.so clash), so every model load happens in a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Token } from 'node-llama-cpp';
import { logProbsFromLogits, logProbsFromProbabilities, logProbsFromResult, nextTokenRequest, scoringPathFor } from '../../../src/engine/scoringPaths';
import { ensureTinyModel, writeLoraAdapter } from '../../fixtures/gguf/tinyModel';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const HELPERS = join(__dirname, 'helpers');
const ALIAS = 'node-llama-cpp-3.21';
const aliasMissing = existsSync(join(ROOT, 'node_modules', ALIAS, 'package.json'))
  ? false
  : `${ALIAS} is not installed (npm ci installs the dev alias of node-llama-cpp 3.21.1)`;
const VERSIONS = [
  { module: 'node-llama-cpp', version: '3.22.1', llamaCpp: 'v0.5.0', path: 'logits-filter' },
  { module: ALIAS, version: '3.21.1', llamaCpp: 'v0.4.0', path: 'probabilities' },
] as const;

/** float32 logits: ~1e-6 per token; a continuation sums up to ~30 of them. */
const NEXT_TOLERANCE = 2e-5;
const CONTINUATION_TOLERANCE = 1e-4;
/** The same against targets scored alone (other batches): float32 batch effects only. */
const FRESH_TOLERANCE = 0.1;

let model: string;
let scratch: string;
before(async () => {
  model = await ensureTinyModel();
  scratch = mkdtempSync(join(tmpdir(), 'medlocal-engine-versions-'));
});

async function child(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { timeout: 180000, maxBuffer: 64 * 1024 * 1024, cwd: ROOT });
  return stdout;
}

interface Call {
  kind: 'next' | 'continuation';
  promptTokens: number[];
  targets: number[][];
  logProbs: number[];
  evaluated: number;
  scored: number;
}
interface ProbeResult {
  runtime: { nodeLlamaCpp: string; llamaCpp: string; scoringPath: string };
  logs: string[];
  predictions: { letter: number[][]; likelihood: number[][] };
  calls: Call[];
}

/** Each distinct target's scored positions once, its last token never: Σ max(0, n − 1). */
function neededPositions(targets: readonly number[][]): number {
  const distinct = new Map(targets.map((t) => [t.join(','), t]));
  return [...distinct.values()].reduce((sum, t) => sum + Math.max(0, t.length - 1), 0);
}

/** Distinct token paths after the prompt whose next token some target needs: the trie's inner nodes. */
function trieNodes(targets: readonly number[][]): number {
  const paths = new Set<string>();
  for (const t of targets) for (let j = 1; j < t.length; j++) paths.add(t.slice(0, j).join(','));
  return paths.size;
}

const argmax = (values: readonly number[]) => values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);

test('scoring paths: each matches a full-vocabulary softmax of the raw logits, and both predict alike on the sample questions', { skip: aliasMissing }, async (t) => {
  const results = new Map<string, ProbeResult>();
  for (const v of VERSIONS) {
    const probe = JSON.parse(await child(['--import', 'tsx', join(HELPERS, 'scoringProbe.ts'), v.module, model])) as ProbeResult;
    assert.deepEqual(probe.runtime, { nodeLlamaCpp: v.version, llamaCpp: v.llamaCpp, scoringPath: v.path });
    assert.ok(probe.logs.some((line) => line.includes(`scoring from ${v.path}`)), 'the engine logs the path it uses');
    // Calls 0 and 1 (scoringProbe.ts): continuations that share leading tokens and repeat, then
    // mixed one- and many-token candidates, on a fresh sequence. The prompt goes through the
    // model once (its last token once more for the second call, whose prompt is cached), no
    // continuation's last token does, and a repeated continuation costs nothing.
    const [shared, mixed] = probe.calls;
    assert.ok(shared && mixed && shared.kind === 'continuation' && mixed.kind === 'next');
    const firstTokens = shared.targets.filter((t) => t.length > 0).map((t) => t[0]);
    assert.ok(new Set(firstTokens).size < firstTokens.length && new Set(shared.targets.map((t) => t.join(','))).size < shared.targets.length, 'the shared-prefix call has shared and repeated continuations');
    assert.ok(shared.targets.some((t) => t.length === 0) && shared.targets.some((t) => t.length === 1), 'the shared-prefix call has an empty and a one-token continuation');
    // One read of the distribution after the prompt, then one per inner trie node.
    assert.equal(shared.scored, 1 + trieNodes(shared.targets), `${v.module}: positions read in the shared-prefix call`);
    assert.equal(mixed.scored, 1 + trieNodes(mixed.targets), `${v.module}: positions read for mixed candidates`);
    assert.ok(trieNodes(shared.targets) < neededPositions(shared.targets), 'the shared-prefix call has positions to share');
    assert.ok(shared.evaluated <= shared.promptTokens.length + neededPositions(shared.targets), `${v.module}: shared-prefix call evaluated ${shared.evaluated} tokens, more than prompt ${shared.promptTokens.length} + positions ${neededPositions(shared.targets)}`);
    assert.ok(mixed.evaluated <= 1 + neededPositions(mixed.targets), `${v.module}: mixed candidates evaluated ${mixed.evaluated} tokens, more than 1 + ${neededPositions(mixed.targets)}`);
    t.diagnostic(`${v.module}: shared-prefix call ${shared.evaluated} tokens through the model, ${shared.scored} positions read (prompt ${shared.promptTokens.length}, inner trie nodes ${trieNodes(shared.targets)}, each distinct continuation's positions ${neededPositions(shared.targets)}); mixed candidates ${mixed.evaluated} tokens, ${mixed.scored} read`);
    const callsFile = join(scratch, `calls-${v.module}.json`);
    writeFileSync(callsFile, JSON.stringify(probe.calls));
    // The reference always runs on 3.22.1's raw logits (no sampler); the 3.21.1 path is checked against it too.
    const reference = JSON.parse(await child([join(HELPERS, 'rawLogProbs.mjs'), model, callsFile, 'reuse'])) as number[][];
    const worst = { next: 0, continuation: 0 };
    probe.calls.forEach((call, i) => {
      const expected = reference[i] ?? [];
      call.logProbs.forEach((logProb, j) => {
        worst[call.kind] = Math.max(worst[call.kind], Math.abs(logProb - (expected[j] ?? NaN)));
      });
      assert.equal(argmax(call.logProbs), argmax(expected), `${v.module} call ${i}: the best candidate differs from the reference`);
    });
    t.diagnostic(`${v.module} (${v.path}): ${probe.calls.length} calls, max |Δ logP| vs raw-logit softmax: next token ${worst.next.toExponential(2)}, continuation ${worst.continuation.toExponential(2)}`);
    assert.ok(worst.next < NEXT_TOLERANCE, `${v.module}: next-token |Δ logP| ${worst.next}`);
    assert.ok(worst.continuation < CONTINUATION_TOLERANCE, `${v.module}: continuation |Δ logP| ${worst.continuation}`);
    // Independent of the batching the reference mirrors: each target on its own in a cleared
    // sequence. Only float32 batch effects may differ (~1e-3 per continuation); a log-probability
    // read at the wrong position or for the wrong token differs by whole nats.
    const fresh = JSON.parse(await child([join(HELPERS, 'rawLogProbs.mjs'), model, callsFile, 'fresh'])) as number[][];
    let worstFresh = 0;
    probe.calls.forEach((call, i) => call.logProbs.forEach((logProb, j) => (worstFresh = Math.max(worstFresh, Math.abs(logProb - (fresh[i]?.[j] ?? NaN))))));
    t.diagnostic(`${v.module}: max |Δ logP| vs each target scored alone in a cleared sequence: ${worstFresh.toExponential(2)}`);
    assert.ok(worstFresh < FRESH_TOLERANCE, `${v.module}: |Δ logP| ${worstFresh} vs each target alone`);
    results.set(v.module, probe);
  }
  const [a, b] = VERSIONS.map((v) => results.get(v.module));
  assert.ok(a && b);
  assert.ok(a.predictions.letter.length >= 30, 'the sample set was answered');
  assert.deepEqual(b.predictions, a.predictions, 'letter and likelihood predictions are the same on both versions');
  let worst = 0;
  a.calls.forEach((call, i) => call.logProbs.forEach((lp, j) => (worst = Math.max(worst, Math.abs(lp - (b.calls[i]?.logProbs[j] ?? NaN))))));
  t.diagnostic(`3.22.1 vs 3.21.1, same questions: max |Δ logP| ${worst.toExponential(2)}`);
  assert.ok(worst < CONTINUATION_TOLERANCE);
});

interface Generated {
  text: string;
  tokens: number;
  stopReason: string;
}
interface FeatureResult {
  runtime: { scoringPath: string };
  generated: Generated;
  cancelled: Generated;
  chat: Generated;
  chatLetters: Array<{ logProb: number }>;
  forward: Array<{ continuation: string; logProb: number }>;
  backward: Array<{ continuation: string; logProb: number }>;
  parallel: Array<Array<{ logProb: number }>>;
  letters: Array<{ logProb: number }>;
  loraLetters: Array<{ logProb: number }>;
  loraInfo: Array<{ fingerprint: string }>;
}

test('every engine feature runs on both versions: generation, cancel, chat, KV-cache reuse, parallel sequences, LoRA', { skip: aliasMissing }, async () => {
  const adapter = await writeLoraAdapter(join(scratch, 'adapter.gguf'));
  const results: FeatureResult[] = [];
  for (const v of VERSIONS) {
    const r = JSON.parse(await child(['--import', 'tsx', join(HELPERS, 'featureProbe.ts'), v.module, model, adapter])) as FeatureResult;
    assert.equal(r.runtime.scoringPath, v.path);
    assert.equal(r.generated.tokens, 12, `${v.module}: generation`);
    assert.equal(r.generated.stopReason, 'maxTokens');
    assert.equal(r.cancelled.stopReason, 'cancelled', `${v.module}: cancel`);
    assert.ok(r.cancelled.tokens < 400);
    assert.ok(r.chat.tokens > 0 && r.chat.text.length > 0, `${v.module}: chat prompt`);
    assert.ok(r.chatLetters.every((s) => Number.isFinite(s.logProb)));
    for (const s of r.forward) {
      const again = r.backward.find((b) => b.continuation === s.continuation);
      assert.ok(again && Math.abs(again.logProb - s.logProb) < 1e-3, `${v.module}: continuation order (KV cache) changed ${s.continuation}`);
    }
    assert.ok(r.parallel.flat().every((s) => Number.isFinite(s.logProb)), `${v.module}: two sequences at once`);
    assert.ok(Math.abs((r.parallel[0]?.[0]?.logProb ?? NaN) - (r.letters[0]?.logProb ?? NaN)) < 1e-2, `${v.module}: a batched score is the sequential one`);
    assert.equal(r.loraInfo.length, 1);
    assert.ok(r.loraLetters.some((s, i) => Math.abs(s.logProb - (r.letters[i]?.logProb ?? NaN)) > 1e-3), `${v.module}: the LoRA adapter changed no score`);
    results.push(r);
  }
  const [a, b] = results;
  assert.equal(b?.generated.text, a?.generated.text, 'greedy generation is the same on both versions');
  a?.loraLetters.forEach((s, i) => assert.ok(Math.abs(s.logProb - (b?.loraLetters[i]?.logProb ?? NaN)) < NEXT_TOLERANCE, 'LoRA scores agree across versions'));
});

test('src/engine type-checks against node-llama-cpp 3.21.1 declarations (every API the engine uses exists there)', { skip: aliasMissing }, async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '--noEmit', '-p', join(__dirname, 'tsconfig.nlc-3.21.json')], { timeout: 180000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
  );
  assert.equal(result.stdout.trim(), '', result.stdout);
});

test('scoringPathFor: the logits filter from 3.22.0 on, the probability map before', () => {
  assert.equal(scoringPathFor('3.22.1'), 'logits-filter');
  assert.equal(scoringPathFor('3.22.0'), 'logits-filter');
  assert.equal(scoringPathFor('4.0.0'), 'logits-filter');
  assert.equal(scoringPathFor('3.21.1'), 'probabilities');
  assert.equal(scoringPathFor('3.4.0'), 'probabilities');
  assert.deepEqual(nextTokenRequest('probabilities', [5 as Token]), { generateNext: { probabilities: true, options: { temperature: 0 } } });
  // The maximum logit comes from the greedily selected token, never from includeTop (which makes
  // the addon sort the whole vocabulary at every scored position); the scores' exactness is checked
  // against a raw-logit softmax in the first test.
  const filtered = nextTokenRequest('logits-filter', [5 as Token]);
  assert.deepEqual(filtered, { generateNext: { logits: { filter: { tokens: [5], includeSelected: true } }, totalLogitWeight: true, options: { temperature: 0 } } });
  assert.ok(!('includeTop' in (filtered.generateNext.logits?.filter ?? {})));
});

test('both result shapes give the same log-probabilities for the same distribution', () => {
  const tok = (n: number) => n as Token;
  const logits = new Map<Token, number>([
    [tok(1), 2.5],
    [tok(2), -1],
    [tok(3), 0.25],
    [tok(4), 4],
  ]);
  const max = 4;
  const total = [...logits.values()].reduce((sum, l) => sum + Math.exp(l - max), 0);
  const probabilities = new Map([...logits].map(([token, l]) => [token, Math.exp(l - max) / total]));
  const filtered = new Map([...logits].filter(([token]) => token !== tok(1)));
  const wanted = [tok(2), tok(3)];
  const fromLogits = logProbsFromLogits(filtered, total, wanted);
  const fromProbabilities = logProbsFromProbabilities(probabilities, wanted);
  for (const token of wanted) assert.ok(Math.abs((fromLogits.get(token) ?? NaN) - (fromProbabilities.get(token) ?? NaN)) < 1e-12);
  assert.equal(logProbsFromProbabilities(new Map([[tok(1), 0]]), [tok(1), tok(9)]).get(tok(1)), -Infinity, 'p underflowed to 0');
  assert.equal(logProbsFromResult('probabilities', { logits: filtered, totalLogitWeight: total }, wanted), undefined, 'a missing map is reported, not guessed');
  assert.equal(logProbsFromResult('logits-filter', { probabilities }, wanted), undefined);
});
