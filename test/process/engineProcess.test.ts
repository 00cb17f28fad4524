// The engine in its own process (src/engine/process), driven through the BUILT server and engine
// (dist/server.js, dist/engine.js): the language server's file reads do not wait behind a prompt
// batch, hovers answer while the engine process is killed and restarted, and a cancel stops
// generation in the engine process within one token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { DidOpenTextDocumentNotification, HoverRequest, type Hover } from 'vscode-languageserver-protocol';
import { AskRequest } from '../../src/protocol/protocol';
import { BenchListRequest } from '../../src/protocol/benchProtocol';
import { ProcessEngine } from '../../src/engine/process/client';
import { startTestServer, type TestServer } from './harness';
import { childPids, ensureSyntheticModel } from './syntheticModel';

/** Another build of the server to compare with (e.g. main's, to see this test fail there): MEDLOCAL_COMPARE_SERVER_JS. */
const SERVER_OPTIONS = process.env.MEDLOCAL_COMPARE_SERVER_JS ? { serverPath: process.env.MEDLOCAL_COMPARE_SERVER_JS } : {};
/** Reads are paced (one every 25 ms at most) so that the sampling loop does not itself load the machine. */
const READ_PACE_MS = 25;

const SENTENCE = 'The patient with chest pain and shortness of breath was admitted. ';
const LONG_QUESTION = SENTENCE.repeat(40); // ~480 tokens
/** ~1,450 tokens: several seconds of prompt batches on one thread here, still over a second on a fast CPU. */
const LONGER_QUESTION = SENTENCE.repeat(120);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** medlocal/bench/list: the server lists a results folder (a directory read and a file read per run, on libuv's pool). */
async function timedRead(server: TestServer, resultsDir: string): Promise<number> {
  const started = performance.now();
  await server.connection.sendRequest(BenchListRequest.type, { resultsDir });
  return performance.now() - started;
}

function resultsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-io-'));
  mkdirSync(join(dir, 'run-1'));
  writeFileSync(join(dir, 'run-1', 'manifest.json'), '{}');
  return dir;
}

test('a file read in the language server completes in < 50 ms while the engine is in a long prompt batch', async () => {
  const model = await ensureSyntheticModel();
  const tiny = resultsFolder();
  const server = await startTestServer({ model: { path: model, threads: 1, contextSize: 4096 } }, SERVER_OPTIONS);
  try {
    await server.waitForStatus((status) => status.state === 'ready', 180_000);
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push(await timedRead(server, tiny));

    let firstChunkAt: number | undefined;
    const token = 'long-prompt';
    const subscription = server.connection.onProgress(AskRequest.partialResult, token, () => {
      firstChunkAt ??= performance.now();
    });
    const askStarted = performance.now();
    let askDoneAt: number | undefined;
    const ask = server.connection.sendRequest(AskRequest.type, { question: LONGER_QUESTION, maxTokens: 2, partialResultToken: token });
    void ask.then(() => (askDoneAt = performance.now()), () => (askDoneAt = performance.now()));
    // Reads that start and finish while the prompt is evaluated (before the first generated text).
    const during: number[] = [];
    /** Reads that started during the prompt but outlasted it (on a pool of one thread: all of them). */
    const outlasted: number[] = [];
    while (firstChunkAt === undefined && askDoneAt === undefined) {
      const started = performance.now();
      const took = await timedRead(server, tiny);
      const end = firstChunkAt ?? askDoneAt;
      if (end === undefined || started + took <= end) during.push(took);
      else outlasted.push(took);
      if (took < READ_PACE_MS) await new Promise((resolve) => setTimeout(resolve, READ_PACE_MS - took));
    }
    await ask;
    subscription.dispose();
    const promptMs = (firstChunkAt ?? askDoneAt ?? performance.now()) - askStarted;
    const fmt = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
    console.log(`prompt phase ${promptMs.toFixed(0)} ms; run listing idle: median ${median(idle).toFixed(1)} ms [${fmt(idle)}]; during the prompt batch: median ${median(during).toFixed(1)} ms over ${during.length} reads [${fmt(during.slice(0, 20))}${during.length > 20 ? ', ...' : ''}]; started during it but finished after: [${fmt(outlasted)}]`);
    assert.ok(promptMs >= 1000, `the prompt took only ${promptMs.toFixed(0)} ms: too short to show a read waiting behind it`);
    assert.ok(during.length >= 1, 'no read finished during the prompt');
    assert.ok(median(during) < 50, `median read during the prompt batch: ${median(during).toFixed(1)} ms`);
    assert.ok(during.length >= 5, `only ${during.length} reads during a ${promptMs.toFixed(0)} ms prompt`);
  } finally {
    await server.stop();
  }
});

test('a hover answers while the engine process is killed and restarting; the model answers again afterwards', async (t) => {
  const model = await ensureSyntheticModel();
  const server = await startTestServer({ model: { path: model, threads: 1, contextSize: 4096 } });
  try {
    await server.waitForStatus((status) => status.state === 'ready', 180_000);
    const engines = await childPids(server.child.pid!);
    if (engines === undefined) return t.skip('this platform has no /proc to find the engine process by');
    assert.equal(engines.length, 1, `the server's child processes: ${engines.join(', ')}`);
    const enginePid = engines[0]!;

    const uri = 'file:///tmp/medlocal-engine-kill.md';
    const text = '既往歴: 急性心筋梗塞\n';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
    const hover = (): Promise<Hover | null> => server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 6 } });
    assert.ok(await hover(), 'a hover before the kill');

    // An answer in flight when the engine dies rejects with what happened and the next step.
    const from = server.statuses.length;
    const ask = server.connection.sendRequest(AskRequest.type, { question: LONG_QUESTION, maxTokens: 2000 });
    const askOutcome = ask.then(() => 'answered', (error: Error) => error.message);
    process.kill(enginePid, 'SIGKILL');
    const hoverDuringKill = await hover();
    assert.ok(hoverDuringKill, 'a hover right after the kill');
    assert.match(await askOutcome, /engine process stopped unexpectedly \(signal SIGKILL\)/);

    const restarting = await server.waitForStatus((status) => status.state === 'loading' && /restarting/.test(status.message ?? ''), 30_000, from);
    console.log(`status after the kill: ${restarting.message} — ${restarting.hint}`);
    assert.ok(await hover(), 'a hover while the engine restarts');
    await server.waitForStatus((status) => status.state === 'ready', 180_000, from);
    const restarted = await childPids(server.child.pid!);
    assert.equal(restarted?.length, 1);
    assert.notEqual(restarted?.[0], enginePid, 'a new engine process');
    const answer = await server.connection.sendRequest(AskRequest.type, { question: 'What is HbA1c?', maxTokens: 4 });
    assert.ok(answer.tokens >= 1, JSON.stringify(answer));
    assert.ok(await hover(), 'a hover after the restart');
  } finally {
    await server.stop();
  }
});

test('a cancelled generation stops in the engine process within one token', async () => {
  const model = await ensureSyntheticModel();
  const engine = await ProcessEngine.load({
    settings: { path: model, gpu: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 1, loraAdapters: [] },
    cores: 2,
    sequences: 1,
  });
  try {
    for (const cancelAt of [1, 5, 12]) {
      const controller = new AbortController();
      let chunks = 0;
      const result = await engine.generate('Patient summary:', {
        maxTokens: 1000,
        signal: controller.signal,
        onTextChunk: () => {
          if (++chunks === cancelAt) controller.abort();
        },
      });
      const report = engine.lastCancelReport;
      console.log(`cancel after ${cancelAt} chunks: ${result.tokens} tokens generated, stop ${result.stopReason}, ${report?.chunks} chunk(s) after the cancel reached the engine process`);
      assert.equal(result.stopReason, 'cancelled');
      assert.ok(report, 'the engine process saw the cancel');
      assert.ok(report.chunks <= 1, `${report.chunks} chunks after the cancel`);
      assert.ok(result.tokens <= cancelAt + 2 && result.tokens < 1000, `${result.tokens} tokens for a cancel after ${cancelAt}`);
    }
    // The sequence is free again: another request runs.
    assert.equal(engine.schedulerStats().free, 1);
    const scores = await engine.scoreNextTokens('Answer:', ['A']);
    assert.ok(Number.isFinite(scores[0]?.logProb));
  } finally {
    await engine.dispose();
  }
});

test('the CLI with MEDLOCAL_ENGINE_PROCESS=1 scores exactly as in its own process', async () => {
  const { ensureTinyModel } = await import('../fixtures/gguf/tinyModel');
  const model = await ensureTinyModel();
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  const runs: Array<{ mode: string; scores: unknown[]; ms: number }> = [];
  for (const engineProcess of ['', '1']) {
    const out = join(mkdtempSync(join(tmpdir(), 'medlocal-cli-engine-')), 'run');
    const started = performance.now();
    const result = spawnSync(process.execPath, [cli, 'bench', '--dataset', 'sample', '--model', model, '--limit', '8', '--scoring', 'letter', '--threads', '1', '--out', out, '--json'], {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, MEDLOCAL_ENGINE_PROCESS: engineProcess },
    });
    const ms = performance.now() - started;
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { status: string }).status, 'completed');
    const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; predicted: unknown; choiceScores?: unknown });
    runs.push({ mode: engineProcess ? 'engine process' : 'in process', scores: answers.map((a) => [a.id, a.predicted, a.choiceScores]).sort(), ms });
  }
  console.log(`CLI, 8 letter questions, tiny model: ${runs.map((r) => `${r.mode} ${(r.ms / 1000).toFixed(1)} s`).join(', ')} (wall time incl. start-up; machine shared)`);
  assert.deepEqual(runs[1]!.scores, runs[0]!.scores);
});
