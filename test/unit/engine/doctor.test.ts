// The GPU doctor and the memory estimate start a Llama (native code): they run in a child process
// (helpers/doctorChild.ts). diagnosticsText is plain string work and runs here.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTinyModel } from '../../fixtures/gguf/tinyModel';
import { diagnosticsText, fitEstimate, formatBytes, type FitEstimate, type GpuDoctorReport } from '../../../src/engine/models/doctor';
import { UserError } from '../../../src/shared/userError';
import { format, msg } from '../../../src/shared/messages/index';

const CHILD = path.join(__dirname, 'helpers', 'doctorChild.ts');
let tiny = '';
let child: { doctor: GpuDoctorReport; fit: FitEstimate; text: string };

before(async () => {
  tiny = await ensureTinyModel();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, tiny, 'max', '1024'], { timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as typeof child & { ok: boolean; error?: string };
  assert.ok(result.ok, result.error);
  child = result;
});

test('gpuDoctor: what node-llama-cpp supports here, what auto chose, and why', async () => {
  const { doctor } = child;
  assert.ok(doctor.supported.includes('cpu') && doctor.allValid.includes('cpu'));
  for (const type of doctor.supported) assert.ok(doctor.allValid.includes(type), `${type} is valid here`);
  const gpus = doctor.supported.filter((t) => t !== 'cpu');
  if (gpus.length === 0) {
    // The machine the suite is written on has no GPU: the CPU is chosen and the reason says why.
    assert.equal(doctor.chosen, 'cpu');
    const reason = doctor.reason ? format('en', doctor.reason) : '';
    assert.match(reason, /No GPU is used|No GPU backend exists/);
    assert.equal(doctor.vram, undefined);
    for (const entry of doctor.unavailable) {
      assert.ok(doctor.allValid.includes(entry.type));
      const why = format('en', entry.reason);
      assert.match(why, /not found|not installed|not available|failed to start/);
      assert.ok(reason.includes(why), 'the summary names every missing backend');
    }
  } else {
    assert.ok(doctor.supported.includes(doctor.chosen as never), `chose ${doctor.chosen}`);
  }
  assert.ok(doctor.ram.totalBytes > 0 && doctor.ram.freeBytes > 0);
  assert.ok(doctor.cpu.cores >= 1 && (doctor.cpu.mathCores ?? 1) >= 1);
  const pkg = JSON.parse(await readFile(path.join(__dirname, '..', '..', '..', 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string };
  assert.equal(doctor.versions.nodeLlamaCpp, pkg.version);
  assert.equal(doctor.versions.node, process.version);
  assert.ok(doctor.versions.llamaCpp, 'llama.cpp release');
  assert.equal(doctor.versions.binary, 'prebuilt');
});

test('fitEstimate: positive estimates for the tiny model, a verdict and a suggestion', () => {
  const { fit, doctor } = child;
  assert.equal(fit.totalLayers, 3); // 2 blocks + the output layer
  assert.equal(fit.contextSize, 1024);
  assert.ok(fit.ramBytes > 0, `RAM ${fit.ramBytes}`);
  assert.ok(fit.vramBytes >= 0);
  if (doctor.chosen === 'cpu') {
    assert.equal(fit.gpuLayers, 0, 'nothing is offloaded without a GPU');
    assert.equal(fit.vramBytes, 0);
  }
  assert.ok(fit.ramBytes < 200 * 1024 * 1024, 'a 2.6 MB model with a 1k context needs far less than 200 MiB');
  assert.equal(fit.fits, true);
  assert.equal(fit.reason, undefined);
  assert.ok(fit.suggested.contextSize > 0 && fit.suggested.contextSize <= 2048);
  assert.equal(fit.suggested.fits, true);
});

test('diagnosticsText from the child: versions, backend, settings; the model by file name only', () => {
  const { text } = child;
  assert.match(text, /Node\.js: v\d+/);
  assert.match(text, /node-llama-cpp: \d+\.\d+\.\d+; llama\.cpp: \S+ \(prebuilt\)/);
  assert.match(text, /auto chose (cpu|cuda|vulkan|metal)/);
  assert.match(text, /Settings: model medlocal-tiny-[^;]+\.gguf; gpu auto; gpuLayers auto; contextSize 1024; threads 1/);
  assert.match(text, /Estimate: 0\/3 layers on GPU, context 1024: .* fits/);
  assert.ok(!text.includes(path.dirname(tiny)), 'the directory of the model is not printed');
});

test('diagnosticsText: no paths, no URL paths or queries, no prompt text by construction', () => {
  const doctor: GpuDoctorReport = {
    platform: 'linux', arch: 'x64', supported: ['cpu'], allValid: ['cuda', 'vulkan', 'cpu'], chosen: 'cpu',
    reason: msg('doctorNoGpuUsed', msg('doctorTypeReason', 'cuda', msg('doctorLibrariesMissing', msg('gpuLibsCuda')))), unavailable: [{ type: 'cuda', reason: msg('doctorLibrariesMissing', msg('gpuLibsCuda')) }],
    gpuDevices: [], ram: { totalBytes: 8 * 1024 ** 3, freeBytes: 4 * 1024 ** 3 }, cpu: { cores: 2, model: 'Test CPU' },
    versions: { node: 'v20.0.0', nodeLlamaCpp: '3.22.1', llamaCpp: 'b1234', binary: 'prebuilt' },
  };
  const text = diagnosticsText({
    doctor,
    extensionVersion: '0.1.0',
    settings: { path: '/home/yamada-taro/患者/models/qwen.gguf', gpu: 'auto', gpuLayers: 'max', contextSize: 4096, threads: 'auto', loraAdapters: [{ path: '/x/a.gguf', scale: 1 }] },
    model: { name: 'Qwen2.5', path: '/home/yamada-taro/models/qwen.gguf', architecture: 'qwen2', parameterLabel: '7.6B', quantization: 'Q4_K_M', sizeBytes: 4.68e9, contextLength: 32768, chatTemplateName: 'ChatML' },
    remoteBaseUrl: 'https://gpu.example.org/team/v1?token=abc',
  });
  assert.match(text, /MedLocal: 0\.1\.0/);
  assert.match(text, /RAM: 8\.0 GiB total, 4\.0 GiB free/);
  assert.match(text, /Settings: model qwen\.gguf; gpu auto; gpuLayers max; contextSize 4096; threads auto; LoRA adapters 1/);
  assert.match(text, /Model: Qwen2\.5 \(qwen\.gguf\), qwen2, 7\.6B parameters, Q4_K_M/);
  assert.match(text, /Remote server: https:\/\/gpu\.example\.org\n/);
  for (const secret of ['yamada', '患者', 'token=abc', '/team/', '/x/a.gguf']) assert.ok(!text.includes(secret), `leaks ${secret}`);
  assert.equal(formatBytes(1536), '1.5 KiB');
});

test('fitEstimate refuses a broken file before any native code sees it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'medlocal-doctor-'));
  try {
    const broken = path.join(dir, 'not-a-model.gguf');
    await writeFile(broken, 'not a model');
    await assert.rejects(fitEstimate(broken, { gpuLayers: 0, contextSize: 512 }), (error: unknown) => error instanceof UserError && error.code === 'modelFile');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
