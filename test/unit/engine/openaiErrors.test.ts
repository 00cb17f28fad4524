// What a real llama-server answers when things go wrong, replayed by a loopback server with the
// exact bodies llama-server sends (tools/server in llama.cpp v0.5.0: server-http.cpp's
// "Loading model" 503 and "Invalid API Key" 401, server-context.cpp's exceed_context_size_error;
// test/realserver/errors.test.ts checks the same against the real binary), and an HTTPS server
// with a self-signed certificate. Each becomes a message that says what happened and what to do,
// in English and Japanese.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OpenAiEngine, type OpenAiErrorKind } from '../../../src/engine/openaiEngine';
import { format } from '../../../src/shared/messages/index';
import { describeNext, UserError } from '../../../src/shared/userError';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const closers: Array<() => void> = [];
after(() => closers.forEach((close) => close()));

async function replay(handler: Handler): Promise<string> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => { server.closeAllConnections(); server.close(); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));

async function expectKind(work: Promise<unknown>, kind: OpenAiErrorKind, en: RegExp, nextEn: RegExp) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, kind, format('en', error.text));
    assert.match(format('en', error.text), en);
    assert.match(describeNext(error, 'en') ?? '', nextEn);
    // Japanese too: a different text, with the same facts (status, server) in it.
    const ja = format('ja', error.text);
    assert.notEqual(ja, format('en', error.text));
    assert.match(ja, /[\u3040-\u30ff\u4e00-\u9fff]/);
    assert.match(describeNext(error, 'ja') ?? '', /[\u3040-\u30ff\u4e00-\u9fff]/);
    return true;
  });
}

test('503 "Loading model" (llama-server before its model is in): says it is loading and to wait for /health', async () => {
  const baseUrl = await replay((_req, res) => json(res, 503, { error: { message: 'Loading model', type: 'unavailable_error', code: 503 } }));
  await expectKind(OpenAiEngine.connect({ baseUrl }), 'loading', /still loading its model \(HTTP 503: Loading model\)/, /\/health/);
});

test('400 exceed_context_size_error (a prompt longer than the slot): says so and how to give the server more context', async () => {
  const message = 'request (2100 tokens) exceeds the available context size (2048 tokens), try increasing it';
  const baseUrl = await replay((req, res) => {
    if (req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
    json(res, 400, { error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: 2100, n_ctx: 2048 } });
  });
  const engine = await OpenAiEngine.connect({ baseUrl });
  await expectKind(engine.scoreNextTokens('long question', [' A']), 'contextOverflow', /does not fit .*2100 tokens.*2048 tokens/, /--ctx-size.*--parallel/);
  await expectKind(engine.generate({ user: 'long question' }, { maxTokens: 4 }), 'contextOverflow', /does not fit/, /--max-model-len/);
});

test('a context overflow reported inside the event stream (llama-server\'s data: {"error":…} after the stream began) is the same message', async () => {
  const message = 'request (2100 tokens) exceeds the available context size (2048 tokens), try increasing it';
  const baseUrl = await replay((req, res) => {
    if (req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'The' }, finish_reason: null }] })}\n\n`);
    // The shape of server-context.cpp's format_error: the error object under "error", in an event.
    res.end(`data: ${JSON.stringify({ error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: 2100, n_ctx: 2048 } })}\n\n`);
  });
  const engine = await OpenAiEngine.connect({ baseUrl });
  await expectKind(engine.generate({ user: 'long question' }, { maxTokens: 4 }), 'contextOverflow', /does not fit .*2100 tokens.*2048 tokens/, /--ctx-size/);
});

test("vLLM's context overflow (400, \"maximum context length\") is the same message", async () => {
  const message = "This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (2096 in the messages, 4 in the completion). Please reduce the length of the messages or completion.";
  const baseUrl = await replay((req, res) => {
    if (req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
    json(res, 400, { object: 'error', message, type: 'BadRequestError', param: null, code: 400 });
  });
  const engine = await OpenAiEngine.connect({ baseUrl });
  await expectKind(engine.scoreNextTokens('long question', [' A']), 'contextOverflow', /maximum context length is 2048/, /context/);
});

test('413 (a proxy or server that limits the body size): says the request is too large', async () => {
  const baseUrl = await replay((req, res) => {
    if (req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
    res.writeHead(413, { 'content-type': 'text/html' }).end('<html><body><h1>413 Request Entity Too Large</h1></body></html>');
  });
  const engine = await OpenAiEngine.connect({ baseUrl });
  await expectKind(engine.scoreNextTokens('x'.repeat(10_000), [' A']), 'tooLarge', /too large \(HTTP 413: .*Request Entity Too Large/, /size limit/);
});

test('401 "Invalid API Key" (llama-server --api-key, wrong key): says the key was rejected, never quoting it', async () => {
  const baseUrl = await replay((_req, res) => json(res, 401, { error: { message: 'Invalid API Key', type: 'authentication_error', code: 401 } }));
  await expectKind(OpenAiEngine.connect({ baseUrl, apiKey: 'sk-wrong-123' }), 'unauthorized', /rejected the API key \(HTTP 401: Invalid API Key\)/, /API key/);
});

test('HTTPS with a self-signed certificate: refused with a clear message, no fallback to http; trusted once its CA is given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const requests: string[] = [];
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    requests.push(req.url ?? '');
    json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => { server.closeAllConnections(); server.close(); });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `https://127.0.0.1:${port}/v1`;
  await expectKind(OpenAiEngine.connect({ baseUrl }), 'tls', /certificate .* not trusted .*DEPTH_ZERO_SELF_SIGNED_CERT.*does not fall back to http/, /NODE_EXTRA_CA_CERTS/);
  assert.deepEqual(requests, [], 'no request reached the server without a trusted certificate');
  // The user's explicit trust: the certificate as an extra CA (Node reads it at start-up).
  const script = `const { OpenAiEngine } = require(${JSON.stringify(join(__dirname, '..', '..', '..', 'src', 'engine', 'openaiEngine.ts'))});
    OpenAiEngine.connect({ baseUrl: ${JSON.stringify(baseUrl)} }).then((e) => e.listModels()).then((m) => console.log(JSON.stringify(m)), (e) => { console.error(String(e)); process.exit(1); });`;
  // (asynchronously: this process serves the HTTPS requests meanwhile)
  const child = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
  assert.equal(child.code, 0, child.stderr);
  assert.equal(child.stdout.trim(), '["tiny"]');
  assert.deepEqual(requests, ['/v1/models', '/v1/models']);
});

test('a connection the server closes under a request before answering (a kept-alive socket llama-server dropped) is retried once on a new connection; a second close is reported', async () => {
  let completions = 0;
  let closeEvery = 1;
  const baseUrl = await replay((req, res) => {
    if (req.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] });
    completions++;
    // No status line, no body: the socket just closes (undici: UND_ERR_SOCKET, "other side closed").
    if (completions <= closeEvery) return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Fine' }, finish_reason: null }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  const engine = await OpenAiEngine.connect({ baseUrl });
  const answer = await engine.generate({ user: 'question' }, { maxTokens: 4 });
  assert.equal(answer.text, 'Fine');
  assert.equal(completions, 2, 'the closed request went once more');
  // Closed twice in a row: no endless retrying, the user reads that the server cannot be reached.
  completions = 0;
  closeEvery = 2;
  await expectKind(engine.generate({ user: 'question' }, { maxTokens: 4 }), 'unreachable', /Cannot reach .*UND_ERR_SOCKET/, /running/);
  assert.equal(completions, 2);
});

test('a refused connection is not retried: reported at once as unreachable', async () => {
  const baseUrl = await replay((_req, res) => json(res, 200, { object: 'list', data: [{ id: 'tiny', object: 'model' }] }));
  const engine = await OpenAiEngine.connect({ baseUrl });
  closers.forEach((close) => close());
  await expectKind(engine.generate({ user: 'question' }, { maxTokens: 4 }), 'unreachable', /Cannot reach .*ECONNREFUSED/, /running/);
});
