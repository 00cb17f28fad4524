import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getPromptFormat } from '../../../src/eval/formats';
import type { Question } from '../../../src/eval/question';
import { loadSampleSet } from '../../../src/eval/sample';
import {
  answerQuestion,
  continuationFor,
  extractAnswerLine,
  gestaltPrediction,
  isCorrect,
  isExactMatch,
  logSumExp,
  parseLetterAnswer,
  topK,
} from '../../../src/eval/scoring';
import { FakeEngine } from './fakeEngine';

function question(overrides: Partial<Question> = {}): Question {
  return {
    id: 'T1',
    source: 'test',
    language: 'ja',
    stem: 'テスト問題',
    choices: ['糖尿病', 'Fabry病', 'Sjögren症候群', '甲状腺機能低下症', '自家感作性皮膚炎'],
    answers: [4],
    points: 1,
    kinki: [],
    ...overrides,
  };
}

describe('generate parsing', () => {
  test('answer line: after the marker if repeated, first line, stripped', () => {
    assert.equal(extractAnswerLine('  自家感作性皮膚炎。\n理由: ...', '### 応答：'), '自家感作性皮膚炎。');
    assert.equal(extractAnswerLine('\n\n  d,e  \nbecause', undefined), 'd,e');
    assert.equal(extractAnswerLine('前置き\n### 応答：\n糖尿病\n説明', '### 応答：'), '糖尿病');
    assert.equal(extractAnswerLine('', '### Response:'), '');
  });

  test('exact match: gold texts joined by ",", "." removed on both sides', () => {
    assert.equal(isExactMatch(question(), '自家感作性皮膚炎'), true);
    assert.equal(isExactMatch(question(), ' 自家感作性皮膚炎. '), true);
    assert.equal(isExactMatch(question(), 'e'), false);
    const multi = question({ choices: ['Start an IV line.', 'Give oxygen.', 'Wait'], answers: [0, 1] });
    assert.equal(isExactMatch(multi, 'Start an IV line,Give oxygen'), true);
    assert.equal(isExactMatch(multi, 'Start an IV line, Give oxygen'), false, 'the harness compares the joined text exactly');
  });

  test('letters are parsed in many spellings, and only within the choices', () => {
    assert.deepEqual(parseLetterAnswer('d,e', 5), [3, 4]);
    assert.deepEqual(parseLetterAnswer('E, D', 5), [3, 4]);
    assert.deepEqual(parseLetterAnswer('ｄ、ｅ', 5), [3, 4]);
    assert.deepEqual(parseLetterAnswer('(b)', 5), [1]);
    assert.deepEqual(parseLetterAnswer('答え: c', 5), [2]);
    assert.equal(parseLetterAnswer('f', 5), undefined);
    assert.equal(parseLetterAnswer('糖尿病', 5), undefined);
    assert.equal(parseLetterAnswer('a disease', 5), undefined);
  });

  test('gestalt: top-k by mean ratio; ties go to the earlier choice', () => {
    assert.deepEqual(gestaltPrediction(question(), '自家感作性皮膚炎です').predicted, [4]);
    const multi = question({ answers: [1, 2] });
    assert.deepEqual(gestaltPrediction(multi, 'Fabry病,Sjögren症候群').predicted.sort(), [1, 2]);
    const tie = question({ choices: ['ab', 'ab', 'zz'], answers: [0] });
    assert.deepEqual(gestaltPrediction(tie, 'ab').predicted, [0]);
    assert.deepEqual(topK([0.5, 0.9, 0.9, 0.1], 2), [1, 2]);
  });
});

describe('correctness', () => {
  const record = { id: '112B30', source: 'igakuqa', gold: [0] };
  test('all or nothing on multi-answer', () => {
    assert.equal(isCorrect({ id: 'x', source: 'igakuqa', gold: [1, 3] }, [3, 1]), true);
    assert.equal(isCorrect({ id: 'x', source: 'igakuqa', gold: [1, 3] }, [1]), false);
    assert.equal(isCorrect({ id: 'x', source: 'igakuqa', gold: [1, 3] }, [1, 2, 3]), false);
  });
  test('official special cases: 116A71 always correct, 112B30 accepts a or d', () => {
    assert.equal(isCorrect({ id: '116A71', source: 'igakuqa', gold: [2] }, [0]), true);
    assert.equal(isCorrect({ id: '116A71', source: 'igakuqa', gold: [2] }, []), true);
    assert.equal(isCorrect(record, [0]), true);
    assert.equal(isCorrect(record, [3]), true);
    assert.equal(isCorrect(record, [0, 3]), false);
    assert.equal(isCorrect(record, [4]), false);
    assert.equal(isCorrect({ ...record, source: 'medqa' }, [3]), false, 'only for IgakuQA questions');
  });
});

describe('engine modes', () => {
  const sample = loadSampleSet('ja').questions;
  const multi = sample.find((candidate) => candidate.id === 'MLS-B05');
  assert.ok(multi);

  test('letter: log-sum-exp over a/A/" a"/" A", top-k, probabilities and 禁忌肢 recorded', async () => {
    const engine = new FakeEngine(sample, { pick: () => [0, 2] });
    const answer = await answerQuestion(engine, multi, getPromptFormat('igakuqa'), { mode: 'letter' });
    assert.deepEqual(answer.predicted, [0, 2]);
    assert.equal(answer.correct, false);
    assert.deepEqual(answer.kinkiPicked, [2], 'c (KCl) is the 禁忌肢 of this question');
    const expected = logSumExp([Math.log(0.2), Math.log(0.2), Math.log(0.1), Math.log(0.1)]);
    assert.ok(Math.abs((answer.choiceScores?.[0] ?? 0) - expected) < 1e-12);
    assert.equal(answer.choiceProbs?.length, 5);
    assert.ok(Math.abs((answer.choiceProbs ?? []).reduce((sum, p) => sum + p, 0) - 1) < 1e-12);
  });

  test('letter scoring refuses a format without choice letters', async () => {
    const engine = new FakeEngine(sample);
    await assert.rejects(answerQuestion(engine, multi, getPromptFormat('medpalm_five_choice_cot'), { mode: 'letter' }), /--format igakuqa/);
  });

  test('likelihood: per-choice log-likelihood, optional length normalisation', async () => {
    const engine = new FakeEngine(sample, { pick: (q) => q.answers });
    const answer = await answerQuestion(engine, multi, getPromptFormat('jmedbench_mcqa'), { mode: 'likelihood', lengthNormalization: 'tokens' });
    assert.deepEqual(answer.predicted, [0, 1]);
    assert.equal(answer.correct, true);
    assert.equal(answer.choiceScores?.length, 5);
    assert.ok((answer.tokens ?? 0) > 0);
  });

  test('continuations get a space after "Answer:" but not after "答え：" or before Japanese', () => {
    assert.equal(continuationFor('Question...\nAnswer:', 'Bradycardia'), ' Bradycardia');
    assert.equal(continuationFor('質問...\n答え：', 'グルコン酸'), 'グルコン酸');
    assert.equal(continuationFor({ user: 'q', assistantPrefix: '答え:' }, 'グルコン酸'), 'グルコン酸');
    assert.equal(continuationFor({ user: 'q' }, 'x'), 'x');
  });

  test('generate: text answers use gestalt, letter answers are read as letters', async () => {
    const format = getPromptFormat('medpalm_five_choice_cot');
    const asText = await answerQuestion(new FakeEngine(sample, { pick: (q) => q.answers }), multi, format, { mode: 'generate' });
    assert.equal(asText.exactMatch, true);
    assert.equal(asText.correct, true);
    assert.equal(asText.answeredWithLetters, false);
    assert.equal(asText.gestaltScores?.length, 5);
    assert.equal(asText.tokens, 12);
    const asLetters = await answerQuestion(new FakeEngine(sample, { pick: (q) => q.answers, answerWithLetters: true }), multi, format, { mode: 'generate' });
    assert.equal(asLetters.answerLine, 'a,b');
    assert.equal(asLetters.exactMatch, false);
    assert.equal(asLetters.answeredWithLetters, true);
    assert.equal(asLetters.correct, true);
  });
});
