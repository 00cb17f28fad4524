// `medlocal bench score` end to end through the built CLI (dist/cli.js): the IgakuQA paper's 2018
// baseline predictions scored under --protocol igakuqa-official give exactly the official figures
// (../shared/data/README.md), and every question's verdict equals the one an independent
// re-implementation of the official rules (written here from docs/evaluation.md) gives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from '../unit/eval/dataPaths';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(IGAKUQA_2018) || skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping bench score on the IgakuQA 2018 baselines: ${skip}`);

before(() => assert.ok(existsSync(CLI), 'run `npm run build` first'));

interface Pair { score: number; total: number }
interface ScoreJson {
  protocol: string;
  runDir: string;
  questions: number;
  correct: number;
  accuracy: number;
  points: Pair;
  required: Pair;
  general: Pair;
  kinkiPicked: number;
  pass: boolean | null;
  byBlock: Record<string, { questions: number; correct: number; points: Pair }>;
  issues: unknown[];
}

/** The official figures, as ../shared/data/README.md lists them. */
const OFFICIAL: Record<string, { correct: number; points: Pair; required: Pair; general: Pair }> = {
  gpt4: { correct: 302, points: { score: 382, total: 499 }, required: { score: 161, total: 200 }, general: { score: 221, total: 299 } },
  chatgpt: { correct: 208, points: { score: 266, total: 499 }, required: { score: 123, total: 200 }, general: { score: 143, total: 299 } },
  gpt3: { correct: 161, points: { score: 209, total: 499 }, required: { score: 105, total: 200 }, general: { score: 104, total: 299 } },
  'student-majority': { correct: 374, points: { score: 472, total: 499 }, required: { score: 196, total: 200 }, general: { score: 276, total: 299 } },
};
const GPT4_BLOCKS: Record<string, [number, number, number, number]> = {
  '112-A': [56, 75, 56, 74], '112-B': [43, 49, 85, 99], '112-C': [48, 66, 48, 66], '112-D': [57, 75, 57, 75], '112-E': [38, 51, 76, 101], '112-F': [60, 84, 60, 84],
};

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** docs/evaluation.md's rules, from scratch: split on ",", sort, equal to the sorted gold; two special cases. */
function independentVerdicts(model: string): Map<string, boolean> {
  const verdicts = new Map<string, boolean>();
  for (const block of ['A', 'B', 'C', 'D', 'E', 'F']) {
    const gold = new Map(readJsonl(join(IGAKUQA_2018, `112-${block}.jsonl`)).map((q) => [q['problem_id'] as string, (q['answer'] as string[]).slice().sort()]));
    for (const p of readJsonl(join(BASELINES, `112-${block}_${model}.jsonl`))) {
      const id = p['problem_id'] as string;
      const predicted = (p['prediction'] as string).split(',').sort();
      const expected = gold.get(id) ?? [];
      const right = id === '116A71' || (id === '112B30' && predicted.length === 1 && (predicted[0] === 'a' || predicted[0] === 'd')) ||
        (predicted.length === expected.length && predicted.every((part, i) => part === expected[i]));
      verdicts.set(id, right);
    }
  }
  return verdicts;
}

function score(model: string): { json: ScoreJson; stderr: string } {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-score-')), model);
  const result = spawnSync(process.execPath, [CLI, 'bench', 'score', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--predictions', BASELINES, '--name', model, '--protocol', 'igakuqa-official', '--out', out, '--json'], { encoding: 'utf8', timeout: 120000 });
  assert.equal(result.status, 0, result.stderr);
  return { json: JSON.parse(result.stdout) as ScoreJson, stderr: result.stderr };
}

for (const model of Object.keys(OFFICIAL)) {
  test(`${model}: igakuqa-official gives the official 2018 figures and the official verdict on every question`, { skip }, () => {
    const { json } = score(model);
    const expected = OFFICIAL[model];
    assert.ok(expected);
    assert.equal(json.protocol, 'igakuqa-official');
    assert.equal(json.questions, 400);
    assert.equal(json.correct, expected.correct);
    assert.equal(json.accuracy, expected.correct / 400);
    assert.deepEqual(json.points, expected.points);
    assert.deepEqual(json.required, expected.required);
    assert.deepEqual(json.general, expected.general);
    assert.deepEqual(json.issues, []);
    if (model === 'gpt4') {
      for (const [block, [correct, questions, points, total]] of Object.entries(GPT4_BLOCKS)) {
        assert.deepEqual(json.byBlock[block], { questions, correct, accuracy: correct / questions, points: { score: points, total } }, block);
      }
    }
    // The run folder: every question's verdict as the independent re-implementation gives it.
    const verdicts = independentVerdicts(model);
    const answers = readJsonl(join(json.runDir, 'answers.jsonl'));
    assert.equal(answers.length, 400);
    for (const answer of answers) assert.equal(answer['correct'], verdicts.get(answer['id'] as string), `${model} ${String(answer['id'])}`);
    const manifest = JSON.parse(readFileSync(join(json.runDir, 'manifest.json'), 'utf8')) as { recipe: { protocol: string }; predictions: { files: { sha256: string }[] } };
    assert.equal(manifest.recipe.protocol, 'igakuqa-official');
    assert.equal(manifest.predictions.files.length, 6);
    assert.match(manifest.predictions.files[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
    for (const file of ['summary.json', 'summary.csv']) assert.ok(readdirSync(json.runDir).includes(file), file);
  });
}

test('the pass line: gpt4 passes 2018 (161 ≥ 160, 221 ≥ 208, 禁忌肢 ≤ 3), chatgpt fails', { skip }, () => {
  assert.equal(score('gpt4').json.pass, true);
  assert.equal(score('chatgpt').json.pass, false);
});

test('a folder holding several models without --name says which models it found', { skip }, () => {
  const result = spawnSync(process.execPath, [CLI, 'bench', 'score', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--predictions', BASELINES, '--json'], { encoding: 'utf8', timeout: 120000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /4 models \(chatgpt, gpt3, gpt4, student-majority\).*--name MODEL/);
});
