// IgakuQA's own layout through `jsonl:`: letters in `answer` load (they used to fail "answer
// matches no choice" when text_only was absent), and the `_metadata.jsonl` sibling is kept, or a
// note says it is missing.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset, parseDatasetArgument } from '../../../src/eval/datasets';
import { issueMessage, type LoadIssue } from '../../../src/eval/question';
import { format } from '../../../src/shared/messages/index';

const issueText = (issue: LoadIssue): string => format('en', issueMessage(issue));
import { IGAKUQA_2018, skipUnlessPresent } from './dataPaths';

const scratch = mkdtempSync(join(tmpdir(), 'medlocal-jsonl-igakuqa-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('IgakuQA layout (problem_id, problem_text, choices, answer letters) without text_only loads through jsonl:', () => {
  const file = join(scratch, 'exam.jsonl');
  writeFileSync(file, [
    { problem_id: '999A1', problem_text: '正しいのはどれか。', choices: ['甲', '乙', '丙', '丁', '戊'], answer: ['b'] },
    { problem_id: '999A2', problem_text: '2つ選べ。', choices: ['甲', '乙', '丙', '丁', '戊'], answer: ['a', 'd'] },
  ].map((record) => JSON.stringify(record)).join('\n') + '\n');
  const result = loadDataset(parseDatasetArgument(`jsonl:${file}`));
  assert.deepEqual(result.issues.filter((issue) => !/_metadata/.test(format('en', issue.reason))).map(issueText), []);
  assert.deepEqual(result.questions.map((question) => [question.id, question.answers]), [['999A1', [1]], ['999A2', [0, 3]]]);
});

test('an IgakuQA block file through jsonl: keeps its _metadata.jsonl facts', { skip: skipUnlessPresent(IGAKUQA_2018) }, () => {
  const result = loadDataset(parseDatasetArgument(`jsonl:${join(IGAKUQA_2018, '112-B.jsonl')}`));
  const viaIgakuqa = loadDataset(parseDatasetArgument(`igakuqa:${join(IGAKUQA_2018, '112-B.jsonl')}`));
  assert.equal(result.questions.length, viaIgakuqa.questions.length);
  for (const [index, question] of result.questions.entries()) {
    const reference = viaIgakuqa.questions[index];
    assert.deepEqual([question.id, question.category, question.kinki, question.humanAccuracy, question.block], [reference?.id, reference?.category, reference?.kinki, reference?.humanAccuracy, reference?.block]);
  }
  assert.ok(result.questions.some((question) => question.kinki.length > 0));
  assert.ok(result.files.some((file) => file.endsWith('112-B_metadata.jsonl')));
});

test('without the _metadata.jsonl sibling, a note says why category and 禁忌肢 are missing', { skip: skipUnlessPresent(IGAKUQA_2018) }, () => {
  const copy = join(scratch, '112-B.jsonl');
  copyFileSync(join(IGAKUQA_2018, '112-B.jsonl'), copy);
  const result = loadDataset(parseDatasetArgument(`jsonl:${copy}`));
  assert.ok(result.questions.length > 0);
  assert.ok(result.issues.some((issue) => /no 112-B_metadata\.jsonl next to 112-B\.jsonl/.test(format('en', issue.reason))));
});
