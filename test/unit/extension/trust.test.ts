import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyWorkspaceTrust, RESTRICTED_SETTINGS, type InspectedValue } from '../../../src/extension/trust';
import manifest from '../../../package.json';

const settings = { model: { path: '/evil/model.gguf', gpu: 'auto', loraAdapters: [{ path: '/evil/lora.gguf' }] }, dictionaries: ['/evil/dict.csv'], benchmark: { resultsDir: '/evil/runs' } };
const inspected: Record<string, InspectedValue> = {
  'model.path': { defaultValue: '', globalValue: '/home/me/qwen.gguf', workspaceValue: '/evil/model.gguf' },
  'model.loraAdapters': { defaultValue: [], workspaceFolderValue: [{ path: '/evil/lora.gguf' }] },
  dictionaries: { defaultValue: [], globalValue: ['/home/me/manbyo.csv'], workspaceValue: ['/evil/dict.csv'] },
  'benchmark.resultsDir': { defaultValue: '', globalValue: '/evil/runs' },
};

test('a trusted workspace keeps every value', () => {
  const result = applyWorkspaceTrust(settings, true, (key) => inspected[key]);
  assert.equal(result.settings, settings);
  assert.deepEqual(result.ignored, []);
});

test('an untrusted workspace cannot set model, adapter or dictionary paths', () => {
  const result = applyWorkspaceTrust(settings, false, (key) => inspected[key]);
  assert.deepEqual(result.settings, {
    model: { path: '/home/me/qwen.gguf', gpu: 'auto', loraAdapters: [] },
    dictionaries: ['/home/me/manbyo.csv'],
    benchmark: { resultsDir: '/evil/runs' },
  });
  assert.deepEqual(result.ignored, ['medlocal.model.path', 'medlocal.model.loraAdapters', 'medlocal.dictionaries']);
  assert.equal(settings.model.path, '/evil/model.gguf', 'the input is not modified');
});

test('the manifest declares limited support and the restricted settings', () => {
  const capability = manifest.capabilities.untrustedWorkspaces;
  assert.equal(capability.supported, 'limited');
  for (const key of ['medlocal.model.path', 'medlocal.model.loraAdapters', 'medlocal.dictionaries', 'medlocal.benchmark.resultsDir']) {
    assert.ok(capability.restrictedConfigurations.includes(key), key);
  }
});

test('the settings the extension restricts are the ones the manifest declares restricted, and each exists', () => {
  const restricted = RESTRICTED_SETTINGS.map((key) => `medlocal.${key}`);
  assert.deepEqual([...restricted].sort(), [...manifest.capabilities.untrustedWorkspaces.restrictedConfigurations].sort());
  const properties = manifest.contributes.configuration.properties as Record<string, unknown>;
  for (const name of restricted) assert.ok(name in properties, `${name} is not a declared setting`);
});
