// MedLocal's OpenAI-compatible backend against a real llama.cpp llama-server (built from the same
// bundled llama.cpp source), serving the tiny test GGUF: streamed ask, cancel (the server stops
// generating), explain, and what likelihood scoring says where llama-server cannot do it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ExplainTermRequest, AskRequest } from '../../src/protocol/protocol';
import { OpenAiEngine } from '../../src/engine/openaiEngine';
import { describeNext, UserError } from '../../src/shared/userError';
import { format } from '../../src/shared/messages/index';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from '../process/harness';
import { skipReason, slotStates, startLlamaServer, tokensPredicted, type LlamaServer } from './llamaServer';

const skip = skipReason();
let llama: LlamaServer;
let engine: OpenAiEngine;

before(async () => {
  if (skip) return;
  // --ignore-eos: the tiny model's greedy answer may end early; the cancel test needs a long one.
  llama = await startLlamaServer({ model: await ensureTinyModel(), parallel: 2, extraArgs: ['--ignore-eos'] });
  engine = await OpenAiEngine.connect({ baseUrl: llama.baseUrl });
}, { timeout: 180_000 });
after(async () => {
  await llama?.stop();
});

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('generate streams chunks from llama-server (chat and raw completions)', { skip }, async () => {
  for (const prompt of [{ user: 'What does an elevated BNP suggest?' }, 'The patient has']) {
    const chunks: string[] = [];
    const result = await engine.generate(prompt, { maxTokens: 12, onTextChunk: (c) => chunks.push(c) });
    assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), result.text);
    assert.equal(result.tokens, 12, JSON.stringify(result));
    assert.equal(result.stopReason, 'maxTokens');
  }
});

test('cancelling mid-answer stops the generation on the server (its slot goes idle, the token count stops)', { skip }, async () => {
  const before = await tokensPredicted(llama.origin);
  const controller = new AbortController();
  let chunks = 0;
  const maxTokens = 1500;
  const result = await engine.generate('The patient has', {
    maxTokens,
    signal: controller.signal,
    onTextChunk: () => {
      if (++chunks === 5) controller.abort();
    },
  });
  assert.equal(result.stopReason, 'cancelled');
  // Every slot idle again, with a generous bound: llama-server noticed the closed connection.
  await waitUntil('llama-server slots idle', async () => ((await slotStates(llama.origin)).every((s) => !s.is_processing) ? true : undefined));
  const settled = await tokensPredicted(llama.origin);
  const generated = settled - before;
  console.log(`cancel: llama-server generated ${generated} of ${maxTokens} tokens before stopping`);
  assert.ok(generated < maxTokens / 2, `the server went on generating (${generated} tokens)`);
  // Idle means idle: a second look after another request round trip shows no more tokens.
  await engine.listModels();
  assert.equal(await tokensPredicted(llama.origin), settled);
});

test('likelihood scoring: llama-server has no prompt echo, and the product says exactly that (en + ja)', { skip }, async () => {
  await assert.rejects(engine.scoreContinuations('Question: pick one.\nAnswer:', [' A', ' B']), (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, 'noLogprobs', error.message);
    const en = `${format('en', error.text)} ${describeNext(error, 'en') ?? ''}`;
    const ja = `${format('ja', error.text)} ${describeNext(error, 'ja') ?? ''}`;
    console.log(`likelihood (en): ${en}\nlikelihood (ja): ${ja}`);
    assert.match(en, /echo|prompt/i);
    assert.match(en, /letter|generate|vLLM/);
    assert.notEqual(en, ja);
    return true;
  });
});

test('the language server against llama-server: ask streams, explain answers', { skip, timeout: 120_000 }, async () => {
  let server: TestServer | undefined;
  try {
    server = await startTestServer({ backend: 'openai', openai: { baseUrl: llama.baseUrl } });
    await server.waitForStatus((s) => s.state === 'ready', 60_000);
    const chunks: string[] = [];
    const subscription = server.connection.onProgress(AskRequest.partialResult, 'real-ask', (value) => {
      chunks.push(value.text);
    });
    const answer = await server.connection.sendRequest(AskRequest.type, { question: 'What does an elevated BNP suggest?', maxTokens: 12, partialResultToken: 'real-ask' });
    subscription.dispose();
    assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), answer.text);
    const explained = await server.connection.sendRequest(ExplainTermRequest.type, { term: 'HbA1c', language: 'en' });
    assert.ok(explained.text.length > 0, JSON.stringify(explained));
  } finally {
    await server?.stop();
  }
});
