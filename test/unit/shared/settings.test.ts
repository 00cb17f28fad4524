import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, normalizeSettings } from '../../../src/shared/settings';
import { format } from '../../../src/shared/messages/index';
import { planThreads } from '../../../src/engine/threads';
import manifest from '../../../package.json';

test('missing settings give the defaults without problems', () => {
  assert.deepEqual(normalizeSettings(undefined), { settings: DEFAULT_SETTINGS, problems: [] });
  assert.deepEqual(normalizeSettings({ model: {} }).settings, DEFAULT_SETTINGS);
});

test('valid values are kept; numeric strings are accepted for counts', () => {
  const { settings, problems } = normalizeSettings({ model: { path: ' /m/a.gguf ', gpu: 'vulkan', gpuLayers: '20', contextSize: 8192, threads: 3 } });
  assert.deepEqual(problems, []);
  assert.deepEqual(settings.model, { path: '/m/a.gguf', gpu: 'vulkan', gpuLayers: 20, contextSize: 8192, threads: 3, loraAdapters: [] });
  assert.equal(normalizeSettings({ model: { gpuLayers: 'max' } }).settings.model.gpuLayers, 'max');
});

test('unknown or out-of-range values are replaced by defaults and reported by setting name', () => {
  const { settings, problems } = normalizeSettings({ model: { path: 42, gpu: 'quantum', gpuLayers: -1, contextSize: 10, threads: 'many' } });
  assert.deepEqual(settings.model, { ...DEFAULT_SETTINGS.model });
  assert.deepEqual(problems.map((p) => p.setting).sort(), [
    'medlocal.model.contextSize',
    'medlocal.model.gpu',
    'medlocal.model.gpuLayers',
    'medlocal.model.path',
    'medlocal.model.threads',
  ]);
  const gpuProblem = problems.find((p) => p.setting === 'medlocal.model.gpu');
  assert.match(gpuProblem ? format('en', gpuProblem.message) : '', /quantum.*auto, cuda, vulkan, metal, cpu/);
});

test('every model setting is declared in the manifest with a description and a scope', () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { markdownDescription?: string; scope?: string }>;
  for (const name of Object.keys(DEFAULT_SETTINGS.model).map((key) => `medlocal.model.${key}`)) {
    assert.ok(properties[name]?.markdownDescription, name);
    assert.ok(properties[name]?.scope, name);
  }
});

test('threads never exceed the cores and ignore node-llama-cpp\'s oversubscribing default', () => {
  assert.deepEqual(planThreads('auto', 2), { maxThreads: 2, contextThreads: 2 });
  assert.deepEqual(planThreads('auto', 1), { maxThreads: 1, contextThreads: 1 });
  assert.deepEqual(planThreads('auto', 16), { maxThreads: 15, contextThreads: 15 });
  assert.deepEqual(planThreads(3, 2), { maxThreads: 3, contextThreads: 3 });
});

test('LoRA adapters, dictionaries and hover settings are validated', () => {
  const { settings, problems } = normalizeSettings({
    model: { loraAdapters: [{ path: '/a.gguf', scale: 0.5 }, '/b.gguf', { scale: 1 }] },
    dictionaries: ['/d/manbyo.csv', '', 3],
    hover: { explain: 'sometimes' },
  });
  assert.deepEqual(settings.model.loraAdapters, [
    { path: '/a.gguf', scale: 0.5 },
    { path: '/b.gguf', scale: 1 },
  ]);
  assert.deepEqual(settings.dictionaries, ['/d/manbyo.csv']);
  assert.equal(settings.hover.explain, 'onDemand');
  assert.deepEqual(problems.map((p) => p.setting).sort(), ['medlocal.hover.explain', 'medlocal.model.loraAdapters']);
});
