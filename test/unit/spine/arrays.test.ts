// Input-sized arrays never go through call arguments: a million elements append, take a maximum,
// merge dataset parts and feed logSumExp without "Maximum call stack size exceeded".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendAll, maxOf } from '../../../src/shared/arrays';
import { emptyLoadResult, mergeLoadResults, type Question } from '../../../src/eval/question';
import { logSumExp } from '../../../src/eval/scoring';

const MILLION = 1_000_000;

test('appendAll appends a million items in order', () => {
  const into = [-2, -1];
  const items = Array.from({ length: MILLION }, (_, i) => i);
  assert.equal(appendAll(into, items), into);
  assert.equal(into.length, MILLION + 2);
  assert.deepEqual(into.slice(0, 4), [-2, -1, 0, 1]);
  assert.equal(into[into.length - 1], MILLION - 1);
  assert.deepEqual(appendAll([1], new Set([2, 3])), [1, 2, 3], 'any iterable');
});

test('maxOf a million values, and Math.max semantics at the edges', () => {
  const values = Array.from({ length: MILLION }, (_, i) => Math.sin(i));
  values[765_432] = 7.5;
  assert.equal(maxOf(values), 7.5);
  assert.equal(maxOf([]), -Infinity);
  assert.ok(Number.isNaN(maxOf([1, NaN, 3])));
  assert.equal(maxOf([-Infinity, -3, -Infinity]), -3);
});

test('mergeLoadResults folds a million-question part into a dataset', () => {
  const into = emptyLoadResult();
  const part = emptyLoadResult();
  const question = { id: 'q' } as unknown as Question;
  part.questions = Array.from({ length: MILLION }, () => question);
  part.files = Array.from({ length: MILLION }, (_, i) => `file-${i}`);
  part.skipped = { skipMalformed: 3 };
  mergeLoadResults(into, part);
  mergeLoadResults(into, part);
  assert.equal(into.questions.length, 2 * MILLION);
  assert.equal(into.files.length, 2 * MILLION);
  assert.equal(into.files[MILLION], 'file-0');
  assert.equal(into.skipped.skipMalformed, 6);
});

test('logSumExp over a million log-scores', () => {
  const values = Array.from({ length: MILLION }, () => Math.log(2));
  values.push(-Infinity);
  // log(MILLION * 2) exactly, up to rounding.
  assert.ok(Math.abs(logSumExp(values) - Math.log(2 * MILLION)) < 1e-6, String(logSumExp(values)));
  assert.equal(logSumExp([-Infinity]), -Infinity);
});
