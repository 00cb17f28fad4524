// Shuffled runs in the panel: the summary's shuffle card (K, seed, mean/min/max, consistency), and
// the comparison views and exports pairing a shuffled run by its FIRST order (one shuffled run) or
// by (question, order) (both shuffled) — the same pairs as the core's compareRuns, never "the last
// order read wins" — each saying which, and that (question, order) pairs make McNemar indicative only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairingLines } from '../../../src/cli/report';
import { compareRuns, summariseAnswers } from '../../../src/eval/metrics';
import { cardsText, comparisonToCsv, comparisonToJson, comparisonToMarkdown, compareView, pairingNote, shuffleSeedOf, summaryCards } from '../../../src/view/benchViewModel';
import { STRINGS } from '../../../src/view/strings';
import { answer, storedRun } from './fixtures';

// Plain run: q1 right, q2 wrong, q3 right.
const PLAIN = [answer('q1', true, { category: 'c1' }), answer('q2', false, { category: 'c1' }), answer('q3', true, { category: 'c2' })];
// Shuffled K=2: order 0 answers q1 wrong, q2 right, q3 right; order 1 (read last) all three right.
const SHUFFLED = [
  answer('q1', false, { category: 'c1', permutation: 0 }),
  answer('q2', true, { category: 'c1', permutation: 0 }),
  answer('q3', true, { category: 'c2', permutation: 0 }),
  answer('q1', true, { category: 'c1', permutation: 1 }),
  answer('q2', true, { category: 'c1', permutation: 1 }),
  answer('q3', true, { category: 'c2', permutation: 1 }),
];
// Another shuffled run (K=2): right everywhere under order 1, wrong on q3 under order 0.
const SHUFFLED_B = SHUFFLED.map((record) => {
  const correct = record.permutation === 1 || record.id !== 'q3';
  return { ...record, correct, predicted: correct ? [0] : [1] };
});

test('one shuffled run: the views and exports use its first order, as the core comparison does, and say so', () => {
  const comparison = compareRuns(PLAIN, SHUFFLED);
  assert.equal(comparison.pairing, 'firstOrder');
  const view = compareView(comparison, PLAIN, SHUFFLED);
  // c1 under the first order: A 1/2 (q1), B 1/2 (q2); the last order read would have given B 2/2.
  const c1 = view.categories.find((row) => row.key === 'c1');
  assert.deepEqual([c1?.n, c1?.accuracyA, c1?.accuracyB], [2, 0.5, 0.5]);
  assert.equal(view.pairing, 'firstOrder');
  assert.match(pairingNote(view, STRINGS.en) ?? '', /first order only/);
  assert.match(pairingNote(view, STRINGS.ja) ?? '', /最初の順序/);

  const csv = comparisonToCsv(PLAIN, SHUFFLED).trimEnd().split('\r\n');
  assert.equal(csv[0], 'id,order,category,a_predicted,a_correct,b_predicted,b_correct,change');
  assert.deepEqual(csv.slice(1), ['q1,0,c1,a,true,b,false,right_to_wrong', 'q2,0,c1,b,false,a,true,wrong_to_right', 'q3,0,c2,a,true,a,true,both_right']);
  const markdown = comparisonToMarkdown(storedRun('/r/a', PLAIN), storedRun('/r/b', SHUFFLED), comparison);
  assert.match(markdown, /> A shuffled run is compared by its first order only/);
  assert.match(markdown, /\| q1 \| c1 \| a ✓ \| b ✗ \|/, 'the flips table shows the first order');
  assert.deepEqual(pairingLines(comparison), ['  pairing            a shuffled run is compared by its first order only (permutation 0): one answer per question']);
});

test('two shuffled runs: paired by (question, order); McNemar flagged as not independent in the panel, the exports and the CLI', () => {
  const comparison = compareRuns(SHUFFLED, SHUFFLED_B);
  assert.equal(comparison.pairing, 'questionAndOrder');
  assert.equal(comparison.common, 6);
  const view = compareView(comparison, SHUFFLED, SHUFFLED_B);
  assert.equal(view.categories.reduce((sum, row) => sum + row.n, 0), 6, 'every (question, order) pair counted once per category');
  const note = pairingNote(view, STRINGS.en) ?? '';
  assert.match(note, /paired by \(question, order\).*6 \(question, order\) pairs, which are not independent/);
  assert.match(pairingNote(view, STRINGS.ja) ?? '', /独立ではない/);

  const csv = comparisonToCsv(SHUFFLED, SHUFFLED_B).trimEnd().split('\r\n');
  assert.equal(csv.length, 7);
  assert.ok(csv.includes('q3,0,c2,a,true,b,false,right_to_wrong'));
  assert.ok(csv.includes('q3,1,c2,a,true,a,true,both_right'));
  const json = JSON.parse(comparisonToJson(storedRun('/r/a', SHUFFLED), storedRun('/r/b', SHUFFLED_B), comparison)) as { pairing: string; pairingNote: string; common: number };
  assert.equal(json.pairing, 'questionAndOrder');
  assert.match(json.pairingNote, /not independent/);
  const markdown = comparisonToMarkdown(storedRun('/r/a', SHUFFLED), storedRun('/r/b', SHUFFLED_B), comparison);
  assert.match(markdown, /not independent/);
  assert.match(markdown, /\| q3#0 \| c2 \| a ✓ \| b ✗ \|/);
  assert.match(pairingLines(comparison).join('\n'), /not independent.*McNemar's p is indicative only/);
});

test('no shuffled run: no pairing note anywhere', () => {
  const comparison = compareRuns(PLAIN, PLAIN);
  assert.equal(pairingNote(compareView(comparison, PLAIN, PLAIN), STRINGS.en), undefined);
  assert.equal(comparisonToCsv(PLAIN, PLAIN).split('\r\n')[0], 'id,category,a_predicted,a_correct,b_predicted,b_correct,change');
  assert.deepEqual(pairingLines(comparison), []);
});

test('the summary of a shuffled run has a shuffle card: K, the seed from the manifest, accuracy mean/min/max, consistency', () => {
  const summary = summariseAnswers(SHUFFLED);
  assert.ok(summary.shuffle);
  const run = storedRun('/r/s', SHUFFLED, { recipe: { dataset: 'sample', scoring: 'letter', shuffle: { k: 2, seed: 42 } } });
  const card = summaryCards(summary, STRINGS.en, shuffleSeedOf(run)).find((c) => c.id === 'shuffle');
  assert.ok(card, 'a shuffle card');
  assert.equal(card.value, 'K = 2, seed 42');
  // Order 0: 2/3, order 1: 3/3 → mean 83.3%, min 66.7%, max 100%.
  assert.match(card.detail, /^accuracy mean 83\.3%, min 66\.7%, max 100\.0%; consistency \d+\.\d% \(\d of 3 questions kept the same answer text\)$/);
  assert.match(cardsText(summaryCards(summary, STRINGS.ja, 42)), /シャッフル順序: K = 2、シード 42/);
  assert.equal(summaryCards(summariseAnswers(PLAIN), STRINGS.en).some((c) => c.id === 'shuffle'), false);
});
