// `medlocal bench` end to end: the built CLI (dist/cli.js) on the tiny model and the real engine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
let model: string;

before(async () => {
  assert.ok(existsSync(CLI), 'run `npm run build` first');
  model = await ensureTinyModel();
});

function answerIds(dir: string): string[] {
  return readFileSync(join(dir, 'answers.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

test('a letter-scored run on the sample set writes every run file', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-cli-')), 'run');
  const result = spawnSync(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--model', model, '--limit', '8', '--scoring', 'letter', '--parallel', '2', '--out', out, '--json'], { encoding: 'utf8', timeout: 120000 });
  assert.equal(result.status, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as { status: string; answered: number };
  assert.equal(printed.status, 'completed');
  assert.equal(printed.answered, 8);
  for (const file of ['manifest.json', 'answers.jsonl', 'summary.json', 'summary.csv']) assert.ok(existsSync(join(out, file)), file);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  assert.match(JSON.stringify(manifest), /MedLocal Tiny Test Model/);
  assert.match(JSON.stringify(manifest), /letter/);
  const ids = answerIds(out);
  assert.equal(ids.length, 8);
  assert.equal(new Set(ids).size, 8);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { questions?: number; total?: number };
  assert.ok(JSON.stringify(summary).includes('"accuracy"'));
});

test('a run killed with SIGKILL resumes without redoing finished answers', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-cli-')), 'run');
  const args = [CLI, 'bench', '--dataset', 'sample', '--model', model, '--scoring', 'generate', '--limit', '12', '--threads', '1', '--out', out];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Kill once two answers are on disk (the progress line is printed after each checkpoint).
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/\b2\/12\b/.test(seen)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the run ended before it could be killed:\n${seen}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const before = answerIds(out);
  assert.ok(before.length >= 2 && before.length < 12, `answers before resume: ${before.length}`);
  const resumed = spawnSync(process.execPath, [CLI, 'bench', '--resume', out, '--model', model, '--threads', '1', '--json'], { encoding: 'utf8', timeout: 180000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  const after = answerIds(out);
  assert.equal(after.length, 12);
  assert.equal(new Set(after).size, 12, 'each question exactly once');
  assert.deepEqual(after.slice(0, before.length), before, 'finished answers were kept, not redone');
});
