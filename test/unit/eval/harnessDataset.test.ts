// `medlocal bench score --protocol harness --dataset D`: harness result files' problem_ids are
// checked against the dataset's harness question set. An id the dataset lacks is reported with its
// file:line and counted (still scored from the line's own fields, as the harness scores every line,
// so its Exact/Gestalt counts stay the harness's); a question of the set the results lack is
// reported and counted. Without --dataset nothing changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../../src/cli/main';
import { planRun } from '../../../src/eval/plan';
import { harnessGoldText } from '../../../src/eval/protocols/harness';
import { scoreImportedPredictions } from '../../../src/eval/protocols/scoreImport';
import { format } from '../../../src/shared/messages/index';
import { IGAKUQA_2018, skipUnlessPresent } from './dataPaths';

const skip = skipUnlessPresent(IGAKUQA_2018);
if (skip) console.log(`# skipping harness results checked against IgakuQA 2018: ${skip}`);
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-harness-dataset-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const DATASET = `igakuqa:${IGAKUQA_2018}`;

/** Three real questions of the 2018 harness set answered right, and a line whose id no 2018 question has. */
function resultsFile(): { file: string; setSize: number } {
  const plan = planRun({ dataset: DATASET, scoring: 'generate', protocol: 'harness' });
  const lines = plan.questions.slice(0, 3).map((question) => {
    const gold = harnessGoldText(question);
    return { problem_id: question.id, question: question.stem, choices: question.choices, answer: gold, full_response: gold, response: gold };
  });
  lines.push({ problem_id: '199Z99', question: '架空の問題', choices: ['あ', 'い', 'う', 'え', 'お'], answer: 'う', full_response: 'う', response: 'う' });
  const file = join(scratch, 'results.jsonl');
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return { file, setSize: plan.questions.length };
}

test('with --dataset: the unknown id at its file:line and every missing question of the harness set, each counted; the counts stay the harness\'s', { skip }, () => {
  const { file, setSize } = resultsFile();
  const result = scoreImportedPredictions({ predictions: file, dataset: DATASET, protocol: 'harness', runDir: join(scratch, 'with'), now: new Date() });
  const unknown = result.issues.filter((issue) => /not in the dataset/.test(format('en', issue.problem)));
  assert.deepEqual(unknown.map((issue) => [issue.where, issue.id]), [[`${file}:4`, '199Z99']]);
  assert.match(format('en', unknown[0]?.problem ?? { key: 'plainText', args: [''] }), new RegExp(`not in the dataset ${DATASET.replace(/[/\\]/g, '.')}`));
  const missing = result.issues.filter((issue) => /not in the results/.test(format('en', issue.problem)));
  assert.equal(missing.length, setSize - 3);
  assert.equal(result.issues.length, 1 + setSize - 3, 'nothing else reported');
  // Every line is scored, as the harness does: 4 questions, all 4 exact matches.
  assert.equal(result.summary.total, 4);
  assert.equal(result.summary.exactMatch?.count, 4);
});

test('without --dataset the results are scored alone, as before: no id checks', { skip }, () => {
  const { file } = resultsFile();
  const result = scoreImportedPredictions({ predictions: file, protocol: 'harness', runDir: join(scratch, 'without'), now: new Date() });
  assert.deepEqual(result.issues, []);
  assert.equal(result.summary.total, 4);
});

test('the CLI counts them in --json and lists them on stderr with file:line', { skip }, async () => {
  const { file, setSize } = resultsFile();
  let stdout = '';
  let stderr = '';
  const code = await runCli(['bench', 'score', '--dataset', DATASET, '--predictions', file, '--protocol', 'harness', '--out', join(scratch, 'cli'), '--json'], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  assert.equal(code, 0, stderr);
  const json = JSON.parse(stdout) as { issues: Array<{ where: string; id?: string; problem: string }>; exactMatch: number; questions: number };
  assert.equal(json.issues.length, 1 + setSize - 3);
  assert.equal(json.exactMatch, 4);
  assert.match(stderr, new RegExp(`${file.replace(/[/\\]/g, '.')}:4: 199Z99: id not in the dataset`));
});
