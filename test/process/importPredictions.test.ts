// The panel's "Import predictions…" through the built server (dist/server.js): the IgakuQA paper's
// 2018 GPT-4 baseline, imported with medlocal/bench/importPredictions, becomes a run folder in the
// results folder that medlocal/bench/list shows with the official accuracy (302 of 400), as
// `medlocal bench score` gives; a path that holds no predictions answers with a clear error.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import { BenchImportRequest, BenchListRequest, BenchPredictionsInfoRequest, BenchRunRequest } from '../../src/protocol/benchProtocol';
import { IGAKUQA_2018, SHARED_DATA, skipUnlessPresent } from '../unit/eval/dataPaths';
import { startTestServer } from './harness';

const BASELINES = join(SHARED_DATA, 'igakuqa', 'baseline_results', '2018');
const skip = skipUnlessPresent(IGAKUQA_2018) || skipUnlessPresent(BASELINES);
if (skip) console.log(`# skipping the import of the IgakuQA 2018 baselines: ${skip}`);

test('importing the 2018 gpt4 baseline writes a run the history lists with the official accuracy', { skip }, async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'medlocal-import-'));
  const server = await startTestServer({});
  try {
    const result = await server.connection.sendRequest(BenchImportRequest.type, {
      predictions: BASELINES, name: 'gpt4', dataset: `igakuqa:${IGAKUQA_2018}`, resultsDir,
    });
    // A folder of IgakuQA baseline files is scored under the official protocol unless told otherwise (as the CLI).
    assert.equal(result.protocol, 'igakuqa-official');
    assert.equal(dirname(result.runDir), resultsDir);
    assert.ok(existsSync(result.runDir));
    assert.equal(result.summary.total, 400);
    assert.equal(result.summary.correct, 302);
    assert.deepEqual(result.issues, []);

    const { runs } = await server.connection.sendRequest(BenchListRequest.type, { resultsDir });
    const listed = runs.find((run) => run.runDir === result.runDir);
    assert.ok(listed, `the imported run is listed: ${JSON.stringify(runs)}`);
    assert.equal(listed.status, 'completed');
    assert.equal(listed.total, 400);
    assert.equal(listed.accuracy, 302 / 400);

    const stored = await server.connection.sendRequest(BenchRunRequest.type, { runDir: result.runDir });
    assert.equal(stored.summary?.protocol, 'igakuqa-official');
    assert.equal(stored.answers.filter((answer) => answer.correct).length, 302);
  } finally {
    await server.stop();
  }
});

test('importing from a folder without predictions answers with what happened, not a run', async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'medlocal-import-'));
  const empty = mkdtempSync(join(tmpdir(), 'medlocal-no-predictions-'));
  const server = await startTestServer({});
  try {
    await assert.rejects(
      server.connection.sendRequest(BenchImportRequest.type, { predictions: empty, resultsDir }),
      (error: unknown) => error instanceof ResponseError && error.message.includes(empty),
    );
    const { runs } = await server.connection.sendRequest(BenchListRequest.type, { resultsDir });
    assert.deepEqual(runs, []);
  } finally {
    await server.stop();
  }
});

test('before importing, the panel learns the models a baseline folder holds and their default protocol', { skip }, async () => {
  const server = await startTestServer({});
  try {
    const info = await server.connection.sendRequest(BenchPredictionsInfoRequest.type, { predictions: BASELINES });
    assert.equal(info.kind, 'igakuqa-baseline');
    assert.equal(info.protocol, 'igakuqa-official');
    for (const model of ['gpt4', 'chatgpt', 'gpt3', 'student-majority']) assert.ok(info.models.includes(model), `${model} in ${info.models.join(', ')}`);
    // A single file: nothing to choose.
    const one = await server.connection.sendRequest(BenchPredictionsInfoRequest.type, { predictions: join(BASELINES, '112-A_gpt4.jsonl') });
    assert.deepEqual(one, { kind: 'igakuqa-baseline', models: [], protocol: 'igakuqa-official' });
  } finally {
    await server.stop();
  }
});
