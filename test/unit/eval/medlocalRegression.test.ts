// `--protocol medlocal` (the default) must give exactly what MedLocal gave before evaluation
// protocols existed. The snapshot in test/fixtures/regression/ was written by this test
// (MEDLOCAL_WRITE_SNAPSHOT=1) on the code before the protocols change (commit d362cd1): the same
// fake-engine runs, answers.jsonl and summary.json with the timing fields taken out.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getPromptFormat } from '../../../src/eval/formats';
import { runBenchmark } from '../../../src/eval/runner';
import { loadSampleSet, SAMPLE_DATASET_PATH } from '../../../src/eval/sample';
import type { ScoringMode } from '../../../src/eval/records';
import { FakeEngine } from './fakeEngine';

const SNAPSHOT = join(__dirname, '..', '..', 'fixtures', 'regression', 'medlocal-runs.json');
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-regression-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const RUNS: { mode: ScoringMode; format: string; letters?: boolean }[] = [
  { mode: 'letter', format: 'igakuqa' },
  { mode: 'likelihood', format: 'jmedbench_mcqa' },
  { mode: 'generate', format: 'medpalm_five_choice_cot' },
  { mode: 'generate', format: 'medpalm_five_choice_cot', letters: true },
];

function withoutTimings(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, field: unknown) => (key === 'elapsedMs' ? undefined : field)));
}

async function runAll(extra: Record<string, unknown>): Promise<Record<string, unknown>> {
  const questions = loadSampleSet('ja').questions;
  const out: Record<string, unknown> = {};
  for (const [index, run] of RUNS.entries()) {
    const outDir = join(scratch, `${Object.keys(extra).length}-${index}`);
    const engine = new FakeEngine(questions, run.letters ? { answerWithLetters: true } : {});
    await runBenchmark({ engine, questions, format: getPromptFormat(run.format), scoring: run.mode, parallel: 2, outDir, datasetFiles: [SAMPLE_DATASET_PATH], ...extra });
    const answers = readFileSync(join(outDir, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string });
    answers.sort((a, b) => a.id.localeCompare(b.id));
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const csv = readFileSync(join(outDir, 'summary.csv'), 'utf8');
    out[`${run.mode}${run.letters ? '-letters' : ''}`] = withoutTimings({ answers, summary, csv });
  }
  return out;
}

test('medlocal protocol (default): answers.jsonl and summary.json as before evaluation protocols existed', async () => {
  const now = await runAll({});
  if (process.env['MEDLOCAL_WRITE_SNAPSHOT'] === '1') writeFileSync(SNAPSHOT, JSON.stringify(now, null, 1) + '\n');
  const before = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, { answers: unknown; summary: Record<string, unknown> }>;
  for (const [name, run] of Object.entries(now) as [string, { answers: unknown; summary: Record<string, unknown> }][]) {
    assert.deepEqual(run.answers, before[name]?.answers, `${name}: answers.jsonl changed`);
    // The summary only gains the name of the protocol that produced it.
    const { protocol, ...rest } = run.summary;
    assert.ok(protocol === undefined || protocol === 'medlocal', `${name}: summary protocol ${String(protocol)}`);
    assert.deepEqual(rest, before[name]?.summary, `${name}: summary.json changed`);
    assert.equal((run as { csv?: string }).csv, (before[name] as { csv?: string } | undefined)?.csv, `${name}: summary.csv changed`);
  }
});
