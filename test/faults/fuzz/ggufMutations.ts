// Mutated GGUF headers for test/faults/ggufFuzz.test.ts. Starts from valid tiny headers, finds
// where their lengths, counts and type fields lie (a plain walk of the known-valid bytes), and
// rewrites them with values near 2^31, 2^32, 2^40, 2^63 and the bytes actually left, flips random
// bytes, and cuts the file short.
import { ggufPrefix, str, u32, u64 } from '../../fixtures/gguf/hostile';
import { tinyModelFile } from '../../fixtures/gguf/tinyModel';
import { buildHeader, type GgufFile } from '../../fixtures/gguf/writer';

export type FieldKind = 'count' | 'length' | 'type' | 'ndims' | 'dim' | 'offset' | 'version';
export interface Field { at: number; bytes: 4 | 8; kind: FieldKind }
export interface Seed { name: string; bytes: Buffer; fields: Field[] }
export interface Mutant { seed: string; what: string; bytes: Buffer; claimsHuge: boolean }

const SAMPLE: GgufFile = {
  metadata: [
    ['general.architecture', 'llama'], ['general.name', 'fuzz'], ['test.u8', 255, 'u8'], ['test.i8', -3, 'i8'],
    ['test.u16', 65535, 'u16'], ['test.i16', -2, 'i16'], ['test.u32', 7], ['test.i32', -5], ['test.f32', 0.25, 'f32'],
    ['test.bool', true], ['test.u64', 2n ** 40n], ['test.i64', -9n, 'i64'], ['test.f64', 0.5, 'f64'], ['test.str', 'héllo 日本'],
    ['tokenizer.ggml.tokens', Array.from({ length: 40 }, (_, i) => `t${i}`), 'string[]'], ['test.f32s', new Float32Array([0.5, -1.5])],
  ],
  tensors: [
    { name: 'a', type: 'F32', dims: [3, 2], data: new Float32Array(6) },
    { name: 'b', type: 'F16', dims: [4], data: new Float32Array(4) },
    { name: 'c', type: 'Q8_0', dims: [32, 2], data: new Float32Array(64) },
  ],
};

/** A header with nested arrays (the writer writes one level only). */
function nestedSeed(): Buffer {
  return Buffer.concat([
    ggufPrefix(1n, 2n), str('general.architecture'), u32(8), str('llama'),
    str('x.nested'), u32(9), u32(9), u64(2n), u32(8), u64(2n), str('ab'), str('c'), u32(4), u64(1n), u32(3),
    str('w'), u32(2), u64(4n), u64(2n), u32(0), u64(0n), Buffer.alloc(64),
  ]);
}

function withData({ header, dataBytes }: { header: Buffer; dataBytes: number }, keep: number): Buffer {
  return Buffer.concat([header, Buffer.alloc(Math.min(dataBytes, keep))]);
}

/** The positions of every length, count and type field of a VALID GGUF buffer. */
export function locateFields(bytes: Buffer): Field[] {
  const fields: Field[] = [{ at: 4, bytes: 4, kind: 'version' }, { at: 8, bytes: 8, kind: 'count' }, { at: 16, bytes: 8, kind: 'count' }];
  let pos = 24;
  const string = () => {
    fields.push({ at: pos, bytes: 8, kind: 'length' });
    pos += 8 + Number(bytes.readBigUInt64LE(pos));
  };
  const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = (type: number): void => {
    if (type === 8) return string();
    if (type === 9) {
      fields.push({ at: pos, bytes: 4, kind: 'type' });
      const element = bytes.readUInt32LE(pos);
      fields.push({ at: pos + 4, bytes: 8, kind: 'count' });
      const count = Number(bytes.readBigUInt64LE(pos + 4));
      pos += 12;
      for (let i = 0; i < count; i++) value(element);
      return;
    }
    pos += FIXED[type] ?? 0;
  };
  const kvs = Number(bytes.readBigUInt64LE(16));
  for (let i = 0; i < kvs; i++) {
    string();
    fields.push({ at: pos, bytes: 4, kind: 'type' });
    const type = bytes.readUInt32LE(pos);
    pos += 4;
    value(type);
  }
  const tensors = Number(bytes.readBigUInt64LE(8));
  for (let i = 0; i < tensors; i++) {
    string();
    fields.push({ at: pos, bytes: 4, kind: 'ndims' });
    const dims = bytes.readUInt32LE(pos);
    pos += 4;
    for (let d = 0; d < dims; d++, pos += 8) fields.push({ at: pos, bytes: 8, kind: 'dim' });
    fields.push({ at: pos, bytes: 4, kind: 'type' });
    fields.push({ at: pos + 4, bytes: 8, kind: 'offset' });
    pos += 12;
  }
  return fields;
}

export function ggufSeeds(): Seed[] {
  const raw: Array<[string, Buffer]> = [
    ['sample', withData(buildHeader(SAMPLE), 4096)],
    ['nested', nestedSeed()],
    ['tiny-model', withData(buildHeader(tinyModelFile()), 2048)],
  ];
  return raw.map(([name, bytes]) => ({ name, bytes, fields: locateFields(bytes) }));
}

const HUGE_64 = [2n ** 31n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 32n + 1n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
const HUGE_32 = [2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 16, 13, 77];

/** One mutant of `seed`, drawn with `random` (seeded: a failing case replays). */
export function mutate(seed: Seed, random: () => number): Mutant {
  const bytes = Buffer.from(seed.bytes);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const notes: string[] = [];
  let claimsHuge = false;
  let size = bytes.length;
  const rounds = 1 + Math.floor(random() * 3);
  for (let round = 0; round < rounds; round++) {
    const roll = random();
    if (roll < 0.55) {
      const field = pick(seed.fields);
      if (field.bytes === 8) {
        const left = BigInt(Math.max(0, size - field.at - 8));
        const value = random() < 0.7 ? pick(HUGE_64) : pick([left, left + 1n, left - 1n >= 0n ? left - 1n : 0n, 0n, bytes.readBigUInt64LE(field.at) * 2n + 1n]);
        bytes.writeBigUInt64LE(value % 2n ** 64n, field.at);
        claimsHuge ||= value >= 2n ** 31n;
        notes.push(`${field.kind}@${field.at}=${value}`);
      } else {
        const value = random() < 0.5 ? pick(HUGE_32) : Math.floor(random() * 16);
        bytes.writeUInt32LE(value, field.at);
        notes.push(`${field.kind}@${field.at}=${value}`);
      }
    } else if (roll < 0.8) {
      const flips = 1 + Math.floor(random() * 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * size)] = Math.floor(random() * 256);
      notes.push(`${flips} random bytes`);
    } else {
      size = Math.floor(random() * size);
      notes.push(`cut at ${size}`);
    }
  }
  return { seed: seed.name, what: notes.join(', '), bytes: bytes.subarray(0, size), claimsHuge };
}
