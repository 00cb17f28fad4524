// The harness protocol reproduces japanese-lm-med-harness's "Exact Match" and "Gestalt Match"
// counts on a small reference result file (test/fixtures/harness/results.jsonl) whose expected
// counts were computed independently (see expected.json's _comment), quirks included.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../../src/cli/main';
import { harnessResponse } from '../../../src/eval/protocols/harness';
import { readRun } from '../../../src/eval/runFiles';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'harness');
const RESULTS = join(FIXTURES, 'results.jsonl');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  records: number; exactMatch: number; gestaltMatch: number; perRecord: Record<string, [number, number] | 'raised'>;
};
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-harness-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const lines = readFileSync(RESULTS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { problem_id: string; full_response: string | null; response: string | null });

async function score(extra: string[] = []): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = join(scratch, `run-${Math.random().toString(36).slice(2)}`);
  const code = await runCli(['bench', 'score', '--predictions', RESULTS, '--out', out, '--json', ...extra], { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, json: code === 0 ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
}

test('response extraction: after the first marker (up to a repeated one), first line, stripped', () => {
  for (const line of lines) {
    if (line.full_response === null) continue;
    assert.equal(harnessResponse(line.full_response), line.response, line.problem_id);
  }
});

test('bench score --protocol harness gives exactly the harness Exact Match and Gestalt Match counts', async () => {
  const { code, json, stderr } = await score(['--protocol', 'harness']);
  assert.equal(code, 0, stderr);
  assert.equal(json['protocol'], 'harness');
  assert.equal(json['questions'], expected.records);
  assert.equal(json['exactMatch'], expected.exactMatch);
  assert.equal(json['gestaltMatch'], expected.gestaltMatch);
  assert.equal(json['correct'], expected.gestaltMatch);
  const quirks = (json['quirks'] as string[]).join('\n');
  assert.match(quirks, /gold text part is no choice text.*: 1 record/);
  assert.match(quirks, /raised: response is not text.*: 1 record/);
});

test('per record, each verdict is the harness one, also after reading the run folder back', async () => {
  const { json } = await score();
  assert.equal(json['protocol'], 'harness', 'harness result files default to the harness protocol');
  const run = readRun(json['runDir'] as string);
  assert.equal(run.dropped, undefined);
  for (const record of run.answers) {
    const want = expected.perRecord[record.id];
    if (want === 'raised') {
      assert.equal(record.correct, false, record.id);
      assert.equal(record.exactMatch, false, record.id);
      assert.ok(record.quirks?.some((quirk) => quirk.startsWith('raised')), record.id);
    } else {
      assert.deepEqual([record.exactMatch ? 1 : 0, record.correct ? 1 : 0], want, record.id);
    }
  }
  assert.equal(run.summary?.exactMatch?.count, expected.exactMatch);
  assert.equal(run.summary?.gestalt?.count, expected.gestaltMatch);
});

test('harness result files are not scored under another protocol', async () => {
  const { code, stderr } = await score(['--protocol', 'igakuqa-official']);
  assert.equal(code, 2);
  assert.match(stderr, /scored by the harness protocol/);
});
