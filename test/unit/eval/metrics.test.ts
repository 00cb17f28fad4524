import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRuns, mcnemarExactP, summariseAnswers, wilsonInterval } from '../../../src/eval/metrics';
import { summaryToCsv } from '../../../src/eval/report/csv';
import type { AnswerRecord } from '../../../src/eval/scoring';

const close = (actual: number, expected: number, tolerance = 1e-12): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
};

function answer(id: string, correct: boolean, overrides: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    id,
    mode: 'letter',
    source: 'igakuqa',
    language: 'ja',
    points: 1,
    choiceCount: 5,
    gold: [0],
    kinki: [],
    predicted: correct ? [0] : [1],
    correct,
    kinkiPicked: [],
    elapsedMs: 1,
    ...overrides,
  };
}

describe('Wilson interval', () => {
  test('matches the closed form on known values', () => {
    const [low, high] = wilsonInterval(8, 10);
    close(low, 0.49016247153664183);
    close(high, 0.9433178485456247);
    const [zeroLow, zeroHigh] = wilsonInterval(0, 20);
    close(zeroLow, 0);
    close(zeroHigh, 0.16112515805281938);
    const [igakuLow, igakuHigh] = wilsonInterval(157, 284);
    close(igakuLow, 0.49466897411018834);
    close(igakuHigh, 0.60955506687026);
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
  });
});

describe("McNemar's exact test", () => {
  test('two-sided binomial p on known discordant tables', () => {
    assert.equal(mcnemarExactP(0, 0), 1);
    close(mcnemarExactP(1, 5), 0.21875);
    close(mcnemarExactP(5, 1), 0.21875);
    close(mcnemarExactP(2, 10), 0.03857421875);
    close(mcnemarExactP(0, 10), 0.001953125);
    assert.equal(mcnemarExactP(5, 5), 1, 'capped at 1');
    close(mcnemarExactP(12, 20), 0.21532714972272515, 1e-10);
    close(mcnemarExactP(100, 150), 0.001883300935076157, 1e-9);
    close(mcnemarExactP(300, 360), 0.02157234823197102, 1e-9);
  });
});

describe('run summary', () => {
  const records = [
    answer('112A1', true, { block: '112-A', category: '小児科', humanAccuracy: 40 }),
    answer('112A2', false, { block: '112-A', category: '皮膚科', humanAccuracy: 80, kinki: [1], kinkiPicked: [1] }),
    answer('112B1', true, { block: '112-B', category: '小児科', points: 3, gold: [0, 2], predicted: [0, 2] }),
    answer('112B2', false, { block: '112-B', points: 3, gold: [1, 2], predicted: [3, 4], kinki: [3, 4], kinkiPicked: [3, 4] }),
    answer('112B3', false, { block: '112-B', points: 0, error: 'engine failed' }),
  ];
  const summary = summariseAnswers(records);

  test('accuracy, points, 禁忌肢, examinees, groups', () => {
    assert.equal(summary.total, 5);
    assert.equal(summary.correct, 2);
    assert.equal(summary.accuracy, 0.4);
    assert.equal(summary.errors, 1);
    assert.deepEqual(summary.points, { earned: 4, possible: 8, rate: 0.5 });
    assert.deepEqual(summary.kinki, { picks: 3, questionsWithPick: 2, questionsWithKinki: 2, ids: ['112A2', '112B2'] });
    assert.deepEqual(summary.human, { n: 2, humanAccuracy: 0.6, modelAccuracy: 0.5 });
    assert.equal(summary.multiAnswer.n, 2);
    assert.equal(summary.multiAnswer.correct, 1);
    assert.deepEqual(Object.keys(summary.byBlock), ['112-A', '112-B']);
    assert.equal(summary.byBlock['112-B']?.pointsEarned, 3);
    assert.equal(summary.byCategory['小児科']?.accuracy, 1);
    assert.equal(summary.byCategory['(none)']?.n, 2);
    assert.equal(summary.exactMatch, undefined, 'exact match exists only in generate mode');
  });

  test('generate mode reports exact and gestalt match', () => {
    const generated = summariseAnswers([
      answer('g1', true, { mode: 'generate', exactMatch: true }),
      answer('g2', true, { mode: 'generate', exactMatch: false }),
      answer('g3', false, { mode: 'generate', exactMatch: false }),
    ]);
    assert.deepEqual(generated.exactMatch, { count: 1, rate: 1 / 3 });
    assert.deepEqual(generated.gestalt, { count: 2, rate: 2 / 3 });
  });

  test('CSV: header and one row per scope', () => {
    const lines = summaryToCsv(summary).trim().split('\n');
    assert.equal(lines[0], 'scope,key,n,correct,accuracy,ci95_low,ci95_high,points_earned,points_possible,human_accuracy');
    assert.match(lines[1] ?? '', /^overall,all,5,2,0\.4,/);
    assert.ok(lines.some((line) => line.startsWith('block,112-B,3,1,')));
    assert.ok(lines.some((line) => line.startsWith('category,小児科,2,2,1,')));
  });
});

describe('comparing runs', () => {
  test('flips in both directions, McNemar p, questions in one run only', () => {
    // A: q1..q10 right on odd ids; B: fixes q2,q4,q6,q8 and breaks q1.
    const runA = Array.from({ length: 10 }, (_, index) => answer(`q${index + 1}`, (index + 1) % 2 === 1));
    const fixed = new Set(['q2', 'q4', 'q6', 'q8']);
    const runB = [
      ...runA.filter((record) => record.id !== 'q10').map((record) => {
        const correct = record.id === 'q1' ? false : record.correct || fixed.has(record.id);
        return { ...record, correct };
      }),
      answer('q11', true),
    ];
    const comparison = compareRuns(runA, runB);
    assert.equal(comparison.common, 9);
    assert.deepEqual(comparison.onlyInA, ['q10']);
    assert.deepEqual(comparison.onlyInB, ['q11']);
    assert.deepEqual(comparison.rightToWrong, ['q1']);
    assert.deepEqual(comparison.wrongToRight, ['q2', 'q4', 'q6', 'q8']);
    assert.equal(comparison.bothCorrect, 4);
    assert.equal(comparison.bothWrong, 0);
    close(comparison.accuracyA, 5 / 9);
    close(comparison.accuracyB, 8 / 9);
    close(comparison.mcnemarP, 0.375);
  });
});
