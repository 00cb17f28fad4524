// "Run on the CPU" must name a binary that each platform's vsix actually ships: node-llama-cpp has
// no CPU-only build for Apple silicon (getLlama({ gpu: false }) finds no binary there), so the
// engine asks for the Metal build and offloads no layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuRequest } from '../../../src/engine/llamaRuntime';
import { TARGETS } from '../../../scripts/package/targets.mjs';

test('the CPU request of every packaged target is a GPU type that target ships binaries for, with no layers offloaded', () => {
  for (const [target, spec] of Object.entries(TARGETS)) {
    const request = cpuRequest(spec.npmOs, spec.npmCpu);
    assert.ok(spec.runtimeGpus.includes(request.gpu as never), `${target}: the CPU request ${String(request.gpu)} is not among the shipped ${spec.runtimeGpus.map(String).join(', ')}`);
    assert.equal(request.gpuLayers, 0, target);
  }
});

test('Apple silicon runs "CPU" on the Metal build; every other platform on the CPU build', () => {
  assert.equal(cpuRequest('darwin', 'arm64').gpu, 'metal');
  assert.equal(cpuRequest('darwin', 'x64').gpu, false);
  assert.equal(cpuRequest('win32', 'x64').gpu, false);
  assert.equal(cpuRequest('linux', 'x64').gpu, false);
});
