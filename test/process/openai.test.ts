// medlocal.backend = openai: the same features against an OpenAI-compatible server — here a
// loopback server that answers from the tiny model through node-llama-cpp (real tokens over HTTP).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BenchFinishedNotification, BenchStartRequest, type BenchFinishedEvent } from '../../src/protocol/benchProtocol';
import { AskRequest, ExplainTermRequest, ScoreChoicesRequest, SetSecretsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startFixtureServer, type FixtureServer } from '../fixtures/openai/startServer';
import { startTestServer, type TestServer } from './harness';

const KEY = 'sk-test-medlocal';
let remote: FixtureServer;
let server: TestServer;

before(async () => {
  remote = await startFixtureServer({ model: await ensureTinyModel(), apiKey: KEY });
  server = await startTestServer({ backend: 'openai', openai: { baseUrl: remote.baseUrl } });
});
after(async () => {
  await server?.stop();
  await remote?.stop();
});

test('without the API key the status says the server refused it; with the key it is ready', async () => {
  const refused = await server.waitForStatus((s) => s.state === 'error');
  assert.match(`${refused.message} ${refused.hint}`, /key|401|unauthori/i);
  assert.ok(!JSON.stringify(server.statuses).includes(KEY));
  const from = server.statuses.length;
  await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: KEY });
  const ready = await server.waitForStatus((s) => s.state === 'ready', 30000, from);
  assert.equal(ready.backend, 'remote');
  assert.equal(ready.model?.path, new URL(remote.baseUrl).origin);
  assert.ok(!server.logs.join('\n').includes(KEY), 'the key never reaches the log');
});

test('ask streams chunks from the remote server', async () => {
  const chunks: string[] = [];
  const subscription = server.connection.onProgress(AskRequest.partialResult, 'remote-ask', (value) => {
    chunks.push(value.text);
  });
  const result = await server.connection.sendRequest(AskRequest.type, { question: 'What does an elevated BNP suggest?', maxTokens: 12, partialResultToken: 'remote-ask' });
  subscription.dispose();
  assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
  assert.equal(chunks.join(''), result.text);
  assert.ok(result.tokens >= 2);
});

test('scoreChoices uses the server logprobs; explainTerm works', async () => {
  const prompt = 'Question: pick one.\nA: x\nB: y\nAnswer:';
  // The server's own greedy next token must come back as the most probable candidate; a token
  // outside the server's top 20 has no probability (-Infinity, sent as null over JSON).
  const response = await fetch(`${remote.baseUrl}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ prompt, max_tokens: 1, temperature: 0 }),
  });
  const greedy = ((await response.json()) as { choices: Array<{ text: string }> }).choices[0]?.text ?? '';
  assert.ok(greedy.length > 0);
  const candidates = [greedy, ' zzzz-not-a-likely-token'];
  const { scores } = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt, candidates });
  const sum = scores.reduce((total, s) => total + s.probability, 0);
  assert.ok(sum > 0 && sum <= 1 + 1e-9, `sum ${sum}: ${JSON.stringify(scores)}`);
  assert.equal(scores[0]?.candidate, greedy);
  assert.ok((scores[0]?.probability ?? 0) >= (scores[1]?.probability ?? 0));
  const explained = await server.connection.sendRequest(ExplainTermRequest.type, { term: 'HbA1c', language: 'en' });
  assert.ok(explained.text.length > 0, `empty explanation: ${JSON.stringify(explained)}`);
});

test('a benchmark runs against the remote server', async () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'medlocal-remote-runs-'));
  const finished = new Promise<BenchFinishedEvent>((resolve) => {
    server.connection.onNotification(BenchFinishedNotification.type, resolve);
  });
  const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', language: 'en', scoring: 'letter', format: 'igakuqa', limit: 4, parallel: 2, resultsDir });
  const event = await finished;
  assert.equal(event.runId, started.runId);
  assert.equal(event.status, 'completed', event.error);
  assert.equal(event.summary?.total, 4);
  assert.ok(existsSync(join(event.runDir, 'summary.json')));
});

test('the CLI runs a benchmark against the remote server (--backend openai --base-url)', async () => {
  const { spawnSync } = await import('node:child_process');
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-remote-cli-')), 'run');
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  const result = spawnSync(process.execPath, [cli, 'bench', '--dataset', 'sample', '--backend', 'openai', '--base-url', remote.baseUrl, '--limit', '3', '--scoring', 'generate', '--out', out, '--json'], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, MEDLOCAL_OPENAI_API_KEY: KEY },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { answered: number }).answered, 3);
  assert.ok(!readFileSync(join(out, 'manifest.json'), 'utf8').includes(KEY), 'the key is not in the manifest');
});
