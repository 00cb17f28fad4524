// Fault: the ENGINE process (dist/engine.js, the language server's child that owns the model) is
// SIGKILLed in the middle of a benchmark. The language server lives on: hovers answer, the status
// says the engine stopped and is restarting, the run stops as a cancel does (run folder
// consistent: complete lines only, no error record for the questions in flight, manifest
// 'cancelled'), and once the restarted engine is ready the run resumes on the same server and
// finishes with every question answered once and no finished answer redone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BenchStartRequest } from '../../src/protocol/benchProtocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { childPids } from '../process/syntheticModel';
import { answerIdsOf, hover, hoverText, openNote, scratchDir, settingsFor, startFaultServer, within } from './support/faultServer';

const NOTE = '# 経過\n\n既往歴: 急性心筋梗塞（2019年 PCI後）。心不全の増悪あり。\n';

test('engine process SIGKILLed during a benchmark: hovers answer, the run stops cleanly and resumes losing nothing', async (t) => {
  const modelPath = await ensureTinyModel();
  const resultsDir = scratchDir('medlocal-fault-engine-');
  const server = await startFaultServer({ settings: settingsFor(modelPath) });
  try {
    await server.waitForStatus((s) => s.state === 'ready', 60_000);
    const engines = await childPids(server.pid);
    if (engines === undefined) return t.skip('this platform has no /proc to find the engine process by');
    assert.equal(engines.length, 1, `the server's children: ${engines.join(', ')}`);
    const uri = await openNote(server, NOTE);

    const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', parallel: 2, resultsDir });
    const answersPath = join(started.runDir, 'answers.jsonl');
    await server.waitFor(() => (server.benchProgress.length >= 5 ? true : undefined), 60_000, 'five benchmark answers');
    const fromStatus = server.statuses.length;
    process.kill(engines[0]!, 'SIGKILL');
    const hoverAtKill = await within(hover(server, uri, NOTE, '急性心筋梗塞', 2), 3000, 'a hover right after the engine was killed');
    assert.match(hoverText(hoverAtKill), /[Aa]cute myocardial infarction/);

    const finished = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === started.runId), 30_000, 'the run to stop');
    assert.equal(finished.value.status, 'failed');
    assert.match(finished.value.error ?? '', /engine process stopped \(signal SIGKILL\) during the benchmark/);
    const restarting = await server.waitForStatus((s) => s.state === 'loading' && /restarting/.test(s.message ?? ''), 30_000, fromStatus);
    console.log(`[engine-kill] run stopped: ${finished.value.error}\n[engine-kill] status: ${restarting.value.message}`);
    assert.match(hoverText(await within(hover(server, uri, NOTE, '心不全', 1), 3000, 'a hover while restarting')), /[Hh]eart failure/);

    const linesAtStop = readFileSync(answersPath, 'utf8').split('\n').filter((line) => line !== '');
    const records = linesAtStop.map((line) => JSON.parse(line) as { id: string; error?: unknown });
    assert.deepEqual(records.filter((r) => r.error !== undefined), [], 'no question was recorded as failed because the engine died');
    const manifest = JSON.parse(readFileSync(join(started.runDir, 'manifest.json'), 'utf8')) as { status: string };
    assert.equal(manifest.status, 'cancelled');
    const reported = server.benchProgress.map((p) => p.value.current);
    const idsAtStop = answerIdsOf(answersPath);
    assert.deepEqual(reported.filter((id) => !idsAtStop.includes(id)), [], 'answers reported finished are on disk');
    assert.ok(idsAtStop.length < started.total, `the run had already finished (${idsAtStop.length}/${started.total})`);

    await server.waitForStatus((s) => s.state === 'ready', 60_000, fromStatus);
    const after = await childPids(server.pid);
    assert.equal(after?.length, 1);
    assert.notEqual(after?.[0], engines[0], 'a new engine process');
    const resumed = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', parallel: 2, resultsDir, resumeDir: started.runDir });
    const done = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === resumed.runId), 120_000, 'the resumed run to finish');
    assert.equal(done.value.status, 'completed', done.value.error);
    const linesAfter = readFileSync(answersPath, 'utf8').split('\n').filter((line) => line !== '');
    assert.deepEqual(linesAfter.slice(0, linesAtStop.length), linesAtStop, 'the finished answers were kept as written');
    const idsAfter = answerIdsOf(answersPath);
    assert.equal(idsAfter.length, started.total);
    assert.equal(new Set(idsAfter).size, started.total, 'each question exactly once');
    console.log(`[engine-kill] ${idsAtStop.length}/${started.total} answers on disk at the kill; resume answered ${idsAfter.length - idsAtStop.length} more; redone: 0`);
  } finally {
    await server.stop();
  }
});
