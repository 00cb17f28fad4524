import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerFooter, answerHeader, BlockquoteStream, contextBefore, looksLikeQuestion, questionFrom } from '../../../src/extension/answerBlock';
import { boundContext, buildAskPrompt } from '../../../src/server/qa/prompts';

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
  assert.deepEqual(questionFrom(lines, 1, undefined), { text: 'Q: 急性膵炎の重症度判定は？', startLine: 1, endLine: 1 });
  assert.deepEqual(questionFrom(lines, 1, '  重症度判定 '), { text: '重症度判定', startLine: 1, endLine: 1 });
  assert.equal(questionFrom(lines, 2, undefined), undefined);
  assert.equal(questionFrom(lines, 9, undefined), undefined);
});

test('question-looking lines', () => {
  for (const yes of ['Q: 急性膵炎の重症度判定は？', '質問：HbA1cの目標値', '質問: x', 'What is the Ranson score?', 'Question: dose?', '問: 次のうち正しいのはどれか']) assert.ok(looksLikeQuestion(yes), yes);
  for (const no of ['', '   ', '既往歴: 高血圧', '> **MedLocal** answer?', 'BP 120/80']) assert.ok(!looksLikeQuestion(no), no);
});

test('a multi-line question paragraph is asked whole; an ordinary paragraph gives the current line', () => {
  const lines = ['経過: 安定。', '', 'Q: 造影CT後の', 'eGFR低下例で注意すべき点は？', '', '> **MedLocal** old answer?', '本日退院。', '明日外来。'];
  assert.deepEqual(questionFrom(lines, 2, undefined), { text: 'Q: 造影CT後の\neGFR低下例で注意すべき点は？', startLine: 2, endLine: 3 });
  assert.deepEqual(questionFrom(lines, 3, undefined), { text: 'Q: 造影CT後の\neGFR低下例で注意すべき点は？', startLine: 2, endLine: 3 });
  assert.deepEqual(questionFrom(lines, 7, undefined), { text: '明日外来。', startLine: 7, endLine: 7 });
  // A one-line question followed by a remark: only the question.
  const remark = ['Q: 急性膵炎の重症度判定は？', '（同室の別患者の件。）'];
  assert.deepEqual(questionFrom(remark, 0, undefined), { text: 'Q: 急性膵炎の重症度判定は？', startLine: 0, endLine: 0 });
  assert.deepEqual(questionFrom(remark, 1, undefined), { text: '（同室の別患者の件。）', startLine: 1, endLine: 1 });
});

test('context is the lines above the question, without earlier MedLocal answers, bounded by tokens', () => {
  const lines = ['主訴: 胸痛', '> **MedLocal** · m · 2026-01-01 · 回答 (モデル生成)', '> 前の回答', '既往: DM', 'Q: 次は？'];
  assert.equal(contextBefore(lines, 4, 10), '主訴: 胸痛\n既往: DM');
  assert.equal(contextBefore(lines, 4, 1), '既往: DM');
  assert.equal(contextBefore(lines, 4, 0), '');
  const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
  const bounded = boundContext(long, 40);
  assert.ok(bounded.length <= 40, `${bounded.length} chars`);
  assert.ok(bounded.endsWith('line 99'), 'the end (nearest the question) is kept');
  assert.ok(bounded.startsWith('line '), 'cut at a line start');
  const prompt = buildAskPrompt('次は？', 'ja', '既往: DM');
  assert.equal(prompt.user, '診療記録（参考）:\n既往: DM\n\n質問: 次は？');
  assert.equal(buildAskPrompt('Next?', 'en').user, 'Next?');
});
