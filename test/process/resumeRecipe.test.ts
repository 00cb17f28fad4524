// Resuming a run with options that change its numbers (protocol, shuffle K/seed, scoring, dataset)
// is refused, through the built CLI (dist/cli.js) and the built server's medlocal/bench/start (what
// the panel's Resume sends), with a message naming the stored and the asked value and the next step;
// the run folder is left as it was. The run: the IgakuQA 2018 GPT-4 predictions scored under
// igakuqa-official, marked cancelled as a run stopped midway is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import { BenchStartRequest } from '../../src/protocol/benchProtocol';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from '../unit/eval/dataPaths';
import { startTestServer } from './harness';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(IGAKUQA_2018) || skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping resume-with-another-recipe on the IgakuQA 2018 baselines: ${skip}`);
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-resume-recipe-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
before(() => assert.ok(existsSync(CLI), 'run `npm run build` first'));

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C' }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function cancelledRun(name: string): string {
  const runDir = join(scratch, name);
  const scored = cli(['bench', 'score', '--dataset', `igakuqa:${IGAKUQA_2018}`, '--predictions', BASELINES, '--name', 'gpt4', '--out', runDir, '--json']);
  assert.equal(scored.status, 0, scored.stderr);
  const manifestPath = join(runDir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ ...(JSON.parse(readFileSync(manifestPath, 'utf8')) as object), status: 'cancelled' }, null, 2));
  return runDir;
}

test('the CLI refuses --resume with another protocol, shuffle, scoring or dataset, naming both values; the folder is untouched', { skip }, () => {
  const runDir = cancelledRun('cli');
  const answersBefore = readFileSync(join(runDir, 'answers.jsonl'), 'utf8');
  const cases: Array<[string[], RegExp, RegExp]> = [
    [['--protocol', 'harness'], /started with --protocol igakuqa-official; resuming it with --protocol harness would mix two recipes/, /leave out --protocol, or give --protocol igakuqa-official\), or start a new run in a new folder with --out DIR/],
    [['--shuffle', '3', '--seed', '7'], /started with --shuffle \(none\); resuming it with --shuffle K 3, seed 7/, /leave out --shuffle/],
    [['--scoring', 'letter'], /started with --scoring generate; resuming it with --scoring letter/, /give --scoring generate/],
    [['--dataset', 'sample'], new RegExp(`started with --dataset igakuqa:${IGAKUQA_2018.replace(/[/\\]/g, '.')}; resuming it with --dataset sample`), /--out DIR/],
  ];
  for (const [flags, message, next] of cases) {
    const result = cli(['bench', '--resume', runDir, ...flags, '--model', join(scratch, 'no-model.gguf')]);
    assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, next);
    assert.doesNotMatch(result.stderr, /usage:/, 'an input problem, not a usage one');
  }
  // In Japanese too (LANG=ja_JP.UTF-8 → --lang ja).
  const ja = cli(['bench', '--resume', runDir, '--protocol', 'harness', '--lang', 'ja']);
  assert.equal(ja.status, 2);
  assert.match(ja.stderr, /--protocol igakuqa-official で開始された実行です。--protocol harness で再開すると/);
  assert.equal(readFileSync(join(runDir, 'answers.jsonl'), 'utf8'), answersBefore);
});

test('the server (the panel\'s Resume) refuses a resume whose options differ from the stored recipe, naming both', { skip }, async () => {
  const runDir = cancelledRun('server');
  const server = await startTestServer({});
  try {
    const base = { dataset: `igakuqa:${IGAKUQA_2018}`, scoring: 'generate' as const, resultsDir: scratch, resumeDir: runDir };
    await assert.rejects(
      server.connection.sendRequest(BenchStartRequest.type, { ...base, protocol: 'harness' }),
      (error: unknown) => error instanceof ResponseError && /started with protocol igakuqa-official; resuming it with protocol harness/.test(error.message) && /Resume the run from History without changing its options/.test(String((error.data as { next?: string } | undefined)?.next)),
    );
    await assert.rejects(
      server.connection.sendRequest(BenchStartRequest.type, { ...base, shuffle: { k: 2, seed: 5 } }),
      (error: unknown) => error instanceof ResponseError && /resuming it with shuffle K 2, seed 5/.test(error.message),
    );
    // What the panel sends (the listing's own dataset and scoring) is not refused for its recipe (it fails later: no model here).
    await assert.rejects(server.connection.sendRequest(BenchStartRequest.type, base), (error: unknown) => error instanceof ResponseError && !/mix two recipes/.test(error.message));
  } finally {
    await server.stop();
  }
});
