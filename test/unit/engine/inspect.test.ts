// inspectModel reads GGUF headers only (no weights, no llama.cpp), so it runs in the test process.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTinyModel, TINY_MODEL_FACTS, writeCorruptGguf, writeLoraAdapter, type CorruptKind } from '../../fixtures/gguf/tinyModel';
import {
  checkGgufComplete, formatParameterCount, inspectModel, parseSizeLabel, tensorByteSize,
} from '../../../src/engine/models/inspect';
import { msg } from '../../../src/shared/messages/index';
import { describeNext, UserError } from '../../../src/shared/userError';

let dir = '';
let tiny = '';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medlocal-inspect-'));
  tiny = await ensureTinyModel();
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The tiny model's weight count, from its documented shape. */
function tinyParameterCount(): number {
  const { hidden, layers, ffn, vocabSize } = TINY_MODEL_FACTS;
  const perLayer = 2 * hidden + 4 * hidden * hidden + 3 * hidden * ffn; // 2 norms, q k v o, gate up down
  return 2 * vocabSize * hidden + layers * perLayer + hidden; // embeddings + output, layers, output norm
}

test('inspectModel: facts of the tiny model, without loading it', async () => {
  const facts = await inspectModel(tiny);
  assert.equal(facts.name, TINY_MODEL_FACTS.name);
  assert.equal(facts.path, tiny);
  assert.equal(facts.architecture, 'llama');
  assert.equal(facts.parameters, tinyParameterCount());
  assert.equal(facts.parameterLabel, formatParameterCount(tinyParameterCount()));
  assert.equal(facts.quantization, 'F16');
  assert.equal(facts.sizeBytes, (await stat(tiny)).size);
  assert.equal(facts.contextLength, TINY_MODEL_FACTS.contextLength);
  assert.equal(facts.hasChatTemplate, true);
  assert.equal(facts.chatTemplateName, 'ChatML');
});

const expected: Record<CorruptKind, RegExp> = {
  truncatedHeader: /truncated|not a valid GGUF/,
  truncatedData: /truncated/,
  wrongMagic: /not a GGUF model file/,
  absurdCounts: /not a valid GGUF/,
};

for (const kind of Object.keys(expected) as CorruptKind[]) {
  test(`inspectModel: a ${kind} file is refused with a message and a next step`, async () => {
    const file = await writeCorruptGguf(path.join(dir, `${kind}.gguf`), kind);
    await assert.rejects(inspectModel(file), (error: unknown) => {
      assert.ok(error instanceof UserError && error.code === 'modelFile', String(error));
      assert.match(error.message, expected[kind]);
      assert.ok((describeNext(error, 'en') ?? '').length > 10);
      return true;
    });
    assert.equal((await checkGgufComplete(file)).ok, false);
  });
}

test('inspectModel: a file cut by a few bytes is truncated (the tensor-start check alone would pass it)', async () => {
  const bytes = await readFile(tiny);
  const file = path.join(dir, 'short.gguf');
  await writeFile(file, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(inspectModel(file), /truncated: it has \d+ bytes, but its tensors need \d+/);
  const check = await checkGgufComplete(file);
  assert.equal(check.ok, false);
  assert.equal((await checkGgufComplete(tiny)).ok, true);
});

test('inspectModel: garbage, empty, missing files and adapters', async () => {
  const garbage = path.join(dir, 'notes.gguf');
  await writeFile(garbage, 'Patient notes, not a model.');
  await assert.rejects(inspectModel(garbage), /not a GGUF model file \(wrong file signature\)/);
  const empty = path.join(dir, 'empty.gguf');
  await writeFile(empty, '');
  await assert.rejects(inspectModel(empty), /it is empty/);
  assert.deepEqual(await checkGgufComplete(empty), { ok: false, reason: msg('fileIsEmpty') });
  await assert.rejects(inspectModel(path.join(dir, 'missing.gguf')), /does not exist/);
  const adapter = await writeLoraAdapter(path.join(dir, 'adapter.gguf'));
  await assert.rejects(inspectModel(adapter), /LoRA adapter, not a model/);
});

test('parameter labels: size_label parsing and formatting', () => {
  assert.equal(parseSizeLabel('7B'), 7e9);
  assert.equal(parseSizeLabel('7.6B'), 7.6e9);
  assert.equal(parseSizeLabel('8x7B'), 56e9);
  assert.equal(parseSizeLabel('494M'), 494e6);
  assert.equal(parseSizeLabel('large'), 0);
  assert.equal(parseSizeLabel(undefined), 0);
  assert.equal(formatParameterCount(7_615_616_512), '7.62B');
  assert.equal(formatParameterCount(494_032_768), '494M');
  assert.equal(formatParameterCount(0), 'unknown');
});

test('tensorByteSize: block sizes of common ggml types', () => {
  assert.equal(tensorByteSize({ dimensions: [64, 2], ggmlType: 0 }), 512); // F32
  assert.equal(tensorByteSize({ dimensions: [64, 2], ggmlType: 1 }), 256); // F16
  assert.equal(tensorByteSize({ dimensions: [64, 2], ggmlType: 8 }), 4 * 34); // Q8_0: 4 blocks of 32
  assert.equal(tensorByteSize({ dimensions: [4096, 4096], ggmlType: 12 }), (4096 * 4096 / 256) * 144); // Q4_K
  assert.equal(tensorByteSize({ dimensions: [4096n, 2n], ggmlType: 14 }), (8192 / 256) * 210); // Q6_K, bigint dims
  assert.equal(tensorByteSize({ dimensions: [8], ggmlType: 999 as never }), undefined);
});
