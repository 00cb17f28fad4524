// OpenAiEngine against the loopback OpenAI-compatible fixture server (a child process serving the
// tiny model through node-llama-cpp): real tokens over real HTTP. The exact next-token
// distribution comes from the GGUF probe, in another child.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureTinyModel } from '../../fixtures/gguf/tinyModel';
import { probeResults, runProbe } from '../../fixtures/gguf/runProbe';
import { startFixtureServer, type FixtureServer } from '../../fixtures/openai/startServer';
import { OpenAiEngine, type OpenAiErrorKind } from '../../../src/engine/openaiEngine';
import { describeNext, UserError } from '../../../src/shared/userError';


const KEY = 'test-key-7f3a9c';
const PROMPT = 'The patient has';
const LETTERS = ['a', 'b', 'c', 'd', 'e'];
let tiny = '';
let full: FixtureServer; // logprobs, echo, no key
let bare: FixtureServer; // no logprobs, no echo, needs KEY
let engine: OpenAiEngine;

before(async () => {
  tiny = await ensureTinyModel();
  [full, bare] = await Promise.all([
    startFixtureServer({ model: tiny }),
    startFixtureServer({ model: tiny, apiKey: KEY, noLogprobs: true, noEcho: true }),
  ]);
  engine = await OpenAiEngine.connect({ baseUrl: full.baseUrl });
});

after(async () => {
  await Promise.all([full?.stop(), bare?.stop()]);
});

function expectError(kind: OpenAiErrorKind, message: RegExp, hint?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, kind, error.message);
    assert.match(error.message, message);
    if (hint) assert.match(describeNext(error, 'en') ?? '', hint);
    return true;
  };
}

async function lastGeneration(server: FixtureServer) {
  for (let i = 0; i < 50; i++) {
    const last = (await server.stats()).generations.at(-1);
    if (last?.finished) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the server never finished the generation');
}

test('connect: lists the served model; a loopback URL carries no warning', async () => {
  assert.deepEqual(await engine.listModels(), ['medlocal-tiny']);
  assert.deepEqual(engine.warnings, []);
});

test('generate streams chunks over SSE (chat and raw prompts)', async () => {
  const chunks: string[] = [];
  const result = await engine.generate({ system: 'You are terse.', user: 'What causes chest pain?' }, { maxTokens: 12, onTextChunk: (c) => chunks.push(c) });
  assert.ok(chunks.length >= 2, `chunks: ${chunks.length}`);
  assert.equal(result.text, chunks.join(''));
  assert.ok(result.tokens >= chunks.length - 1 && result.tokens > 0);
  assert.ok(['maxTokens', 'eos'].includes(result.stopReason), result.stopReason);
  const raw = await engine.generate(PROMPT, { maxTokens: 6 });
  assert.ok(raw.text.length > 0);
  const generation = await lastGeneration(full);
  assert.deepEqual([generation.endpoint, generation.stream], ['completions', true]);
});

test('generate: a stop string ends the answer and is not part of it', async () => {
  const plain = await engine.generate(PROMPT, { maxTokens: 12 });
  const stop = plain.text.slice(Math.floor(plain.text.length / 2), Math.floor(plain.text.length / 2) + 3);
  assert.ok(stop.trim().length > 0, `usable stop string from ${JSON.stringify(plain.text)}`);
  const stopped = await engine.generate(PROMPT, { maxTokens: 12, stopStrings: [stop] });
  assert.equal(stopped.text, plain.text.slice(0, plain.text.indexOf(stop)));
  assert.equal(stopped.stopReason, 'stopString');
});

test('cancel stops the generation: the server sees the connection closed', async () => {
  const controller = new AbortController();
  const chunks: string[] = [];
  const result = await engine.generate({ user: 'Explain everything about the heart.' }, {
    maxTokens: 1500,
    signal: controller.signal,
    onTextChunk: (chunk) => {
      chunks.push(chunk);
      controller.abort();
    },
  });
  assert.equal(result.stopReason, 'cancelled');
  assert.equal(chunks.length, 1, 'nothing is delivered after the cancel');
  assert.equal(result.text, chunks[0]);
  const generation = await lastGeneration(full);
  assert.equal(generation.closedEarly, true);
  assert.equal(generation.finishReason, 'aborted');
  assert.ok(generation.tokens < 1500, `the server stopped after ${generation.tokens} tokens`);
});

test('scoreNextTokens matches the exact distribution, and letters a–e sum to at most 1', async () => {
  const top = await rawTopAlternatives(PROMPT, 5);
  const scores = await engine.scoreNextTokens(PROMPT, [...top.map((t) => t.text), ...LETTERS]);
  for (const [i, alternative] of top.entries()) assert.ok(Math.abs((scores[i]?.logProb ?? NaN) - alternative.logprob) < 1e-9);
  // The same prompt evaluated in the probe (BOS + tokens, one thread): the full softmax.
  const [tokenized, next] = probeResults(await runProbe({ model: tiny, ops: [{ op: 'tokenize', texts: top.map((t) => t.text) }, { op: 'nextToken', prompt: PROMPT }] })) as [
    Array<{ tokens: number[] }>, { probs: number[] },
  ];
  let compared = 0;
  for (const [i, entry] of tokenized.entries()) {
    const [id, ...more] = entry.tokens;
    if (id === undefined || more.length > 0) continue;
    assert.ok(Math.abs((scores[i]?.logProb ?? NaN) - Math.log(next.probs[id] ?? 0)) < 1e-3, `token ${id}`);
    compared++;
  }
  assert.ok(compared >= 3, `compared ${compared} single-token alternatives`);

  // Distinct candidates are distinct tokens: their probabilities cannot add up to more than 1.
  const probability = (list: Array<{ logProb: number }>) => list.reduce((sum, s) => sum + (Number.isFinite(s.logProb) ? Math.exp(s.logProb) : 0), 0);
  assert.ok(probability(scores) > 0 && probability(scores) <= 1 + 1e-9, `top 5 + letters: ${probability(scores)}`);
  for (const prompt of [PROMPT, { user: 'Which letter?', assistantPrefix: 'Answer: ' }]) {
    const letters = await engine.scoreNextTokens(prompt, LETTERS);
    assert.deepEqual(letters.map((s) => s.candidate), LETTERS);
    assert.ok(letters.every((s) => s.logProb <= 0), 'log-probabilities are ≤ 0 (or -Infinity outside the top 20)');
    assert.ok(probability(letters) <= 1 + 1e-9, `letters: ${probability(letters)}`);
  }
});

test('scoreContinuations: finite sums from echoed prompt log-probabilities', async () => {
  const scores = await engine.scoreContinuations(PROMPT, [' fever', ' chest pain', '']);
  assert.deepEqual(scores.map((s) => s.continuation), [' fever', ' chest pain', '']);
  for (const score of scores.slice(0, 2)) assert.ok(Number.isFinite(score.logProb) && score.logProb < 0 && score.tokens >= 1, JSON.stringify(score));
  assert.deepEqual(scores[2], { continuation: '', logProb: 0, tokens: 0 });
  // One token: the same number as the exact next-token distribution.
  const [tokenized, next] = probeResults(await runProbe({ model: tiny, ops: [{ op: 'tokenize', texts: [' fever'] }, { op: 'nextToken', prompt: PROMPT }] })) as [
    Array<{ tokens: number[] }>, { probs: number[] },
  ];
  const ids = tokenized[0]?.tokens ?? [];
  assert.equal(ids.length, 1, 'the tiny vocabulary has the piece ▁fever');
  assert.equal(scores[0]?.tokens, 1);
  assert.equal(scores[1]?.tokens, 2, '▁chest ▁pain');
  assert.ok(Math.abs((scores[0]?.logProb ?? NaN) - Math.log(next.probs[ids[0] ?? -1] ?? 0)) < 1e-3);
  await assert.rejects(engine.scoreContinuations({ user: 'Q' }, [' a']), expectError('badRequest', /raw text/, /renderChat/));
});

test('a server without logprobs: scoring fails with a clear error naming the server; generation works', async () => {
  const noLogprobs = await OpenAiEngine.connect({ baseUrl: bare.baseUrl, apiKey: KEY });
  const origin = new URL(bare.baseUrl).origin.replace(/[.]/g, '\\.');
  const needs = new RegExp(`${origin}.*returned no log-probabilities.*Next-token scoring .* needs top_logprobs; continuation scoring needs echo \\+ logprobs`);
  await assert.rejects(noLogprobs.scoreNextTokens(PROMPT, LETTERS), expectError('noLogprobs', needs, /vLLM/));
  await assert.rejects(noLogprobs.scoreNextTokens({ user: 'Which letter?' }, LETTERS), expectError('noLogprobs', needs));
  await assert.rejects(noLogprobs.scoreContinuations(PROMPT, [' fever']), expectError('noLogprobs', /prompt tokens \(echo with logprobs/));
  const answer = await noLogprobs.generate({ user: 'Hello' }, { maxTokens: 4 });
  assert.ok(answer.text.length > 0);
});

test('a wrong or missing API key gives the 401 message; the key never appears in it', async () => {
  await assert.rejects(OpenAiEngine.connect({ baseUrl: bare.baseUrl, apiKey: 'wrong-key-123' }), (error: unknown) => {
    expectError('unauthorized', /rejected the API key \(HTTP 401/, /API key/)(error);
    assert.ok(!(error as Error).message.includes('wrong-key-123') && !(describeNext(error, 'en') ?? '').includes('wrong-key-123'));
    return true;
  });
  await assert.rejects(OpenAiEngine.connect({ baseUrl: bare.baseUrl }), expectError('unauthorized', /requires an API key \(HTTP 401\)/));
});

test('unreachable servers and servers that are not OpenAI-compatible', async () => {
  const closed = await listen((_req, res) => res.end());
  const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v1`;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(OpenAiEngine.connect({ baseUrl: closedUrl }), expectError('unreachable', /Cannot reach .*127\.0\.0\.1.*ECONNREFUSED/, /running.*\/v1/));

  const html = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome to nginx</html>'));
  const wrongPath = await listen((_req, res) => res.writeHead(404).end('Not Found'));
  // A server that echoes the Authorization header in its error: the key must still not leak.
  const echoing = await listen((req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `bad request from ${req.headers.authorization}` } })));
  try {
    await assert.rejects(OpenAiEngine.connect({ baseUrl: urlOf(html) }), expectError('notOpenAi', /text\/html instead of JSON .*does not look like an OpenAI-compatible API/, /\/v1/));
    await assert.rejects(OpenAiEngine.connect({ baseUrl: urlOf(wrongPath) }), expectError('notOpenAi', /has no \/models endpoint \(HTTP 404\)/, /\/v1/));
    await assert.rejects(OpenAiEngine.connect({ baseUrl: urlOf(echoing), apiKey: KEY }), (error: unknown) => {
      expectError('badRequest', /bad request from Bearer \*\*\*/)(error);
      assert.ok(!(error as Error).message.includes(KEY));
      return true;
    });
  } finally {
    for (const server of [html, wrongPath, echoing]) await new Promise((resolve) => server.close(resolve));
  }
});

test('a server that ignores stream: true still answers (one JSON completion taken whole)', async () => {
  const plain = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
    choices: [{ index: 0, message: { role: 'assistant', content: 'Acute MI.' }, finish_reason: 'stop' }], usage: { completion_tokens: 4 },
  })));
  try {
    const chunks: string[] = [];
    const result = await new OpenAiEngine({ baseUrl: urlOf(plain), model: 'm' }).generate({ user: 'Dx?' }, { maxTokens: 8, onTextChunk: (c) => chunks.push(c) });
    assert.deepEqual(result, { text: 'Acute MI.', tokens: 4, stopReason: 'eos' });
    assert.deepEqual(chunks, ['Acute MI.']);
  } finally {
    await new Promise((resolve) => plain.close(resolve));
  }
});

// ---------------------------------------------------------------------------------------------

/** The server's own top alternatives for the next token, straight from /completions. */
async function rawTopAlternatives(prompt: string, n: number): Promise<Array<{ text: string; logprob: number }>> {
  const response = await fetch(`${full.baseUrl}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'medlocal-tiny', prompt, max_tokens: 1, temperature: 0, logprobs: n }),
  });
  const json = (await response.json()) as { choices: Array<{ logprobs: { top_logprobs: Array<Record<string, number>> } }> };
  const top = json.choices[0]?.logprobs.top_logprobs[0] ?? {};
  return Object.entries(top).map(([text, logprob]) => ({ text, logprob })).sort((a, b) => b.logprob - a.logprob);
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}
