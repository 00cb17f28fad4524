// --shuffle K --seed S on the command line, and the same recipe through the panel's path (the server
// builds its recipe with recipeFromStartParams, plans it with planRun and runs it with runBenchmark):
// the same seed gives the same permutations in both, the recipe keeps them for resume.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EXIT, runCli, type CliEngineFactory } from '../../../src/cli/main';
import { planRun, recipeFromManifest } from '../../../src/eval/plan';
import type { AnswerRecord } from '../../../src/eval/records';
import { runBenchmark } from '../../../src/eval/runner';
import { readManifest, readRun } from '../../../src/eval/runFiles';
import { loadSampleSet } from '../../../src/eval/sample';
import { recipeFromStartParams } from '../../../src/server/features/bench';
import { FakeEngine, type FakeEngineOptions } from '../eval/fakeEngine';

const sample = loadSampleSet('ja').questions;
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-cli-shuffle-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const modelPath = join(scratch, 'tiny.gguf');
writeFileSync(modelPath, 'not really a model');
/** Always the first letters shown: a position-biased model. */
const firstShown: FakeEngineOptions = { pick: (question) => question.answers.map((_, i) => i) };

async function cli(argv: string[], engineOptions: FakeEngineOptions = firstShown, signal = new AbortController().signal): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { code: -1, stdout: '', stderr: '' };
  const createEngine: CliEngineFactory = async () => ({ engine: new FakeEngine(sample, engineOptions), modelFacts: {}, dispose: async () => undefined });
  captured.code = await runCli(argv, { createEngine, stdout: (text) => (captured.stdout += text), stderr: (text) => (captured.stderr += text), isTTY: false, signal });
  return captured;
}

const orders = (answers: readonly AnswerRecord[]): string[] => answers.map((r) => `${r.id}#${r.permutation}:${r.order?.join('')}`).sort();

describe('medlocal bench --shuffle', () => {
  test('same seed, same permutations: the CLI twice and the panel path; another seed, other ones', async () => {
    const runA = join(scratch, 'a');
    const runB = join(scratch, 'b');
    const first = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '3', '--seed', '5', '--out', runA, '--json']);
    assert.equal(first.code, EXIT.ok, first.stderr);
    const json = JSON.parse(first.stdout) as { shuffle: unknown; answered: number; summary: { total: number; shuffle: { permutations: number; consistency: number; perPermutation: number[] } } };
    assert.deepEqual(json.shuffle, { k: 3, seed: 5 });
    assert.equal(json.answered, sample.length * 3);
    assert.equal(json.summary.total, sample.length);
    assert.equal(json.summary.shuffle.permutations, 3);
    assert.ok(json.summary.shuffle.consistency < 1);
    assert.deepEqual(JSON.parse(readFileSync(join(runA, 'summary.json'), 'utf8')).shuffle, json.summary.shuffle);
    assert.deepEqual(readManifest(runA)?.['recipe'], { dataset: 'sample', scoring: 'letter', seed: 5, shuffle: { k: 3, seed: 5 } });

    assert.equal((await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '3', '--seed', '5', '--out', runB, '--json'])).code, EXIT.ok);
    const cliOrders = orders(readRun(runA).answers);
    assert.deepEqual(orders(readRun(runB).answers), cliOrders);

    // The panel: BenchStartParams → the server's recipe → planRun → runBenchmark, as src/server/features/bench.ts does.
    const recipe = recipeFromStartParams({ dataset: 'sample', scoring: 'letter', shuffle: { k: 3, seed: 5 }, resultsDir: scratch });
    const plan = planRun(recipe);
    const panel = await runBenchmark({ engine: new FakeEngine(sample, firstShown), questions: plan.questions, format: plan.format, scoring: recipe.scoring, parallel: 2, outDir: join(scratch, 'panel'), ...(recipe.shuffle ? { shuffle: recipe.shuffle } : {}) });
    assert.deepEqual(orders(panel.answers), cliOrders);
    assert.deepEqual(panel.summary?.shuffle, json.summary.shuffle);

    const other = join(scratch, 'other-seed');
    assert.equal((await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '3', '--seed', '6', '--out', other])).code, EXIT.ok);
    assert.notDeepEqual(orders(readRun(other).answers), cliOrders);
  });

  test('the table shows the figures across orders', async () => {
    const result = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '2', '--out', join(scratch, 'table')]);
    assert.equal(result.code, EXIT.ok);
    assert.match(result.stdout, /shuffled +2 orders per question: accuracy mean [\d.]+% +min [\d.]+% +max [\d.]+%/);
    assert.match(result.stdout, /consistency +[\d.]+% +\(\d+ of 36 questions gave the same choice text under every order\)/);
    // Every answer picks the first letter shown (and the next ones for multi-answer questions).
    const picks = sample.reduce((sum, question) => sum + question.answers.length, 0);
    assert.match(result.stdout, new RegExp(`picked shown +a ${Math.round((100 * sample.length) / picks)}% +b \\d+% .*d 0% +e 0% +f 0%`));
    // --shuffle without --seed draws from seed 0, and says so in the recipe.
    assert.deepEqual(readManifest(join(scratch, 'table'))?.['recipe'], { dataset: 'sample', scoring: 'letter', shuffle: { k: 2, seed: 0 } });
  });

  test('a cancelled shuffled run resumes with its stored K and seed', async () => {
    const out = join(scratch, 'resume');
    const controller = new AbortController();
    const first = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '3', '--seed', '9', '--out', out], { ...firstShown, onCall: (calls) => calls === 40 && controller.abort() }, controller.signal);
    assert.equal(first.code, EXIT.cancelled);
    const resumed = await cli(['bench', '--resume', out, '--model', modelPath, '--json']);
    assert.equal(resumed.code, EXIT.ok, resumed.stderr);
    assert.deepEqual((JSON.parse(resumed.stdout) as { shuffle: unknown }).shuffle, { k: 3, seed: 9 });
    const fresh = join(scratch, 'resume-fresh');
    await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', '3', '--seed', '9', '--out', fresh]);
    assert.deepEqual(orders(readRun(out).answers), orders(readRun(fresh).answers));
    assert.deepEqual(recipeFromManifest(readManifest(out))?.shuffle, { k: 3, seed: 9 });
  });

  test('bad K: exit 2 with the range', async () => {
    for (const k of ['0', '51', 'x']) {
      const result = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--shuffle', k]);
      assert.equal(result.code, EXIT.usage, k);
      assert.match(result.stderr, /--shuffle must be a whole number of at least 1|from 1 to 50/);
    }
  });
});
