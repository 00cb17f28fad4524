// The model host before the client's settings arrive: a request waits for them (bounded), and
// says so clearly when they never come; "No model is configured" only when the settings name none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelHost, type HostStatus } from '../../../src/server/modelHost';
import { format } from '../../../src/shared/messages';
import { UserError } from '../../../src/shared/userError';

function host(settingsWaitMs: number, statuses: HostStatus[] = []): ModelHost {
  return new ModelHost({ cores: 1, sequences: 1, settingsWaitMs, log: () => undefined, onStatus: (status) => statuses.push(status) });
}

test('a request before any settings times out with what happened and the next step, in both languages', async () => {
  const started = Date.now();
  const error = await host(60).getEngine().then(
    () => assert.fail('no engine can exist'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof UserError, String(error));
  assert.ok(Date.now() - started >= 50, 'it waited for the settings');
  assert.match(format('en', error.text), /has not sent MedLocal its settings \(0 s waited\)/);
  assert.match(format('ja', error.text), /設定が届いていない/);
  assert.match(format('en', error.next!), /Restart Server/);
});

test('a request waiting for settings that name no model hears "No model is configured"', async () => {
  const statuses: HostStatus[] = [];
  const modelHost = host(10_000, statuses);
  const pending = modelHost.getEngine().then(
    () => assert.fail('no model is configured'),
    (reason: unknown) => reason,
  );
  modelHost.configure({ kind: 'local', model: { path: '', gpu: 'auto', gpuLayers: 'auto', contextSize: 2048, threads: 1, loraAdapters: [] } });
  const error = await pending;
  assert.ok(error instanceof UserError, String(error));
  assert.equal(format('en', error.text), 'No model is configured.');
  assert.equal(statuses.at(-1)?.state, 'noModel');
});
