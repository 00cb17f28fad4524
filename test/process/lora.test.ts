// `medlocal bench --lora` and `--compare-base` end to end: the built CLI, the tiny model and a test
// adapter that changes its logits. The tiny model's answers are noise, so the tests assert that the
// adapter's scores DIFFER from the base model's, not which is better.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ensureTinyModel, writeLoraAdapter } from '../fixtures/gguf/tinyModel';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
let model: string;
let adapter: string;
let scratch: string;

before(async () => {
  assert.ok(existsSync(CLI), 'run `npm run build` first');
  model = await ensureTinyModel();
  scratch = mkdtempSync(join(tmpdir(), 'medlocal-lora-cli-'));
  adapter = await writeLoraAdapter(join(scratch, 'adapter.gguf'));
});

function bench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--model', model, '--limit', '6', '--scoring', 'letter', ...args], { encoding: 'utf8', timeout: 180000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Record_ {
  id: string;
  choiceScores: Array<number | null>;
}
const answers = (dir: string): Record_[] =>
  readFileSync(join(dir, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record_).sort((a, b) => a.id.localeCompare(b.id));
const manifestModel = (dir: string) => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { model: { loraAdapters: Array<{ path: string; scale: number; fingerprint: string }> } }).model;

test('--lora: the manifest names the adapter by its fingerprint, and the scores differ from the base model', () => {
  const base = join(scratch, 'base');
  const withAdapter = join(scratch, 'adapter');
  const first = bench(['--out', base, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const second = bench(['--lora', `${adapter}:1`, '--out', withAdapter, '--json']);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(manifestModel(base).loraAdapters, []);
  const [named] = manifestModel(withAdapter).loraAdapters;
  assert.equal(named?.path, adapter);
  assert.equal(named?.scale, 1);
  assert.match(named?.fingerprint ?? '', /^[0-9a-f]{16}$/);
  const a = answers(base);
  const b = answers(withAdapter);
  assert.deepEqual(a.map((r) => r.id), b.map((r) => r.id));
  assert.ok(a.some((r, i) => JSON.stringify(r.choiceScores) !== JSON.stringify(b[i]?.choiceScores)), 'the adapter changed no score');
});

test('--compare-base writes base/, lora/ and comparison.json in one command; resuming the pair finds both done', () => {
  const pair = join(scratch, 'pair');
  const result = bench(['--lora', adapter, '--compare-base', '--out', pair, '--json']);
  assert.equal(result.status, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as { common: number; byCategory: Record<string, { common: number }>; adapters: Array<{ fingerprint: string }> };
  assert.equal(printed.common, 6);
  assert.match(printed.adapters[0]?.fingerprint ?? '', /^[0-9a-f]{16}$/);
  assert.equal(Object.values(printed.byCategory).reduce((sum, c) => sum + c.common, 0), 6);
  const written = JSON.parse(readFileSync(join(pair, 'comparison.json'), 'utf8')) as { common: number; mcnemarP: number; base: string; lora: string };
  assert.equal(written.common, 6);
  assert.ok(written.mcnemarP > 0 && written.mcnemarP <= 1);
  assert.deepEqual(manifestModel(join(pair, 'base')).loraAdapters, []);
  assert.equal(manifestModel(join(pair, 'lora')).loraAdapters.length, 1);
  const base = answers(join(pair, 'base'));
  const lora = answers(join(pair, 'lora'));
  assert.equal(base.length, 6);
  assert.ok(base.some((r, i) => JSON.stringify(r.choiceScores) !== JSON.stringify(lora[i]?.choiceScores)), 'the two halves scored alike');

  // Resume the pair: the options come from its halves' recipe; both are complete, so nothing is redone.
  const resumed = spawnSync(process.execPath, [CLI, 'bench', '--resume', pair, '--compare-base', '--model', model, '--lora', adapter], { encoding: 'utf8', timeout: 180000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /common questions +6/);
  assert.equal(answers(join(pair, 'base')).length, 6);
  const other = spawnSync(process.execPath, [CLI, 'bench', '--resume', pair, '--compare-base', '--model', model, '--lora', model], { encoding: 'utf8', timeout: 60000 });
  assert.equal(other.status, 2);
  assert.match(other.stderr, /this run used the adapters/);
});
