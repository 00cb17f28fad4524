// Reads a GGUF file's header in JavaScript before llama.cpp sees it. A file that is missing,
// truncated or lacks the hyper-parameters llama.cpp asserts on would otherwise abort the whole
// server process instead of giving the user a message.
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { ModelFacts } from './modelInfo';
import { loadNodeLlamaCpp } from './nodeLlamaCpp';
import { msg, type Message } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';

/** A model file MedLocal cannot use: a UserError with code 'modelFile'. */
export const modelFileError = (text: Message, next: Message): UserError => new UserError(text, next, 'modelFile');

export interface InspectedModel {
  facts: Omit<ModelFacts, 'contextSize'>;
  trainedContextSize: number | undefined;
  layers: number | undefined;
  hasChatTemplate: boolean;
}

const PICK_ANOTHER = msg('nextPickReadableModel');

export async function inspectModelFile(path: string): Promise<InspectedModel> {
  if (!path) throw modelFileError(msg('modelNotConfigured'), PICK_ANOTHER);
  let size: number;
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw modelFileError(msg('modelPathNotFile', path), PICK_ANOTHER);
    await fs.access(path, fsConstants.R_OK);
    size = stat.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const text = code === 'ENOENT' ? msg('modelFileMissing', path) : code === 'EACCES' ? msg('modelFileNotReadable', path) : msg('modelFileCannotRead', path, code ?? errorText(error));
    throw modelFileError(text, PICK_ANOTHER);
  }
  await checkMagic(path, size);

  const nlc = await loadNodeLlamaCpp();
  let info: Awaited<ReturnType<typeof nlc.readGgufFileInfo>>;
  try {
    info = await nlc.readGgufFileInfo(path, { readTensorInfo: true, sourceType: 'filesystem', logWarnings: false });
  } catch (error) {
    throw modelFileError(msg('modelFileInvalidGguf', path, errorText(error)), msg('nextDownloadAgainOrPick'));
  }
  const metadata = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const general = metadata.general ?? {};
  const architecture = typeof general.architecture === 'string' ? general.architecture : '';
  if (!architecture) throw modelFileError(msg('modelNoArchitecture', path), msg('nextPickCurrentConverter'));
  if (!Object.values((nlc as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType).includes(architecture)) {
    throw modelFileError(msg('modelArchitectureUnsupported', architecture, path), msg('nextPickSupportedArchitecture'));
  }
  if (general.type === 'adapter') {
    throw modelFileError(msg('modelIsAdapter', path), msg('nextSetBaseModel'));
  }
  const arch = metadata[architecture] ?? {};
  checkHyperParameters(path, architecture, arch);
  checkTensorExtents(path, size, info.tensorInfo ?? []);

  return {
    facts: {
      name: typeof general.name === 'string' && general.name ? general.name : basename(path),
      path,
      sizeBytes: size,
      architecture,
      quantization: quantizationName(general.file_type, nlc.GgufFileType),
      fingerprint: await fingerprintFile(path, size),
    },
    trainedContextSize: typeof arch.context_length === 'number' ? arch.context_length : undefined,
    layers: typeof arch.block_count === 'number' ? arch.block_count : undefined,
    hasChatTemplate: typeof (metadata.tokenizer as Record<string, unknown> | undefined)?.chat_template === 'string',
  };
}

const FINGERPRINT_SPAN = 1024 * 1024;

/**
 * sha256 over the size and the first and last MiB: cheap for a multi-GB model, and different for
 * any two real model files (metadata at the start, tensor data at the end).
 */
export async function fingerprintFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256').update(String(size));
  const handle = await fs.open(path, 'r');
  try {
    for (const start of size > 2 * FINGERPRINT_SPAN ? [0, size - FINGERPRINT_SPAN] : [0]) {
      const buffer = Buffer.alloc(Math.min(size, size > 2 * FINGERPRINT_SPAN ? FINGERPRINT_SPAN : size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex').slice(0, 16);
}

async function checkMagic(path: string, size: number): Promise<void> {
  const handle = await fs.open(path, 'r');
  try {
    const header = Buffer.alloc(8);
    const { bytesRead } = await handle.read(header, 0, 8, 0);
    if (bytesRead < 8 || header.toString('latin1', 0, 4) !== 'GGUF') {
      throw modelFileError(size === 0 ? msg('notGgufEmpty', path) : msg('notGgufSignature', path), msg('nextConvertToGguf'));
    }
  } finally {
    await handle.close();
  }
}

/** llama.cpp asserts on these (aborting the process) instead of reporting an error. */
function checkHyperParameters(path: string, architecture: string, arch: Record<string, unknown>): void {
  const required = ['embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
  const missing = required.filter((key) => {
    const [first, second] = key.split('.') as [string, string | undefined];
    const value = second ? (arch[first] as Record<string, unknown> | undefined)?.[second] : arch[first];
    return value === undefined;
  });
  if (missing.length > 0) {
    throw modelFileError(msg('modelLacksMetadata', path, missing.map((m) => `${architecture}.${m}`).join(', ')), msg('nextBrokenConverter'));
  }
}

function checkTensorExtents(path: string, size: number, tensors: readonly { name: string; fileOffset: number | bigint }[]): void {
  if (tensors.length === 0) throw modelFileError(msg('modelNoTensors', path), msg('nextPickCompleteModel'));
  const lastStart = tensors.reduce((max, t) => Math.max(max, Number(t.fileOffset)), 0);
  if (lastStart >= size) {
    throw modelFileError(msg('modelTruncatedAtStart', path, size, lastStart), msg('nextDownloadCutShort'));
  }
}

function quantizationName(fileType: unknown, names: Record<number, string>): string {
  if (typeof fileType !== 'number') return 'unknown';
  const name = names[fileType];
  return name ? name.replace(/^(MOSTLY|ALL)_/, '') : `type ${fileType}`;
}
