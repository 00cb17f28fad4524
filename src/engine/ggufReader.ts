// Our own reader of a GGUF file's header (GGUF v2/v3, little-endian): magic, version, counts,
// metadata, tensor infos, alignment and where the tensor data starts.
//
// The header is attacker-controlled input: a 78-byte file can claim a 2 GiB string, a 98-byte one
// an array of 2^40 elements, a 69-byte one 2^40 tensors. Every length and count is therefore
// checked against the bytes left in the file and against fixed limits BEFORE anything is allocated
// or read, and all reads go through a small buffer over a file handle (never one fs.read of a
// length taken from the file). A bad header costs a GgufFormatError naming what is wrong and at
// which byte, in milliseconds; nothing here allocates or loops beyond the file's own size.
import { promises as fs } from 'node:fs';
import { msg, type Message } from '../shared/messages/index';
import { UserError } from '../shared/userError';

/** GGUF metadata value types (gguf_type in ggml). */
export const GGUF_TYPE = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
} as const;
const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export const GGUF_LIMITS = {
  /** One metadata string value (chat templates run to tens of KB). */
  maxStringBytes: 16 * 1024 * 1024,
  /** A metadata key or a tensor name (llama.cpp itself caps tensor names at 64 bytes). */
  maxNameBytes: 64 * 1024,
  /** All string values kept in memory together. */
  maxTextBytes: 64 * 1024 * 1024,
  maxKvCount: 1 << 20,
  maxTensorCount: 1 << 20,
  /** Elements of one array (the largest vocabularies hold ~256k tokens and as many merges). */
  maxArrayLength: 1 << 24,
  /** Arrays of arrays of...: GGUF allows nesting, real files use one level. */
  maxArrayDepth: 3,
  /** Arrays up to this length keep their values; longer ones are summarised as type + length. */
  maxKeptArrayLength: 1024,
  maxDims: 4,
} as const;

const MIN_KV_BYTES = 8 + 4 + 1; // key length, value type, smallest value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8; // name length, n_dims, one dim, type, offset
const DEFAULT_ALIGNMENT = 32;
const CHUNK = 64 * 1024;

export type GgufScalar = number | bigint | boolean | string;
/** An array value; `values` only for short arrays (see GGUF_LIMITS.maxKeptArrayLength). */
export interface GgufArray {
  readonly elementType: number;
  readonly length: number;
  readonly values?: readonly GgufValue[];
}
export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensorInfo {
  name: string;
  /** ggml `ne` order: innermost dimension first. */
  dimensions: number[];
  ggmlType: number;
  /** Offset of the data relative to the data section. */
  offset: number;
  /** Absolute offset of the data in the file. */
  fileOffset: number;
}

export interface GgufHeader {
  version: number;
  fileSize: number;
  metadata: ReadonlyMap<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
}

/** `reason` says what is wrong and at which byte; `kind` tells a bad signature or version apart. */
export class GgufFormatError extends UserError {
  constructor(
    readonly reason: Message,
    readonly kind: 'corrupt' | 'signature' | 'version' = 'corrupt',
    readonly version?: number,
  ) {
    super(reason, undefined, 'ggufFormat');
    this.name = 'GgufFormatError';
  }
}

/** Reads and checks the header of the GGUF file at `path`. Throws GgufFormatError or an fs error. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await new HeaderParser(new BoundedReader(handle, size)).parse();
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Buffered reads that never pass the end of the file

class BoundedReader {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private bufStart = 0;
  private bufEnd = 0;
  pos = 0;

  constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  get remaining(): number {
    return this.size - this.pos;
  }

  /** Makes the next `n` (≤ CHUNK) bytes available, or throws when the file ends first. */
  async need(n: number, what: Message, at: number): Promise<void> {
    if (n > this.remaining) throw new GgufFormatError(msg('ggufEndsInside', this.size, what, at));
    if (this.pos >= this.bufStart && this.pos + n <= this.bufEnd) return;
    const length = Math.min(CHUNK, this.size - this.pos);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(this.buf, filled, length - filled, this.pos + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.bufStart = this.pos;
    this.bufEnd = this.pos + filled;
    if (filled < n) throw new GgufFormatError(msg('ggufEndsInsideShrank', this.bufEnd, what, at));
  }

  private take(n: number): number {
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  /** Fixed-size reads; `need` must have made the bytes available. */
  u8(): number { return this.buf.readUInt8(this.take(1)); }
  u32(): number { return this.buf.readUInt32LE(this.take(4)); }
  u64(): bigint { return this.buf.readBigUInt64LE(this.take(8)); }

  scalar(type: number): GgufScalar {
    switch (type) {
      case GGUF_TYPE.u8: return this.buf.readUInt8(this.take(1));
      case GGUF_TYPE.i8: return this.buf.readInt8(this.take(1));
      case GGUF_TYPE.u16: return this.buf.readUInt16LE(this.take(2));
      case GGUF_TYPE.i16: return this.buf.readInt16LE(this.take(2));
      case GGUF_TYPE.u32: return this.buf.readUInt32LE(this.take(4));
      case GGUF_TYPE.i32: return this.buf.readInt32LE(this.take(4));
      case GGUF_TYPE.f32: return this.buf.readFloatLE(this.take(4));
      case GGUF_TYPE.bool: return this.buf.readUInt8(this.take(1)) !== 0;
      case GGUF_TYPE.u64: return safeNumber(this.buf.readBigUInt64LE(this.take(8)));
      case GGUF_TYPE.i64: return safeNumber(this.buf.readBigInt64LE(this.take(8)));
      case GGUF_TYPE.f64: return this.buf.readDoubleLE(this.take(8));
      default: throw new Error(`not a fixed-size GGUF type: ${type}`);
    }
  }

  /** `n` bytes as UTF-8; the caller has checked `n` against the limits and `remaining`. */
  async text(n: number, what: Message, at: number): Promise<string> {
    if (n <= CHUNK) {
      await this.need(n, what, at);
      const start = this.take(n);
      return this.buf.toString('utf8', start, start + n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let done = 0; done < n;) {
      const piece = Math.min(CHUNK, n - done);
      await this.need(piece, what, at);
      const start = this.take(piece);
      this.buf.copy(out, done, start, start + piece);
      done += piece;
    }
    return out.toString('utf8');
  }

  /**
   * Skips `count` strings (u64 length + bytes), each length checked against the file and `limit`:
   * the walk over a vocabulary, kept synchronous while the buffer holds the next length.
   */
  async skipStrings(count: number, limit: number): Promise<void> {
    const what = msg('ggufPartArrayString');
    for (let i = 0; i < count; i++) {
      if (this.pos < this.bufStart || this.pos + 8 > this.bufEnd) await this.need(8, msg('ggufPartLengthOf', what), this.pos);
      const at = this.pos;
      const o = this.take(8);
      const length = this.buf.readUInt32LE(o + 4) * 2 ** 32 + this.buf.readUInt32LE(o);
      if (length > this.remaining || length > limit) {
        const exact = this.buf.readBigUInt64LE(o);
        throw new GgufFormatError(length > this.remaining
          ? msg('ggufClaimsBytes', what, at, String(exact), this.remaining)
          : msg('ggufOverLimit', what, at, String(exact), limit));
      }
      this.pos += length;
    }
  }

  skip(n: number, what: Message, at: number): void {
    if (n > this.remaining) throw new GgufFormatError(msg('ggufEndsInside', this.size, what, at));
    this.pos += n;
  }
}

function safeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

// ---------------------------------------------------------------------------------------------
// The header

class HeaderParser {
  private textBytes = 0;

  constructor(private readonly r: BoundedReader) {}

  async parse(): Promise<GgufHeader> {
    const r = this.r;
    if (r.size < 8) throw new GgufFormatError(r.size === 0 ? msg('fileIsEmpty') : msg('ggufTooShort', r.size), 'signature');
    await r.need(8, msg('ggufPartFileHeader'), 0);
    const magic = [r.u8(), r.u8(), r.u8(), r.u8()];
    if (Buffer.from(magic).toString('latin1') !== 'GGUF') throw new GgufFormatError(msg('ggufWrongSignature'), 'signature');
    const version = r.u32();
    if (version !== 2 && version !== 3) throw new GgufFormatError(msg('ggufVersion', version), 'version', version);

    await r.need(16, msg('ggufPartFileHeader'), 8);
    const tensorCount = r.u64();
    const kvCount = r.u64();
    this.checkCounts(tensorCount, kvCount);

    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < Number(kvCount); i++) {
      const at = r.pos;
      const key = await this.string(msg('ggufPartMetadataKey'), GGUF_LIMITS.maxNameBytes);
      if (metadata.has(key)) throw new GgufFormatError(msg('ggufDuplicateKey', key, at));
      await r.need(4, msg('ggufPartValueType', key), r.pos);
      metadata.set(key, await this.value(r.u32(), 0, r.pos - 4));
    }
    const alignment = this.alignmentOf(metadata);

    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let i = 0; i < Number(tensorCount); i++) tensors.push(await this.tensorInfo(names, alignment));
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    for (const tensor of tensors) tensor.fileOffset = dataOffset + tensor.offset;
    return { version, fileSize: r.size, metadata, tensors, alignment, dataOffset };
  }

  /** Both counts at once: every entry takes bytes, so the file's size bounds them. */
  private checkCounts(tensorCount: bigint, kvCount: bigint): void {
    const need = tensorCount * BigInt(MIN_TENSOR_INFO_BYTES) + kvCount * BigInt(MIN_KV_BYTES);
    if (need > BigInt(this.r.remaining)) {
      throw new GgufFormatError(msg('ggufHeaderNeeds', String(tensorCount), String(kvCount), String(need), this.r.remaining));
    }
    if (tensorCount > BigInt(GGUF_LIMITS.maxTensorCount)) {
      throw new GgufFormatError(msg('ggufTooManyTensors', String(tensorCount), GGUF_LIMITS.maxTensorCount));
    }
    if (kvCount > BigInt(GGUF_LIMITS.maxKvCount)) {
      throw new GgufFormatError(msg('ggufTooManyKv', String(kvCount), GGUF_LIMITS.maxKvCount));
    }
  }

  /** A u64 length and that many bytes of UTF-8, the length checked before anything is read. */
  private async string(what: Message, limit: number): Promise<string> {
    const r = this.r;
    const at = r.pos;
    const length = await this.length(what, at);
    this.checkStringLength(length, what, at, limit);
    if (limit > GGUF_LIMITS.maxNameBytes) {
      this.textBytes += Number(length);
      if (this.textBytes > GGUF_LIMITS.maxTextBytes) {
        throw new GgufFormatError(msg('ggufTextOverLimit', at, GGUF_LIMITS.maxTextBytes));
      }
    }
    return r.text(Number(length), what, at);
  }

  private async length(what: Message, at: number): Promise<bigint> {
    await this.r.need(8, msg('ggufPartLengthOf', what), at);
    return this.r.u64();
  }

  private checkStringLength(length: bigint, what: Message, at: number, limit: number): void {
    if (length > BigInt(this.r.remaining)) {
      throw new GgufFormatError(msg('ggufClaimsBytes', what, at, String(length), this.r.remaining));
    }
    if (length > BigInt(limit)) throw new GgufFormatError(msg('ggufOverLimit', what, at, String(length), limit));
  }

  private async value(type: number, depth: number, at: number): Promise<GgufValue> {
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined) {
      await this.r.need(fixed, msg('ggufPartValue'), at);
      return this.r.scalar(type);
    }
    if (type === GGUF_TYPE.string) return this.string(msg('ggufPartMetadataString'), GGUF_LIMITS.maxStringBytes);
    if (type === GGUF_TYPE.array) return this.array(depth + 1, at);
    throw new GgufFormatError(msg('ggufUnknownType', type, at));
  }

  private async array(depth: number, at: number): Promise<GgufArray> {
    const r = this.r;
    if (depth > GGUF_LIMITS.maxArrayDepth) throw new GgufFormatError(msg('ggufNestedTooDeep', GGUF_LIMITS.maxArrayDepth, at));
    await r.need(12, msg('ggufPartArray'), at);
    const elementType = r.u32();
    const countAt = r.pos;
    const count = r.u64();
    const elementBytes = FIXED_SIZE[elementType] ?? (elementType === GGUF_TYPE.string ? 8 : elementType === GGUF_TYPE.array ? 12 : undefined);
    if (elementBytes === undefined) throw new GgufFormatError(msg('ggufUnknownType', elementType, countAt - 4));
    if (count * BigInt(elementBytes) > BigInt(r.remaining)) {
      throw new GgufFormatError(msg('ggufArrayClaims', at, String(count), elementBytes, r.remaining));
    }
    if (count > BigInt(GGUF_LIMITS.maxArrayLength)) {
      throw new GgufFormatError(msg('ggufArrayTooLong', at, String(count), GGUF_LIMITS.maxArrayLength));
    }
    const length = Number(count);
    const keep = length <= GGUF_LIMITS.maxKeptArrayLength;
    if (!keep && FIXED_SIZE[elementType] !== undefined) {
      r.skip(length * elementBytes, msg('ggufPartArray'), at);
      return { elementType, length };
    }
    if (!keep && elementType === GGUF_TYPE.string) {
      // A vocabulary or merge list: walk the lengths, keep nothing.
      await r.skipStrings(length, GGUF_LIMITS.maxStringBytes);
      return { elementType, length };
    }
    const values: GgufValue[] = [];
    for (let i = 0; i < length; i++) {
      const item = await this.value(elementType, depth, r.pos);
      if (keep) values.push(item);
    }
    return keep ? { elementType, length, values } : { elementType, length };
  }

  private alignmentOf(metadata: ReadonlyMap<string, GgufValue>): number {
    const value = metadata.get('general.alignment');
    if (value === undefined) return DEFAULT_ALIGNMENT;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 1 << 30 || (value & (value - 1)) !== 0) {
      throw new GgufFormatError(msg('ggufAlignment', describe(value)));
    }
    return value;
  }

  private async tensorInfo(names: Set<string>, alignment: number): Promise<GgufTensorInfo> {
    const r = this.r;
    const at = r.pos;
    const name = await this.string(msg('ggufPartTensorName'), GGUF_LIMITS.maxNameBytes);
    if (names.has(name)) throw new GgufFormatError(msg('ggufTensorTwice', name, at));
    names.add(name);
    await r.need(4, msg('ggufPartTensor', name), at);
    const nDims = r.u32();
    if (nDims > GGUF_LIMITS.maxDims) throw new GgufFormatError(msg('ggufTensorDims', name, at, nDims, GGUF_LIMITS.maxDims));
    await r.need(nDims * 8 + 12, msg('ggufPartTensor', name), at);
    const dimensions: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const size = r.u64();
      elements *= Number(size);
      if (size > BigInt(Number.MAX_SAFE_INTEGER) || elements > Number.MAX_SAFE_INTEGER) {
        throw new GgufFormatError(msg('ggufTensorShape', name, at));
      }
      dimensions.push(Number(size));
    }
    const ggmlType = r.u32();
    if (ggmlType >= 1024) throw new GgufFormatError(msg('ggufTensorType', name, at, ggmlType));
    const offset = r.u64();
    if (offset > BigInt(Number.MAX_SAFE_INTEGER) || Number(offset) % alignment !== 0) {
      throw new GgufFormatError(msg('ggufTensorOffset', name, at, String(offset), alignment));
    }
    return { name, dimensions, ggmlType, offset: Number(offset), fileOffset: 0 };
  }
}

function describe(value: GgufValue): string {
  return typeof value === 'object' ? `an array` : typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
}

// ---------------------------------------------------------------------------------------------
// Access to the facts

export function metadataString(header: GgufHeader, key: string): string | undefined {
  const value = header.metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

export function metadataNumber(header: GgufHeader, key: string): number | undefined {
  const value = header.metadata.get(key);
  return typeof value === 'number' ? value : undefined;
}

/**
 * The metadata nested by key path ("general.name" → { general: { name } }), as node-llama-cpp's
 * GgufFileInfo.metadata has it; summarised arrays are left out. For node-llama-cpp helpers that
 * only read metadata (resolveChatWrapper).
 */
export function nestedMetadata(header: GgufHeader): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of header.metadata) {
    const plain = plainValue(value);
    if (plain === undefined) continue;
    const parts = key.split('.');
    let node: Record<string, unknown> | undefined = root;
    for (const part of parts.slice(0, -1)) {
      if (node[part] === undefined) node[part] = Object.create(null) as Record<string, unknown>;
      const next: unknown = node[part];
      // A key that is both a value and a prefix of other keys: the first one read wins.
      node = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
      if (!node) break;
    }
    const leaf = parts[parts.length - 1] ?? key;
    if (node && node[leaf] === undefined) node[leaf] = plain;
  }
  return root;
}

function plainValue(value: GgufValue): unknown {
  if (typeof value !== 'object') return value;
  if (!value.values) return undefined;
  return value.values.map(plainValue);
}
