import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ChatPrompt } from '../../../src/engine/types';
import { builtinTemplateText, getPromptFormat, loadTemplateFormat, PROMPT_FORMAT_IDS } from '../../../src/eval/formats';
import { loadSampleSet } from '../../../src/eval/sample';
import { parseTemplate, TemplateError } from '../../../src/eval/template';

const ja = loadSampleSet('ja').questions;
const en = loadSampleSet('en').questions;
const multiJa = ja.find((question) => question.id === 'MLS-B05');
const firstEn = en.find((question) => question.id === 'MLS-A01');
assert.ok(multiJa && firstEn);

const scratch = mkdtempSync(join(tmpdir(), 'medlocal-formats-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('built-in formats', () => {
  test('each has a sha256 version hash of its template text, distinct from the others', () => {
    const hashes = PROMPT_FORMAT_IDS.map((id) => getPromptFormat(id).hash);
    assert.equal(new Set(hashes).size, PROMPT_FORMAT_IDS.length);
    const medpalm = getPromptFormat('medpalm_five_choice_cot');
    const text = `${builtinTemplateText('medpalm_five_choice_cot', 'ja')}\n\u0000\n${builtinTemplateText('medpalm_five_choice_cot', 'en')}`;
    assert.equal(medpalm.hash, createHash('sha256').update(text).digest('hex'));
    assert.throws(() => getPromptFormat('nope'), /use one of medpalm_five_choice_cot/);
  });

  test('medpalm_five_choice_cot: instruction / input / response blocks in ja and en', () => {
    const format = getPromptFormat('medpalm_five_choice_cot');
    const prompt = format.render(multiJa);
    assert.equal(typeof prompt, 'string');
    assert.match(String(prompt), /^### 指示：\n.*医学.*多肢選択問題.*要約.*段階.*選択肢/s);
    assert.match(String(prompt), /### 入力：\n問題：68歳の男性。.*\n選択肢：\nグルコン酸カルシウム静注\n/s);
    assert.ok(String(prompt).endsWith('### 応答：\n'));
    assert.equal(format.responseMarker('ja'), '### 応答：');
    const english = String(format.render(firstEn));
    assert.match(english, /^### Instruction:\n.*medicine.*step by step/s);
    assert.ok(english.includes('### Input:\nQuestion: Which finding is typical'));
    assert.ok(english.endsWith('### Response:\n'));
    assert.equal(format.labelsChoices, false);
  });

  test('alpaca_med_five_choice_cot puts the task sentence above the instruction header', () => {
    const prompt = String(getPromptFormat('alpaca_med_five_choice_cot').render(multiJa));
    const header = prompt.indexOf('### 指示：');
    assert.ok(header > 0);
    assert.match(prompt.slice(0, header), /以下は、医学の多肢選択問題/);
  });

  test('igakuqa: chat prompt with system line, a: choices, exactly-n line and 答え:', () => {
    const format = getPromptFormat('igakuqa');
    const prompt = format.render(multiJa) as ChatPrompt;
    assert.equal(prompt.system, '医師国家試験を解きます。');
    assert.equal(prompt.assistantPrefix, '答え:');
    assert.match(prompt.user, /^問題: 68歳の男性。/);
    assert.match(prompt.user, /\na: グルコン酸カルシウム静注\nb: .*\ne: 経過観察\n/s);
    assert.match(prompt.user, /a,b,c,d,eの中から.*ちょうど2個/);
    assert.equal(format.labelsChoices, true);
    const sixChoices = ja.find((question) => question.choices.length === 6);
    assert.ok(sixChoices);
    assert.match((format.render(sixChoices) as ChatPrompt).user, /\nf: 葉酸\na,b,c,d,e,fの中から/);
    assert.equal((format.render(firstEn) as ChatPrompt).assistantPrefix, 'Answer:');
  });

  test('igakuqa_3shot: three sample examples with their answers, never the question itself', () => {
    const format = getPromptFormat('igakuqa_3shot');
    const prompt = format.render(multiJa) as ChatPrompt;
    assert.equal(prompt.user.split('問題: ').length - 1, 4, 'three examples + the question');
    assert.match(prompt.user, /答え: d\n\n問題: 空気感染/);
    assert.match(prompt.user, /答え: a,b\n\n/);
    const example = ja.find((question) => question.id === 'MLS-A01');
    assert.ok(example);
    const own = format.render(example) as ChatPrompt;
    assert.equal(own.user.split(example.stem).length - 1, 1, 'an example is not shown as its own example');
    assert.equal(own.user.split('問題: ').length - 1, 4);
  });
});

describe('user templates', () => {
  test('raw template with placeholders; the last line is the response marker', () => {
    const file = join(scratch, 'raw.txt');
    writeFileSync(file, 'Q: {{question}}\n{{choices_upper}}\nPick {{answer_count}} of {{letters}}.\n### Answer:\n');
    const format = loadTemplateFormat(file);
    assert.equal(format.id, 'template:raw.txt');
    assert.equal(format.hash, createHash('sha256').update('Q: {{question}}\n{{choices_upper}}\nPick {{answer_count}} of {{letters}}.\n### Answer:\n').digest('hex'));
    assert.equal(format.kind, 'raw');
    assert.equal(format.responseMarker('en'), '### Answer:');
    assert.equal(format.labelsChoices, true);
    const prompt = String(format.render(firstEn));
    assert.ok(prompt.startsWith("Q: Which finding is typical of hyperthyroidism due to Graves' disease?\nA. Bradycardia\n"));
    assert.ok(prompt.endsWith('Pick 1 of a,b,c,d,e.\n### Answer:\n'));
  });

  test('chat template with sections and few-shot examples', () => {
    const file = join(scratch, 'chat.txt');
    writeFileSync(file, '[[system]]\nBe brief.\n[[user]]\n{{examples}}{{question}}\n{{choices}}\n[[assistant]]\n=>\n[[example]]\n{{question}} -> {{answer_text}}\n');
    const prompt = loadTemplateFormat(file).render(firstEn) as ChatPrompt;
    assert.equal(prompt.system, 'Be brief.');
    assert.equal(prompt.assistantPrefix, '=>');
    assert.match(prompt.user, /^Which diseases are transmitted .* -> Tuberculosis,Measles\n\n/);
  });

  test('mistakes are reported with what to use instead', () => {
    assert.throws(() => parseTemplate('{{question}} {{choice}}', 't'), (error: Error) => error instanceof TemplateError && /unknown placeholder \{\{choice\}\}; use one of/.test(error.message));
    assert.throws(() => parseTemplate('{{question}} {{answer}}', 't'), /gold answer; it is for \[\[example\]\] only/);
    assert.throws(() => parseTemplate('{{examples}}{{question}}', 't'), /\{\{examples\}\} and an \[\[example\]\] section go together/);
    assert.throws(() => parseTemplate('stray\n[[user]]\n{{question}}', 't'), /belongs to no message/);
    assert.throws(() => loadTemplateFormat(join(scratch, 'missing.txt')), /cannot read template/);
  });
});
