// `medlocal bench categories` end to end through the built CLI (dist/cli.js): the IgakuQA paper's
// 2018 GPT-4, ChatGPT and student-majority predictions (scored under igakuqa-official: all 400
// questions) next to a run on MedLocal's own question set (the GPT-3 predictions scored under
// --protocol medlocal: text-only questions with choices), in one per-category table. Every run is
// counted on the questions all four answered; the figures are recounted here from answers.jsonl.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from '../unit/eval/dataPaths';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(IGAKUQA_2018) || skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping bench categories on the IgakuQA 2018 baselines: ${skip}`);
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-categories-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

before(() => assert.ok(existsSync(CLI), 'run `npm run build` first'));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C' }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Answer { id: string; category?: string; correct: boolean; permutation?: number }
function answers(runDir: string): Map<string, Answer> {
  const records = readFileSync(join(runDir, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Answer);
  return new Map(records.map((record) => [record.id, record]));
}

interface CategoriesJson {
  kind: string;
  note: string;
  common: number;
  uncategorised: number;
  runs: Array<{ label: string; runDir: string; answered: number; leftOut: number; firstOrderOnly: boolean }>;
  categories: Array<{ category: string; n: number; runs: Array<{ label: string; correct: number; accuracy: number; ci95: [number, number] }> }>;
}

test('a medlocal-protocol run and three imported baselines in one per-category table, on the questions all four answered', { skip }, () => {
  const dirs: string[] = [];
  for (const [model, protocol] of [['gpt3', 'medlocal'], ['gpt4', 'igakuqa-official'], ['chatgpt', 'igakuqa-official'], ['student-majority', 'igakuqa-official']] as const) {
    const out = join(scratch, model);
    const scored = cli(['bench', 'score', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--predictions', BASELINES, '--name', model, '--protocol', protocol, '--out', out, '--json']);
    assert.equal(scored.status, 0, scored.stderr);
    dirs.push(out);
  }
  const runs = dirs.map(answers);
  const [local, ...imported] = runs;
  assert.ok(local && local.size < 400, `the medlocal protocol answers fewer questions than the official 400: ${local?.size}`);
  for (const run of imported) assert.equal(run.size, 400);
  const common: string[] = [...(local?.keys() ?? [])].filter((id) => runs.every((run) => run.has(id)));

  const json = cli(['bench', 'categories', ...dirs, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as CategoriesJson;
  assert.equal(parsed.kind, 'medlocal-benchmark-categories');
  assert.equal(parsed.common, common.length);
  assert.deepEqual(parsed.runs.map((run) => run.label), ['gpt3', 'gpt4', 'chatgpt', 'student-majority']);
  assert.deepEqual(parsed.runs.map((run) => run.answered), runs.map((run) => run.size));
  assert.deepEqual(parsed.runs.map((run) => run.leftOut), runs.map((run) => run.size - common.length));
  assert.match(parsed.note, new RegExp(`${common.length} questions all 4 runs answered`));
  // Each category's n and each run's correct count, recounted from the answer files.
  const uncategorised = common.filter((id) => !local?.get(id)?.category).length;
  assert.equal(parsed.uncategorised, uncategorised);
  assert.equal(parsed.categories.reduce((sum, row) => sum + row.n, 0), common.length - uncategorised);
  assert.ok(parsed.categories.length > 5, `several categories: ${parsed.categories.length}`);
  for (const row of parsed.categories) {
    const ids: string[] = common.filter((id) => local?.get(id)?.category === row.category);
    assert.equal(row.n, ids.length, row.category);
    row.runs.forEach((cell, index) => {
      const expected = ids.filter((id) => runs[index]?.get(id)?.correct === true).length;
      assert.equal(cell.correct, expected, `${row.category} ${cell.label}`);
      assert.equal(cell.accuracy, row.n === 0 ? 0 : expected / row.n);
      assert.ok(cell.ci95[0] <= cell.accuracy + 1e-9 && cell.accuracy <= cell.ci95[1] + 1e-9, `${row.category} ${cell.label}: ${cell.accuracy} in ${cell.ci95.join("–")}`);
    });
  }

  const markdown = cli(['bench', 'categories', ...dirs]);
  assert.equal(markdown.status, 0, markdown.stderr);
  assert.match(markdown.stdout, /^> Every bar counts the \d+ questions all 4 runs answered/);
  assert.match(markdown.stdout, /\| Category \| n \| gpt3 \| gpt4 \| chatgpt \| student-majority \|/);

  const csv = cli(['bench', 'categories', ...dirs, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\r\n');
  assert.equal(lines[0], 'category,run,n,correct,accuracy,ci95_low,ci95_high,first_order_only');
  assert.equal(lines.length, 1 + parsed.categories.length * 4);
});

test('bench categories with one run folder is refused with the usage (exit 2)', () => {
  const result = cli(['bench', 'categories', scratch]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /categories needs 2 to 8 run folders/);
});
