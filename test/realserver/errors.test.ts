// What a real llama-server (llama.cpp v0.5.0, built from node-llama-cpp's bundled source) answers
// when things go wrong, and the message MedLocal makes of it (en + ja, with the next step). Each
// test prints the server's own words, so the replayed bodies of test/unit/engine/openaiErrors.test.ts
// can be compared with the real thing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenAiEngine, type OpenAiErrorKind } from '../../src/engine/openaiEngine';
import { format } from '../../src/shared/messages/index';
import { describeNext, UserError } from '../../src/shared/userError';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { freePort, skipReason, startLlamaServer, syntheticModel, waitForHealth, type LlamaServer } from './llamaServer';

const skip = skipReason();
const KEY = 'sk-realserver-test-key';
/** llama-server's smallest context (it raises a smaller --ctx-size to 256). */
const SMALL_CONTEXT = 256;
let llama: LlamaServer;

before(async () => {
  if (skip) return;
  llama = await startLlamaServer({ model: await ensureTinyModel(), contextSize: SMALL_CONTEXT, apiKey: KEY, extraArgs: ['--ignore-eos'] });
}, { timeout: 180_000 });
after(async () => {
  await llama?.stop();
});

/** The error's kind, English and Japanese text with the next step; printed for the report. */
function described(error: unknown, kind: OpenAiErrorKind, label: string): { en: string; ja: string } {
  assert.ok(error instanceof UserError, String(error));
  const en = `${format('en', error.text)} ${describeNext(error, 'en') ?? ''}`;
  const ja = `${format('ja', error.text)} ${describeNext(error, 'ja') ?? ''}`;
  console.log(`${label} (en): ${en}\n${label} (ja): ${ja}`);
  assert.equal(error.code, kind, en);
  assert.ok(describeNext(error, 'en'), 'a next step');
  assert.match(describeNext(error, 'ja') ?? '', /[\u3040-\u30ff\u4e00-\u9fff]/);
  assert.notEqual(en, ja);
  return { en, ja };
}

async function rawError(path: string, body: unknown, key = KEY): Promise<string> {
  const response = await fetch(`${llama.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = `HTTP ${response.status} ${response.headers.get('content-type')}: ${await response.text()}`;
  console.log(`llama-server said: ${text.slice(0, 300)}`);
  return text;
}

test('model still loading: llama-server answers 503 "Loading model" before /health is ok, the product says to wait', { skip, timeout: 180_000 }, async () => {
  const port = await freePort();
  const loading = await startLlamaServer({ model: await syntheticModel(), port, noWait: true, threads: 2 });
  try {
    let seen: unknown;
    const deadline = Date.now() + 120_000;
    // The listener opens before the model loads; until then a connection is refused.
    while (seen === undefined && Date.now() < deadline) {
      const outcome = await OpenAiEngine.connect({ baseUrl: `http://127.0.0.1:${port}/v1` }).then(() => 'ready', (error: unknown) => error);
      if (outcome === 'ready') break;
      if (outcome instanceof UserError && outcome.code === 'loading') seen = outcome;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(seen, 'never saw the server loading (it was ready at the first answer)');
    const { en } = described(seen, 'loading', 'loading');
    assert.match(en, /still loading its model \(HTTP 503: Loading model\)/);
    assert.match(en, /\/health/);
    await waitForHealth(loading.origin, 120_000);
    assert.ok((await (await OpenAiEngine.connect({ baseUrl: loading.baseUrl })).listModels()).length > 0);
  } finally {
    await loading.stop();
  }
});

test('wrong or missing API key (--api-key): 401 "Invalid API Key", never quoting the key', { skip }, async () => {
  const wrong = await OpenAiEngine.connect({ baseUrl: llama.baseUrl, apiKey: 'sk-wrong-key-42' }).then(() => undefined, (error: unknown) => error);
  const { en, ja } = described(wrong, 'unauthorized', 'wrong key');
  assert.match(en, /rejected the API key \(HTTP 401: Invalid API Key\)/);
  assert.ok(!en.includes('sk-wrong-key-42') && !ja.includes('sk-wrong-key-42'));
  const missing = await OpenAiEngine.connect({ baseUrl: llama.baseUrl }).then(() => undefined, (error: unknown) => error);
  assert.match(described(missing, 'unauthorized', 'no key').en, /API key/);
  assert.ok((await OpenAiEngine.connect({ baseUrl: llama.baseUrl, apiKey: KEY })).serverName.startsWith('http://127.0.0.1'));
});

test('context overflow: a question longer than the slot is HTTP 400 exceed_context_size_error, streamed or not', { skip }, async () => {
  const long = 'The patient has a fever and a cough. '.repeat(60);
  assert.match(await rawError('/v1/chat/completions', { messages: [{ role: 'user', content: long }], max_tokens: 4, stream: true }), /^HTTP 400 application\/json.*exceed_context_size_error/);
  const engine = await OpenAiEngine.connect({ baseUrl: llama.baseUrl, apiKey: KEY });
  // Streamed (ask): the status comes before any event, so it is an HTTP 400, not an event.
  const streamed = await engine.generate({ user: long }, { maxTokens: 4 }).then(() => undefined, (error: unknown) => error);
  const { en } = described(streamed, 'contextOverflow', 'context overflow (streamed)');
  assert.match(en, /does not fit .*exceeds the available context size \(256 tokens\)/);
  assert.match(en, /--ctx-size/);
  // Not streamed (letter scoring).
  const scored = await engine.scoreNextTokens(long, [' A', ' B']).then(() => undefined, (error: unknown) => error);
  described(scored, 'contextOverflow', 'context overflow (scoring)');
});

test('an answer that runs into the end of the context stops there: finish_reason "length", fewer tokens than asked, no error', { skip }, async () => {
  const engine = await OpenAiEngine.connect({ baseUrl: llama.baseUrl, apiKey: KEY });
  const result = await engine.generate('The patient has', { maxTokens: 1000 });
  console.log(`answer at the context's end: ${result.tokens} of 1000 tokens, stop reason ${result.stopReason}`);
  assert.equal(result.stopReason, 'maxTokens');
  assert.ok(result.tokens < SMALL_CONTEXT, String(result.tokens));
});

test('a request over 100 MB: llama-server (cpp-httplib\'s payload limit) answers 413 with an empty body; the product says it is too large', { skip, timeout: 120_000 }, async () => {
  const engine = await OpenAiEngine.connect({ baseUrl: llama.baseUrl, apiKey: KEY });
  const huge = 'x'.repeat(101 * 1024 * 1024);
  const error = await engine.generate(huge, { maxTokens: 1 }).then(() => undefined, (e: unknown) => e);
  const { en } = described(error, 'tooLarge', 'too large');
  assert.match(en, /too large \(HTTP 413\)/);
});
