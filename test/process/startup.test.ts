// Start-up: requests that arrive before the server has read the client's settings wait for them,
// and "No model is configured" is said only when none is.
//
// The client sends its API key (medlocal/setSecrets) as soon as the server is up, often
// before the server has read the settings (it reads the user dictionaries first). Configuring the
// model host with the not-yet-read default settings announced "No model is configured" although a
// model path is set; the status bar flashed "no model" on (re)starts. A 20,000-line user
// dictionary keeps the window open long enough to hit it every time.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AskRequest, SetSecretsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer } from './harness';

function bigDictionary(): string {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-startup-'));
  const dictionary = join(dir, 'terms.tsv');
  const lines = ['term\ten\tdefinition'];
  for (let i = 0; i < 20_000; i++) lines.push(`起動時語${String(i).padStart(5, '0')}\tstart-up term ${i}\tEntry ${i}.`);
  writeFileSync(dictionary, lines.join('\n') + '\n');
  return dictionary;
}

test('an ask sent right after start, before the settings are read, waits for the model instead of hearing "No model is configured"', async () => {
  const model = await ensureTinyModel();
  const server = await startTestServer({ model: { path: model, threads: 1, contextSize: 2048 }, dictionaries: [bigDictionary()] });
  try {
    const notReadyYet = server.statuses.length === 0 || server.statuses.every((status) => status.state !== 'ready');
    assert.ok(notReadyYet, 'the ask must go out before the model is ready (the window this test needs)');
    const result = await server.connection.sendRequest(AskRequest.type, { question: 'What is the normal range of HbA1c?', maxTokens: 8 });
    assert.ok(typeof result.text === 'string', JSON.stringify(result));
    assert.equal(server.statuses.at(-1)?.state, 'ready');
  } finally {
    await server.stop();
  }
});

test('a key sent before the settings are read never makes the server announce "no model"', async () => {
  const model = await ensureTinyModel();
  const server = await startTestServer({ model: { path: model, threads: 1, contextSize: 2048 }, dictionaries: [bigDictionary()] });
  try {
    await server.connection.sendRequest(SetSecretsRequest.type, { openaiApiKey: '' });
    await server.waitForStatus((status) => status.state === 'ready', 120_000);
    const states = server.statuses.map((status) => status.state);
    assert.ok(!states.includes('noModel'), `statuses before ready: ${states.join(' → ')}`);
    assert.ok(server.dictionaries.length > 0, 'the dictionary was read first (the window this test needs)');
  } finally {
    await server.stop();
  }
});
