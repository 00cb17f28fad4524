// The server's own messages reach a Japanese user in Japanese: model downloads, OpenAI-compatible
// servers and benchmarks. The messages are the real ones, produced by the code against loopback
// servers (a 404, a refused key, a closed port, bytes that are not a model...) and taken at the
// edge where the client gets them; a table then covers every exact English string translated.
// Each translation must differ from the English, be Japanese, and keep the facts (URLs, paths,
// HTTP status, sizes).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError, type Connection } from 'vscode-languageserver';
import {
  BenchDatasetRequest,
  BenchFinishedNotification,
  BenchListRequest,
  BenchQuestionRequest,
  BenchRunRequest,
  BenchStartRequest,
  type BenchFinishedEvent,
} from '../../../src/protocol/benchProtocol';
import { DownloadModelRequest } from '../../../src/protocol/modelsProtocol';
import type { ModelStatus } from '../../../src/protocol/protocol';
import { loadIgakuQA } from '../../../src/eval/datasets/igakuqa';
import { getPromptFormat, loadDataset, parseDatasetArgument, readRun } from '../../../src/eval/index';
import { OpenAiEngine } from '../../../src/engine/openaiEngine';
import { toResponseError } from '../../../src/server/features/cancellation';
import { localizeFacts, noUsableQuestions, registerBench } from '../../../src/server/features/bench';
import { registerModels } from '../../../src/server/features/models';
import { localize, setLocale } from '../../../src/server/i18n';
import { ModelHost } from '../../../src/server/modelHost';
import { downloadModel, parseModelSource } from '../../../src/engine/models/download';
import { ensureTinyModel } from '../../fixtures/gguf/tinyModel';
import { startRangeServer, type RangeServer } from '../engine/helpers/rangeServer';

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
/** Four English words in a row: a sentence (or most of one) left untranslated. */
const ENGLISH_RUN = /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/;

function inJapanese(message: string): string {
  setLocale('ja');
  try {
    return localize(message);
  } finally {
    setLocale('en');
  }
}

/**
 * The Japanese of `english`: different, Japanese, with every fact kept verbatim, and no English
 * sentence left once the facts (which may be English: a server's own words) are taken out.
 */
function assertTranslated(english: string, facts: readonly string[], japanese = inJapanese(english)): string {
  assert.notEqual(japanese, english, `no Japanese translation for: ${english}`);
  assert.match(japanese, JAPANESE, `not Japanese: ${japanese}`);
  let rest = japanese;
  for (const fact of facts) {
    assert.ok(japanese.includes(fact), `"${fact}" is lost in: ${japanese}\n(English: ${english})`);
    rest = rest.split(fact).join(' ');
  }
  assert.doesNotMatch(rest, ENGLISH_RUN, `English left in: ${japanese}`);
  return japanese;
}

/** The error a promise rejects with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

function rejectionSync(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof Error, String(error));
    return error;
  }
  assert.fail('expected an error');
}

// ---------------------------------------------------------------------------------------------
// Loopback servers

interface Loopback {
  origin: string;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Download sources that refuse: /<status>.gguf answers that HTTP status. */
function refusingFiles(req: IncomingMessage, res: ServerResponse): void {
  const status = Number(/^\/(\d{3})\.gguf$/.exec(req.url ?? '')?.[1] ?? 404);
  res.writeHead(status, { 'content-type': 'text/plain' }).end('no');
}

/**
 * OpenAI-compatible servers, one per path prefix: /plain/v1 (no logprobs, no echo, a stream that
 * breaks off), /oops/v1 (a stream that reports an error), /auth/v1 (401), /html/v1 (a web page),
 * /none/v1 (404), /down/v1 (500), /picky/v1 (400).
 */
function openAiServers(req: IncomingMessage, res: ServerResponse): void {
  const [, kind, path] = /^\/(\w+)\/v1(\/.*)$/.exec(req.url ?? '') ?? [];
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const request = body ? (JSON.parse(body) as { stream?: boolean }) : {};
    switch (kind) {
      case 'auth':
        return json(res, 401, { error: { message: 'Incorrect API key provided' } });
      case 'html':
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Router login</body></html>');
      case 'none':
        return res.writeHead(404).end();
      case 'down':
        return json(res, 500, { error: { message: 'model is still loading' } });
      case 'picky':
        return json(res, 400, { detail: 'unsupported parameter' });
    }
    if (path === '/models') return json(res, 200, { data: [{ id: 'served-model' }] });
    if (request.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (kind === 'oops') return res.end('data: {"error":{"message":"CUDA out of memory"}}\n\n');
      return res.end('data: {"choices":[{"text":"The"}]}\n\n'); // no finish_reason, no [DONE]
    }
    if (path === '/chat/completions') return json(res, 200, { choices: [{ message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' }] });
    return json(res, 200, { choices: [{ text: ' no', finish_reason: 'length' }] });
  });
}

// ---------------------------------------------------------------------------------------------
// The language server's edge, without a transport: handlers registered on a stand-in connection.

interface FakeConnection {
  connection: Connection;
  request<P, R>(type: { method: string }, params: P): Promise<R>;
  notifications: Array<{ method: string; params: unknown }>;
}

function fakeConnection(): FakeConnection {
  const handlers = new Map<string, (params: unknown, token: unknown) => unknown>();
  const notifications: Array<{ method: string; params: unknown }> = [];
  const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => undefined }) };
  const connection = {
    onRequest: (type: { method: string }, handler: (params: unknown, token: unknown) => unknown) => {
      handlers.set(type.method, handler);
      return { dispose: () => handlers.delete(type.method) };
    },
    sendNotification: (type: { method: string }, params: unknown) => {
      notifications.push({ method: type.method, params });
      return Promise.resolve();
    },
    languages: { attachPartialResultProgress: () => undefined },
  } as unknown as Connection;
  return {
    connection,
    notifications,
    request: async <P, R>(type: { method: string }, params: P) => {
      const handler = handlers.get(type.method);
      assert.ok(handler, `no handler for ${type.method}`);
      return (await handler(params, token)) as R;
    },
  };
}

/** The message of the ResponseError a request is answered with, with the client's locale ja. */
async function japaneseError(run: () => Promise<unknown>): Promise<string> {
  setLocale('ja');
  try {
    const error = await rejection(run());
    assert.ok(error instanceof ResponseError, String(error));
    return error.message;
  } finally {
    setLocale('en');
  }
}

// ---------------------------------------------------------------------------------------------

let dir = '';
let refusing: Loopback;
let openai: Loopback;
let files: RangeServer;
let closed = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'medlocal-l10n-'));
  const tiny = await readFile(await ensureTinyModel());
  [refusing, openai, files, closed] = await Promise.all([
    listen(refusingFiles),
    listen(openAiServers),
    startRangeServer({
      'page.gguf': Buffer.from('<!doctype html><title>Sign in to continue</title>'.repeat(64)),
      'short.gguf': tiny.subarray(0, tiny.length - 4096),
      'tiny.gguf': tiny,
    }),
    closedPort(),
  ]);
});

after(async () => {
  setLocale('en');
  await Promise.all([refusing?.close(), openai?.close(), files?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fresh = (name: string) => mkdtempSync(join(dir, `${name}-`));

test('model downloads: a bad URI, HTTP 404 / 401 / 403 / 500 and an unreachable server, with their next steps', async () => {
  const badUri = rejectionSync(() => parseModelSource('ftp://example.com/m.gguf')) as Error & { hint: string };
  assertTranslated(badUri.message, ['「ftp://example.com/m.gguf」']);
  assertTranslated(badUri.hint, ['hf:<user>/<repo>:<quantization>', 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M', 'https://']);

  const target = fresh('refused');
  for (const [status, hintFact] of [[404, 'URI'], [401, 'huggingface.co'], [403, 'HF_TOKEN'], [500, '']] as const) {
    const url = `${refusing.origin}/${status}.gguf`;
    const error = (await rejection(downloadModel({ uri: url, directory: target }))) as Error & { hint: string };
    assertTranslated(error.message, [url, `HTTP ${status}`]);
    assertTranslated(error.hint, hintFact ? [hintFact] : []);
  }

  const unreachable = `http://127.0.0.1:${closed}/m.gguf`;
  const error = (await rejection(downloadModel({ uri: unreachable, directory: target }))) as Error & { hint: string };
  const detail = /\((.+)\)\.$/.exec(error.message)?.[1] ?? '';
  assert.match(detail, /ECONNREFUSED/);
  assertTranslated(error.message, [`127.0.0.1:${closed}`, detail]);
  assertTranslated(error.hint, ['URL']);
});

test('model downloads: bytes that are not a GGUF, a truncated model and a folder that cannot be written', async () => {
  const page = files.url('page.gguf');
  const notGguf = await rejection(downloadModel({ uri: page, directory: fresh('page') }));
  const ja = assertTranslated(notGguf.message, [page, 'page.gguf', 'GGUF']);
  assert.match(ja, /シグネチャ/);

  const short = files.url('short.gguf');
  const truncated = (await rejection(downloadModel({ uri: short, directory: fresh('short') }))) as Error & { hint: string };
  const [, have, need] = /it has (\d+) bytes, but its tensors need (\d+)/.exec(truncated.message) ?? [];
  assert.ok(have && need, truncated.message);
  assertTranslated(truncated.message, [short, 'short.gguf', have, need]);
  assertTranslated(truncated.hint, []);

  const blocker = join(dir, 'a-file-not-a-folder');
  writeFileSync(blocker, 'x');
  const folder = join(blocker, 'models');
  const unwritable = (await rejection(downloadModel({ uri: files.url('tiny.gguf'), directory: folder }))) as Error & { hint: string };
  assert.match(unwritable.message, /cannot write to the models folder/);
  assertTranslated(unwritable.message, [folder, 'ENOTDIR']);
  assertTranslated(unwritable.hint, ['`medlocal.model.directory`']);
});

test('model downloads at the edge: the download request answers with message and next step in Japanese; a cancel too', async () => {
  const fake = fakeConnection();
  registerModels(fake.connection, {} as ModelHost, () => ({}) as never);
  const url = `${refusing.origin}/404.gguf`;
  const message = await japaneseError(() => fake.request(DownloadModelRequest.type, { uri: url, directory: fresh('edge') }));
  assertTranslated(`${url} was not found (HTTP 404). Check the repository, file name and quantization in the URI.`, [url, 'HTTP 404', 'URI'], message);
  assert.match(message, /見つかりません.*リポジトリ/);

  const cancel = new AbortController();
  cancel.abort();
  const aborted = await rejection(downloadModel({ uri: url, directory: fresh('cancel'), signal: cancel.signal }));
  setLocale('ja');
  try {
    const response = toResponseError(aborted);
    assert.equal(response.code, -32800);
    assertTranslated('Cancelled', [], response.message);
  } finally {
    setLocale('en');
  }
});

test('OpenAI-compatible servers: closed port, refused key, a web page, 404, 500 and 400 instead of an API', async () => {
  const base = (kind: string) => `${openai.origin}/${kind}/v1`;
  const origin = openai.origin;

  const unreachable = (await rejection(OpenAiEngine.connect({ baseUrl: `http://127.0.0.1:${closed}/v1` }))) as Error & { hint: string };
  assertTranslated(unreachable.message, [`http://127.0.0.1:${closed}`, 'ECONNREFUSED']);
  assertTranslated(unreachable.hint, ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1']);

  const noKey = (await rejection(OpenAiEngine.connect({ baseUrl: base('auth') }))) as Error & { hint: string };
  assertTranslated(noKey.message, [origin, 'HTTP 401', 'API']);
  assertTranslated(noKey.hint, ['API']);
  const wrongKey = await rejection(OpenAiEngine.connect({ baseUrl: base('auth'), apiKey: 'sk-wrong' }));
  assertTranslated(wrongKey.message, [origin, 'HTTP 401', 'Incorrect API key provided']);

  const page = (await rejection(OpenAiEngine.connect({ baseUrl: base('html') }))) as Error & { hint: string };
  assertTranslated(page.message, [origin, '/models', 'text/html', '<html><body>Router login</body></html>']);
  assertTranslated(page.hint, ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1', 'llama-server', 'vLLM']);

  assertTranslated((await rejection(OpenAiEngine.connect({ baseUrl: base('none') }))).message, [origin, '/models', 'HTTP 404']);
  const down = (await rejection(OpenAiEngine.connect({ baseUrl: base('down') }))) as Error & { hint: string };
  assertTranslated(down.message, [origin, '/models', 'HTTP 500', 'model is still loading']);
  assertTranslated(down.hint, []);
  const picky = (await rejection(OpenAiEngine.connect({ baseUrl: base('picky') }))) as Error & { hint: string };
  assertTranslated(picky.message, [origin, '/models', 'HTTP 400', 'unsupported parameter']);
  assertTranslated(picky.hint, []);
});

test('OpenAI-compatible servers: no logprobs for letter or likelihood scoring, a broken stream, a reported error', async () => {
  const origin = openai.origin;
  const plain = await OpenAiEngine.connect({ baseUrl: `${origin}/plain/v1` });
  const letters = (await rejection(plain.scoreNextTokens({ user: 'Which? a or b' }, ['a', 'b']))) as Error & { hint: string };
  assertTranslated(letters.message, [origin, '/chat/completions', 'top_logprobs', 'echo', 'logprobs']);
  assertTranslated(letters.hint, ['vLLM', 'llama.cpp', 'llama-server', 'MedLocal']);
  const likelihood = await rejection(plain.scoreContinuations('The answer is', [' yes', ' no']));
  assertTranslated(likelihood.message, [origin, '/completions', 'echo', 'logprobs', 'top_logprobs']);

  const cut = (await rejection(plain.generate('The patient', { maxTokens: 8 }))) as Error & { hint: string };
  assertTranslated(cut.message, [origin]);
  assertTranslated(cut.hint, []);
  const oops = await OpenAiEngine.connect({ baseUrl: `${origin}/oops/v1` });
  const reported = (await rejection(oops.generate('The patient', { maxTokens: 8 }))) as Error & { hint: string };
  assertTranslated(reported.message, [origin, 'CUDA out of memory']);
  assertTranslated(reported.hint, []);
});

test('OpenAI-compatible servers: bad URLs and the plain-http warning', () => {
  for (const [baseUrl, fact] of [['not a url', '「not a url」'], ['ftp://files.example/v1', '「ftp:」'], ['http://user:secret@gpu.example/v1', 'URL']] as const) {
    const error = rejectionSync(() => new OpenAiEngine({ baseUrl })) as Error & { hint: string };
    assertTranslated(error.message, [fact]);
    assertTranslated(error.hint, []);
  }
  for (const apiKey of [undefined, 'sk-x']) {
    const [warning] = new OpenAiEngine({ baseUrl: 'http://gpu.example:8000/v1', ...(apiKey ? { apiKey } : {}) }).warnings;
    assert.ok(warning);
    const ja = assertTranslated(warning, ['http://gpu.example:8000', 'http://', 'https://', '127.0.0.1']);
    assert.equal(ja.includes('API キー'), apiKey !== undefined, ja);
  }
});

test('OpenAI-compatible servers at the edge: the status of an unreachable or unparsable server URL, and of none', async () => {
  const statuses: ModelStatus[] = [];
  const host = new ModelHost({ cores: 1, sequences: 2, log: () => undefined, onStatus: (status) => statuses.push(status) });
  const failed = async (baseUrl: string) => {
    const from = statuses.length;
    host.configure({ kind: 'remote', remote: { baseUrl } });
    for (let i = 0; i < 200 && !statuses.slice(from).some((s) => s.state === 'error' || s.state === 'noModel'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const status = statuses.slice(from).find((s) => s.state === 'error' || s.state === 'noModel');
    assert.ok(status?.message && status.hint, JSON.stringify(statuses.slice(from)));
    return status as ModelStatus & { message: string; hint: string };
  };
  const unreachable = await failed(`http://127.0.0.1:${closed}/v1`);
  assertTranslated(unreachable.message, [`http://127.0.0.1:${closed}`, 'ECONNREFUSED']);
  assertTranslated(unreachable.hint, ['http://127.0.0.1:8080/v1']);
  // An unparsable URL gets a status with a next step (it used to be an unhandled rejection).
  const unparsable = await failed('localhost:8080/v1');
  assertTranslated(unparsable.message, ['localhost:']);
  assertTranslated(unparsable.hint, ['http://127.0.0.1:8080/v1']);
  const none = await failed('');
  assertTranslated(none.message, []);
  assertTranslated(none.hint, ['`medlocal.openai.baseUrl`', '`medlocal.backend`', 'http://127.0.0.1:8080/v1']);
  await host.dispose();
});

test('benchmark datasets: loader errors, skip reasons and file:line issues', () => {
  const missing = join(dir, 'absent.jsonl');
  const empty = fresh('empty');
  for (const [run, facts] of [
    [() => parseDatasetArgument('medqa'), ['「medqa」', 'igakuqa:DIR', 'csv:FILE', 'sample']],
    [() => loadDataset({ kind: 'jsonl', path: missing }), [missing, '「jsonl:」']],
    [() => loadDataset({ kind: 'csv', path: empty }), [empty, 'csv:', '.csv']],
    [() => loadIgakuQA(missing), [missing, '<exam>-<block>.jsonl', 'data/2018']],
    [() => loadDataset({ kind: 'igakuqa', path: empty }), [empty, '<exam>-<block>.jsonl', '112-A.jsonl']],
    [() => getPromptFormat('nope'), ['「nope」', 'igakuqa', '--template FILE']],
    [() => readRun(empty), [empty, 'answers.jsonl', 'medlocal bench', '--out']],
  ] as Array<[() => unknown, string[]]>) {
    assertTranslated(rejectionSync(run).message, facts);
  }

  const broken = join(dir, 'broken.jsonl');
  writeFileSync(
    broken,
    [
      '{"question": "Q?", "options": {"A": "x", "B": "y"}, "answer_idx": "C"}',
      '{"question": "", "options": {"A": "x", "B": "y"}, "answer_idx": "A"}',
      'not json at all',
      '[1, 2]',
      '{"something": "else"}',
      '{"question": "Q?", "options": {"A": "x"}, "answer_idx": "A"}',
    ].join('\n'),
  );
  const loaded = loadDataset({ kind: 'jsonl', path: broken });
  assert.equal(loaded.questions.length, 0);
  const facts = { loaded: 0, skipped: loaded.skipped, multiAnswer: 0, choiceCounts: {}, points: {}, issues: loaded.issues.map((i) => `${i.file}:${i.line}: ${i.reason}`) };
  assert.equal(facts.issues.length, 6);
  setLocale('ja');
  let localized;
  try {
    localized = localizeFacts(facts);
  } finally {
    setLocale('en');
  }
  // Facts each issue keeps, by line (unparsable lines are reported first).
  const expected: Record<number, string[]> = {
    1: ['answer_idx', '"C"', '2'], // field "answer_idx" = "C" names no option (there are 2)
    2: ['question'], // field "question" must be a non-empty string
    3: [/\((.+)\)$/.exec(facts.issues.find((i) => i.startsWith(`${broken}:3:`)) ?? '')?.[1] ?? '?'], // not valid JSON (V8's own words)
    4: [], // not a JSON object
    5: ['MedQA', 'answer_idx', 'opa..opd', 'problem_text'], // unknown record layout
    6: ['2', '1'], // needs at least 2 choices, found 1
  };
  facts.issues.forEach((issue, index) => {
    const line = Number(issue.slice(broken.length + 1).split(':')[0]);
    assert.ok(expected[line], issue);
    assertTranslated(issue, [`${broken}:${line}: `, ...(expected[line] ?? [])], localized.issues[index]);
  });
  assert.deepEqual(Object.keys(localized.skipped), ['不正なレコード']);
  assert.deepEqual(Object.values(localized.skipped), [6]);

  const noQuestions = noUsableQuestions(`jsonl:${broken}`, facts);
  setLocale('ja');
  try {
    assertTranslated(noQuestions, [`jsonl:${broken}`, `${broken}:1`, `${broken}:2`, `${broken}:3`, ...expected[3]!, 'answer_idx', '"C"'], noUsableQuestions(`jsonl:${broken}`, facts));
  } finally {
    setLocale('en');
  }
});

test('benchmarks at the edge: start errors, a run that fails on a server without logprobs, damaged run folders', async () => {
  const fake = fakeConnection();
  const engine = await OpenAiEngine.connect({ baseUrl: `${openai.origin}/plain/v1` });
  registerBench(fake.connection, { getEngine: async () => engine, info: null } as unknown as ModelHost, () => undefined);
  const resultsDir = fresh('runs');

  const broken = join(dir, 'only-broken.jsonl');
  writeFileSync(broken, '[1]\n{"question": "Q?"}\n');
  const noQuestions = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: `medqa:${broken}`, scoring: 'letter', resultsDir }));
  assertTranslated(`No usable questions in medqa:${broken}: 2 skipped (malformed record).`, [`medqa:${broken}`, `${broken}:1`, `${broken}:2`, '2', 'options', '{A: ..., B: ...}'], noQuestions);

  const noLetters = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: 'sample', format: 'medpalm_five_choice_cot', scoring: 'letter', resultsDir }));
  assertTranslated('The medpalm_five_choice_cot format shows no choice letters: use letter scoring with the igakuqa format, or generate scoring.', ['medpalm_five_choice_cot', 'letter', 'igakuqa', 'generate'], noLetters);

  const foreign = fresh('foreign-run');
  writeFileSync(join(foreign, 'answers.jsonl'), '');
  const notOurs = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', resultsDir, resumeDir: foreign }));
  assertTranslated(`${foreign} does not record how it was started (no recipe in its manifest), so it cannot be resumed; start a new run instead.`, [foreign], notOurs);

  const dataset = await japaneseError(() => fake.request(BenchDatasetRequest.type, { dataset: 'csv:' }));
  assertTranslated('unknown dataset "csv:": use igakuqa:DIR, medqa:FILE, medmcqa:FILE, jmedbench:FILE, jsonl:FILE, csv:FILE or sample.', ['「csv:」'], dataset);

  // Five questions in a row fail (the server returns no logprobs): the run ends as failed. The
  // locale stays ja until the end has been announced, which comes after the request returned.
  const damagedDir = join(resultsDir, 'damaged');
  const bareDir = join(resultsDir, 'bare');
  setLocale('ja');
  let started: { runId: string; runDir: string } | undefined;
  let finished: BenchFinishedEvent | undefined;
  let stored: { manifest?: { error?: string }; answers: Array<{ error?: string }> } | undefined;
  let listing: { runs: Array<{ runDir: string; problem?: string }> } | undefined;
  try {
    const run: { runId: string; runDir: string } = await fake.request(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', limit: 6, resultsDir });
    started = run;
    for (let i = 0; i < 400 && !finished; i++) {
      finished = fake.notifications.find((n) => n.method === BenchFinishedNotification.type.method)?.params as BenchFinishedEvent | undefined;
      if (!finished) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    stored = await fake.request(BenchRunRequest.type, { runDir: run.runDir });
    for (const folder of [damagedDir, bareDir]) {
      mkdirSync(folder);
      writeFileSync(join(folder, 'answers.jsonl'), '');
    }
    writeFileSync(join(damagedDir, 'manifest.json'), '{ not json');
    listing = await fake.request(BenchListRequest.type, { resultsDir });
  } finally {
    setLocale('en');
  }
  assert.ok(started && stored && listing);
  assert.equal(finished?.status, 'failed', JSON.stringify(finished));
  const englishFailure = `5 questions in a row failed (last: ${readRun(started.runDir).manifest?.error ?? ''}). Fix the engine, then continue with --resume ${started.runDir}.`;
  assertTranslated(englishFailure, [started.runDir, openai.origin, '/completions', 'top_logprobs', '--resume'], finished?.error);

  const english = readRun(started.runDir);
  assertTranslated(english.manifest?.error ?? '', [openai.origin, 'top_logprobs'], stored.manifest?.error);
  assert.ok(english.answers.length >= 5 && english.answers.every((a) => a.error), 'every answer failed');
  english.answers.forEach((answer, index) => assertTranslated(answer.error ?? '', [openai.origin], stored.answers[index]?.error));

  const damaged = listing.runs.find((run) => run.runDir === damagedDir);
  const damagedEnglish = rejectionSync(() => readRun(damagedDir)).message;
  const parseError = /is not valid JSON \((.+)\); the folder/.exec(damagedEnglish)?.[1] ?? '?';
  assertTranslated(damagedEnglish, [join(damagedDir, 'manifest.json'), parseError], damaged?.problem);
  assertTranslated('manifest.json is missing', ['manifest.json'], listing.runs.find((run) => run.runDir === bareDir)?.problem);
  const question = await japaneseError(() => fake.request(BenchQuestionRequest.type, { runDir: bareDir, id: 'q1' }));
  assertTranslated(`${bareDir} does not record its dataset; the question cannot be shown.`, [bareDir], question);
});

// ---------------------------------------------------------------------------------------------
// Every exact English string translated, with the facts its Japanese must keep. Messages with a
// variable part are written out with example values; hints are fixed strings.

const ORIGIN = 'http://10.0.0.5:8000';
const SERVER = `the OpenAI-compatible server at ${ORIGIN}`;
const NOT_OPENAI = 'it does not look like an OpenAI-compatible API.';
const LOGPROBS_TAIL = 'Next-token scoring (letter answers) needs top_logprobs; continuation scoring needs echo + logprobs. Generation works without them.';
const BASE_URL_HINT = 'Set the server URL to its OpenAI API root, e.g. http://127.0.0.1:8080/v1 (llama-server) or http://127.0.0.1:8000/v1 (vLLM).';
const RUN = '/home/u/runs/20250101-120000-sample-letter-1';
const FILE = '/data/medqa/test.jsonl';

const TABLE: Array<[string, string[]]> = [
  // Model downloads
  ['"C:\\models\\m.gguf" is not a model URI MedLocal can download.', ['「C:\\models\\m.gguf」']],
  ['Use hf:<user>/<repo>:<quantization> (for example hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M) or an https:// URL of a .gguf file.', ['hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M', 'https://', '.gguf']],
  ['hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M is already being downloaded.', ['hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M']],
  ['Wait for that download to finish, or cancel it.', []],
  ['Cannot reach huggingface.co to download the model (fetch failed: getaddrinfo ENOTFOUND huggingface.co).', ['huggingface.co', 'fetch failed: getaddrinfo ENOTFOUND huggingface.co']],
  ['Check the network connection and the URL, then try again.', ['URL']],
  ['The server refused the download of the model file (HTTP 403).', ['HTTP 403']],
  ['The server refused the download of https://huggingface.co/org/m/resolve/main/m.gguf (HTTP 401).', ['https://huggingface.co/org/m/resolve/main/m.gguf', 'HTTP 401']],
  ['The model may be gated: accept its licence on huggingface.co and sign in with `huggingface-cli login` (or set HF_TOKEN before starting VS Code), or pick another model.', ['huggingface.co', 'huggingface-cli login', 'HF_TOKEN']],
  ['the model file was not found (HTTP 404).', ['HTTP 404']],
  ['https://example.org/m.gguf was not found (HTTP 404).', ['https://example.org/m.gguf', 'HTTP 404']],
  ['Check the repository, file name and quantization in the URI.', ['URI']],
  ['The server answered HTTP 502 for the model file.', ['HTTP 502']],
  ['The server answered HTTP 429 for https://example.org/m.gguf.', ['HTTP 429', 'https://example.org/m.gguf']],
  ['Try again later, or pick another download source.', []],
  ['No answer about hf:org/repo:Q4_K_M within 20 s.', ['hf:org/repo:Q4_K_M', '20']],
  ['Check the network connection, then try again.', []],
  ['Could not start the download of hf:org/repo:Q9: No model file found for quantization Q9', ['hf:org/repo:Q9', 'No model file found for quantization Q9']],
  ['Check the repository and quantization on huggingface.co (or the URL), then try again.', ['huggingface.co', 'URL']],
  ['There is not enough disk space in /home/u/models for the model.', ['/home/u/models']],
  ['Free up disk space, then run the download again: it resumes from what was received.', []],
  ['MedLocal cannot write to the models folder /srv/models (EACCES).', ['/srv/models', 'EACCES']],
  ['Set `medlocal.model.directory` to a folder you can write to, then try again.', ['`medlocal.model.directory`']],
  ['The download failed: socket hang up', ['socket hang up']],
  ['Run the download again: it resumes from what was received.', []],
  ['The download stalled: no data for 60 s.', ['60']],
  ['The download of https://example.org/m.gguf is incomplete or corrupt (m.gguf: received 1000 of 4096 bytes). Nothing was saved as the model.', ['https://example.org/m.gguf', 'm.gguf', '1000', '4096']],
  ['The download of hf:org/repo:Q4_K_M is incomplete or corrupt (m-00002-of-00002.gguf: the file is missing after the transfer). Nothing was saved as the model.', ['hf:org/repo:Q4_K_M', 'm-00002-of-00002.gguf']],
  ['The download of https://example.org/m.gguf is incomplete or corrupt (m.gguf: the file is empty). Nothing was saved as the model.', ['https://example.org/m.gguf', 'm.gguf']],
  ['The download of https://example.org/m.gguf is incomplete or corrupt (m.gguf: it does not start with the GGUF signature). Nothing was saved as the model.', ['https://example.org/m.gguf', 'GGUF']],
  ['The download of https://example.org/m.gguf is incomplete or corrupt (m.gguf: The model file /m/.partial/m.gguf is not a valid GGUF file (bad tensor count); it may be truncated or corrupt.). Nothing was saved as the model.', ['https://example.org/m.gguf', '/m/.partial/m.gguf', 'bad tensor count']],
  ['The model file /m/.partial/m.gguf is truncated: it has 100 bytes, but its tensors need 200.', ['/m/.partial/m.gguf', '100', '200']],
  ['Download it again; if this repeats, the server is serving a broken file: pick another source.', []],
  ['Cancelled', []],
  ['The operation was cancelled', []],
  // File-system errors in Node's words
  ["EACCES: permission denied, mkdir '/srv/runs/r1'", ['/srv/runs/r1', 'mkdir']],
  ["EPERM: operation not permitted, rename '/a/x.tmp' -> '/a/x'", ['/a/x.tmp', 'rename']],
  ["EROFS: read-only file system, open '/mnt/cd/answers.jsonl'", ['/mnt/cd/answers.jsonl', 'open']],
  ['ENOSPC: no space left on device, write', ['write']],
  ["ENOENT: no such file or directory, open '/data/x.jsonl'", ['/data/x.jsonl', 'open']],
  ["ENOTDIR: not a directory, mkdir '/home/u/file/models'", ['/home/u/file/models', 'mkdir']],
  // OpenAI-compatible servers
  ['No server URL is configured.', ['URL']],
  ['Set `medlocal.openai.baseUrl` to the API root of an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1), or set `medlocal.backend` to local.', ['`medlocal.openai.baseUrl`', 'http://127.0.0.1:8080/v1', '`medlocal.backend`', 'local']],
  ['"127.0.0.1 8080" is not a URL.', ['「127.0.0.1 8080」']],
  ['"ws:" URLs are not supported for the server.', ['「ws:」']],
  ['The server URL must not contain a user name or password.', ['URL']],
  ['Put the key in the API key setting instead.', ['API']],
  [BASE_URL_HINT, ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1', 'llama-server', 'vLLM']],
  [`Cannot reach ${SERVER} (no answer within 120 s).`, [ORIGIN, '120']],
  [`Cannot reach ${SERVER} (ENOTFOUND).`, [ORIGIN, 'ENOTFOUND']],
  [`Check that the server is running and reachable from this machine, and that the URL is right. ${BASE_URL_HINT}`, ['URL', 'http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1']],
  [`${SERVER} rejected the API key (HTTP 403).`, [ORIGIN, 'HTTP 403']],
  [`${SERVER} rejected the API key (HTTP 401: invalid token ***).`, [ORIGIN, 'HTTP 401', 'invalid token ***']],
  [`${SERVER} requires an API key (HTTP 401).`, [ORIGIN, 'HTTP 401']],
  ["Set the API key of this server again in MedLocal (it is kept in the editor's secret storage), or check the key the server was started with.", ['API']],
  [`${SERVER} has no /chat/completions endpoint (HTTP 405); it does not look like an OpenAI-compatible API at this URL.`, [ORIGIN, '/chat/completions', 'HTTP 405']],
  [`${SERVER} refused the request to /completions (HTTP 413).`, [ORIGIN, '/completions', 'HTTP 413']],
  [`${SERVER} refused the request to /completions (HTTP 400: max_tokens is too large).`, [ORIGIN, '/completions', 'HTTP 400', 'max_tokens is too large']],
  ["Check the model name and the server's limits (context size, max tokens).", []],
  [`${SERVER} failed on /chat/completions (HTTP 503).`, [ORIGIN, '/chat/completions', 'HTTP 503']],
  [`${SERVER} failed on /chat/completions (HTTP 500: CUDA error).`, [ORIGIN, '/chat/completions', 'HTTP 500', 'CUDA error']],
  ['Check the server log (it may be out of memory or still loading the model), then try again.', []],
  [`${SERVER} answered /models with no \`data\` list of models; ${NOT_OPENAI}`, [ORIGIN, '/models', '`data`']],
  [`${SERVER} answered /completions with no \`choices\`; ${NOT_OPENAI}`, [ORIGIN, '/completions', '`choices`']],
  [`${SERVER} answered /completions with an empty body instead of an event stream; ${NOT_OPENAI}`, [ORIGIN, '/completions']],
  [`${SERVER} answered /completions with an event that is not JSON ("<!DOCTYPE html>"); ${NOT_OPENAI}`, [ORIGIN, '/completions', '<!DOCTYPE html>']],
  [`${SERVER} answered /completions with an event that is not a JSON object; ${NOT_OPENAI}`, [ORIGIN, '/completions', 'JSON']],
  [`${SERVER} answered /models with text/plain instead of JSON ("Hello"); ${NOT_OPENAI}`, [ORIGIN, '/models', 'text/plain', 'Hello']],
  [`${SERVER} answered /models with an unknown type instead of JSON (""); ${NOT_OPENAI}`, [ORIGIN, '/models']],
  [`${SERVER} returned no log-probabilities of the next token (top_logprobs on /completions). ${LOGPROBS_TAIL}`, [ORIGIN, '/completions', 'top_logprobs', 'echo', 'logprobs']],
  [`${SERVER} returned no log-probabilities of the next token (top_logprobs on /chat/completions) (${SERVER} refused the request to /chat/completions (HTTP 400: logprobs are not supported).). ${LOGPROBS_TAIL}`, [ORIGIN, '/chat/completions', 'HTTP 400', 'logprobs are not supported', 'top_logprobs']],
  [`${SERVER} returned no log-probabilities of the prompt tokens (echo with logprobs on /completions). ${LOGPROBS_TAIL}`, [ORIGIN, '/completions', 'echo', 'logprobs']],
  [`${SERVER} returned no log-probabilities of the prompt tokens (echo with logprobs on /completions) (${SERVER} refused the request to /completions (HTTP 400: echo is not supported).). ${LOGPROBS_TAIL}`, [ORIGIN, '/completions', 'HTTP 400', 'echo is not supported']],
  ["Use a server that returns log-probabilities (vLLM supports both modes; llama.cpp's llama-server supports next-token scoring), or run the model locally in MedLocal.", ['vLLM', 'llama.cpp', 'llama-server', 'MedLocal']],
  [`${SERVER} closed the answer stream before it was complete.`, [ORIGIN]],
  ['Check the server log (it may have run out of memory), then try again.', []],
  [`${SERVER} reported an error while answering: context length exceeded`, [ORIGIN, 'context length exceeded']],
  ['Check the server log, then try again.', []],
  ['The prompt is empty: there is nothing to score the continuations against.', []],
  ['Pass the question as the prompt.', []],
  ['Continuation scoring on an OpenAI-compatible server needs the prompt as raw text, and no chat template renderer is configured.', ['OpenAI']],
  ['Use a text prompt for continuation scoring, or configure the chat template of the served model (renderChat).', ['renderChat']],
  [`${ORIGIN} is reached over plain http://: patient text in prompts and answers would travel unencrypted over the network. Use https://, or a server on this machine (127.0.0.1).`, [ORIGIN, 'http://', 'https://', '127.0.0.1']],
  [`${ORIGIN} is reached over plain http://: patient text in prompts and answers, and the API key, would travel unencrypted over the network. Use https://, or a server on this machine (127.0.0.1).`, [ORIGIN, 'API', 'https://']],
  ['The remote model was disconnected.', []],
  // Benchmarks
  [`${RUN} does not record how it was started (no recipe in its manifest), so it cannot be resumed; start a new run instead.`, [RUN]],
  [`No usable questions in medqa:${FILE}: 3 skipped (malformed record), 2 skipped (needs an image (text_only: false)).`, [`medqa:${FILE}`, '3', '2', 'text_only: false']],
  [`No usable questions in csv:${FILE}: the file is empty.`, [`csv:${FILE}`]],
  ['The jmedbench_mcqa format shows no choice letters: use letter scoring with the igakuqa format, or generate scoring.', ['jmedbench_mcqa', 'letter', 'igakuqa', 'generate']],
  ['unknown prompt format "chatml": use one of igakuqa, igakuqa_3shot, or --template FILE.', ['「chatml」', 'igakuqa, igakuqa_3shot', '--template FILE']],
  [`${RUN} does not record its dataset; the question cannot be shown.`, [RUN]],
  ['Question 116A1 is no longer in igakuqa:/data/2022.', ['116A1', 'igakuqa:/data/2022']],
  ['manifest.json is missing', ['manifest.json']],
  [`${RUN} holds no answers.jsonl: give the folder a "medlocal bench" run wrote (its --out).`, [RUN, 'answers.jsonl', 'medlocal bench', '--out']],
  [`${RUN}/manifest.json is not valid JSON (Unexpected end of JSON input); the folder is not a MedLocal run or was damaged.`, [`${RUN}/manifest.json`, 'Unexpected end of JSON input', 'MedLocal']],
  [`${RUN} already holds a run; continue it with --resume ${RUN}, or choose another --out folder.`, [RUN, `--resume ${RUN}`, '--out']],
  [`${RUN} has no manifest.json, so it is not a run MedLocal can resume; start a new run with --out.`, [RUN, 'manifest.json', '--out']],
  [`${RUN} was run with format igakuqa (0123456789ab), not igakuqa_3shot (ba9876543210); resume with the same --format, or start a new run with --out.`, [RUN, 'igakuqa', '0123456789ab', 'igakuqa_3shot', 'ba9876543210', '--format', '--out']],
  [`${RUN} was scored with {"mode":"letter"}, not {"mode":"generate","maxTokens":256}; resume with the same --scoring.`, [RUN, '{"mode":"letter"}', '{"mode":"generate","maxTokens":256}', '--scoring']],
  [`${RUN} was run with model /m/a.gguf, not /m/b.gguf; resume with the same --model.`, [RUN, '/m/a.gguf', '/m/b.gguf', '--model']],
  [`5 questions in a row failed (last: Cannot reach ${SERVER} (ECONNREFUSED).). Fix the engine, then continue with --resume ${RUN}.`, ['5', ORIGIN, 'ECONNREFUSED', `--resume ${RUN}`]],
  // Benchmark datasets: the file as a whole
  ['unknown dataset "medqa.jsonl": use igakuqa:DIR, medqa:FILE, medmcqa:FILE, jmedbench:FILE, jsonl:FILE, csv:FILE or sample.', ['「medqa.jsonl」', 'igakuqa:DIR', 'sample']],
  [`dataset file ${FILE} does not exist; check the path after "medqa:".`, [FILE, '「medqa:」']],
  ['dataset path /data/medqa is a folder; medqa: expects a .jsonl file.', ['/data/medqa', 'medqa:', '.jsonl']],
  ['IgakuQA path /data/2018 does not exist: give a folder holding <exam>-<block>.jsonl files (e.g. data/2018) or one such file.', ['/data/2018', '<exam>-<block>.jsonl', 'data/2018']],
  ['no IgakuQA question files (<exam>-<block>.jsonl, e.g. 112-A.jsonl) under /data/empty.', ['/data/empty', '112-A.jsonl']],
  ['English questions need 112-A_translate.jsonl next to 112-A.jsonl in /data/2018; add it or use --language ja.', ['112-A_translate.jsonl', '112-A.jsonl', '/data/2018', '--language ja']],
  ['/data/q.csv:1: the CSV file has no rows', ['/data/q.csv:1']],
  ['/data/q.csv:1: cannot tell the CSV layout from its header (id, text, label): it needs a "question" column, choice columns A, B, C... (or opa..opd with cop), and an "answer" column; or pass a column mapping.', ['/data/q.csv:1', 'id, text, label', 'question', 'answer', 'opa..opd', 'cop']],
  // Skip reasons
  ['needs an image (text_only: false)', ['text_only: false']],
  ['no choices (calculation question)', []],
  ['no English translation', []],
  ['duplicate id', ['ID']],
  ['malformed record', []],
  ['fewer than 2 choices', ['2']],
  // Record issues, as `file:line: reason`
  [`${FILE}:7: not valid JSON (Unexpected end of JSON input)`, [`${FILE}:7`, 'Unexpected end of JSON input']],
  [`${FILE}:8: not a JSON object`, [`${FILE}:8`, 'JSON']],
  [`${FILE}:9: duplicate id 42; the first one is kept`, [`${FILE}:9`, '42']],
  ['/data/q.csv:10: duplicate id q-10', ['/data/q.csv:10', 'q-10']],
  ['/data/q.csv:11: unreadable CSV row', ['/data/q.csv:11', 'CSV']],
  ['/data/2018/112-A_metadata.jsonl:3: companion line without a string "problem_id"', ['/data/2018/112-A_metadata.jsonl:3', 'problem_id']],
  [`${FILE}:12: field "question" must be a non-empty string`, [`${FILE}:12`, 'question']],
  [`${FILE}:13: field "category" must be a string`, [`${FILE}:13`, 'category']],
  [`${FILE}:14: field "choices" must be a list of strings`, [`${FILE}:14`, 'choices']],
  [`${FILE}:15: needs at least 2 choices, found 1`, [`${FILE}:15`, '2', '1']],
  [`${FILE}:16: answer index 5 is outside the 4 choices`, [`${FILE}:16`, '5', '4']],
  [`${FILE}:17: no answer`, [`${FILE}:17`]],
  [`${FILE}:18: field "options" must be an object {A: ..., B: ...} or a list`, [`${FILE}:18`, 'options', '{A: ..., B: ...}']],
  [`${FILE}:19: option "B" must be a string`, [`${FILE}:19`, 'B']],
  [`${FILE}:20: field "answer_idx" must be an option letter`, [`${FILE}:20`, 'answer_idx']],
  [`${FILE}:21: field "answer_idx" = "F" names no option (there are 4)`, [`${FILE}:21`, 'answer_idx', '"F"', '4']],
  [`${FILE}:22: field "cop" must be 0-3; a file numbering options 1-4 needs the other setting`, [`${FILE}:22`, 'cop', '0-3', '1-4']],
  [`${FILE}:23: field "points" must be a whole number, got "three"`, [`${FILE}:23`, 'points', '"three"']],
  [`${FILE}:24: field "cop" must be a whole number`, [`${FILE}:24`, 'cop']],
  ['/data/q.csv:25: a choice column between A, B, C, D is empty', ['/data/q.csv:25', 'A, B, C, D']],
  [`${FILE}:26: field "answer" is empty`, [`${FILE}:26`, 'answer']],
  [`${FILE}:27: field "label" is missing`, [`${FILE}:27`, 'label']],
  [`${FILE}:28: field "answer" holds an object where a letter, number or choice text is expected`, [`${FILE}:28`, 'answer']],
  [`${FILE}:29: field "answer" holds null where a letter, number or choice text is expected`, [`${FILE}:29`, 'answer', 'null']],
  [`${FILE}:30: field "answer_idx" = "x" is not a whole number`, [`${FILE}:30`, 'answer_idx', '"x"']],
  [`${FILE}:31: field "answer" = "z" names no choice (there are 5)`, [`${FILE}:31`, 'answer', '"z"', '5']],
  [`${FILE}:32: field "answer" must be choice text`, [`${FILE}:32`, 'answer']],
  [`${FILE}:33: answer "Aspirin" in field "answer" matches no choice`, [`${FILE}:33`, 'Aspirin', 'answer']],
  ['/data/2018/112-A.jsonl:34: translation has 4 choices, the question has 5', ['/data/2018/112-A.jsonl:34', '4', '5']],
  ['/data/2018/112-A.jsonl:35: answer "" holds no letter', ['/data/2018/112-A.jsonl:35']],
  ['/data/2018/112-A.jsonl:36: answer "f" is not a choice letter a-e', ['/data/2018/112-A.jsonl:36', '「f」', 'a-e']],
  [
    `${FILE}:37: unknown record layout: expected MedQA (question, options, answer_idx), MedMCQA (question, opa..opd, cop), JMedBench (question, options list, answer_idx) or IgakuQA/harness (problem_text, choices, answer) fields`,
    [`${FILE}:37`, 'MedQA', 'MedMCQA', 'JMedBench', 'IgakuQA/harness', 'problem_text'],
  ],
];

test('every translated English string: Japanese, different, with its facts', () => {
  assert.ok(TABLE.length > 140, `only ${TABLE.length} strings`);
  for (const [english, facts] of TABLE) assertTranslated(english, facts);
});

test('English stays English, and a message without a rule is passed through unchanged', () => {
  for (const [english] of TABLE) assert.equal(localize(english), english);
  assert.equal(inJapanese('Something entirely new went wrong.'), 'Something entirely new went wrong.');
  // The last rule keeps a `file:line:` prefix and translates only a reason it knows.
  assert.equal(inJapanese('/data/q.jsonl:3: a reason nobody wrote a rule for'), '/data/q.jsonl:3: a reason nobody wrote a rule for');
});
