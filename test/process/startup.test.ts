// Start-up: the client sends its API key (medlocal/setSecrets) as soon as the server is up, often
// before the server has read the settings (it reads the user dictionaries first). Configuring the
// model host with the not-yet-read default settings announced "No model is configured" although a
// model path is set; the status bar flashed "no model" on (re)starts. A 20,000-line user
// dictionary keeps the window open long enough to hit it every time.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SetSecretsRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer } from './harness';

test('a key sent before the settings are read never makes the server announce "no model"', async () => {
  const model = await ensureTinyModel();
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-startup-'));
  const dictionary = join(dir, 'terms.tsv');
  const lines = ['term\ten\tdefinition'];
  for (let i = 0; i < 20_000; i++) lines.push(`起動時語${String(i).padStart(5, '0')}\tstart-up term ${i}\tEntry ${i}.`);
  writeFileSync(dictionary, lines.join('\n') + '\n');
  const server = await startTestServer({ model: { path: model, threads: 1, contextSize: 2048 }, dictionaries: [dictionary] });
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
