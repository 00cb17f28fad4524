import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EXIT, runCli, type CliDeps, type CliEngineFactory } from '../../../src/cli/main';
import type { Question } from '../../../src/eval/question';
import { loadSampleSet } from '../../../src/eval/sample';
import { IGAKUQA_2018, skipUnlessPresent } from '../eval/dataPaths';
import { FakeEngine, type FakeEngineOptions } from '../eval/fakeEngine';

const sample = loadSampleSet('ja').questions;
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const modelPath = join(scratch, 'tiny.gguf');
writeFileSync(modelPath, 'not really a model');

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  factoryCalls: { modelPath: string; parallel: number; threads?: number }[];
  disposed: number;
}

async function cli(argv: string[], engineOptions: FakeEngineOptions = {}, extra: Partial<CliDeps> = {}, questions: readonly Question[] = sample): Promise<Captured> {
  const captured: Captured = { code: -1, stdout: '', stderr: '', factoryCalls: [], disposed: 0 };
  const createEngine: CliEngineFactory = async ({ modelPath: path, parallel, threads }) => {
    captured.factoryCalls.push({ modelPath: path, parallel, ...(threads !== undefined ? { threads } : {}) });
    return {
      engine: new FakeEngine(questions, engineOptions),
      modelFacts: { sizeBytes: 18, gpu: 'none' },
      dispose: async () => {
        captured.disposed += 1;
      },
    };
  };
  captured.code = await runCli(argv, {
    createEngine,
    stdout: (text) => (captured.stdout += text),
    stderr: (text) => (captured.stderr += text),
    isTTY: false,
    signal: new AbortController().signal,
    ...extra,
  });
  return captured;
}

describe('medlocal bench --dry-run', () => {
  test('--json prints one JSON object describing the dataset', async () => {
    const result = await cli(['bench', '--dataset', 'sample', '--dry-run', '--json']);
    assert.equal(result.code, EXIT.ok);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(summary, { loaded: 36, skipped: {}, multiAnswer: 7, choiceCounts: { '5': 35, '6': 1 }, points: { '1': 20, '3': 16 }, issues: [] });
    assert.equal(result.stdout.trim().split('\n').length, 1);
    assert.equal(result.factoryCalls.length, 0, 'a dry run loads no model');
  });

  test('IgakuQA 2018: 284 loaded, 45 multi-answer, all 5-choice', { skip: skipUnlessPresent(IGAKUQA_2018) }, async () => {
    const result = await cli(['bench', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--dry-run', '--json']);
    assert.equal(result.code, EXIT.ok);
    assert.deepEqual(JSON.parse(result.stdout), {
      loaded: 284,
      skipped: { 'needs an image (text_only: false)': 114, 'no choices (calculation question)': 2 },
      multiAnswer: 45,
      choiceCounts: { '5': 284 },
      points: { '1': 246, '3': 38 },
      issues: [],
    });
  });

  test('--limit and text output', async () => {
    const result = await cli(['bench', '--dataset', 'sample', '--dry-run', '--limit', '4', '--language', 'en']);
    assert.equal(result.code, EXIT.ok);
    assert.match(result.stdout, /Dataset sample\n {2}loaded {8}4\n/);
  });
});

describe('medlocal bench usage errors', () => {
  test('without --model: exit 2, says how to give one, no stack trace, no engine', async () => {
    const result = await cli(['bench', '--dataset', 'sample']);
    assert.equal(result.code, EXIT.usage);
    assert.match(result.stderr, /no model given: pass --model PATH\.gguf/);
    assert.match(result.stderr, /--dry-run/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(result.factoryCalls.length, 0);
  });

  test('bad values are exit 2 with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', '--dataset', 'sample', '--model', join(scratch, 'absent.gguf')], /no such file/],
      [['bench', '--dataset', 'sample', '--model', modelPath, '--scoring', 'vibes'], /--scoring must be one of letter, likelihood, generate/],
      [['bench', '--dataset', 'sample', '--model', modelPath, '--format', 'medpalm_five_choice_cot'], /shows no choice letters/],
      [['bench', '--dataset', 'sample', '--model', modelPath, '--format', 'nope'], /unknown prompt format "nope"/],
      [['bench', '--dataset', 'sample', '--parallel', '0', '--model', modelPath], /--parallel must be a whole number/],
      [['bench', '--dataset', 'igakuqa:/nonexistent/dir', '--dry-run'], /does not exist/],
      [['bench', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['bench'], /missing --dataset/],
      [['benchmark'], /unknown command "benchmark"/],
      [['bench', 'compare', scratch], /exactly two run folders/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(argv);
      assert.equal(result.code, EXIT.usage, argv.join(' '));
      assert.match(result.stderr, message, argv.join(' '));
    }
  });
});

describe('medlocal bench with a (fake) model', () => {
  test('--threads N reaches the engine; a bad value is exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-cli-threads-'));
    const model = join(dir, 'fake.gguf');
    writeFileSync(model, 'GGUF');
    const run = await cli(['bench', '--dataset', 'sample', '--limit', '2', '--model', model, '--threads', '1', '--out', join(dir, 'run'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.factoryCalls.map((call) => call.threads), [1]);
    const bad = await cli(['bench', '--dataset', 'sample', '--model', model, '--threads', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threads/);
  });

  test('runs, prints progress and a summary table, writes the run folder', async () => {
    const out = join(scratch, 'text-run');
    const result = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--out', out, '--parallel', '2']);
    assert.equal(result.code, EXIT.ok, result.stderr);
    assert.deepEqual(result.factoryCalls, [{ modelPath, parallel: 2 }]);
    assert.equal(result.disposed, 1);
    assert.match(result.stderr, /\[#+-*\] \d+\/36 \d+% \| acc \d+\.\d% \| ETA /);
    assert.match(result.stdout, /MedLocal benchmark: completed\n {2}run folder/);
    assert.match(result.stdout, /accuracy {6}50\.0% {2}18\/36/);
    assert.match(result.stdout, /禁忌肢 picks/);
    assert.match(result.stdout, /by block\n {4}sample-A/);
    for (const file of ['answers.jsonl', 'manifest.json', 'summary.json', 'summary.csv']) assert.ok(existsSync(join(out, file)), file);
  });

  test('--json prints one result object; compare reports flips and McNemar p', async () => {
    const runA = join(scratch, 'run-a');
    const runB = join(scratch, 'run-b');
    const a = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--out', runA, '--json']);
    assert.equal(a.code, EXIT.ok, a.stderr);
    const parsed = JSON.parse(a.stdout) as { status: string; summary: { correct: number } };
    assert.equal(parsed.status, 'completed');
    assert.equal(parsed.summary.correct, 18);
    assert.equal(a.stderr, '', 'no progress bar in --json mode');
    const b = await cli(['bench', '--dataset', 'sample', '--model', modelPath, '--out', runB, '--json'], { pick: (question) => question.answers });
    assert.equal(b.code, EXIT.ok, b.stderr);

    const compared = await cli(['bench', 'compare', runA, runB, '--json']);
    assert.equal(compared.code, EXIT.ok, compared.stderr);
    const comparison = JSON.parse(compared.stdout) as { common: number; wrongToRight: string[]; rightToWrong: string[]; mcnemarP: number };
    assert.equal(comparison.common, 36);
    assert.equal(comparison.wrongToRight.length, 18);
    assert.deepEqual(comparison.rightToWrong, []);
    assert.ok(Math.abs(comparison.mcnemarP - 2 / 2 ** 18) < 1e-15);

    const text = await cli(['bench', 'compare', runA, runB]);
    assert.match(text.stdout, /wrong -> right {5}18: MLS-A02/);
    assert.match(text.stdout, /McNemar exact p {4}7\.629e-6 \(significant at 0\.05\)/);
    const missing = await cli(['bench', 'compare', runA, join(scratch, 'nowhere')]);
    assert.equal(missing.code, EXIT.usage);
    assert.match(missing.stderr, /holds no answers\.jsonl/);
  });

  test('cancel exits 130 with a resume hint; --resume DIR with the model finishes the run', async () => {
    const out = join(scratch, 'cancelled');
    const controller = new AbortController();
    const first = await cli(
      ['bench', '--dataset', 'sample', '--model', modelPath, '--out', out, '--limit', '20'],
      { onCall: (calls) => calls === 5 && controller.abort() },
      { signal: controller.signal },
    );
    assert.equal(first.code, EXIT.cancelled);
    assert.match(first.stderr, new RegExp(`continue with: medlocal bench --resume .*cancelled`));

    const refused = await cli(['bench', '--resume', out, '--json']);
    assert.equal(refused.code, EXIT.usage);
    assert.match(refused.stderr, /give the model again with --model .*this run used .*never loads a model path read from a run folder/);
    assert.deepEqual(refused.factoryCalls, [], 'no model was loaded from the run folder');

    const resumed = await cli(['bench', '--resume', out, '--model', modelPath, '--json']);
    assert.equal(resumed.code, EXIT.ok, resumed.stderr);
    assert.deepEqual(resumed.factoryCalls, [{ modelPath, parallel: 1 }]);
    const summary = (JSON.parse(resumed.stdout) as { summary: { total: number } }).summary;
    assert.equal(summary.total, 20, '--limit is remembered too');
  });
});
