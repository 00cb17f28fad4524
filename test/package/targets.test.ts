// scripts/package/targets.mjs, the one map of what each vsix carries, against the engine it ships:
// its package names are node-llama-cpp's own binary packages, the Linux version is the one the
// repository installs, and file names and backend choices follow the map. (The vsix files
// themselves are checked in platforms.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALL_TARGETS, TARGETS, targetSpec, vsixFileName } from '../../scripts/package/targets.mjs';
import { binaryPackagesFor, TARGET_BINARIES } from '../../scripts/package/vsix.mjs';

const ROOT = join(__dirname, '..', '..');
const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string; optionalDependencies: Record<string, string> };
const repo = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

test('--all-targets builds the five platforms the users have', () => {
  assert.deepEqual([...ALL_TARGETS].sort(), ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64']);
});

test('Linux ships the node-llama-cpp the repository pins; Windows and macOS ship 3.21.1 (the last version with their binaries)', () => {
  assert.equal(repo.dependencies['node-llama-cpp'], installed.version);
  for (const [target, spec] of Object.entries(TARGETS)) {
    assert.equal(spec.nodeLlamaCpp, spec.npmOs === 'linux' ? installed.version : '3.21.1', target);
  }
});

test("every binary package in the map is one of node-llama-cpp's own prebuilt binary packages", () => {
  const known = Object.keys(installed.optionalDependencies).filter((name) => name.startsWith('@node-llama-cpp/'));
  for (const [target, spec] of Object.entries(TARGETS)) {
    for (const name of Object.values(spec.binaries)) assert.ok(known.includes(`@node-llama-cpp/${name}`), `${target}: @node-llama-cpp/${name}`);
    assert.ok(spec.defaultBackends.includes('cpu'), `${target} ships a CPU build`);
    for (const backend of spec.defaultBackends) assert.ok(backend in spec.binaries, `${target}: ${backend}`);
    // The binary package names carry the platform and CPU they are for.
    for (const name of Object.values(spec.binaries)) assert.match(name!, new RegExp(`^${spec.nlcPlatform}-${spec.npmCpu === 'arm' ? 'armv7l' : spec.npmCpu}`), `${target}: ${name}`);
  }
  assert.deepEqual(TARGET_BINARIES['win32-x64'], TARGETS['win32-x64']!.binaries);
});

test('win32-x64 ships CPU, CUDA and Vulkan by default; cuda-ext only on request, and never without cuda', () => {
  assert.deepEqual(targetSpec('win32-x64').defaultBackends, ['cpu', 'cuda', 'vulkan']);
  assert.deepEqual(binaryPackagesFor('win32-x64', ['cpu', 'cuda', 'cuda-ext', 'vulkan']).map((b) => b.name), [
    '@node-llama-cpp/win-x64',
    '@node-llama-cpp/win-x64-cuda',
    '@node-llama-cpp/win-x64-cuda-ext',
    '@node-llama-cpp/win-x64-vulkan',
  ]);
  assert.throws(() => binaryPackagesFor('win32-x64', ['cpu', 'cuda-ext']), /add cuda too/);
  assert.throws(() => binaryPackagesFor('win32-x64', ['vulkan']), /cpu backend always ships/);
  assert.throws(() => targetSpec('solaris-sparc'), /Targets: linux-x64/);
});

test('vsix file names: the default backends have no suffix, another choice is named', () => {
  assert.equal(vsixFileName('medlocal', '0.1.0', 'win32-x64', 'win32-x64'), 'medlocal-win32-x64-0.1.0.vsix');
  assert.equal(vsixFileName('medlocal', '0.1.0', 'win32-x64', 'win32-x64', ['vulkan', 'cuda', 'cpu']), 'medlocal-win32-x64-0.1.0.vsix');
  assert.equal(vsixFileName('medlocal', '0.1.0', 'win32-x64', 'win32-x64', ['cpu']), 'medlocal-win32-x64-cpu-0.1.0.vsix');
  assert.equal(vsixFileName('medlocal', '0.1.0', 'win32-x64', 'win32-x64', ['cpu', 'cuda', 'cuda-ext', 'vulkan']), 'medlocal-win32-x64-cpu+cuda+cuda-ext+vulkan-0.1.0.vsix');
  assert.equal(vsixFileName('medlocal', '0.1.0', undefined, 'linux-x64', ['cpu']), 'medlocal-cpu-0.1.0.vsix');
  assert.equal(vsixFileName('medlocal', '0.1.0', undefined, 'linux-x64'), 'medlocal-0.1.0.vsix');
});
