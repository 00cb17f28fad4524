// Our bounded GGUF header reader (src/engine/ggufReader.ts): on valid files it gives the
// facts node-llama-cpp's parser gives (and inspectModelFile the facts it gave before); a 152k-entry
// vocabulary is read in well under a second; every malformed header is refused with what is
// wrong and at which byte, in English and Japanese.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GgufFormatError, nestedMetadata, readGgufHeader, type GgufArray } from '../../../src/engine/ggufReader';
import { inspectModelFile } from '../../../src/engine/modelFile';
import { loadNodeLlamaCpp } from '../../../src/engine/nodeLlamaCpp';
import { format } from '../../../src/shared/messages/index';
import { describeError, describeNext, UserError } from '../../../src/shared/userError';
import { ggufPrefix, str, u32, u64 } from '../../fixtures/gguf/hostile';
import { CHATML_TEMPLATE, ensureTinyModel, TINY_MODEL_FACTS } from '../../fixtures/gguf/tinyModel';
import { writeGguf } from '../../fixtures/gguf/writer';

let dir = '';
let tiny = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medlocal-gguf-reader-'));
  tiny = await ensureTinyModel();
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function fileOf(bytes: Buffer): Promise<string> {
  const file = path.join(dir, `case-${++counter}.gguf`);
  await writeFile(file, bytes);
  return file;
}

test('tiny model: the same header facts as node-llama-cpp reads', async () => {
  const header = await readGgufHeader(tiny);
  const nlc = await loadNodeLlamaCpp();
  const info = await nlc.readGgufFileInfo(tiny, { readTensorInfo: true, sourceType: 'filesystem', logWarnings: false });
  assert.equal(header.version, info.version);
  assert.equal(header.tensors.length, info.tensorInfo?.length);
  assert.deepEqual(
    header.tensors.map((t) => [t.name, t.dimensions, t.ggmlType, t.fileOffset]),
    (info.tensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.fileOffset)]),
  );
  const theirs = info.metadata as unknown as Record<string, Record<string, unknown>>;
  const ours = nestedMetadata(header) as Record<string, Record<string, unknown>>;
  assert.deepEqual({ ...ours.general }, theirs.general);
  assert.deepEqual(JSON.parse(JSON.stringify(ours.llama)), theirs.llama);
  assert.equal((ours.tokenizer as { chat_template?: string }).chat_template, CHATML_TEMPLATE);
  const tokens = header.metadata.get('tokenizer.ggml.tokens') as GgufArray;
  assert.equal(tokens.length, TINY_MODEL_FACTS.vocabSize);
  assert.equal(header.alignment, 32);
  assert.equal(header.dataOffset % 32, 0);
  assert.ok(header.dataOffset <= (header.tensors[0]?.fileOffset ?? 0));
});

test('inspectModelFile: the facts of the tiny model, as before the reader', async () => {
  const inspected = await inspectModelFile(tiny);
  assert.equal(inspected.facts.name, TINY_MODEL_FACTS.name);
  assert.equal(inspected.facts.architecture, 'llama');
  assert.equal(inspected.facts.quantization, 'F16');
  assert.equal(inspected.trainedContextSize, TINY_MODEL_FACTS.contextLength);
  assert.equal(inspected.layers, TINY_MODEL_FACTS.layers);
  assert.equal(inspected.hasChatTemplate, true);
  assert.match(inspected.facts.fingerprint, /^[0-9a-f]{16}$/);
});

test('a 152k-entry vocabulary with scores and merges is read fast and summarised, not kept', async () => {
  const n = 152_064;
  const tokens = Array.from({ length: n }, (_, i) => `tok${i}▁日本`);
  const file = path.join(dir, 'vocab.gguf');
  await writeGguf(file, {
    metadata: [
      ['general.architecture', 'qwen2'],
      ['tokenizer.ggml.tokens', tokens, 'string[]'],
      ['tokenizer.ggml.scores', new Float32Array(n)],
      ['tokenizer.ggml.merges', tokens.slice(0, 151_387), 'string[]'],
      ['tokenizer.ggml.bos_token_id', 1],
    ],
    tensors: [{ name: 'w', type: 'F32', dims: [8], data: new Float32Array(8) }],
  });
  const t0 = performance.now();
  const header = await readGgufHeader(file);
  const ms = performance.now() - t0;
  console.log(`[gguf-reader] 152k vocabulary + merges read in ${ms.toFixed(0)} ms`);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  const summary = header.metadata.get('tokenizer.ggml.tokens') as GgufArray;
  assert.deepEqual([summary.length, summary.elementType, summary.values], [n, 8, undefined]);
  assert.equal((header.metadata.get('tokenizer.ggml.merges') as GgufArray).length, 151_387);
  assert.equal(header.metadata.get('tokenizer.ggml.bos_token_id'), 1);
  assert.equal(header.tensors[0]?.name, 'w');
});

test('version 2 reads like version 3; version 1 and big-endian files are refused with their own message', async () => {
  const v3 = Buffer.concat([ggufPrefix(0n, 2n), str('general.architecture'), u32(8), str('llama'),
    str('x.nested'), u32(9), u32(9), u64(2n), u32(4), u64(2n), u32(1), u32(2), u32(4), u64(1n), u32(3)]);
  const v2 = Buffer.from(v3);
  v2.writeUInt32LE(2, 4);
  for (const bytes of [v3, v2]) {
    const read = await readGgufHeader(await fileOf(bytes));
    const nested = read.metadata.get('x.nested') as GgufArray;
    assert.deepEqual(nested.values?.map((v) => (v as GgufArray).values), [[1, 2], [3]]);
  }
  const v1 = Buffer.from(v3);
  v1.writeUInt32LE(1, 4);
  const file = await fileOf(v1);
  await assert.rejects(inspectModelFile(file), (error: unknown) => {
    assert.ok(error instanceof UserError && error.code === 'modelFile');
    assert.match(error.message, /is in GGUF format version 1, which MedLocal cannot read \(it reads versions 2 and 3\)/);
    assert.match(describeNext(error, 'en') ?? '', /Version 1 is an early GGUF format/);
    assert.equal(describeError(error, 'ja'), `モデルファイル ${file} は GGUF 形式のバージョン 1 で、MedLocal では読み込めません（読み込めるのはバージョン 2 と 3 です）。`);
    assert.match(describeNext(error, 'ja') ?? '', /^バージョン 1 は初期の GGUF 形式です。/);
    return true;
  });
  const bigEndian = Buffer.from(v3);
  bigEndian.writeUInt32BE(3, 4);
  await assert.rejects(readGgufHeader(await fileOf(bigEndian)), (e: unknown) => e instanceof GgufFormatError && e.kind === 'version' && e.version === 0x03000000);
});

/** Malformed headers, each with the reason the reader must give and the facts it must name. */
const KV1 = ggufPrefix(0n, 1n);
const MALFORMED: Array<{ label: string; bytes: Buffer; reason: RegExp; facts: string[] }> = [
  { label: 'truncated inside a key', bytes: Buffer.concat([KV1, u64(20n), Buffer.from('general.')]), reason: /^the metadata key at byte 24 claims 20 bytes, but only 8 bytes remain in the file$/, facts: ['24', '20', '8'] },
  { label: 'file ends inside the counts', bytes: Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0n)]), reason: /^the file ends at byte 16 inside the file header at byte 8$/, facts: ['16', '8'] },
  { label: 'key longer than the limit', bytes: Buffer.concat([KV1, u64(100_000n), Buffer.alloc(100_010)]), reason: /^the metadata key at byte 24 is 100000 bytes long, over the limit of 65536$/, facts: ['24', '100000', '65536'] },
  { label: 'unknown value type', bytes: Buffer.concat([KV1, str('a.b'), u32(77), Buffer.alloc(8)]), reason: /^unknown metadata value type 77 at byte 35$/, facts: ['77', '35'] },
  { label: 'duplicate key', bytes: Buffer.concat([ggufPrefix(0n, 2n), str('a.b'), u32(4), u32(1), str('a.b'), u32(4), u32(2)]), reason: /^the metadata key "a\.b" at byte 43 appears twice$/, facts: ['a.b', '43'] },
  { label: 'nesting too deep', bytes: Buffer.concat([KV1, str('a.b'), u32(9), u32(9), u64(1n), u32(9), u64(1n), u32(9), u64(1n), u32(4), u64(0n)]), reason: /^arrays are nested more than 3 deep at byte \d+$/, facts: ['3'] },
  { label: 'bad alignment', bytes: Buffer.concat([KV1, str('general.alignment'), u32(4), u32(24)]), reason: /^general\.alignment is 24; it must be a power of two$/, facts: ['general.alignment', '24'] },
  { label: 'five dimensions', bytes: Buffer.concat([ggufPrefix(1n, 0n), str('t'), u32(5), Buffer.alloc(60)]), reason: /^the tensor "t" at byte 24 has 5 dimensions \(at most 4 are allowed\)$/, facts: ['t', '24', '5', '4'] },
  { label: 'shape overflow', bytes: Buffer.concat([ggufPrefix(1n, 0n), str('t'), u32(2), u64(2n ** 40n), u64(2n ** 40n), u32(0), u64(0n)]), reason: /^the tensor "t" at byte 24 has a shape too large to address$/, facts: ['t', '24'] },
  { label: 'invalid ggml type', bytes: Buffer.concat([ggufPrefix(1n, 0n), str('t'), u32(1), u64(4n), u32(5000), u64(0n)]), reason: /^the tensor "t" at byte 24 has an invalid ggml type 5000$/, facts: ['t', '24', '5000'] },
  { label: 'misaligned offset', bytes: Buffer.concat([ggufPrefix(1n, 0n), str('t'), u32(1), u64(4n), u32(0), u64(3n)]), reason: /^the tensor "t" at byte 24 has an invalid data offset 3 \(it must be a multiple of 32 and inside a file\)$/, facts: ['t', '24', '3', '32'] },
  { label: 'duplicate tensor', bytes: Buffer.concat([ggufPrefix(2n, 0n), str('t'), u32(1), u64(4n), u32(0), u64(0n), str('t'), u32(1), u64(4n), u32(0), u64(32n)]), reason: /^the tensor "t" at byte 57 appears twice$/, facts: ['t', '57'] },
  { label: 'array over the length limit', bytes: Buffer.concat([KV1, str('a.b'), u32(9), u32(0), u64(BigInt(2 ** 24 + 1)), Buffer.alloc(2 ** 24 + 1)]), reason: /^the array at byte 35 has 16777217 elements, over the limit of 16777216$/, facts: ['35', '16777217', '16777216'] },
  { label: 'string inside an array past the end', bytes: Buffer.concat([KV1, str('a.b'), u32(9), u32(8), u64(2n), str('x'), u64(99n)]), reason: /^the metadata string at byte 60 claims 99 bytes, but only 0 bytes remain in the file$/, facts: ['60', '99', '0'] },
];

for (const { label, bytes, reason, facts } of MALFORMED) {
  test(`malformed header refused fast, with its reason in English and Japanese: ${label}`, async () => {
    const file = await fileOf(bytes);
    const t0 = performance.now();
    await assert.rejects(readGgufHeader(file), (error: unknown) => {
      assert.ok(error instanceof GgufFormatError, String(error));
      assert.match(error.message, reason);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000);
    await assert.rejects(inspectModelFile(file), (error: unknown) => {
      assert.ok(error instanceof UserError && error.code === 'modelFile', String(error));
      assert.ok(error.message.startsWith(`The model file ${file} is not a valid GGUF file (`), error.message);
      const japanese = describeError(error, 'ja');
      assert.match(japanese, /^モデルファイル .+ は有効な GGUF ファイルではありません（/, japanese);
      for (const fact of [file, ...facts]) assert.ok(japanese.includes(fact), `"${fact}" is lost in ${japanese}`);
      const rest = [file, ...facts].reduce((text, fact) => text.split(fact).join(' '), japanese);
      assert.doesNotMatch(rest, /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/, `English left in: ${japanese}`);
      assert.ok(error.next);
      assert.notEqual(format('ja', error.next), format('en', error.next));
      return true;
    });
  });
}

test('the three reported hostile headers are refused in milliseconds', async () => {
  const { hostileGguf } = await import('../../fixtures/gguf/hostile');
  for (const kind of ['hugeString', 'hugeArray', 'hugeCounts'] as const) {
    const file = await fileOf(hostileGguf(kind));
    const t0 = performance.now();
    await assert.rejects(readGgufHeader(file), GgufFormatError);
    assert.ok(performance.now() - t0 < 500, kind);
  }
});
