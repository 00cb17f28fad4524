// Facts about a GGUF model file, read from its header only: no weights are loaded and llama.cpp
// never sees the file, so a broken file costs a message, not the server process.
//
// Validation is shared with the engine (inspectModelFile over our bounded header reader,
// ggufReader.ts: missing file, wrong magic, malformed header, unsupported architecture, missing
// hyper-parameters). On top of it this module checks that the file is long
// enough to hold every tensor: inspectModelFile only checks where the last tensor *starts*, so a
// download cut a few bytes short would pass it and fail later inside llama.cpp.
import { promises as fs } from 'node:fs';
import type { GgufFileInfo } from 'node-llama-cpp';
import { metadataNumber, metadataString, nestedMetadata, type GgufHeader, type GgufTensorInfo } from '../ggufReader';
import { inspectModelFile, modelFileError, readModelHeader } from '../modelFile';
import { msg, type Message } from '../../shared/messages/index';
import { errorMessage } from '../../shared/userError';
import { loadNodeLlamaCpp } from '../nodeLlamaCpp';


export interface ModelInspection {
  /** general.name, else the file name. */
  name: string;
  path: string;
  /** general.architecture, e.g. "llama", "qwen2". */
  architecture: string;
  /** Number of weights, summed over the tensor shapes (general.size_label when there are none). */
  parameters: number;
  /** Human form of `parameters`: general.size_label when the file has one ("7.6B"), else computed. */
  parameterLabel: string;
  /** e.g. "Q4_K_M", from general.file_type; "unknown" when the file does not say. */
  quantization: string;
  sizeBytes: number;
  /** The context length the model was trained with; undefined when the file does not say. */
  contextLength: number | undefined;
  hasChatTemplate: boolean;
  /** The chat format node-llama-cpp recognises in the template, e.g. "ChatML", "Llama 3.1". */
  chatTemplateName?: string;
}

/**
 * Reads the facts of a local GGUF model. Throws ModelFileError (message + hint) for a missing,
 * unreadable, non-GGUF, truncated, malformed or unsupported file.
 */
export async function inspectModel(path: string): Promise<ModelInspection> {
  const validated = await inspectModelFile(path);
  const header = validated.header;
  checkTensorDataComplete(path, header.fileSize, header.tensors);

  const general = (key: string) => metadataString(header, `general.${key}`);
  const sizeLabel = general('size_label') || undefined;
  // A split model: the parameter count covers all its parts, each read by the same bounded reader.
  let counted = countParameters(header.tensors);
  for (const part of await otherSplitParts(path, header)) counted += countParameters((await readModelHeader(part)).tensors);
  const parameters = counted > 0 ? counted : parseSizeLabel(sizeLabel);
  const chatTemplateName = validated.hasChatTemplate ? await chatTemplateNameOf(header, path) : undefined;
  return {
    name: validated.facts.name,
    path,
    architecture: validated.facts.architecture,
    parameters,
    parameterLabel: sizeLabel ?? formatParameterCount(parameters),
    quantization: validated.facts.quantization,
    sizeBytes: validated.facts.sizeBytes,
    contextLength: validated.trainedContextSize,
    hasChatTemplate: validated.hasChatTemplate,
    ...(chatTemplateName ? { chatTemplateName } : {}),
  };
}

/**
 * True when `path` is a GGUF file whose header parses and whose size covers every tensor: the
 * check a download runs before it calls a file finished. Unlike inspectModel it accepts the later
 * parts of a split model (which carry no architecture metadata) and never throws.
 */
export async function checkGgufComplete(path: string): Promise<{ ok: true } | { ok: false; reason: Message }> {
  try {
    const stat = await fs.stat(path);
    const head = await readHead(path, 4);
    if (head !== 'GGUF') return { ok: false, reason: stat.size === 0 ? msg('fileIsEmpty') : msg('fileNoGgufSignature') };
    const header = await readModelHeader(path);
    checkTensorDataComplete(path, header.fileSize, header.tensors);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

/** The paths of the other parts of a split model ("name-00001-of-00003.gguf"), first part only. */
async function otherSplitParts(path: string, header: GgufHeader): Promise<string[]> {
  const match = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i.exec(path);
  const count = metadataNumber(header, 'split.count') ?? 0;
  if (!match || count <= 1 || Number(match[2]) !== 1 || Number(match[3]) !== count) return [];
  const parts: string[] = [];
  for (let n = 2; n <= count; n++) parts.push(`${match[1]}-${String(n).padStart(5, '0')}-of-${match[3]}.gguf`);
  return parts;
}

async function readHead(path: string, length: number): Promise<string> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.toString('latin1', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Tensor extents

/** [elements per block, bytes per block] of ggml tensor types (ggml.c type_traits). */
const GGML_BLOCKS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};

/** Bytes of a tensor's data, or undefined for a type this table does not know. */
export function tensorByteSize(tensor: { readonly dimensions: readonly (number | bigint)[]; readonly ggmlType: number }): number | undefined {
  const block = GGML_BLOCKS[tensor.ggmlType];
  if (!block) return undefined;
  const elements = tensor.dimensions.reduce<number>((product, d) => product * Number(d), 1);
  return Math.ceil(elements / block[0]) * block[1];
}

/**
 * The file must reach the end of the tensor that ends last. Tensors of a type missing from the
 * table are held to the weaker rule (their data must at least start inside the file).
 */
function checkTensorDataComplete(path: string, size: number, tensors: readonly GgufTensorInfo[]): void {
  let needed = 0;
  for (const tensor of tensors) {
    const start = tensor.fileOffset;
    const bytes = tensorByteSize(tensor);
    needed = Math.max(needed, bytes === undefined ? start + 1 : start + bytes);
  }
  if (needed > size) {
    throw modelFileError(msg('modelTruncatedNeeds', path, size, needed), msg('nextDownloadCutShort'));
  }
}

function countParameters(tensors: readonly GgufTensorInfo[]): number {
  let total = 0;
  for (const tensor of tensors) total += tensor.dimensions.reduce<number>((product, d) => product * Number(d), 1);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Labels

/** "7.6B", "494M", "1.2K": three significant digits, as model cards write them. */
export function formatParameterCount(count: number): string {
  if (!Number.isFinite(count) || count <= 0) return 'unknown';
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, unit] of units) {
    if (count >= scale) return `${Number((count / scale).toPrecision(3))}${unit}`;
  }
  return String(count);
}

/** "7B" → 7e9, "8x7B" → 56e9, "494M" → 494e6; 0 when the label says no number. */
export function parseSizeLabel(label: string | undefined): number {
  const match = label?.trim().match(/^(?:(\d+)x)?(\d+(?:\.\d+)?)\s*([KMBT])$/i);
  if (!match) return 0;
  const experts = match[1] ? Number(match[1]) : 1;
  const scale = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[(match[3] ?? '').toUpperCase() as 'K' | 'M' | 'B' | 'T'];
  return Math.round(experts * Number(match[2]) * scale);
}

/** The chat format node-llama-cpp resolves from the template, without loading the model. */
async function chatTemplateNameOf(header: GgufHeader, path: string): Promise<string | undefined> {
  const nlc = await loadNodeLlamaCpp();
  // resolveChatWrapper reads only `fileInfo.metadata` (architecture, name, chat template).
  const fileInfo = { metadata: nestedMetadata(header) } as unknown as GgufFileInfo;
  try {
    const wrapper = nlc.resolveChatWrapper({ fileInfo, filename: path, warningLogs: false });
    return wrapper?.wrapperName;
  } catch {
    // A template node-llama-cpp cannot parse is still a template: hasChatTemplate says so.
    return undefined;
  }
}
