// The server's own messages reach a Japanese user in Japanese: model downloads, OpenAI-compatible
// servers and benchmarks. The messages are the real ones, produced by the code against loopback
// servers (a 404, a refused key, a closed port, bytes that are not a model...) and taken at the
// edge where the client gets them, rendered from the message catalogue in Japanese (catalogue.test.ts
// enumerates every key). Each translation must differ from the English, be Japanese, and keep the
// facts (URLs, paths, HTTP status, sizes).
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
import { loadIgakuQA } from '../../../src/eval/datasets/igakuqa';
import { datasetFactsIn, getPromptFormat, loadDataset, noUsableQuestions, parseDatasetArgument, readRun, summariseDataset } from '../../../src/eval/index';
import { OpenAiEngine } from '../../../src/engine/openaiEngine';
import { toResponseError, type UserErrorData } from '../../../src/server/features/cancellation';
import { registerBench } from '../../../src/server/features/bench';
import { registerModels } from '../../../src/server/features/models';
import { ModelHost, renderStatus, type HostStatus } from '../../../src/server/modelHost';
import { format } from '../../../src/shared/messages/index';
import { describeError, describeNext } from '../../../src/shared/userError';
import { downloadModel, parseModelSource } from '../../../src/engine/models/download';
import { ensureTinyModel } from '../../fixtures/gguf/tinyModel';
import { startRangeServer, type RangeServer } from '../engine/helpers/rangeServer';

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
/** Four English words in a row: a sentence (or most of one) left untranslated. */
const ENGLISH_RUN = /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/;

/** The next step an error carries, in `locale` ('' when it has none: assertTranslated then fails). */
const nextIn = (error: unknown, locale: 'en' | 'ja'): string => describeNext(error, locale) ?? '';

/**
 * The Japanese of `english`: different, Japanese, with every fact kept verbatim, and no English
 * sentence left once the facts (which may be English: a server's own words) are taken out.
 */
function assertTranslated(english: string, facts: readonly string[], japanese: string | undefined): string {
  assert.ok(japanese !== undefined, `no Japanese text for: ${english}`);
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

/** The ResponseError a request is answered with (the features are registered with the client's locale ja). */
async function japaneseError(run: () => Promise<unknown>): Promise<ResponseError<UserErrorData | undefined>> {
  const error = await rejection(run());
  assert.ok(error instanceof ResponseError, String(error));
  return error as ResponseError<UserErrorData | undefined>;
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
  await Promise.all([refusing?.close(), openai?.close(), files?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fresh = (name: string) => mkdtempSync(join(dir, `${name}-`));

test('model downloads: a bad URI, HTTP 404 / 401 / 403 / 500 and an unreachable server, with their next steps', async () => {
  const badUri = rejectionSync(() => parseModelSource('ftp://example.com/m.gguf'));
  assertTranslated(badUri.message, ['「ftp://example.com/m.gguf」'], describeError(badUri, 'ja'));
  assertTranslated(nextIn(badUri, 'en'), ['hf:<user>/<repo>:<quantization>', 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M', 'https://'], nextIn(badUri, 'ja'));

  const target = fresh('refused');
  for (const [status, hintFact] of [[404, 'URI'], [401, 'huggingface.co'], [403, 'HF_TOKEN'], [500, '']] as const) {
    const url = `${refusing.origin}/${status}.gguf`;
    const error = (await rejection(downloadModel({ uri: url, directory: target })));
    assertTranslated(error.message, [url, `HTTP ${status}`], describeError(error, 'ja'));
    assertTranslated(nextIn(error, 'en'), hintFact ? [hintFact] : [], nextIn(error, 'ja'));
  }

  const unreachable = `http://127.0.0.1:${closed}/m.gguf`;
  const error = (await rejection(downloadModel({ uri: unreachable, directory: target })));
  const detail = /\((.+)\)\.$/.exec(error.message)?.[1] ?? '';
  assert.match(detail, /ECONNREFUSED/);
  assertTranslated(error.message, [`127.0.0.1:${closed}`, detail], describeError(error, 'ja'));
  assertTranslated(nextIn(error, 'en'), ['URL'], nextIn(error, 'ja'));
});

test('model downloads: bytes that are not a GGUF, a truncated model and a folder that cannot be written', async () => {
  const page = files.url('page.gguf');
  const notGguf = await rejection(downloadModel({ uri: page, directory: fresh('page') }));
  const ja = assertTranslated(notGguf.message, [page, 'page.gguf', 'GGUF'], describeError(notGguf, 'ja'));
  assert.match(ja, /シグネチャ/);

  const short = files.url('short.gguf');
  const truncated = (await rejection(downloadModel({ uri: short, directory: fresh('short') })));
  const [, have, need] = /it has (\d+) bytes, but its tensors need (\d+)/.exec(truncated.message) ?? [];
  assert.ok(have && need, truncated.message);
  assertTranslated(truncated.message, [short, 'short.gguf', have, need], describeError(truncated, 'ja'));
  assertTranslated(nextIn(truncated, 'en'), [], nextIn(truncated, 'ja'));

  const blocker = join(dir, 'a-file-not-a-folder');
  writeFileSync(blocker, 'x');
  const folder = join(blocker, 'models');
  const unwritable = (await rejection(downloadModel({ uri: files.url('tiny.gguf'), directory: folder })));
  assert.match(unwritable.message, /cannot write to the models folder/);
  assertTranslated(unwritable.message, [folder, 'ENOTDIR'], describeError(unwritable, 'ja'));
  assertTranslated(nextIn(unwritable, 'en'), ['`medlocal.model.directory`'], nextIn(unwritable, 'ja'));
});

test('model downloads at the edge: the download request answers with message and next step in Japanese; a cancel too', async () => {
  const fake = fakeConnection();
  registerModels(fake.connection, {} as ModelHost, () => ({}) as never, () => 'ja');
  const url = `${refusing.origin}/404.gguf`;
  const refused = await japaneseError(() => fake.request(DownloadModelRequest.type, { uri: url, directory: fresh('edge') }));
  assertTranslated(`${url} was not found (HTTP 404).`, [url, 'HTTP 404'], refused.message);
  assert.match(refused.message, /見つかりません/);
  // The next step travels apart from the message, in the client's language too.
  assertTranslated('Check the repository, file name and quantization in the URI.', ['URI'], refused.data?.next);
  assert.match(refused.data?.next ?? '', /リポジトリ/);
  assert.equal(refused.data?.code, 'http');

  const cancel = new AbortController();
  cancel.abort();
  const aborted = await rejection(downloadModel({ uri: url, directory: fresh('cancel'), signal: cancel.signal }));
  const response = toResponseError(aborted, 'ja');
  assert.equal(response.code, -32800);
  assertTranslated('Cancelled', [], response.message);
});

test('OpenAI-compatible servers: closed port, refused key, a web page, 404, 500 and 400 instead of an API', async () => {
  const base = (kind: string) => `${openai.origin}/${kind}/v1`;
  const origin = openai.origin;

  const unreachable = (await rejection(OpenAiEngine.connect({ baseUrl: `http://127.0.0.1:${closed}/v1` })));
  assertTranslated(unreachable.message, [`http://127.0.0.1:${closed}`, 'ECONNREFUSED'], describeError(unreachable, 'ja'));
  assertTranslated(nextIn(unreachable, 'en'), ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1'], nextIn(unreachable, 'ja'));

  const noKey = (await rejection(OpenAiEngine.connect({ baseUrl: base('auth') })));
  assertTranslated(noKey.message, [origin, 'HTTP 401', 'API'], describeError(noKey, 'ja'));
  assertTranslated(nextIn(noKey, 'en'), ['API'], nextIn(noKey, 'ja'));
  const wrongKey = await rejection(OpenAiEngine.connect({ baseUrl: base('auth'), apiKey: 'sk-wrong' }));
  assertTranslated(wrongKey.message, [origin, 'HTTP 401', 'Incorrect API key provided'], describeError(wrongKey, 'ja'));

  const page = (await rejection(OpenAiEngine.connect({ baseUrl: base('html') })));
  assertTranslated(page.message, [origin, '/models', 'text/html', '<html><body>Router login</body></html>'], describeError(page, 'ja'));
  assertTranslated(nextIn(page, 'en'), ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1', 'llama-server', 'vLLM'], nextIn(page, 'ja'));

  const none = await rejection(OpenAiEngine.connect({ baseUrl: base('none') }));
  assertTranslated(none.message, [origin, '/models', 'HTTP 404'], describeError(none, 'ja'));
  const down = (await rejection(OpenAiEngine.connect({ baseUrl: base('down') })));
  assertTranslated(down.message, [origin, '/models', 'HTTP 500', 'model is still loading'], describeError(down, 'ja'));
  assertTranslated(nextIn(down, 'en'), [], nextIn(down, 'ja'));
  const picky = (await rejection(OpenAiEngine.connect({ baseUrl: base('picky') })));
  assertTranslated(picky.message, [origin, '/models', 'HTTP 400', 'unsupported parameter'], describeError(picky, 'ja'));
  assertTranslated(nextIn(picky, 'en'), [], nextIn(picky, 'ja'));
});

test('OpenAI-compatible servers: no logprobs for letter or likelihood scoring, a broken stream, a reported error', async () => {
  const origin = openai.origin;
  const plain = await OpenAiEngine.connect({ baseUrl: `${origin}/plain/v1` });
  const letters = (await rejection(plain.scoreNextTokens({ user: 'Which? a or b' }, ['a', 'b'])));
  assertTranslated(letters.message, [origin, '/chat/completions', 'top_logprobs', 'echo', 'logprobs'], describeError(letters, 'ja'));
  assertTranslated(nextIn(letters, 'en'), ['vLLM', 'llama.cpp', 'llama-server', 'MedLocal'], nextIn(letters, 'ja'));
  const likelihood = await rejection(plain.scoreContinuations('The answer is', [' yes', ' no']));
  assertTranslated(likelihood.message, [origin, '/completions', 'echo', 'logprobs', 'top_logprobs'], describeError(likelihood, 'ja'));

  const cut = (await rejection(plain.generate('The patient', { maxTokens: 8 })));
  assertTranslated(cut.message, [origin], describeError(cut, 'ja'));
  assertTranslated(nextIn(cut, 'en'), [], nextIn(cut, 'ja'));
  const oops = await OpenAiEngine.connect({ baseUrl: `${origin}/oops/v1` });
  const reported = (await rejection(oops.generate('The patient', { maxTokens: 8 })));
  assertTranslated(reported.message, [origin, 'CUDA out of memory'], describeError(reported, 'ja'));
  assertTranslated(nextIn(reported, 'en'), [], nextIn(reported, 'ja'));
});

test('OpenAI-compatible servers: bad URLs and the plain-http warning', () => {
  for (const [baseUrl, fact] of [['not a url', '「not a url」'], ['ftp://files.example/v1', '「ftp:」'], ['http://user:secret@gpu.example/v1', 'URL']] as const) {
    const error = rejectionSync(() => new OpenAiEngine({ baseUrl }));
    assertTranslated(error.message, [fact], describeError(error, 'ja'));
    assertTranslated(nextIn(error, 'en'), [], nextIn(error, 'ja'));
  }
  for (const apiKey of [undefined, 'sk-x']) {
    const [warning] = new OpenAiEngine({ baseUrl: 'http://gpu.example:8000/v1', ...(apiKey ? { apiKey } : {}) }).warnings;
    assert.ok(warning);
    const ja = assertTranslated(format('en', warning), ['http://gpu.example:8000', 'http://', 'https://', '127.0.0.1'], format('ja', warning));
    assert.equal(ja.includes('API キー'), apiKey !== undefined, ja);
  }
});

test('OpenAI-compatible servers at the edge: the status of an unreachable or unparsable server URL, and of none', async () => {
  const statuses: HostStatus[] = [];
  const host = new ModelHost({ cores: 1, sequences: 2, log: () => undefined, onStatus: (status) => statuses.push(status) });
  const failed = async (baseUrl: string) => {
    const from = statuses.length;
    host.configure({ kind: 'remote', remote: { baseUrl } });
    for (let i = 0; i < 200 && !statuses.slice(from).some((s) => s.state === 'error' || s.state === 'noModel'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const status = statuses.slice(from).find((s) => s.state === 'error' || s.state === 'noModel');
    assert.ok(status?.message && status.next, JSON.stringify(statuses.slice(from)));
    const [en, ja] = [renderStatus(status, 'en'), renderStatus(status, 'ja')];
    return { message: en.message ?? '', hint: en.hint ?? '', ja: { message: ja.message ?? '', hint: ja.hint ?? '' } };
  };
  const unreachable = await failed(`http://127.0.0.1:${closed}/v1`);
  assertTranslated(unreachable.message, [`http://127.0.0.1:${closed}`, 'ECONNREFUSED'], unreachable.ja.message);
  assertTranslated(unreachable.hint, ['http://127.0.0.1:8080/v1'], unreachable.ja.hint);
  // An unparsable URL gets a status with a next step (it used to be an unhandled rejection).
  const unparsable = await failed('localhost:8080/v1');
  assertTranslated(unparsable.message, ['localhost:'], unparsable.ja.message);
  assertTranslated(unparsable.hint, ['http://127.0.0.1:8080/v1'], unparsable.ja.hint);
  const none = await failed('');
  assertTranslated(none.message, [], none.ja.message);
  assertTranslated(none.hint, ['`medlocal.openai.baseUrl`', '`medlocal.backend`', 'http://127.0.0.1:8080/v1'], none.ja.hint);
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
    const error = rejectionSync(run);
    assertTranslated(error.message, facts, describeError(error, 'ja'));
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
  const summary = summariseDataset(loaded);
  const facts = datasetFactsIn(summary, 'en');
  assert.equal(facts.issues.length, 6);
  const localized = datasetFactsIn(summary, 'ja');
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

  const noQuestions = noUsableQuestions(`jsonl:${broken}`, summary);
  assertTranslated(format('en', noQuestions), [`jsonl:${broken}`, `${broken}:1`, `${broken}:2`, `${broken}:3`, ...expected[3]!, 'answer_idx', '"C"'], format('ja', noQuestions));
});

test('benchmarks at the edge: start errors, a run that fails on a server without logprobs, damaged run folders', async () => {
  const fake = fakeConnection();
  const engine = await OpenAiEngine.connect({ baseUrl: `${openai.origin}/plain/v1` });
  registerBench(fake.connection, { getEngine: async () => engine, info: null } as unknown as ModelHost, () => undefined, () => 'ja');
  const resultsDir = fresh('runs');

  const broken = join(dir, 'only-broken.jsonl');
  writeFileSync(broken, '[1]\n{"question": "Q?"}\n');
  const noQuestions = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: `medqa:${broken}`, scoring: 'letter', resultsDir }));
  assertTranslated(`No usable questions in medqa:${broken}: 2 skipped (malformed record).`, [`medqa:${broken}`, `${broken}:1`, `${broken}:2`, '2', 'options', '{A: ..., B: ...}'], noQuestions.message);

  const noLetters = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: 'sample', format: 'medpalm_five_choice_cot', scoring: 'letter', resultsDir }));
  assertTranslated('The medpalm_five_choice_cot format shows no choice letters: use letter scoring with the igakuqa format, or generate scoring.', ['medpalm_five_choice_cot', 'letter', 'igakuqa', 'generate'], noLetters.message);

  const foreign = fresh('foreign-run');
  writeFileSync(join(foreign, 'answers.jsonl'), '');
  const notOurs = await japaneseError(() => fake.request(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', resultsDir, resumeDir: foreign }));
  assertTranslated(`${foreign} does not record how it was started (no recipe in its manifest), so it cannot be resumed; start a new run instead.`, [foreign], notOurs.message);

  const dataset = await japaneseError(() => fake.request(BenchDatasetRequest.type, { dataset: 'csv:' }));
  assertTranslated('unknown dataset "csv:": use igakuqa:DIR, medqa:FILE, medmcqa:FILE, jmedbench:FILE, jsonl:FILE, csv:FILE or sample.', ['「csv:」'], dataset.message);

  // Five questions in a row fail (the server returns no logprobs): the run ends as failed, and its
  // end is announced in the locale of the connection (ja), after the request returned.
  const damagedDir = join(resultsDir, 'damaged');
  const bareDir = join(resultsDir, 'bare');
  let finished: BenchFinishedEvent | undefined;
  const started: { runId: string; runDir: string } = await fake.request(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', limit: 6, resultsDir });
  for (let i = 0; i < 400 && !finished; i++) {
    finished = fake.notifications.find((n) => n.method === BenchFinishedNotification.type.method)?.params as BenchFinishedEvent | undefined;
    if (!finished) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const stored: { manifest?: { error?: string }; answers: Array<{ error?: string }> } = await fake.request(BenchRunRequest.type, { runDir: started.runDir });
  for (const folder of [damagedDir, bareDir]) {
    mkdirSync(folder);
    writeFileSync(join(folder, 'answers.jsonl'), '');
  }
  writeFileSync(join(damagedDir, 'manifest.json'), '{ not json');
  const listing: { runs: Array<{ runDir: string; problem?: string }> } = await fake.request(BenchListRequest.type, { resultsDir });
  assert.equal(finished?.status, 'failed', JSON.stringify(finished));
  const englishFailure = `5 questions in a row failed (last: ${readRun(started.runDir).manifest?.error ?? ''}). Fix the engine (with a server: check that it is running and reachable again), then continue with --resume ${started.runDir}.`;
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
  assertTranslated(`${bareDir} does not record its dataset; the question cannot be shown.`, [bareDir], question.message);
});

test('settings the server cannot use: the warning is Japanese throughout, with the setting and the value', async () => {
  const { normalizeSettings } = await import('../../../src/shared/settings');
  const { msg } = await import('../../../src/shared/messages/index');
  const { problems } = normalizeSettings({ model: { gpu: 'quantum', contextSize: 10, gpuLayers: 'many' }, hover: { explain: 'always' } });
  assert.equal(problems.length, 4, JSON.stringify(problems));
  // The accepted values are setting values, kept as they are.
  const values: Record<string, string> = { 'medlocal.model.gpu': 'auto, cuda, vulkan, metal, cpu', 'medlocal.hover.explain': 'off, onDemand, auto' };
  for (const problem of problems) {
    const warning = msg('settingInvalid', problem.setting, problem.message);
    assertTranslated(format('en', warning), [problem.setting, ...(values[problem.setting] ? [values[problem.setting] as string] : [])], format('ja', warning));
  }
  const gpu = problems.find((p) => p.setting === 'medlocal.model.gpu');
  assert.ok(gpu);
  assert.match(format('ja', msg('settingInvalid', gpu.setting, gpu.message)), /"quantum".*auto, cuda, vulkan, metal, cpu/);
});

test('a file-system error in Node.js words reaches a Japanese user in Japanese, with the path and the operation', () => {
  const blocker = join(dir, 'a-file-in-the-way');
  writeFileSync(blocker, 'x');
  const error = rejectionSync(() => mkdirSync(join(blocker, 'runs')));
  assert.match(error.message, /^ENOTDIR/);
  assertTranslated(describeError(error, 'en'), [join(blocker, 'runs'), 'mkdir'], describeError(error, 'ja'));
  assert.equal(describeError(error, 'en'), `A part of the path ${join(blocker, 'runs')} is a file, not a folder (mkdir).`);
});
