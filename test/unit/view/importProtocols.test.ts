// Import predictions…: the protocol quick pick offers only the protocols that can score the chosen
// predictions, each saying why. The predictions' facts come from the real describePredictions (the
// server's medlocal/bench/predictionsInfo) on the IgakuQA 2018 baselines and on a harness result file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describePredictions } from '../../../src/eval/protocols/scoreImport';
import { importProtocolOptions } from '../../../src/view/importProtocols';
import { STRINGS } from '../../../src/view/strings';
import { SHARED_DATA, skipUnlessPresent } from '../eval/dataPaths';

const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping the import protocol choices for the IgakuQA baselines: ${skip}`);
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-import-protocols-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const en = STRINGS.en;

test('harness result files: only harness (their own question, choices and gold), whatever the dataset', () => {
  const file = join(scratch, 'harness.jsonl');
  writeFileSync(file, JSON.stringify({ problem_id: '112A1', question: 'q', choices: ['a', 'b', 'c', 'd', 'e'], answer: 'c', full_response: 'c', response: 'c' }) + '\n');
  const info = describePredictions(file);
  assert.equal(info.kind, 'harness');
  for (const dataset of [undefined, 'igakuqa:/d/2018', 'medqa:/d/test.jsonl']) {
    const choice = importProtocolOptions(info, dataset, en);
    assert.deepEqual(choice.options.map((option) => option.protocol), ['harness']);
    assert.equal(choice.options[0]?.detail, en.importWhyHarnessResults);
    assert.equal(choice.options[0]?.isDefault, true);
  }
});

test('IgakuQA baseline files with an IgakuQA folder: igakuqa-official first (their own), then harness and medlocal, each explained', { skip }, () => {
  const info = describePredictions(BASELINES);
  assert.equal(info.kind, 'igakuqa-baseline');
  const choice = importProtocolOptions(info, 'igakuqa:/data/IgakuQA/2018', en);
  assert.deepEqual(choice.options.map((option) => [option.protocol, option.isDefault]), [['igakuqa-official', true], ['harness', false], ['medlocal', false]]);
  assert.deepEqual(choice.options.map((option) => option.detail), [en.importWhyOfficial, en.importWhyHarness, en.importWhyMedlocal]);
  assert.equal(choice.note, undefined);
});

test('IgakuQA baseline files with another dataset: no igakuqa-official, and the note says why; with none: nothing, and what to do', { skip }, () => {
  const info = describePredictions(BASELINES);
  const medqa = importProtocolOptions(info, 'jsonl:/d/igakuqa-like.jsonl', en);
  assert.deepEqual(medqa.options.map((option) => option.protocol), ['harness', 'medlocal']);
  assert.match(medqa.note ?? '', /igakuqa-official is not offered: it needs an IgakuQA folder.*jsonl:\/d\/igakuqa-like\.jsonl/);
  const none = importProtocolOptions(info, undefined, en);
  assert.deepEqual(none.options, []);
  assert.match(none.note ?? '', /choose the dataset they answer under Configure/);
  assert.match(importProtocolOptions(info, undefined, STRINGS.ja).note ?? '', /データセット/);
});

test('{id, prediction} files: medlocal first (their own), then the others the dataset allows', () => {
  const file = join(scratch, 'generic.jsonl');
  writeFileSync(file, JSON.stringify({ id: 'S-A1', prediction: 'a' }) + '\n');
  const info = describePredictions(file);
  assert.equal(info.kind, 'generic');
  assert.deepEqual(importProtocolOptions(info, 'igakuqa:/d/2018', en).options.map((option) => option.protocol), ['medlocal', 'igakuqa-official', 'harness']);
  assert.deepEqual(importProtocolOptions(info, 'medqa:/d/test.jsonl', en).options.map((option) => option.protocol), ['medlocal', 'harness']);
});
