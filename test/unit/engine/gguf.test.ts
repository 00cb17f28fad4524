// The GGUF writer and the test models it produces. Every model load happens in a child process
// (test/fixtures/gguf/probe.mjs): a malformed GGUF may abort llama.cpp, and must not take the
// test runner with it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ensureTinyModel, TINY_MODEL_FACTS, writeCorruptGguf, writeLoraAdapter, writeSyntheticModel,
  type CorruptKind,
} from '../../fixtures/gguf/tinyModel.js';
import { buildHeader, f32ToF16Bits, writeGguf, type GgufFile } from '../../fixtures/gguf/writer.js';
import { probeResults, runProbe, type ProbeOutcome } from '../../fixtures/gguf/runProbe.js';

let dir = '';
let tinyPath = '';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medlocal-gguf-test-'));
  tinyPath = await ensureTinyModel({ dir: path.join(dir, 'a') });
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256').update(await readFile(file)).digest('hex');

// ---------------------------------------------------------------------------------------
// Writer

const sampleFile = (): GgufFile => ({
  metadata: [
    ['general.architecture', 'llama'],
    ['test.u8', 255, 'u8'],
    ['test.u32', 7],
    ['test.i32', -5],
    ['test.f32', 0.25, 'f32'],
    ['test.bool', true],
    ['test.u64', 2n ** 40n],
    ['test.str', 'héllo 日本'],
    ['test.strs', ['a', 'b c', '日本']],
    ['test.i32s', [1, -2, 3]],
    ['test.f32s', new Float32Array([0.5, -1.5])],
  ],
  tensors: [
    { name: 'a', type: 'F32', dims: [3, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5]) },
    { name: 'b', type: 'F16', dims: [4], data: Float32Array.from([1, -2, 0.5, 65504]) },
    { name: 'c', type: 'Q8_0', dims: [32, 2], data: Float32Array.from({ length: 64 }, (_, i) => (i - 20) / 8) },
  ],
});

test('f32ToF16Bits rounds to nearest even, including subnormals and overflow', () => {
  const cases: Array<[number, number]> = [
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [-0, 0x8000],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -24, 0x0002], [2 ** -14, 0x0400],
    [Infinity, 0x7c00], [NaN, 0x7e00],
  ];
  for (const [value, bits] of cases) assert.equal(f32ToF16Bits(value), bits, `f16(${value})`);
});

test('writer: GGUF v3 header, aligned offsets and Q8_0 blocks', async () => {
  const file = path.join(dir, 'sample.gguf');
  const size = await writeGguf(file, sampleFile());
  const bytes = await readFile(file);
  assert.equal(bytes.length, size);
  assert.equal(bytes.toString('ascii', 0, 4), 'GGUF');
  assert.equal(bytes.readUInt32LE(4), 3);
  assert.equal(bytes.readBigUInt64LE(8), 3n); // tensors
  assert.equal(bytes.readBigUInt64LE(16), 11n); // KVs
  const { header, offsets } = buildHeader(sampleFile());
  assert.equal(header.length % 32, 0);
  assert.ok(offsets.every((o) => o % 32 === 0));
  assert.equal(size % 32, 0);
  // First Q8_0 block of "c": values (i-20)/8, i < 32 → amax 2.5, d = 2.5/127.
  const c = header.length + (offsets[2] ?? 0);
  assert.equal(bytes.readUInt16LE(c), f32ToF16Bits(2.5 / 127));
  assert.equal(bytes.readInt8(c + 2), -127); // -20/8 = -2.5 → -127
  assert.equal(bytes.readInt8(c + 2 + 20), 0);
  assert.equal(bytes.readInt8(c + 2 + 24), 25); // 0.5 / (2.5/127) = 25.4
});

test('writer: rejects shapes ggml cannot hold', async () => {
  const bad = (t: GgufFile['tensors'][number]) => writeGguf(path.join(dir, 'bad.gguf'), { metadata: [], tensors: [t] });
  await assert.rejects(bad({ name: 'q', type: 'Q8_0', dims: [16, 2], data: new Float32Array(32) }), /multiple/);
  await assert.rejects(bad({ name: 'f', type: 'F32', dims: [4], data: new Float32Array(3) }), /3 values/);
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp-')), [], 'no temp file left behind');
});

test("writer: node-llama-cpp's own GGUF parser reads every KV type and tensor", async () => {
  const file = path.join(dir, 'sample.gguf');
  await writeGguf(file, sampleFile());
  const [info] = probeResults(await runProbe({ model: file, ops: [{ op: 'readInfo' }] })) as [ReadInfo];
  assert.equal(info.version, 3);
  assert.equal(info.tensorCount, 3);
  const t = info.metadata.test as Record<string, unknown>;
  assert.deepEqual(
    { ...t },
    { u8: 255, u32: 7, i32: -5, f32: 0.25, bool: true, u64: 2 ** 40, str: 'héllo 日本', strs: ['a', 'b c', '日本'], i32s: [1, -2, 3], f32s: [0.5, -1.5] },
  );
  assert.deepEqual(
    info.tensors.map((x) => [x.name, x.dims, x.ggmlType, x.offset]),
    [['a', [3, 2], 0, 0], ['b', [4], 1, 32], ['c', [32, 2], 8, 64]],
  );
});

interface ReadInfo {
  version: number; tensorCount: number; metadata: Record<string, unknown>;
  tensors: Array<{ name: string; dims: number[]; ggmlType: number; offset: number }>;
}

// ---------------------------------------------------------------------------------------
// Tiny model file

test('ensureTinyModel: cached by content key, byte-identical across writes, no temp leftovers', async () => {
  const first = await stat(tinyPath);
  assert.equal(await ensureTinyModel({ dir: path.join(dir, 'a') }), tinyPath);
  assert.equal((await stat(tinyPath)).mtimeMs, first.mtimeMs, 'second call reuses the file');
  assert.match(path.basename(tinyPath), /^medlocal-tiny-v\d+-[0-9a-f]{12}\.gguf$/);
  // Three concurrent writers into a fresh dir: all get the same complete file.
  const other = path.join(dir, 'b');
  const paths = await Promise.all([1, 2, 3].map(() => ensureTinyModel({ dir: other })));
  assert.ok(paths.every((p) => p === paths[0]));
  assert.equal(await sha256(paths[0] ?? ''), await sha256(tinyPath));
  assert.deepEqual(await readdir(other), [path.basename(tinyPath)]);
  assert.ok(first.size < 4_000_000, `tiny model is ${first.size} bytes`);
});

// ---------------------------------------------------------------------------------------
// Tiny model through node-llama-cpp (one child for all the checks that need a working model)

const ROUND_TRIP = [
  '急性心筋梗塞 AMI chest pain',
  '質問: 次のうち正しいものはどれか。答え: C',
  'カテーテル治療を行った。ｶﾀｶﾅ and ＡＢＣ',
  'Chest pain with dyspnea.\n  Next step?\t(mg/dL) 120/80 mmHg',
  '  leading spaces and trailing  ',
  '😀 émoji ß ∑ 한국어',
];
const SINGLE_TOKEN = ['A', 'B', 'C', 'D', 'E', 'a', 'b', 'c', 'd', 'e', ' A', ' B'];

interface Facts {
  name: string; trainContextSize: number; vocabularyType: string; bos: number; eos: number; eot: number;
  shouldPrependBos: boolean; eog: number[];
}
type Tokenized = Array<{ text: string; tokens: number[]; back: string }>;

let tinyRun: Promise<ProbeOutcome> | undefined;
let loraPath = '';
function tinyProbe(): Promise<ProbeOutcome> {
  tinyRun ??= (async () => {
    loraPath = await writeLoraAdapter(path.join(dir, 'lora.gguf'), { rank: 4, seed: 3 });
    return runProbe({
      model: tinyPath,
      ops: [
        { op: 'facts' },
        { op: 'tokenize', texts: [...ROUND_TRIP, ...SINGLE_TOKEN] },
        { op: 'chat', prompt: 'What does AMI stand for?', maxTokens: 8 },
        { op: 'nextToken', prompt: 'Question: chest pain. Answer:' },
        { op: 'nextToken', prompt: 'Question: chest pain. Answer:', lora: { adapters: [{ filePath: loraPath, scale: 1 }] } },
      ],
    });
  })();
  return tinyRun;
}

test('tiny model loads with the documented special tokens', async () => {
  const [facts] = probeResults(await tinyProbe()) as [Facts];
  assert.equal(facts.name, TINY_MODEL_FACTS.name);
  assert.equal(facts.trainContextSize, TINY_MODEL_FACTS.contextLength);
  assert.equal(facts.vocabularyType, 'spm');
  assert.equal(facts.bos, TINY_MODEL_FACTS.tokens.bos);
  assert.equal(facts.eos, TINY_MODEL_FACTS.tokens.eos);
  assert.equal(facts.eot, TINY_MODEL_FACTS.tokens.imEnd);
  assert.equal(facts.shouldPrependBos, true);
  // <|im_end|> ends generation; llama.cpp 3.22.1's build also detects </s> by its text.
  assert.ok(facts.eog.includes(TINY_MODEL_FACTS.tokens.imEnd), `eog: ${facts.eog.join(',')}`);
});

test('tiny model: tokenize/detokenize round-trips English, Japanese and any UTF-8', async () => {
  const [, tokenized] = probeResults(await tinyProbe()) as [Facts, Tokenized];
  for (const { text, back, tokens } of tokenized.slice(0, ROUND_TRIP.length)) {
    assert.equal(back, text, `round trip of ${JSON.stringify(text)} via ${tokens.join(',')}`);
  }
  // Prefix-closed pieces make whole words single tokens: 急性心筋梗塞 | ▁AMI | ▁chest | ▁pain.
  assert.equal(tokenized[0]?.tokens.length, 4);
});

test('tiny model: answer letters, with and without a leading space, are single tokens', async () => {
  const [, tokenized] = probeResults(await tinyProbe()) as [Facts, Tokenized];
  const letters = tokenized.slice(ROUND_TRIP.length);
  for (const { text, tokens } of letters) assert.equal(tokens.length, 1, `${JSON.stringify(text)} → ${tokens.join(',')}`);
  const id = (t: string) => letters.find((x) => x.text === t)?.tokens[0];
  assert.notEqual(id('A'), id(' A'));
  assert.notEqual(id('A'), id('a'));
});

test('tiny model: a ChatML chat session generates text', async () => {
  const [, , chat] = probeResults(await tinyProbe()) as [Facts, Tokenized, { wrapper: string; tokenCount: number }];
  assert.equal(chat.wrapper, 'ChatML');
  assert.ok(chat.tokenCount >= 1 && chat.tokenCount <= 8, `generated ${chat.tokenCount} tokens`);
});

test('tiny model: a LoRA adapter changes next-token probabilities', async () => {
  const results = probeResults(await tinyProbe()) as [Facts, Tokenized, unknown, { probs: number[] }, { probs: number[] }];
  const base = results[3].probs;
  const adapted = results[4].probs;
  assert.equal(base.length, TINY_MODEL_FACTS.vocabSize);
  assert.equal(adapted.length, TINY_MODEL_FACTS.vocabSize);
  const sum = (p: number[]) => p.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum(base) - 1) < 1e-3 && Math.abs(sum(adapted) - 1) < 1e-3);
  const maxDiff = Math.max(...base.map((p, i) => Math.abs(p - (adapted[i] ?? 0))));
  assert.ok(maxDiff > 1e-3, `max probability change ${maxDiff}`);
});

test('a mismatched LoRA adapter fails with an error in the child, not a crash', async () => {
  const bad = await writeLoraAdapter(path.join(dir, 'lora-bad.gguf'), { mismatched: true });
  const out = await runProbe({
    model: tinyPath,
    ops: [{ op: 'nextToken', prompt: 'Answer:', lora: { adapters: [{ filePath: bad, scale: 1 }] } }],
  });
  assert.equal(out.code, 1, out.stderr);
  assert.equal(out.result?.ok, false);
  assert.match(out.result?.error ?? '', /LoRA adapter/);
  assert.ok(out.result?.log?.some((l) => /incorrect shape/.test(l)), out.result?.log?.join('\n'));
});

// ---------------------------------------------------------------------------------------
// Corrupt files

test('corrupt GGUFs make the child fail, without hanging', async () => {
  const kinds: CorruptKind[] = ['truncatedHeader', 'truncatedData', 'wrongMagic', 'absurdCounts'];
  const check = async (kind: CorruptKind): Promise<void> => {
    const file = await writeCorruptGguf(path.join(dir, `corrupt-${kind}.gguf`), kind);
    const out = await runProbe({ model: file, ops: [{ op: 'facts' }] }, 15_000);
    assert.equal(out.timedOut, false, `${kind} hung`);
    assert.ok(out.code !== 0 && out.result?.ok !== true, `${kind} loaded: ${JSON.stringify(out.result)}`);
  };
  // Two children at a time: one per core.
  await Promise.all([check(kinds[0]!), check(kinds[1]!)]);
  await Promise.all([check(kinds[2]!), check(kinds[3]!)]);
});

// ---------------------------------------------------------------------------------------
// Synthetic benchmark model

test('writeSyntheticModel: a small Q8_0 model with a generated vocab loads and generates', async () => {
  const file = path.join(dir, 'synthetic-small.gguf');
  const info = await writeSyntheticModel(file, { layers: 2, hidden: 256, heads: 4, ffn: 512, vocab: 4096 });
  // 4096·256 embeddings + 2 layers · (4·256² + 3·256·512) + 5 norms of 256.
  assert.equal(info.parameters, 4096 * 256 + 2 * (4 * 256 * 256 + 3 * 256 * 512) + 5 * 256);
  assert.equal((await stat(file)).size, info.bytes);
  const [facts, gen] = probeResults(await runProbe({
    model: file, ops: [{ op: 'facts' }, { op: 'generate', prompt: 'The patient', maxTokens: 8 }],
  })) as [Facts, { tokenCount: number }];
  assert.equal(facts.vocabularyType, 'spm');
  assert.equal(gen.tokenCount, 8);
});

// The default 238M-parameter model takes ~5–8 s to write and ~3 s to load here: opt in.
test('writeSyntheticModel: the full ~250M benchmark shape loads', { skip: !process.env.MEDLOCAL_TEST_SYNTHETIC_FULL }, async () => {
  const file = path.join(dir, 'synthetic-full.gguf');
  const info = await writeSyntheticModel(file);
  assert.ok(info.parameters > 200e6 && info.parameters < 300e6);
  const [, gen] = probeResults(await runProbe({
    model: file, ops: [{ op: 'facts' }, { op: 'generate', prompt: 'The patient', maxTokens: 16 }],
  }, 60_000)) as [Facts, { tokenCount: number }];
  assert.equal(gen.tokenCount, 16);
});
