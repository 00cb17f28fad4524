// medlocal/continueNote through the built server on the tiny model.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol';
import { ContinueNoteRequest, EngineStatsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from './harness';

let server: TestServer;
const uri = 'file:///tmp/medlocal-continue.md';
const text = '# 経過\n本日、胸痛を主訴に来院。心電図で';

before(async () => {
  server = await startTestServer({ model: { path: await ensureTinyModel(), threads: 1, contextSize: 2048 } });
  await server.waitForStatus((s) => s.state === 'ready');
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
});
after(() => server.stop());

test('no continuation is generated while an IME composition is in progress', async () => {
  const before = await server.connection.sendRequest(EngineStatsRequest.type);
  const result = await server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, composing: true });
  assert.deepEqual(result, { text: '', reason: 'composing' });
  const after = await server.connection.sendRequest(EngineStatsRequest.type);
  assert.equal(after.tokensGenerated, before.tokensGenerated, 'nothing was generated');
});

test('a continuation is one line, bounded in tokens', async () => {
  const before = await server.connection.sendRequest(EngineStatsRequest.type);
  const result = await server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, maxTokens: 8 });
  const after = await server.connection.sendRequest(EngineStatsRequest.type);
  assert.ok(after.tokensGenerated - before.tokensGenerated <= 8);
  assert.ok(!result.text.includes('\n'));
  if (!result.text) assert.equal(result.reason, 'empty');
});

test('a newer request supersedes the one in flight', async () => {
  const first = server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, maxTokens: 64 });
  const second = server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, composing: true });
  const [a, b] = await Promise.all([first, second]);
  assert.deepEqual(a, { text: '', reason: 'superseded' });
  assert.equal(b.reason, 'composing');
  const stats = await server.connection.sendRequest(EngineStatsRequest.type);
  assert.equal(stats.freeSequences, stats.totalSequences, 'the superseded request gave its sequence back');
});
