// The OpenAI-compatible server's API key never reaches a status, a log line, a message, the CLI's
// output or the protocol trace: not when it is pasted with a trailing space, not when a careless
// server quotes the Authorization header back in its error, not with `trace.server: verbose`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type * as vscode from 'vscode';
import { Trace } from 'vscode-languageserver-protocol';
import { RedactingLogChannel } from '../../src/extension/redactingChannel';
import { SetSecretsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startFixtureServer, type FixtureServer } from '../fixtures/openai/startServer';
import { startTestServer, type TestServer } from '../process/harness';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
/** The key as pasted (trailing space), and the part of it a server sees and may echo. */
const PASTED = 'sk-secret-XYZ ';
const SECRET = 'sk-secret-XYZ';

let model: string;
/** Accepts only another key, and quotes the Authorization header it got in its 401. */
let echoing: FixtureServer;
const servers: TestServer[] = [];

before(async () => {
  assert.ok(existsSync(CLI), 'run `npm run build` first');
  model = await ensureTinyModel();
  echoing = await startFixtureServer({ model, apiKey: 'sk-the-right-key', echoAuth: true });
});
after(async () => {
  for (const server of servers) await server.stop();
  await echoing?.stop();
});

async function openaiServer(baseUrl: string): Promise<TestServer> {
  const server = await startTestServer({ backend: 'openai', openai: { baseUrl } });
  servers.push(server);
  return server;
}

function everythingShown(server: TestServer): string {
  return [JSON.stringify(server.statuses), ...server.logs, ...server.messages].join('\n');
}

test('a key with a trailing space, refused by a server that echoes it: not in status, log or messages', async () => {
  const server = await openaiServer(echoing.baseUrl);
  await server.waitForStatus((s) => s.state === 'error');
  const from = server.statuses.length;
  await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: PASTED });
  const refused = await server.waitForStatus((s) => s.state === 'error' && /rejected the API key/.test(s.message ?? ''), 30000, from);
  // The server's own words come through (so the user learns what it said), the key does not.
  assert.match(refused.message ?? '', /Incorrect API key provided\. You sent: Bearer \*\*\*/);
  const shown = everythingShown(server);
  assert.ok(!shown.includes(SECRET), `the key leaked: ${shown}`);
});

test('a key with a trailing space is trimmed and accepted by a server that expects the key', async () => {
  const accepting = await startFixtureServer({ model, apiKey: SECRET, echoAuth: true });
  try {
    const server = await openaiServer(accepting.baseUrl);
    await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: PASTED });
    const ready = await server.waitForStatus((s) => s.state === 'ready', 30000);
    assert.equal(ready.backend, 'remote');
    assert.ok(!everythingShown(server).includes(SECRET));
  } finally {
    await accepting.stop();
  }
});

test('a key with a space inside is refused with the reason, without quoting it, and nothing is sent', async () => {
  const server = await openaiServer(echoing.baseUrl);
  await server.waitForStatus((s) => s.state === 'error');
  const from = server.statuses.length;
  const before = (await echoing.stats()).requests.length;
  await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: 'sk-secret XYZ\n' });
  const refused = await server.waitForStatus((s) => s.state === 'error' && /space or line break/.test(s.message ?? ''), 30000, from);
  assert.match(refused.hint ?? '', /API key/);
  const shown = everythingShown(server);
  assert.ok(!shown.includes('sk-secret XYZ') && !shown.includes('XYZ'), `the key leaked: ${shown}`);
  assert.equal((await echoing.stats()).requests.length, before, 'a key that cannot be sent is not sent');
});

test('the CLI: MEDLOCAL_OPENAI_API_KEY with a trailing space, echoed back by the server, is not printed', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'medlocal-cli-secret-')), 'run');
  const result = spawnSync(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--backend', 'openai', '--base-url', echoing.baseUrl, '--limit', '1', '--out', out], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, MEDLOCAL_OPENAI_API_KEY: PASTED },
  });
  assert.notEqual(result.status, 0, 'a refused key fails the run');
  assert.match(result.stderr, /rejected the API key/);
  assert.ok(!`${result.stdout}\n${result.stderr}`.includes(SECRET), `the key leaked:\n${result.stdout}\n${result.stderr}`);
});

test('the CLI refuses a key with a line break inside, naming the variable, not the key', () => {
  const result = spawnSync(process.execPath, [CLI, 'bench', '--dataset', 'sample', '--backend', 'openai', '--base-url', echoing.baseUrl, '--limit', '1'], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, MEDLOCAL_OPENAI_API_KEY: 'sk-secret\nXYZ' },
  });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /MEDLOCAL_OPENAI_API_KEY contains a space or line break/);
  assert.ok(!result.stderr.includes('sk-secret') && !result.stdout.includes('sk-secret'), result.stderr);
});

/** What VS Code's log channel would receive: one entry per call, level and text. */
function recordingChannel(lines: string[]): vscode.LogOutputChannel {
  const record = (level: string) => (message: string | Error) => void lines.push(`${level} ${String(message)}`);
  return {
    name: 'MedLocal',
    logLevel: 1,
    onDidChangeLogLevel: () => ({ dispose: () => undefined }),
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    append: record('append'),
    appendLine: record('appendLine'),
    replace: record('replace'),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

test('trace.server verbose: the setSecrets request is traced without the key', async () => {
  const server = await openaiServer(echoing.baseUrl);
  const raw: string[] = [];
  const redacted: string[] = [];
  const channel = new RedactingLogChannel(recordingChannel(redacted), () => [PASTED]);
  // As vscode-languageclient does: the connection's verbose tracer writes message + params to the
  // trace channel (LanguageClient.trace → traceOutputChannel.trace).
  await server.connection.trace(Trace.Verbose, {
    log: (message: string | object, data?: string) => {
      const text = typeof message === 'string' ? (data ? `${message}\n${data}` : message) : JSON.stringify(message);
      raw.push(text);
      channel.trace(text);
    },
  });
  await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: PASTED });
  await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: 'sk-another-one' });
  const rawText = raw.join('\n');
  assert.ok(rawText.includes(SECRET) && rawText.includes('sk-another-one'), 'the unredacted trace does carry the keys (the test sees real params)');
  const traced = redacted.join('\n');
  assert.match(traced, /medlocal\/setSecrets/);
  assert.match(traced, /"openaiApiKey": "\*\*\*"/);
  assert.ok(!traced.includes(SECRET) && !traced.includes('sk-another-one'), traced);
});
