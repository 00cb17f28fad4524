// A request that fails with a UserError reaches the client with its next step: the built server
// sends the message and, apart from it, data.next (and data.code) in the client's language, and the
// extension's notice for the failure shows both.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import { failureNotice, failureOf } from '../../src/extension/notices';
import { InspectModelRequest } from '../../src/protocol/modelsProtocol';
import { AskRequest } from '../../src/protocol/protocol';
import { startTestServer } from './harness';

/** The ResponseError a request is refused with. */
async function refusal(request: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await request;
  } catch (error) {
    assert.ok(error instanceof ResponseError, String(error));
    return error;
  }
  assert.fail('the request was expected to fail');
}

test('a file that is not a model: the Japanese client gets the message and the next step apart, and the notice shows both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-next-'));
  const notModel = join(dir, 'notes.gguf');
  writeFileSync(notModel, '# a note, not a model\n');
  const server = await startTestServer({}, { locale: 'ja' });
  try {
    await server.waitForStatus((s) => s.state === 'noModel');
    const error = await refusal(server.connection.sendRequest(InspectModelRequest.type, { path: notModel }));
    assert.equal(error.message, `${notModel} は GGUF モデルファイルではありません（ファイル形式が違います）。`);
    const failure = failureOf(error);
    assert.equal(failure.code, 'modelFile');
    assert.match(failure.next ?? '', /^MedLocal は GGUF 形式（\.gguf）のモデルを読み込みます。llama\.cpp で変換するか/);
    const notice = failureNotice((message) => `このファイルはモデルとして使えません: ${message}`, error);
    assert.equal(notice, `このファイルはモデルとして使えません: ${error.message}${failure.next}`);
  } finally {
    await server.stop();
  }
});

test('no model configured: ask is refused with the next step in data.next, in English for an English client', async () => {
  const server = await startTestServer({});
  try {
    await server.waitForStatus((s) => s.state === 'noModel');
    const error = await refusal(server.connection.sendRequest(AskRequest.type, { question: 'Q?' }));
    assert.equal(error.message, 'No model is configured.');
    assert.deepEqual(error.data, { next: 'Set `medlocal.model.path` to a GGUF model file (for example a Qwen2.5-7B-Instruct Q4_K_M).', code: 'modelUnavailable' });
    assert.equal(failureNotice((message) => `MedLocal could not finish the answer: ${message}`, error), `MedLocal could not finish the answer: No model is configured. ${failureOf(error).next}`);
  } finally {
    await server.stop();
  }
});
