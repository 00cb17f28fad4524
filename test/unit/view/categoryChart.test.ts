// The comparison chart's numbers: per-category accuracy of several runs on the questions all of
// them answered, counted by hand from small fabricated runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wilsonInterval } from '../../../src/eval/metrics';
import { categoriesToMarkdown, categoryChartData, coverageText } from '../../../src/view/benchViewModel';
import { answer } from './fixtures';

const A = [
  answer('q1', true, { category: '循環器' }),
  answer('q2', false, { category: '循環器' }),
  answer('q3', true, { category: '呼吸器' }),
  answer('q4', true, { category: '呼吸器' }),
  answer('q5', true, { category: '腎臓' }), // only in A: left out
  answer('q6', true), // no category: left out
];
const B = [
  answer('q1', true, { category: '循環器' }),
  answer('q2', true, { category: '循環器' }),
  answer('q3', false, { category: '呼吸器' }),
  answer('q4', true, { category: '呼吸器' }),
  answer('q6', false),
];

test('two runs: the categories of the common questions, each run counted on the same questions', () => {
  const data = categoryChartData([{ label: 'A', answers: A }, { label: 'B', answers: B }]);
  assert.deepEqual(data.categories, ['呼吸器', '循環器']);
  assert.deepEqual(data.counts, [2, 2]);
  assert.deepEqual(data.series.map((s) => s.label), ['A', 'B']);
  assert.deepEqual(data.series[0]?.correct, [2, 1]);
  assert.deepEqual(data.series[0]?.values, [1, 0.5]);
  assert.deepEqual(data.series[1]?.correct, [1, 2]);
  assert.deepEqual(data.series[1]?.values, [0.5, 1]);
  assert.deepEqual(data.series[1]?.intervals, [wilsonInterval(1, 2), wilsonInterval(2, 2)]);
});

test('three runs: a question one run lacks leaves every series; a shuffled run counts its first order', () => {
  const C = [
    answer('q1', false, { category: '循環器', permutation: 0 }),
    answer('q1', true, { category: '循環器', permutation: 1 }),
    answer('q3', true, { category: '呼吸器', permutation: 0 }),
    answer('q3', false, { category: '呼吸器', permutation: 1 }),
  ];
  const data = categoryChartData([{ label: 'A', answers: A }, { label: 'B', answers: B }, { label: 'C', answers: C }]);
  assert.deepEqual(data.categories, ['呼吸器', '循環器']);
  assert.deepEqual(data.counts, [1, 1]);
  assert.deepEqual(data.series.map((s) => s.correct), [[1, 1], [0, 1], [1, 0]]);
  // What each bar covers: the 2 common questions; what each run answered beyond them; C's first order only.
  assert.equal(data.common, 2);
  assert.deepEqual(data.series.map((s) => [s.answered, s.leftOut, s.firstOrderOnly]), [[6, 4, false], [5, 3, false], [2, 0, true]]);
  assert.match(coverageText(data), /the 2 questions all 3 runs answered \(0 of them without a category/);
  assert.match(categoriesToMarkdown(data), /\| C \(shuffled: first order only\) \| 2 \| 0 \|/);
});

test('no common questions: no categories, an empty series per run', () => {
  const data = categoryChartData([{ label: 'A', answers: [answer('x', true, { category: 'c' })] }, { label: 'B', answers: [answer('y', true, { category: 'c' })] }]);
  assert.deepEqual(data.categories, []);
  assert.deepEqual(data.series.map((s) => s.values), [[], []]);
});
