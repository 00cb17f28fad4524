import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerFooter, answerHeader, BlockquoteStream, looksLikeQuestion, questionFrom } from '../../../src/extension/answerBlock';

test('the answer header marks model text, in the note language', () => {
  const date = new Date('2026-11-24T09:00:00Z');
  assert.equal(answerHeader('ja', 'Qwen2.5-7B', date), '> **MedLocal** · Qwen2.5-7B · 2026-11-24 · 回答 (モデル生成)\n> ');
  assert.match(answerHeader('en', 'Tiny', date), /^> \*\*MedLocal\*\* · Tiny · 2026-11-24 · answer \(model-generated\)\n> $/);
});

test('streamed newlines stay inside the blockquote, whatever the chunking', () => {
  const stream = new BlockquoteStream();
  const chunks = ['First line', '\nSecond', ' line\r', '\n', 'Third'];
  assert.equal(chunks.map((c) => stream.push(c)).join(''), 'First line\n> Second line\n> Third');
});

test('partial answers end with a marked reason', () => {
  assert.equal(answerFooter('en', { kind: 'complete' }), '\n');
  assert.equal(answerFooter('ja', { kind: 'cancelled' }), '\n> *(中断されました（部分的な回答）)*\n');
  assert.equal(answerFooter('en', { kind: 'failed', reason: 'model\n crashed' }), '\n> *(incomplete answer: model crashed)*\n');
});

test('the question is the selection, else the cursor line', () => {
  const lines = ['# Note', 'Q: 急性膵炎の重症度判定は？', ''];
  assert.deepEqual(questionFrom(lines, 1, undefined), { text: 'Q: 急性膵炎の重症度判定は？', endLine: 1 });
  assert.deepEqual(questionFrom(lines, 1, '  重症度判定 '), { text: '重症度判定', endLine: 1 });
  assert.equal(questionFrom(lines, 2, undefined), undefined);
  assert.equal(questionFrom(lines, 9, undefined), undefined);
});

test('question-looking lines', () => {
  for (const yes of ['Q: 急性膵炎の重症度判定は？', '質問：HbA1cの目標値', '質問: x', 'What is the Ranson score?', 'Question: dose?', '問: 次のうち正しいのはどれか']) assert.ok(looksLikeQuestion(yes), yes);
  for (const no of ['', '   ', '既往歴: 高血圧', '> **MedLocal** answer?', 'BP 120/80']) assert.ok(!looksLikeQuestion(no), no);
});
