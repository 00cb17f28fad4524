// One run plan for the CLI and the server: a run the CLI started resumes in the panel (the
// server's medlocal/bench/start with resumeDir), and a run the panel started resumes in the CLI
// (--resume). Both keep the same seeded sample of questions and the recipe in the manifest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BenchFinishedNotification, BenchStartRequest, type BenchFinishedEvent } from '../../src/protocol/benchProtocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from './harness';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
let model: string;
let server: TestServer;

before(async () => {
  assert.ok(existsSync(CLI), 'run `npm run build` first');
  model = await ensureTinyModel();
  server = await startTestServer({ model: { path: model } });
  await server.waitForStatus((status) => status.state === 'ready', 120000);
});
after(async () => {
  await server?.stop();
});

function answerIds(dir: string): string[] {
  return readFileSync(join(dir, 'answers.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

function manifest(dir: string): Record<string, unknown> & { status: string } {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown> & { status: string };
}

/** Keeps the first `keep` answers and marks the run cancelled, as a stop after `keep` answers leaves it. */
function interrupt(dir: string, keep: number): string[] {
  const lines = readFileSync(join(dir, 'answers.jsonl'), 'utf8').split('\n').filter((line) => line.trim());
  writeFileSync(join(dir, 'answers.jsonl'), lines.slice(0, keep).map((line) => `${line}\n`).join(''));
  const stored = manifest(dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...stored, status: 'cancelled' }, null, 2));
  return answerIds(dir);
}

async function resumeInServer(runDir: string): Promise<BenchFinishedEvent> {
  const finished = new Promise<BenchFinishedEvent>((resolve) => {
    const subscription = server.connection.onNotification(BenchFinishedNotification.type, (event) => {
      subscription.dispose();
      resolve(event);
    });
  });
  // Another dataset or scoring than the run's is refused, naming both (it would mix two recipes)...
  await assert.rejects(
    server.connection.sendRequest(BenchStartRequest.type, { dataset: 'jsonl:/nonexistent.jsonl', scoring: 'generate', parallel: 1, resultsDir: tmpdir(), resumeDir: runDir }),
    (error: unknown) => error instanceof Error && /started with dataset sample; resuming it with dataset jsonl:\/nonexistent\.jsonl/.test(error.message),
  );
  // ...and the run's own (what the panel's Resume sends: the listing's dataset and scoring) resumes it with its stored recipe.
  await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', parallel: 1, resultsDir: tmpdir(), resumeDir: runDir });
  return finished;
}

test('a run the CLI started (with --seed) resumes in the panel with the same questions', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-cross-')), 'cli-run');
  const result = spawnSync(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--model', model, '--scoring', 'letter', '--limit', '6', '--seed', '11', '--out', out, '--json'], { encoding: 'utf8', timeout: 180000 });
  assert.equal(result.status, 0, result.stderr);
  const all = answerIds(out);
  assert.equal(all.length, 6);
  const recipe = manifest(out)['recipe'];
  assert.deepEqual(recipe, { dataset: 'sample', scoring: 'letter', limit: 6, seed: 11 });
  const kept = interrupt(out, 2);

  const event = await resumeInServer(out);
  assert.equal(event.status, 'completed', event.error);
  const after = answerIds(out);
  assert.deepEqual(after.slice(0, 2), kept, 'the kept answers are not redone');
  assert.deepEqual([...after].sort(), [...all].sort(), 'the same seeded sample of questions');
  assert.equal(manifest(out).status, 'completed');
  assert.deepEqual(manifest(out)['recipe'], recipe);
});

test('a run the panel started resumes in the CLI with the same questions', async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'medlocal-cross-'));
  const finished = new Promise<BenchFinishedEvent>((resolve) => {
    const subscription = server.connection.onNotification(BenchFinishedNotification.type, (event) => {
      subscription.dispose();
      resolve(event);
    });
  });
  await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', format: 'igakuqa', limit: 5, seed: 4, parallel: 1, resultsDir });
  const event = await finished;
  assert.equal(event.status, 'completed', event.error);
  const runDir = event.runDir;
  const all = answerIds(runDir);
  assert.equal(all.length, 5);
  const kept = interrupt(runDir, 1);

  const result = spawnSync(process.execPath, [CLI, 'bench', '--resume', runDir, '--model', model, '--json'], { encoding: 'utf8', timeout: 180000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { status: string }).status, 'completed');
  const after = answerIds(runDir);
  assert.deepEqual(after.slice(0, 1), kept);
  assert.deepEqual([...after].sort(), [...all].sort());
  assert.deepEqual(manifest(runDir)['recipe'], { dataset: 'sample', scoring: 'letter', format: 'igakuqa', limit: 5, seed: 4 });
});

test('a run the panel starts under a protocol keeps it: recipe, scoring and summary', async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'medlocal-protocol-'));
  const finished = new Promise<BenchFinishedEvent>((resolve) => {
    const subscription = server.connection.onNotification(BenchFinishedNotification.type, (event) => {
      subscription.dispose();
      resolve(event);
    });
  });
  await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'generate', protocol: 'harness', limit: 3, parallel: 1, resultsDir });
  const event = await finished;
  assert.equal(event.status, 'completed', event.error);
  assert.equal(event.summary?.protocol, 'harness');
  assert.deepEqual(manifest(event.runDir)['recipe'], { dataset: 'sample', scoring: 'generate', protocol: 'harness', limit: 3 });
  // The protocol's own rules apply: the harness scores generated text only.
  await assert.rejects(
    server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', format: 'igakuqa', protocol: 'harness', limit: 3, parallel: 1, resultsDir }),
    /generate/,
  );
});
