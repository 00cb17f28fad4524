import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDataset, parseDatasetArgument } from '../../../src/eval/datasets';
import { loadIgakuQA, parseAnswerLetters, parseKinki } from '../../../src/eval/datasets/igakuqa';
import { issueMessage, SKIP_REASONS, summariseDataset, type LoadIssue } from '../../../src/eval/question';
import { format, msg } from '../../../src/shared/messages/index';

/** An issue as the English run output shows it: `file:line: reason`. */
const formatIssue = (issue: LoadIssue): string => format('en', issueMessage(issue));
import { loadSampleSet, SAMPLE_QUESTIONS, writeSampleSetAsIgakuQA } from '../../../src/eval/sample';
import { detectLanguage } from '../../../src/shared/language';

import { IGAKUQA_2018, MEDMCQA_SAMPLE as MEDMCQA, MEDQA_SAMPLE as MEDQA, skipUnlessPresent as missing } from './dataPaths';

const scratch = mkdtempSync(join(tmpdir(), 'medlocal-datasets-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('IgakuQA 2018 (real files)', { skip: missing(IGAKUQA_2018) }, () => {
  test('loads 284 usable questions, 45 multi-answer, all 5-choice, with counted skip reasons', () => {
    const result = loadIgakuQA(IGAKUQA_2018);
    const summary = summariseDataset(result);
    assert.equal(summary.loaded, 284);
    assert.equal(summary.multiAnswer, 45);
    assert.deepEqual(summary.choiceCounts, { '5': 284 });
    assert.deepEqual(summary.points, { '1': 246, '3': 38 });
    assert.deepEqual(summary.skipped, { [SKIP_REASONS.image]: 114, [SKIP_REASONS.noChoices]: 2 });
    assert.deepEqual(summary.issues, []);
    assert.equal(result.files.length, 12, 'six question files and their metadata companions');
  });

  test('metadata: category, kinki (incl. "cde" strings and full-width letters), examinee accuracy', () => {
    const byId = new Map(loadIgakuQA(IGAKUQA_2018).questions.map((question) => [question.id, question]));
    const first = byId.get('112A1');
    assert.ok(first);
    assert.equal(first.block, '112-A');
    assert.equal(first.category, '小児科');
    assert.equal(first.humanAccuracy, 39.3);
    assert.deepEqual(first.choiceBreakdown, [15.7, 21.9, 6.5, 16.5, 39.3]);
    assert.deepEqual(first.answers, [4]);
    const questions = [...byId.values()];
    assert.deepEqual(byId.get('112C9')?.kinki, [0, 1, 2, 3], 'the one-string "abcd" entry is split into letters');
    assert.deepEqual(byId.get('112E42')?.kinki, [1, 3, 4]);
    assert.equal(questions.filter((question) => question.kinki.length > 0).length, 15);
    assert.ok(questions.every((question) => question.kinki.every((index) => index >= 0 && index < 5)));
  });

  test('English translation loads the same questions with English text', () => {
    const result = loadIgakuQA(IGAKUQA_2018, { language: 'en' });
    assert.equal(result.questions.length, 284);
    const first = result.questions.find((question) => question.id === '112A1');
    assert.ok(first);
    assert.equal(first.language, 'en');
    assert.equal(first.englishOf, '112A1');
    assert.equal(first.stem, 'What disease causes hyperammonemia?');
    assert.equal(first.choices[4], 'Ornithine transcarbamylase deficiency');
    assert.equal(first.category, '小児科');
    assert.equal(result.files.length, 18);
  });

  test('a single question file (or a companion path) loads that block only', () => {
    const block = loadDataset(parseDatasetArgument(`igakuqa:${IGAKUQA_2018}/112-B_metadata.jsonl`));
    assert.ok(block.questions.length > 0);
    assert.ok(block.questions.every((question) => question.block === '112-B'));
    assert.ok(block.questions.some((question) => question.points === 3), 'block B holds the 3-point clinical questions');
  });
});

describe('MedQA and MedMCQA samples (real files)', () => {
  test('MedQA: 50 five-option questions with step blocks', { skip: missing(MEDQA) }, () => {
    const result = loadDataset(parseDatasetArgument(`medqa:${MEDQA}`));
    assert.equal(result.questions.length, 50);
    assert.deepEqual(summariseDataset(result).choiceCounts, { '5': 50 });
    const first = result.questions[0];
    assert.ok(first);
    assert.equal(first.id, '23');
    assert.equal(first.language, 'en');
    assert.deepEqual(first.answers, [4]);
    assert.equal(first.choices[4], 'Staphylococcus aureus');
    assert.ok(result.questions.every((question) => question.block === 'step1' || question.block === 'step2&3'));
  });

  test('MedMCQA: 50 four-option questions, also detected through jsonl:', { skip: missing(MEDMCQA) }, () => {
    const result = loadDataset(parseDatasetArgument(`medmcqa:${MEDMCQA}`));
    assert.equal(result.questions.length, 50);
    assert.deepEqual(summariseDataset(result).choiceCounts, { '4': 50 });
    assert.deepEqual(result.questions[0]?.answers, [2]);
    const detected = loadDataset(parseDatasetArgument(`jsonl:${MEDMCQA}`));
    assert.deepEqual(detected.questions.map((question) => question.answers), result.questions.map((question) => question.answers));
  });
});

describe('malformed input', () => {
  test('bad lines are reported as file:line: reason, counted, and the load goes on', () => {
    const file = join(scratch, 'medqa-broken.jsonl');
    writeFileSync(file, [
      JSON.stringify({ question: 'Q1?', options: { A: 'x', B: 'y' }, answer_idx: 'B' }),
      '{"question": "torn',
      JSON.stringify({ question: 'Q3?', options: { A: 'x', B: 'y' }, answer_idx: 'F' }),
      '',
      JSON.stringify([1, 2]),
      JSON.stringify({ question: 'Q6?', options: { A: 'x', B: 'y', C: 'z' }, answer_idx: 'C' }),
    ].join('\n'));
    const result = loadDataset({ kind: 'medqa', path: file });
    assert.deepEqual(result.questions.map((question) => question.stem), ['Q1?', 'Q6?']);
    assert.equal(result.skipped[SKIP_REASONS.malformed], 3);
    const issues = result.issues.map(formatIssue);
    assert.equal(issues.length, 3);
    assert.match(issues[0] ?? '', /medqa-broken\.jsonl:2: not valid JSON/);
    assert.match(issues[1] ?? '', /medqa-broken\.jsonl:3: field "answer_idx" = "F" names no option/);
    assert.match(issues[2] ?? '', /medqa-broken\.jsonl:5: not a JSON object/);
    assert.equal(result.questions[0]?.id, 'medqa-broken.jsonl:1', 'records without an id get file:line');
  });

  test('IgakuQA: bad answer letters and unknown layouts are issues; duplicates are counted', () => {
    const dir = join(scratch, 'igaku-broken');
    writeSampleSetAsIgakuQA(dir);
    const broken = join(dir, '999-Z.jsonl');
    writeFileSync(broken, [
      JSON.stringify({ problem_id: '999Z1', problem_text: 'ok', choices: ['p', 'q', 'r'], text_only: true, answer: ['c'], points: '1' }),
      JSON.stringify({ problem_id: '999Z2', problem_text: 'bad', choices: ['p', 'q'], text_only: true, answer: ['e'], points: '1' }),
      JSON.stringify({ problem_id: '999Z1', problem_text: 'again', choices: ['p', 'q'], text_only: true, answer: ['a'], points: '1' }),
    ].join('\n') + '\n');
    const result = loadIgakuQA(dir);
    assert.equal(result.questions.length, SAMPLE_QUESTIONS.length + 1);
    assert.equal(result.skipped[SKIP_REASONS.malformed], 1);
    assert.equal(result.skipped[SKIP_REASONS.duplicate], 1);
    assert.match(formatIssue(result.issues[0] ?? { file: '', line: 0, reason: msg('plainText', '') }), /999-Z\.jsonl:2: answer "e" is not a choice letter a-b/);
  });

  test('English load without a translation file says what to do', () => {
    const dir = join(scratch, 'no-translation');
    writeSampleSetAsIgakuQA(dir);
    rmSync(join(dir, 'sample-A_translate.jsonl'));
    assert.throws(() => loadIgakuQA(dir, { language: 'en' }), /sample-A_translate\.jsonl.*--language ja/);
  });

  test('unknown dataset kinds and missing paths are explained', () => {
    assert.throws(() => parseDatasetArgument('mmlu:x'), /use igakuqa:DIR, medqa:FILE/);
    assert.throws(() => loadDataset({ kind: 'medqa', path: join(scratch, 'nope.jsonl') }), /does not exist/);
  });
});

describe('IgakuQA field parsing', () => {
  test('kinki: lists, multi-letter strings, full-width, out of range dropped', () => {
    assert.deepEqual(parseKinki(['cde'], 5), [2, 3, 4]);
    assert.deepEqual(parseKinki(['e', 'ｂ'], 5), [1, 4]);
    assert.deepEqual(parseKinki(['abcd', 'h'], 5), [0, 1, 2, 3]);
    assert.deepEqual(parseKinki('e', 5), []);
  });

  test('answers: letters, full-width, "a or d" alternatives', () => {
    assert.deepEqual(parseAnswerLetters(['b', 'd'], 5), { answers: [1, 3], alternatives: [] });
    assert.deepEqual(parseAnswerLetters(['Ｅ'], 5), { answers: [4], alternatives: [] });
    assert.deepEqual(parseAnswerLetters(['a or d'], 5), { answers: [0], alternatives: [[0], [3]] });
  });
});

describe('generic JSONL and CSV', () => {
  test('JSONL layouts are detected per record (JMedBench, harness, IgakuQA)', () => {
    const file = join(scratch, 'mixed.jsonl');
    writeFileSync(file, [
      JSON.stringify({ sample_id: 'jm1', question: '高血圧の薬はどれか。', options: ['アムロジピン', 'インスリン', 'ワルファリン'], answer_idx: 0 }),
      JSON.stringify({ problem_id: 'h1', problem_text: '正しいのはどれか。2つ選べ。', choices: ['甲', '乙', '丙'], answer: '甲,丙' }),
      JSON.stringify({ problem_id: 'ig1', problem_text: '正しいのはどれか。', choices: ['甲', '乙'], text_only: true, answer: ['b'], points: '3' }),
      JSON.stringify({ prompt: 'unknown layout' }),
    ].join('\n'));
    const result = loadDataset({ kind: 'jsonl', path: file });
    assert.deepEqual(result.questions.map((question) => [question.id, question.answers, question.language]), [
      ['jm1', [0], 'ja'],
      ['h1', [0, 2], 'ja'],
      ['ig1', [1], 'ja'],
    ]);
    assert.match(result.issues[0] ? format('en', result.issues[0].reason) : '', /unknown record layout/);
  });

  test('a question in half-width katakana or supplementary-plane kanji is Japanese, as the hover sees it', () => {
    const file = join(scratch, 'scripts.jsonl');
    const stems = ['ｶﾞｽﾄﾛの適応は？', '𠮷 or 𠀋?', 'Which drug is first-line?'];
    writeFileSync(file, stems.map((stem, index) => JSON.stringify({ sample_id: `s${index}`, question: stem, options: ['a', 'b'], answer_idx: 0 })).join('\n'));
    const result = loadDataset({ kind: 'jsonl', path: file });
    assert.deepEqual(result.questions.map((question) => question.language), ['ja', 'ja', 'en']);
    assert.deepEqual(stems.map(detectLanguage), ['ja', 'ja', 'en'], 'the hover and ask command detect the same language');
  });

  test('JSONL with an explicit column mapping', () => {
    const file = join(scratch, 'mapped.jsonl');
    writeFileSync(file, JSON.stringify({ key: 'm1', q: 'Pick two', opts: ['w', 'x', 'y'], gold: [1, 3], area: 'cardio' }) + '\n');
    const result = loadDataset({
      kind: 'jsonl',
      path: file,
      mapping: { id: 'key', question: 'q', choices: 'opts', answer: 'gold', answerFormat: 'index1', category: 'area' },
    });
    assert.deepEqual(result.questions[0]?.answers, [0, 2]);
    assert.equal(result.questions[0]?.category, 'cardio');
    assert.equal(result.questions[0]?.language, 'en');
  });

  test('CSV: header detection, letter answers, broken rows reported with their line', () => {
    const file = join(scratch, 'questions.csv');
    writeFileSync(file, [
      'id,question,A,B,C,D,answer',
      'c1,"Which is a beta-blocker, commonly?",propranolol,amlodipine,losartan,,A',
      'c2,Second,x,y,z,w,"b,d"',
      'c3,Too few columns,x',
      'c4,Bad answer,x,y,z,w,Q',
    ].join('\n'));
    const result = loadDataset({ kind: 'csv', path: file });
    assert.deepEqual(result.questions.map((question) => [question.id, question.choices.length, question.answers]), [
      ['c1', 3, [0]],
      ['c2', 4, [1, 3]],
    ]);
    assert.equal(result.issues.length, 2);
    assert.match(formatIssue(result.issues[0] ?? { file: '', line: 0, reason: msg('plainText', '') }), /questions\.csv:4: /);
    assert.match(formatIssue(result.issues[1] ?? { file: '', line: 0, reason: msg('plainText', '') }), /questions\.csv:5: field "answer" = "Q" names no choice/);
  });
});

describe('built-in sample set', () => {
  test('at least 30 bilingual questions, some multi-answer, some with 禁忌肢, labelled as sample', () => {
    const ja = loadSampleSet('ja');
    const en = loadSampleSet('en');
    assert.ok(ja.questions.length >= 30);
    assert.equal(en.questions.length, ja.questions.length);
    assert.ok(ja.questions.every((question) => question.source === 'medlocal-sample' && question.language === 'ja'));
    assert.ok(ja.questions.filter((question) => question.answers.length > 1).length >= 5);
    assert.ok(ja.questions.filter((question) => question.kinki.length > 0).length >= 5);
    for (const sample of SAMPLE_QUESTIONS) {
      assert.equal(sample.choices.length, sample.choices_en.length, `${sample.problem_id}: same number of choices in ja and en`);
      assert.ok(sample.kinki.every((letters) => !letters.split('').some((letter) => sample.answer.includes(letter))), `${sample.problem_id}: a 禁忌肢 is never the answer`);
    }
    const multiLetterKinki = ja.questions.find((question) => question.id === 'MLS-B11');
    assert.deepEqual(multiLetterKinki?.kinki, [1, 3]);
  });

  test('round-trips through real IgakuQA files (ja and en)', () => {
    const dir = join(scratch, 'sample-files');
    assert.equal(writeSampleSetAsIgakuQA(dir).length, 6);
    for (const language of ['ja', 'en'] as const) {
      const fromFiles = loadIgakuQA(dir, { language, source: 'medlocal-sample' }).questions;
      assert.deepEqual(fromFiles, loadSampleSet(language).questions);
    }
  });
});
