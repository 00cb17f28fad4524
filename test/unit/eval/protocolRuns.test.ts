// Model runs under the reference protocols (fake engine, real IgakuQA 2018 files), and `bench
// compare` between a scored import and a model run: import runs are normal run folders.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, type CliEngineFactory } from '../../../src/cli/main';
import { planRun } from '../../../src/eval/plan';
import type { Question } from '../../../src/eval/question';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from './dataPaths';
import { FakeEngine } from './fakeEngine';

const skip = skipUnlessPresent(IGAKUQA_2018);
if (skip) console.log(`# skipping protocol runs on IgakuQA 2018: ${skip}`);
const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-protocol-runs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function engineFor(questions: readonly Question[]): CliEngineFactory {
  // Always the gold answer: the protocol, not the model, decides what is right.
  return async () => ({ engine: new FakeEngine(questions, { pick: (question) => question.answers }), modelFacts: {}, dispose: async () => undefined });
}

async function cli(args: string[], questions: readonly Question[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { createEngine: engineFor(questions), stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), isTTY: false });
  return { code, stdout, stderr };
}

test('the harness question set of 2018: 284 text-only 5-choice questions, 283 within 1,024 characters (ja), 276 within 2,048 (en)', { skip }, () => {
  const ja = planRun({ dataset: `igakuqa:${IGAKUQA_2018}`, scoring: 'generate', protocol: 'harness' });
  assert.equal(ja.questions.length, 283);
  assert.equal(ja.dataset.skipped.skipHarnessTooLongJa, 1);
  const en = planRun({ dataset: `igakuqa:${IGAKUQA_2018}`, scoring: 'generate', protocol: 'harness', language: 'en' });
  assert.equal(en.questions.length, 276);
});

test('igakuqa-official keeps every question of each block: 400 in 2018, image and calculation questions included', { skip }, () => {
  const plan = planRun({ dataset: `igakuqa:${IGAKUQA_2018}`, scoring: 'letter', protocol: 'igakuqa-official' });
  assert.equal(plan.questions.length, 400);
  const calculation = plan.questions.filter((question) => question.choices.length === 0);
  assert.deepEqual(calculation.map((question) => [question.id, question.officialGold]), [['112C66', ['26']], ['112F84', ['1.2']]]);
});

test('a letter-scored model run under igakuqa-official: calculation questions empty and wrong (noted), the rest scored officially; compare with an import run', { skip }, async () => {
  const plan = planRun({ dataset: `igakuqa:${IGAKUQA_2018}`, scoring: 'letter', protocol: 'igakuqa-official' });
  const modelDir = join(scratch, 'model');
  const run = await cli(['bench', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--model', __filename, '--protocol', 'igakuqa-official', '--scoring', 'letter', '--parallel', '4', '--out', modelDir, '--json'], plan.questions);
  assert.equal(run.code, 0, run.stderr);
  const summary = (JSON.parse(run.stdout) as { summary: { protocol: string; total: number; correct: number; official: { emptyPredictions: number; emptyPredictionIds: string[] } } }).summary;
  assert.equal(summary.protocol, 'igakuqa-official');
  assert.equal(summary.total, 400);
  assert.deepEqual(summary.official.emptyPredictionIds, ['112C66', '112F84']);
  const answers = readFileSync(join(modelDir, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; note?: string; prediction: string; officialGold: string[]; correct: boolean });
  // Each verdict as the official rule gives it for the letters the run predicted (re-derived here).
  const gold = new Map(plan.questions.map((question) => [question.id, [...(question.officialGold ?? [])].sort().join('|')]));
  for (const answer of answers) {
    const predicted = answer.prediction.split(',').sort();
    const right = (answer.id === '112B30' && (answer.prediction === 'a' || answer.prediction === 'd')) || predicted.join('|') === gold.get(answer.id);
    assert.equal(answer.correct, right, answer.id);
  }
  const modelCorrect = answers.filter((answer) => answer.correct).length;
  assert.equal(summary.correct, modelCorrect);
  assert.ok(modelCorrect > 350, `the fake engine answers most questions with the gold letters (${modelCorrect})`);
  assert.match(answers.find((answer) => answer.id === '112C66')?.note ?? '', /calculation question.*--scoring generate/);
  assert.equal(answers.find((answer) => answer.id === '112B30')?.prediction, 'a');
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { recipe: { protocol: string } };
  assert.equal(manifest.recipe.protocol, 'igakuqa-official');

  const importDir = join(scratch, 'gpt4');
  const imported = await cli(['bench', 'score', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--predictions', BASELINES, '--name', 'gpt4', '--out', importDir, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const compared = await cli(['bench', 'compare', importDir, modelDir, '--json']);
  assert.equal(compared.code, 0, compared.stderr);
  const comparison = JSON.parse(compared.stdout) as { common: number; onlyInA: string[]; onlyInB: string[]; accuracyA: number; accuracyB: number; rightToWrong: string[]; wrongToRight: string[]; droppedA: string | null; droppedB: string | null };
  assert.equal(comparison.common, 400);
  assert.deepEqual([comparison.onlyInA, comparison.onlyInB, comparison.droppedA, comparison.droppedB], [[], [], null, null]);
  assert.equal(comparison.accuracyA, 302 / 400);
  assert.equal(comparison.accuracyB, modelCorrect / 400);
  assert.equal(comparison.wrongToRight.length - comparison.rightToWrong.length, modelCorrect - 302);
});

test('--protocol harness needs generate scoring, and says so', { skip }, async () => {
  const result = await cli(['bench', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--model', __filename, '--protocol', 'harness', '--scoring', 'letter']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /harness protocol scores generated answers.*--scoring generate/);
});
