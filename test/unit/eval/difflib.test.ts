import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { gestaltScore, SequenceMatcher, sequenceRatio } from '../../../src/eval/difflib';

/** Small deterministic PRNG (mulberry32), so the generated cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_JA = 'のはがをにでとた';
const RARE_JA = '心筋梗塞腎不全糖尿病高血圧症肺炎敗血症貧血甲状腺機能亢進低下急性慢性膵炎肝硬変胆石症脳梗塞出血';
const ASCII = 'abcde ,.xyzXYZ';

function text(next: () => number, length: number, alphabet: string, commonShare = 0): string {
  const rare = Array.from(alphabet);
  const common = Array.from(COMMON_JA);
  return Array.from({ length }, () => {
    const pool = next() < commonShare ? common : rare;
    return pool[Math.floor(next() * pool.length)] ?? '';
  }).join('');
}

/** ≥ 50 pairs: short and long, ASCII and Japanese, with and without popular elements (autojunk). */
function generatedCases(): [string, string][] {
  const next = random(20240611);
  const cases: [string, string][] = [];
  for (let index = 0; index < 72; index += 1) {
    const long = index % 3 === 0;
    const japanese = index % 2 === 0;
    const alphabet = japanese ? RARE_JA : ASCII;
    const share = japanese ? 0.4 : 0;
    const a = text(next, long ? 150 + Math.floor(next() * 200) : Math.floor(next() * 40), alphabet, share);
    // b is often an edited copy of a, so there is something to match.
    const b = index % 4 === 1
      ? text(next, long ? 200 + Math.floor(next() * 150) : Math.floor(next() * 40), alphabet, share)
      : Array.from(a).filter(() => next() > 0.15).join('') + text(next, long ? 220 : 8, alphabet, share);
    cases.push([a, b]);
  }
  cases.push(['', ''], ['', 'abc'], ['😀a😀b', 'a😀😀b'], ['Ornithine transcarbamylase deficiency', 'ornithine transcarbamylase deficiency'], ['d', 'd,e']);
  return cases;
}

function hasPython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

describe('SequenceMatcher', () => {
  test('known ratios, including the autojunk popular-element rule', () => {
    assert.equal(sequenceRatio('abcd', 'bcde'), 0.75);
    assert.equal(sequenceRatio('心筋梗塞', '急性心筋梗塞'), 0.8);
    assert.equal(sequenceRatio('', ''), 1);
    assert.equal(sequenceRatio('', 'abc'), 0);
    // b ≥ 200 elements: "a"/"b" (or "あ") occur more than len/100 + 1 times and leave the index.
    assert.equal(sequenceRatio('心筋梗塞' + 'ab'.repeat(10), 'ab'.repeat(100) + '心筋梗塞'), 0.03508771929824561);
    assert.equal(new SequenceMatcher('心筋梗塞' + 'ab'.repeat(10), 'ab'.repeat(100) + '心筋梗塞', false).ratio(), 0.17543859649122806);
    const rare = Array.from({ length: 190 }, (_, index) => String.fromCodePoint(0x4e00 + index)).join('');
    assert.equal(sequenceRatio('あ'.repeat(10) + rare.slice(0, 5), rare + 'あ'.repeat(10)), 0.046511627906976744);
  });

  test('gestalt score is the mean of both directions', () => {
    const a = 'qabxcd';
    const b = 'abycdf';
    assert.equal(gestaltScore(a, b), (sequenceRatio(a, b) + sequenceRatio(b, a)) / 2);
  });

  test('agrees exactly with python3 difflib on generated cases', { skip: hasPython() ? false : 'python3 not installed' }, () => {
    const cases = generatedCases();
    assert.ok(cases.length >= 50);
    assert.ok(cases.filter(([, b]) => Array.from(b).length >= 200).length >= 10, 'enough long cases to exercise autojunk');
    const script = [
      'import sys, json, difflib',
      'for a, b in json.load(sys.stdin):',
      '    print(repr(difflib.SequenceMatcher(None, a, b).ratio()), repr(difflib.SequenceMatcher(None, b, a).ratio()))',
    ].join('\n');
    const python = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
    const lines = python.stdout.trim().split('\n');
    assert.equal(lines.length, cases.length);
    cases.forEach(([a, b], index) => {
      const [forward, backward] = (lines[index] ?? '').split(' ').map(Number);
      assert.equal(sequenceRatio(a, b), forward, `case ${index}: ratio(a, b)`);
      assert.equal(sequenceRatio(b, a), backward, `case ${index}: ratio(b, a)`);
    });
  });
});
