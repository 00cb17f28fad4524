// The panel's category chart with four real runs: a local run (the CLI with a fake engine on the
// IgakuQA 2018 files, MedLocal's own question set) and the IgakuQA paper's GPT-4, ChatGPT and
// student-majority predictions imported through the same path as the panel's "Import predictions…"
// (scoreImportedPredictions → a run folder → readRun). Every bar counts the questions all four
// answered; the local run's extra-narrow question set decides which ones.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, type CliEngineFactory } from '../../../src/cli/main';
import { wilsonInterval } from '../../../src/eval/metrics';
import { planRun } from '../../../src/eval/plan';
import { scoreImportedPredictions } from '../../../src/eval/protocols/scoreImport';
import { readRun } from '../../../src/eval/runFiles';
import { categoriesToMarkdown, categoryChartData, categoryWords, coverageText } from '../../../src/view/benchViewModel';
import { STRINGS } from '../../../src/view/strings';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from '../eval/dataPaths';
import { alternatingPick, FakeEngine } from '../eval/fakeEngine';

const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(IGAKUQA_2018) || skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping the four-run category chart: ${skip}`);
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-chart-runs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function localRun(): Promise<string> {
  const dataset = `igakuqa:${IGAKUQA_2018}`;
  const { questions } = planRun({ dataset, scoring: 'letter' });
  const createEngine: CliEngineFactory = async () => ({ engine: new FakeEngine(questions, { pick: alternatingPick(questions) }), modelFacts: {}, dispose: async () => undefined });
  const out = join(scratch, 'local');
  let stderr = '';
  const code = await runCli(['bench', '--dataset', dataset, '--model', __filename, '--scoring', 'letter', '--parallel', '4', '--out', out, '--json'], { createEngine, stdout: () => undefined, stderr: (text) => (stderr += text), isTTY: false });
  assert.equal(code, 0, stderr);
  return out;
}

test('a local run and three imported baselines: one chart on the questions all four answered, each run saying what it left out', { skip }, async () => {
  const local = readRun(await localRun());
  const imported = ['gpt4', 'chatgpt', 'student-majority'].map((name) => {
    const result = scoreImportedPredictions({ predictions: BASELINES, name, dataset: `igakuqa:${IGAKUQA_2018}`, runDir: join(scratch, name), now: new Date('2026-01-01T00:00:00Z') });
    assert.deepEqual(result.issues, []);
    return { label: name, answers: readRun(result.runDir).answers };
  });
  const runs = [{ label: 'local', answers: local.answers }, ...imported];
  const data = categoryChartData(runs);

  // The local run answers MedLocal's question set (text-only, with choices); the imports all 400.
  assert.ok(local.answers.length < 400 && local.answers.length > 250, `local answered ${local.answers.length}`);
  for (const run of imported) assert.equal(run.answers.length, 400);
  assert.equal(data.common, local.answers.length, 'every local question is among the 400 the baselines answered');
  assert.deepEqual(data.series.map((s) => [s.label, s.answered, s.leftOut, s.firstOrderOnly]), [
    ['local', local.answers.length, 0, false],
    ['gpt4', 400, 400 - local.answers.length, false],
    ['chatgpt', 400, 400 - local.answers.length, false],
    ['student-majority', 400, 400 - local.answers.length, false],
  ]);
  assert.equal(data.counts.reduce((sum, n) => sum + n, 0) + data.uncategorised, data.common);

  // Per category and run: counted by hand from the records.
  const byId = runs.map((run) => new Map(run.answers.map((answer) => [answer.id, answer])));
  data.categories.forEach((category, i) => {
    const ids = local.answers.filter((answer) => answer.category === category).map((answer) => answer.id);
    assert.equal(data.counts[i], ids.length, category);
    data.series.forEach((series, r) => {
      const correct = ids.filter((id) => byId[r]?.get(id)?.correct === true).length;
      assert.equal(series.correct[i], correct, `${category} ${series.label}`);
      assert.deepEqual(series.intervals[i], wilsonInterval(correct, ids.length));
    });
  });
  // The examinees' majority is a stronger baseline than ChatGPT (as in the IgakuQA paper).
  const total = (label: string) => data.series.find((s) => s.label === label)?.correct.reduce((a, b) => a + b, 0) ?? 0;
  assert.ok(total('student-majority') > total('chatgpt'), 'student majority above ChatGPT on the shared questions');

  // The coverage sentence, in both languages, names the common count and the number of runs.
  assert.match(coverageText(data, categoryWords(STRINGS.en)), new RegExp(`${data.common} questions all 4 runs`));
  assert.match(coverageText(data, categoryWords(STRINGS.ja)), new RegExp(`${data.common}`));
  assert.match(categoriesToMarkdown(data, categoryWords(STRINGS.ja)), /\| local \| gpt4 \| chatgpt \| student-majority \|/);
});
