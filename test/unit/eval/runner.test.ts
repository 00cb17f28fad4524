import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getPromptFormat } from '../../../src/eval/formats';
import type { RunSummary } from '../../../src/eval/metrics';
import { loadSampleSet, SAMPLE_DATASET_PATH } from '../../../src/eval/sample';
import { runBenchmark, type BenchmarkProgress, type RunBenchmarkOptions } from '../../../src/eval/runner';
import { readAnswersFile, readRun, type RunManifest } from '../../../src/eval/runFiles';
import { MEDLOCAL_VERSION } from '../../../src/eval/version';
import { FakeEngine } from './fakeEngine';

const questions = loadSampleSet('ja').questions;
const format = getPromptFormat('igakuqa');
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-runner-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const freshDir = (): string => join(scratch, `run-${++folders}`);

function options(engine: FakeEngine, overrides: Partial<RunBenchmarkOptions> = {}): RunBenchmarkOptions {
  return {
    engine,
    questions,
    format,
    scoring: 'letter',
    parallel: 3,
    outDir: freshDir(),
    datasetFiles: [SAMPLE_DATASET_PATH],
    manifestExtras: { model: { path: '/models/fake.gguf', quantization: 'Q4_K_M' } },
    ...overrides,
  };
}

/** What the alternating fake engine should score, computed independently of the metrics code. */
function expectedTotals(): { correct: number; points: number; possible: number; kinkiPicks: number } {
  let correct = 0;
  let points = 0;
  let kinkiPicks = 0;
  questions.forEach((question, position) => {
    if (position % 2 === 0) {
      correct += 1;
      points += question.points;
      return;
    }
    const predicted = question.answers.map((index) => (index + 1) % question.choices.length);
    kinkiPicks += predicted.filter((index) => question.kinki.includes(index)).length;
  });
  return { correct, points, possible: questions.reduce((sum, question) => sum + question.points, 0), kinkiPicks };
}

function answerLines(dir: string): string[] {
  return readFileSync(join(dir, 'answers.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
}

/** Starts a run that is cancelled when the engine receives its `stopAt`-th call. */
async function cancelledRun(stopAt: number): Promise<{ dir: string; answered: string[] }> {
  const controller = new AbortController();
  const engine = new FakeEngine(questions, { onCall: (calls) => calls === stopAt && controller.abort() });
  const result = await runBenchmark(options(engine, { signal: controller.signal, parallel: 2 }));
  assert.equal(result.status, 'cancelled');
  return { dir: result.runDir, answered: answerLines(result.runDir).map((line) => (JSON.parse(line) as { id: string }).id) };
}

describe('runBenchmark', () => {
  test('a complete run writes answers, manifest, summary.json and summary.csv', async () => {
    const engine = new FakeEngine(questions);
    const progress: BenchmarkProgress[] = [];
    const result = await runBenchmark(options(engine, { onProgress: (event) => progress.push(event) }));
    const expected = expectedTotals();
    assert.equal(result.status, 'completed');
    assert.equal(engine.calls, questions.length);
    assert.equal(answerLines(result.runDir).length, questions.length);

    const summary = JSON.parse(readFileSync(join(result.runDir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.total, questions.length);
    assert.equal(summary.correct, expected.correct);
    assert.equal(summary.points.earned, expected.points);
    assert.equal(summary.points.possible, expected.possible);
    assert.equal(summary.kinki.picks, expected.kinkiPicks);
    assert.deepEqual(Object.keys(summary.byBlock), ['sample-A', 'sample-B']);
    assert.deepEqual(result.summary, summary);
    assert.match(readFileSync(join(result.runDir, 'summary.csv'), 'utf8'), new RegExp(`^scope,key,n,.*\\noverall,all,${questions.length},${expected.correct},`));

    const manifest = JSON.parse(readFileSync(join(result.runDir, 'manifest.json'), 'utf8')) as RunManifest;
    assert.equal(manifest.status, 'completed');
    assert.equal(manifest.medlocalVersion, MEDLOCAL_VERSION);
    assert.deepEqual(manifest.format, { id: 'igakuqa', hash: format.hash, description: format.description });
    assert.deepEqual(manifest.scoring, { mode: 'letter' });
    assert.equal(manifest.parallel, 3);
    assert.deepEqual(manifest.model, { path: '/models/fake.gguf', quantization: 'Q4_K_M' });
    assert.equal(manifest.dataset.files[0]?.path, SAMPLE_DATASET_PATH);
    assert.match(manifest.dataset.files[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(Date.parse(manifest.startedAt) <= Date.parse(manifest.endedAt ?? ''));

    assert.equal(progress.length, questions.length);
    const last = progress[progress.length - 1];
    assert.equal(last?.done, questions.length);
    assert.equal(last?.total, questions.length);
    assert.equal(last?.accuracy, expected.correct / questions.length);
    assert.equal(last?.tokensPerSecond, null, 'letter scoring generates no tokens');
    assert.equal(last?.etaSeconds, 0);
    assert.deepEqual(progress.map((event) => event.done), questions.map((_, index) => index + 1));
  });

  test('dataset files are fingerprinted with sha256', async () => {
    const result = await runBenchmark(options(new FakeEngine(questions), { datasetFiles: [join(import.meta.dirname, 'fakeEngine.ts')] }));
    assert.match(result.manifest.dataset.files[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
  });

  test('a cancelled run resumes without redoing answered questions', async () => {
    const { dir, answered } = await cancelledRun(10);
    assert.ok(answered.length >= 7 && answered.length < 10, `answered ${answered.length} before the cancel took effect`);
    assert.equal(existsSync(join(dir, 'summary.json')), false);
    assert.equal((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RunManifest).status, 'cancelled');

    const engine = new FakeEngine(questions);
    const resumed = await runBenchmark(options(engine, { outDir: join(scratch, 'ignored'), resumeDir: dir }));
    assert.equal(resumed.status, 'completed');
    assert.equal(engine.calls, questions.length - answered.length);
    assert.deepEqual(engine.askedIds.filter((id) => answered.includes(id)), [], 'no answered question was asked again');
    assert.equal(resumed.answeredThisSession, questions.length - answered.length);
    assert.equal(resumed.summary?.correct, expectedTotals().correct);
    assert.equal(answerLines(dir).length, questions.length);
    assert.equal(resumed.manifest.resumedAt?.length, 1);
  });

  test('a torn last line is discarded on resume and its question redone', async () => {
    const { dir, answered } = await cancelledRun(6);
    appendFileSync(join(dir, 'answers.jsonl'), '{"id":"MLS-B16","mode":"letter","predi');
    assert.equal(readAnswersFile(join(dir, 'answers.jsonl')).discardedTornLine, true);

    const engine = new FakeEngine(questions);
    const resumed = await runBenchmark(options(engine, { resumeDir: dir }));
    assert.equal(resumed.discardedTornLine, true);
    assert.equal(engine.calls, questions.length - answered.length);
    const lines = answerLines(dir);
    assert.equal(lines.length, questions.length);
    lines.forEach((line) => JSON.parse(line));
    assert.equal(new Set(readRun(dir).answers.map((record) => record.id)).size, questions.length);
  });

  test('engine failures are recorded, counted wrong, and retried by resume', async () => {
    const failIds = new Set(['MLS-A03', 'MLS-B02']);
    const first = await runBenchmark(options(new FakeEngine(questions, { failIds })));
    assert.equal(first.summary?.errors, 2);
    assert.match(first.answers.find((record) => record.id === 'MLS-A03')?.error ?? '', /fake failure/);

    const engine = new FakeEngine(questions);
    const retried = await runBenchmark(options(engine, { resumeDir: first.runDir }));
    assert.deepEqual([...engine.askedIds].sort(), ['MLS-A03', 'MLS-B02']);
    assert.equal(retried.summary?.errors, 0);
    assert.equal(retried.summary?.correct, expectedTotals().correct);
  });

  test('repeated failures stop the run with a resumable folder', async () => {
    const failIds = new Set(questions.map((question) => question.id));
    const settings = options(new FakeEngine(questions, { failIds }), { parallel: 1 });
    await assert.rejects(runBenchmark(settings), /5 questions in a row failed .*--resume/);
    const manifest = JSON.parse(readFileSync(join(settings.outDir, 'manifest.json'), 'utf8')) as RunManifest;
    assert.equal(manifest.status, 'failed');
    assert.equal(answerLines(settings.outDir).length, 5);
  });

  test('resume refuses a different format or model, and a new run refuses a used folder', async () => {
    const { dir } = await cancelledRun(5);
    await assert.rejects(runBenchmark(options(new FakeEngine(questions), { resumeDir: dir, format: getPromptFormat('igakuqa_3shot') })), /resume with the same --format/);
    await assert.rejects(
      runBenchmark(options(new FakeEngine(questions), { resumeDir: dir, manifestExtras: { model: { path: '/models/other.gguf' } } })),
      /resume with the same --model/,
    );
    await assert.rejects(runBenchmark(options(new FakeEngine(questions), { outDir: dir })), /already holds a run; continue it with --resume/);
  });

  test('generate mode reports tokens per second and exact/gestalt match', async () => {
    const result = await runBenchmark(options(new FakeEngine(questions), {
      scoring: { mode: 'generate' },
      format: getPromptFormat('medpalm_five_choice_cot'),
      questions: questions.slice(0, 6),
      onProgress: (event) => assert.notEqual(event.tokensPerSecond, null),
    }));
    assert.equal(result.summary?.correct, 3);
    assert.deepEqual(result.summary?.exactMatch, { count: 3, rate: 0.5 });
    assert.deepEqual(result.summary?.gestalt, { count: 3, rate: 0.5 });
  });
});
