// Choice shuffling (--shuffle K --seed S): seeded permutations, answers mapped back to the dataset's
// order, the figures across permutations, and resume per (question, permutation).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getPromptFormat } from '../../../src/eval/formats';
import { compareRuns } from '../../../src/eval/metrics';
import { loadDataset } from '../../../src/eval/datasets';
import type { Question } from '../../../src/eval/question';
import type { AnswerRecord, ScoringMode } from '../../../src/eval/records';
import { runBenchmark, type RunBenchmarkOptions } from '../../../src/eval/runner';
import { readRun } from '../../../src/eval/runFiles';
import { loadSampleSet, SAMPLE_DATASET_PATH } from '../../../src/eval/sample';
import { choiceOrder, shuffleQuestion, unshuffleRecord } from '../../../src/eval/shuffle';
import { IGAKUQA_2018, skipUnlessPresent } from './dataPaths';
import { FakeEngine, type FakeEngineOptions } from './fakeEngine';

const questions = loadSampleSet('ja').questions;
const format = getPromptFormat('igakuqa');
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-shuffle-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;

function run(engineOptions: FakeEngineOptions, overrides: Partial<RunBenchmarkOptions> = {}, set: readonly Question[] = questions) {
  return runBenchmark({
    engine: new FakeEngine(set, engineOptions),
    questions: set,
    format,
    scoring: 'letter',
    parallel: 2,
    outDir: join(scratch, `run-${++folders}`),
    datasetFiles: [SAMPLE_DATASET_PATH],
    shuffle: { k: 4, seed: 7 },
    ...overrides,
  });
}

/** A model that always answers the first letters shown, whatever they say. */
const firstShown = (question: Question): number[] => question.answers.map((_, i) => i);

describe('seeded permutations', () => {
  test('a pure function of (seed, question id, k): a permutation, the same every time', () => {
    const order = choiceOrder(7, '112A1', 2, 5);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(choiceOrder(7, '112A1', 2, 5), order);
    // Over 20 ids, other seeds, other permutation indices and other ids give other orders.
    const orders = (seed: number, k: number) => Array.from({ length: 20 }, (_, i) => choiceOrder(seed, `Q${i}`, k, 5).join(''));
    assert.notDeepEqual(orders(7, 0), orders(8, 0));
    assert.notDeepEqual(orders(7, 0), orders(7, 1));
    assert.ok(new Set(orders(7, 0)).size > 10, 'ids give different orders');
  });

  test('shown question and its answer map back: gold, 禁忌肢, alternatives, scores', () => {
    const question: Question = { id: 'X1', source: 'jsonl', language: 'en', stem: 's', choices: ['A', 'B', 'C', 'D'], answers: [1], alternativeAnswers: [[3]], kinki: [2], points: 1 };
    const order = [2, 0, 3, 1]; // shown: C A D B
    const shown = shuffleQuestion(question, order);
    assert.deepEqual(shown.choices, ['C', 'A', 'D', 'B']);
    assert.deepEqual(shown.answers, [3]);
    assert.deepEqual(shown.kinki, [0]);
    assert.deepEqual(shown.alternativeAnswers, [[2]]);
    // The model picked shown position 0 (text C, the 禁忌肢) with these per-position scores.
    const shownRecord: AnswerRecord = {
      id: 'X1', mode: 'letter', source: 'jsonl', language: 'en', points: 1, choiceCount: 4, gold: [3], kinki: [0],
      predicted: [0], correct: false, kinkiPicked: [0], choiceScores: [-1, -2, -3, -4], choiceProbs: [0.4, 0.3, 0.2, 0.1], elapsedMs: 5,
    };
    const back = unshuffleRecord(question, shownRecord, { index: 3, order });
    assert.deepEqual(back.predicted, [2]);
    assert.deepEqual(back.kinkiPicked, [2]);
    assert.deepEqual(back.gold, [1]);
    assert.deepEqual(back.choiceScores, [-2, -4, -1, -3]);
    assert.deepEqual(back.choiceProbs, [0.3, 0.1, 0.4, 0.2]);
    assert.equal(back.permutation, 3);
    assert.deepEqual(back.order, order);
    // Shown position 1 (text A) is the original alternative gold? No: shown 3 (B) is gold, shown 2 (D) the alternative.
    assert.equal(unshuffleRecord(question, { ...shownRecord, predicted: [2] }, { index: 0, order }).correct, true);
  });
});

describe('a shuffled run (letter scoring, fake engines)', () => {
  test('a text-faithful model picks the same text under every order: consistency 1, accuracy the same each time', async () => {
    const result = await run({ pick: (question) => question.answers, faithfulToText: true });
    assert.equal(result.status, 'completed');
    assert.equal(result.answers.length, questions.length * 4);
    for (const record of result.answers) {
      const question = questions.find((q) => q.id === record.id);
      assert.deepEqual(record.predicted, question?.answers, `${record.id}#${record.permutation}`);
      assert.equal(record.correct, true);
      assert.equal(record.order?.length, question?.choices.length);
    }
    const shuffle = result.summary?.shuffle;
    assert.ok(shuffle);
    assert.deepEqual(shuffle.perPermutation, [1, 1, 1, 1]);
    assert.equal(shuffle.consistency, 1);
    assert.equal(shuffle.consistentQuestions, questions.length);
    // The orders really moved the gold: it was shown at more than one position.
    const shownAt = new Set(result.answers.map((record) => record.order?.indexOf(record.gold[0] ?? 0)));
    assert.ok(shownAt.size > 2, `gold shown at ${[...shownAt].join(',')}`);
  });

  test('a position-biased model (always the first letters): predictions are the texts shown first; accuracy varies, consistency low', async () => {
    const result = await run({ pick: firstShown });
    for (const record of result.answers) {
      const n = record.gold.length;
      const expected = (record.order ?? []).slice(0, n).sort((a, b) => a - b);
      assert.deepEqual(record.predicted, expected, `${record.id}#${record.permutation}`);
      assert.equal(record.correct, expected.join() === record.gold.join(), `${record.id}#${record.permutation}`);
      // Scores come back in the dataset's order: the text shown first has the top score.
      assert.equal(record.choiceScores?.[record.order?.[0] ?? -1], Math.max(...(record.choiceScores ?? [])));
      assert.deepEqual(record.kinkiPicked, record.predicted.filter((i) => record.kinki.includes(i)));
    }
    const shuffle = result.summary?.shuffle;
    assert.ok(shuffle);
    // Independently counted from the records.
    const perK = [0, 1, 2, 3].map((k) => result.answers.filter((r) => r.permutation === k && r.correct).length / questions.length);
    assert.deepEqual(shuffle.perPermutation, perK);
    assert.ok(shuffle.accuracy.min < shuffle.accuracy.max, `accuracy ${perK.join(', ')}`);
    assert.ok(shuffle.consistency < 0.7, `consistency ${shuffle.consistency}`);
    assert.ok(shuffle.consistentQuestions < questions.length / 2);
    // Position a was picked in every answer.
    assert.equal(shuffle.positionPicks[0], questions.length * 4);
    // The headline figures are permutation 0's.
    assert.equal(result.summary?.accuracy, perK[0]);
    assert.equal(result.summary?.total, questions.length);
  });

  test('K = 1 with a seed is one reproducible shuffle; the answers file keeps permutation and order', async () => {
    const first = await run({ pick: firstShown }, { shuffle: { k: 1, seed: 3 } });
    const second = await run({ pick: firstShown }, { shuffle: { k: 1, seed: 3 } });
    assert.deepEqual(first.answers.map((r) => r.order), second.answers.map((r) => r.order));
    const lines = readFileSync(join(first.runDir, 'answers.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AnswerRecord);
    assert.ok(lines.every((record) => record.permutation === 0 && Array.isArray(record.order)));
    assert.deepEqual(first.manifest['shuffle'], { k: 1, seed: 3 });
    assert.deepEqual(readRun(first.runDir).summary, first.summary);
  });

  for (const mode of ['likelihood', 'generate'] as ScoringMode[]) {
    test(`${mode}: the fake answers by text, so every permutation agrees`, async () => {
      const result = await run({ pick: (question) => question.answers }, { scoring: mode, format: getPromptFormat(mode === 'generate' ? 'medpalm_five_choice_cot' : 'jmedbench_mcqa') });
      assert.equal(result.summary?.shuffle?.consistency, 1);
      assert.ok(result.answers.every((record) => record.correct));
      if (mode === 'generate') assert.ok(result.answers.every((record) => record.exactMatch === true));
    });
  }

  test('resume goes on per (question, permutation) and redoes none', async () => {
    const controller = new AbortController();
    const cancelled = await run({ pick: firstShown, onCall: (calls) => calls === 50 && controller.abort() }, { signal: controller.signal });
    assert.equal(cancelled.status, 'cancelled');
    const kept = cancelled.answers.length;
    assert.ok(kept >= 48 && kept < questions.length * 4, `kept ${kept}`);
    const engine = new FakeEngine(questions, { pick: firstShown });
    const resumed = await runBenchmark({ engine, questions, format, scoring: 'letter', parallel: 2, outDir: 'unused', resumeDir: cancelled.runDir, shuffle: { k: 4, seed: 7 } });
    assert.equal(resumed.status, 'completed');
    assert.equal(engine.calls, questions.length * 4 - kept);
    assert.equal(new Set(resumed.answers.map((r) => `${r.id}#${r.permutation}`)).size, questions.length * 4);
    const fresh = await run({ pick: firstShown });
    assert.deepEqual(resumed.summary, fresh.summary);
    await assert.rejects(
      runBenchmark({ engine, questions, format, scoring: 'letter', parallel: 1, outDir: 'unused', resumeDir: cancelled.runDir, shuffle: { k: 2, seed: 7 } }),
      /was run with --shuffle 4 --seed 7, not --shuffle 2 --seed 7/,
    );
  });

  test('compare pairs (question, permutation) when both runs shuffled, permutation 0 against an unshuffled run', async () => {
    const biased = await run({ pick: firstShown });
    const faithful = await run({ pick: (question) => question.answers, faithfulToText: true });
    const both = compareRuns(biased.answers, faithful.answers);
    assert.equal(both.common, questions.length * 4);
    assert.ok(both.wrongToRight.every((key) => /#[0-3]$/.test(key)));
    const plain = await run({ pick: (question) => question.answers }, { shuffle: undefined });
    const mixed = compareRuns(biased.answers, plain.answers);
    assert.equal(mixed.common, questions.length);
    assert.equal(mixed.accuracyA, biased.summary?.accuracy);
  });

  test('IgakuQA 2018: 禁忌肢 picks of a model that names the 禁忌肢 texts are the same under every order as unshuffled', { skip: skipUnlessPresent(IGAKUQA_2018) }, async () => {
    const loaded = loadDataset({ kind: 'igakuqa', path: IGAKUQA_2018 }).questions;
    // Picks the 禁忌肢 texts where a question has them (as many as the answer needs), else the gold.
    const pick = (question: Question): number[] => (question.kinki.length > 0 ? [...question.kinki, ...question.answers].slice(0, question.answers.length) : question.answers);
    const plain = await run({ pick, faithfulToText: true }, { datasetFiles: [], shuffle: undefined, parallel: 4 }, loaded);
    const shuffled = await run({ pick, faithfulToText: true }, { datasetFiles: [], shuffle: { k: 2, seed: 11 }, parallel: 4 }, loaded);
    assert.equal(loaded.length, 284);
    assert.deepEqual(shuffled.answers.filter((r) => r.error !== undefined).map((r) => `${r.id}: ${r.error}`), []);
    assert.ok((plain.summary?.kinki.picks ?? 0) > 0);
    assert.deepEqual(shuffled.summary?.kinki, plain.summary?.kinki);
    assert.equal(shuffled.summary?.shuffle?.consistency, 1);
    for (const k of [0, 1]) {
      const picks = shuffled.answers.filter((r) => r.permutation === k).reduce((sum, r) => sum + r.kinkiPicked.length, 0);
      assert.equal(picks, plain.summary?.kinki.picks);
    }
  });
});
