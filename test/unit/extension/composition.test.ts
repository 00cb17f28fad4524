import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompositionTracker, looksLikeComposition } from '../../../src/extension/composition';
import { trimContinuation } from '../../../src/server/features/continueNote';

test('preedit updates (replacing kana or romaji) look like a composition; inserts and committed kanji do not', () => {
  assert.equal(looksLikeComposition({ rangeLength: 1, text: 'きゅ' }), true);
  assert.equal(looksLikeComposition({ rangeLength: 2, text: 'きゅう' }), true);
  assert.equal(looksLikeComposition({ rangeLength: 3, text: 'kyu' }), true);
  assert.equal(looksLikeComposition({ rangeLength: 0, text: 'き' }), false, 'a plain insert');
  assert.equal(looksLikeComposition({ rangeLength: 5, text: '急性' }), false, 'the committed conversion');
  assert.equal(looksLikeComposition({ rangeLength: 3, text: '' }), false, 'a deletion');
});

test('the tracker follows the last edit of each document', () => {
  const tracker = new CompositionTracker();
  tracker.update('a', [{ rangeLength: 0, text: 'k' }, { rangeLength: 1, text: 'き' }]);
  assert.equal(tracker.isComposing('a'), true);
  assert.equal(tracker.isComposing('b'), false);
  tracker.update('a', [{ rangeLength: 3, text: '急性' }]);
  assert.equal(tracker.isComposing('a'), false);
  tracker.update('a', [{ rangeLength: 1, text: 'き' }]);
  tracker.forget('a');
  assert.equal(tracker.isComposing('a'), false);
});

test('continuations stop at the end of the sentence or line', () => {
  assert.equal(trimContinuation('を認めた。その後'), 'を認めた。');
  assert.equal(trimContinuation(' was stable. Then'), ' was stable.');
  assert.equal(trimContinuation('first line\nsecond'), 'first line');
  assert.equal(trimContinuation('no end'), 'no end');
});
