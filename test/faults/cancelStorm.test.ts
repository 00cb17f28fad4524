// Fault 5: 1,000 asks cancelled at random points (immediately, or after a random number of
// streamed chunks) against ONE server on the tiny model, three in flight at a time (so some are
// cancelled while queued for a sequence). Afterwards no context sequence has leaked
// (medlocal/engineStats: freeSequences === totalSequences, nothing queued) and the server's RSS
// (VmRSS from /proc) grew less than RSS_BOUND_MB over the value after a warm-up of 50 asks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol';
import { AskRequest, EngineStatsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { prng, rssKb, seedFromEnv, settingsFor, startFaultServer, within, type FaultServer } from './support/faultServer';

const ASKS = Number(process.env.FAULT_CANCEL_ASKS ?? 1000);
const WARMUP = 50;
const IN_FLIGHT = 3;
const RSS_BOUND_MB = 64;
const REQUEST_CANCELLED = -32800;

let server: FaultServer;
before(async () => {
  server = await startFaultServer({ settings: settingsFor(await ensureTinyModel()) });
  await server.waitForStatus((s) => s.state === 'ready');
});
after(() => server.stop());

type Outcome = 'cancelledBeforeStart' | 'cancelledMidStream' | 'finished' | 'rejectedCancelled';

let tokenCounter = 0;

/** One ask, cancelled per `plan`; resolves with how it ended. Any other error fails the test. */
async function cancelledAsk(random: () => number): Promise<{ outcome: Outcome; chunks: number }> {
  const source = new CancellationTokenSource();
  const token = `storm-${++tokenCounter}`;
  const maxTokens = 4 + Math.floor(random() * 21);
  const immediate = random() < 0.25;
  const cancelAfter = 1 + Math.floor(random() * maxTokens);
  let chunks = 0;
  const subscription = server.connection.onProgress(AskRequest.partialResult, token, () => {
    chunks++;
    if (chunks === cancelAfter) source.cancel();
  });
  const question = random() < 0.5 ? 'Explain heart failure.' : '急性膵炎の重症度判定は？';
  const request = server.connection.sendRequest(AskRequest.type, { question, maxTokens, partialResultToken: token }, source.token);
  if (immediate) source.cancel();
  try {
    const result = await within(request, 30000, 'a cancelled ask to settle');
    if (result.stopReason === 'cancelled') return { outcome: chunks === 0 ? 'cancelledBeforeStart' : 'cancelledMidStream', chunks };
    return { outcome: 'finished', chunks };
  } catch (error) {
    if (error instanceof ResponseError && error.code === REQUEST_CANCELLED) return { outcome: 'rejectedCancelled', chunks };
    throw error;
  } finally {
    subscription.dispose();
    source.dispose();
  }
}

async function storm(count: number, random: () => number, outcomes: Map<Outcome, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const { outcome } = await cancelledAsk(random);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

test(`${ASKS} asks cancelled at random points leak no sequence and no memory`, async () => {
  const seed = seedFromEnv(5151);
  const random = prng(seed);
  await storm(WARMUP, random, new Map());
  const rssStart = rssKb(server.pid);
  const statsStart = await server.connection.sendRequest(EngineStatsRequest.type);
  const outcomes = new Map<Outcome, number>();
  const t0 = performance.now();
  let peak = rssStart;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKb(server.pid));
  }, 250);
  try {
    await storm(ASKS, random, outcomes);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const stats = await server.connection.sendRequest(EngineStatsRequest.type);
  const rssEnd = rssKb(server.pid);
  peak = Math.max(peak, rssEnd);
  const growthMb = (rssEnd - rssStart) / 1024;
  console.log(
    `[cancel-storm] seed ${seed}: ${ASKS} asks (${IN_FLIGHT} in flight) in ${seconds.toFixed(1)} s: ` +
      [...outcomes].map(([k, n]) => `${k} ${n}`).join(', ') +
      `; ${stats.tokensGenerated - statsStart.tokensGenerated} tokens generated; sequences free ${stats.freeSequences}/${stats.totalSequences}, ` +
      `queued ${JSON.stringify(stats.queued)}; RSS after ${WARMUP}-ask warm-up ${(rssStart / 1024).toFixed(1)} MB, end ${(rssEnd / 1024).toFixed(1)} MB ` +
      `(${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB, peak ${(peak / 1024).toFixed(1)} MB, bound +${RSS_BOUND_MB} MB)`,
  );
  assert.equal([...outcomes.values()].reduce((a, b) => a + b, 0), ASKS);
  assert.ok((outcomes.get('cancelledMidStream') ?? 0) + (outcomes.get('rejectedCancelled') ?? 0) + (outcomes.get('cancelledBeforeStart') ?? 0) > ASKS / 2, 'most asks were really cancelled');
  assert.equal(stats.freeSequences, stats.totalSequences, 'a context sequence leaked');
  assert.deepEqual(stats.queued, { interactive: 0, background: 0 });
  assert.equal(stats.pid, server.pid);
  assert.ok(growthMb < RSS_BOUND_MB, `RSS grew ${growthMb.toFixed(1)} MB`);
  // The engine still answers in full.
  const answer = await within(server.connection.sendRequest(AskRequest.type, { question: 'What is HbA1c?', maxTokens: 8 }), 30000, 'a normal ask');
  assert.ok(answer.tokens >= 1 && answer.stopReason !== 'cancelled');
});
