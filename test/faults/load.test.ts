// Fault 6: load. While a benchmark runs in the server (sample set, generate scoring: 256 greedy
// tokens a question, parallel 2 so a second background worker is always queued), 20 asks and 200
// hovers are sent: all are answered; hover p50/p99 are printed.
//
// Pre-emption: the scheduler's grant order is not exposed (engineStats only has counts), so the
// evidence is timing plus those counts:
// * each ask's time to first chunk under load is compared with the benchmark's time per question
//   (intervals between its progress notifications): an ask that had to wait for a benchmark
//   question to give its sequence back would take about half a question on average;
// * at most one benchmark question finishes while an ask runs (the ask never waits behind two);
// * the benchmark's progress while asks run is well below its own pace (the engine evaluates the
//   interactive sequence's tokens first: node-llama-cpp evaluationPriority 5 vs 1);
// * engineStats polled during the run shows background work queued (the second worker) while
//   interactive work is not left waiting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BenchStartRequest } from '../../src/protocol/benchProtocol';
import { AskRequest, EngineStatsRequest, type EngineStats } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { hover, hoverText, openNote, percentile, settingsFor, startFaultServer, within, type FaultServer, scratchDir } from './support/faultServer';

const NOTE = '# 経過\n\n既往歴: 急性心筋梗塞（2019年 PCI後）。心不全の増悪あり。肺炎の既往。\n';
const TERMS = ['急性心筋梗塞', '心不全', '肺炎'];
const ASKS = 20;
const HOVERS_PER_ASK = 10;
const ASK_MAX_TOKENS = 32;
const HOVER_P99_BOUND_MS = 250;

let server: FaultServer;
before(async () => {
  server = await startFaultServer({ settings: settingsFor(await ensureTinyModel()) });
  await server.waitForStatus((s) => s.state === 'ready');
  await server.waitFor(() => server.dictionaries[0], 10000, 'dictionaries');
});
after(() => server.stop());

interface AskTiming {
  start: number;
  firstChunk: number;
  end: number;
  tokens: number;
}

let askCounter = 0;
async function timedAsk(): Promise<AskTiming> {
  const token = `load-${++askCounter}`;
  const start = performance.now();
  let firstChunk = 0;
  const subscription = server.connection.onProgress(AskRequest.partialResult, token, () => {
    if (firstChunk === 0) firstChunk = performance.now();
  });
  try {
    const result = await within(
      server.connection.sendRequest(AskRequest.type, { question: `What is the treatment of heart failure? (${askCounter})`, maxTokens: ASK_MAX_TOKENS, partialResultToken: token }),
      30000,
      'an ask under load',
    );
    return { start, firstChunk: firstChunk || performance.now(), end: performance.now(), tokens: result.tokens };
  } finally {
    subscription.dispose();
  }
}

test(`${ASKS} asks and ${ASKS * HOVERS_PER_ASK} hovers during a generate benchmark: all answered, interactive work first`, async () => {
  const uri = await openNote(server, NOTE);
  // Idle baseline.
  const idle: AskTiming[] = [];
  for (let i = 0; i < 5; i++) idle.push(await timedAsk());

  const resultsDir = scratchDir('medlocal-fault-load-');
  const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'generate', format: 'medpalm_five_choice_cot', parallel: 2, resultsDir });
  await server.waitFor(() => server.benchProgress[0], 30000, 'the first benchmark answer');

  // Sample engineStats every 25 ms while the asks run.
  const polls: Array<{ at: number; stats: EngineStats }> = [];
  const sampler = setInterval(() => {
    void server.connection.sendRequest(EngineStatsRequest.type).then((stats) => polls.push({ at: performance.now(), stats }), () => undefined);
  }, 25);

  const asks: AskTiming[] = [];
  const hoverMs: number[] = [];
  let hoverContent = 0;
  for (let i = 0; i < ASKS; i++) {
    const hovers = (async () => {
      for (let h = 0; h < HOVERS_PER_ASK; h++) {
        const t0 = performance.now();
        const result = await within(hover(server, uri, NOTE, TERMS[h % TERMS.length] ?? '心不全', 1), 5000, 'a hover under load');
        hoverMs.push(performance.now() - t0);
        if (hoverText(result).length > 0) hoverContent++;
      }
    })();
    const [ask] = await Promise.all([timedAsk(), hovers]);
    asks.push(ask);
  }
  const benchStillRunning = server.benchFinished.length === 0;
  clearInterval(sampler);
  const finished = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === started.runId), 120000, 'the benchmark to finish');

  const progressTimes = server.benchProgress.filter((p) => p.value.runId === started.runId).map((p) => p.at);
  const questionMs = progressTimes.slice(1).map((t, i) => t - (progressTimes[i] ?? t));
  const during = asks.map((a) => progressTimes.filter((t) => t > a.start && t <= a.end).length);
  // The benchmark's own pace: questions whose whole interval overlapped no ask.
  const soloMs = progressTimes.slice(1).flatMap((t, i) => {
    const from = progressTimes[i] ?? t;
    return asks.some((a) => a.start < t && a.end > from) ? [] : [t - from];
  });
  const askBusyMs = asks.reduce((sum, a) => sum + (a.end - a.start), 0);
  const expectedAtSoloPace = askBusyMs / percentile(soloMs, 50);
  const progressedDuringAsks = during.reduce((a, b) => a + b, 0);
  const ttft = asks.map((a) => a.firstChunk - a.start);
  const total = asks.map((a) => a.end - a.start);
  const maxQueuedInteractive = Math.max(...polls.map((p) => p.stats.queued.interactive));
  const pollsWithBackgroundQueued = polls.filter((p) => p.stats.queued.background > 0).length;
  const minFree = Math.min(...polls.map((p) => p.stats.freeSequences));

  console.log(`[load] hovers: ${hoverMs.length} answered (${hoverContent} with content) during the benchmark; latency p50 ${percentile(hoverMs, 50).toFixed(1)} ms, p99 ${percentile(hoverMs, 99).toFixed(1)} ms, max ${Math.max(...hoverMs).toFixed(1)} ms (bound p99 < ${HOVER_P99_BOUND_MS} ms)`);
  console.log(
    `[load] asks (${ASK_MAX_TOKENS} tokens): idle TTFT p50 ${percentile(idle.map((a) => a.firstChunk - a.start), 50).toFixed(0)} ms / total p50 ${percentile(idle.map((a) => a.end - a.start), 50).toFixed(0)} ms; ` +
      `under load TTFT p50 ${percentile(ttft, 50).toFixed(0)} ms, max ${Math.max(...ttft).toFixed(0)} ms / total p50 ${percentile(total, 50).toFixed(0)} ms, max ${Math.max(...total).toFixed(0)} ms`,
  );
  console.log(
    `[load] benchmark: ${finished.value.answered} questions, ${finished.value.status}; time per question p50 ${percentile(questionMs, 50).toFixed(0)} ms, min ${Math.min(...questionMs).toFixed(0)} ms; ` +
      `alone p50 ${percentile(soloMs, 50).toFixed(0)} ms; benchmark answers finished while an ask ran: max ${Math.max(...during)} per ask, ` +
      `${progressedDuringAsks} in ${askBusyMs.toFixed(0)} ms of asks (its own pace would give ${expectedAtSoloPace.toFixed(1)}); still running after the last ask: ${benchStillRunning}`,
  );
  console.log(`[load] engineStats polled ${polls.length}× during the asks: background queued in ${pollsWithBackgroundQueued}, max interactive queued ${maxQueuedInteractive}, min free sequences ${minFree}`);

  assert.equal(finished.value.status, 'completed', finished.value.error);
  assert.equal(hoverMs.length, ASKS * HOVERS_PER_ASK);
  assert.equal(hoverContent, ASKS * HOVERS_PER_ASK, 'every hover had content');
  assert.ok(percentile(hoverMs, 99) < HOVER_P99_BOUND_MS, `hover p99 ${percentile(hoverMs, 99).toFixed(0)} ms`);
  assert.equal(asks.length, ASKS);
  assert.ok(asks.every((a) => a.tokens >= 1));
  assert.ok(benchStillRunning, 'the benchmark ended before the asks did: no load to measure against');
  // Interactive work does not wait for benchmark work.
  assert.ok(Math.max(...during) <= 1, `an ask waited while ${Math.max(...during)} benchmark questions finished`);
  assert.ok(percentile(ttft, 50) < 0.35 * percentile(questionMs, 50), `ask TTFT p50 ${percentile(ttft, 50).toFixed(0)} ms vs ${percentile(questionMs, 50).toFixed(0)} ms per benchmark question`);
  // While an ask generates, the benchmark's tokens wait (evaluation priority): it slows down.
  assert.ok(progressedDuringAsks < 0.6 * expectedAtSoloPace, `the benchmark kept its pace during asks (${progressedDuringAsks} vs ${expectedAtSoloPace.toFixed(1)})`);
  assert.ok(pollsWithBackgroundQueued > 0, 'the second benchmark worker was never seen waiting');
  assert.ok(maxQueuedInteractive <= 1, `${maxQueuedInteractive} interactive requests were waiting at once`);
});
