// Reads a GGUF file's header in JavaScript (our bounded reader, ggufReader.ts) before llama.cpp
// sees it. A file that is missing, truncated, crafted with lengths beyond its size, or lacking the
// hyper-parameters llama.cpp asserts on would otherwise abort or exhaust the whole server process
// instead of giving the user a message.
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { ModelFacts } from './modelInfo';
import { GgufFormatError, metadataNumber, metadataString, readGgufHeader, type GgufHeader, type GgufTensorInfo } from './ggufReader';
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
  /** The header as our reader found it (bounded against the file; see ggufReader.ts). */
  header: GgufHeader;
}

const PICK_ANOTHER = msg('nextPickReadableModel');

export async function inspectModelFile(path: string): Promise<InspectedModel> {
  if (!path) throw modelFileError(msg('modelNotConfigured'), PICK_ANOTHER);
  const header = await readModelHeader(path);
  const size = header.fileSize;
  const nlc = await loadNodeLlamaCpp();
  const architecture = metadataString(header, 'general.architecture') ?? '';
  if (!architecture) throw modelFileError(msg('modelNoArchitecture', path), msg('nextPickCurrentConverter'));
  if (!Object.values((nlc as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType).includes(architecture)) {
    throw modelFileError(msg('modelArchitectureUnsupported', architecture, path), msg('nextPickSupportedArchitecture'));
  }
  if (metadataString(header, 'general.type') === 'adapter') {
    throw modelFileError(msg('modelIsAdapter', path), msg('nextSetBaseModel'));
  }
  checkHyperParameters(path, architecture, header);
  checkTensorExtents(path, size, header.tensors);

  const name = metadataString(header, 'general.name');
  return {
    facts: {
      name: name || basename(path),
      path,
      sizeBytes: size,
      architecture,
      quantization: quantizationName(header.metadata.get('general.file_type'), nlc.GgufFileType),
      fingerprint: await fingerprintFile(path, size),
    },
    trainedContextSize: metadataNumber(header, `${architecture}.context_length`),
    layers: metadataNumber(header, `${architecture}.block_count`),
    hasChatTemplate: metadataString(header, 'tokenizer.chat_template') !== undefined,
    header,
  };
}

/**
 * Our own bounded read of the header (ggufReader.ts): a missing or unreadable file, a wrong
 * signature, an unsupported version or a header whose lengths and counts do not fit the file
 * become a UserError that says what is wrong and what to do.
 */
export async function readModelHeader(path: string): Promise<GgufHeader> {
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw modelFileError(msg('modelPathNotFile', path), PICK_ANOTHER);
    await fs.access(path, fsConstants.R_OK);
    return await readGgufHeader(path);
  } catch (error) {
    if (error instanceof GgufFormatError) throw modelFileErrorOf(path, error);
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const text = code === 'ENOENT' ? msg('modelFileMissing', path) : code === 'EACCES' ? msg('modelFileNotReadable', path) : msg('modelFileCannotRead', path, code ?? errorText(error));
    throw modelFileError(text, PICK_ANOTHER);
  }
}

function modelFileErrorOf(path: string, error: GgufFormatError): UserError {
  if (error.kind === 'signature') {
    return modelFileError(error.reason.key === 'fileIsEmpty' ? msg('notGgufEmpty', path) : msg('notGgufSignature', path), msg('nextConvertToGguf'));
  }
  if (error.kind === 'version') {
    return modelFileError(
      msg('modelGgufVersionUnsupported', path, error.version ?? '?'),
      error.version === 1 ? msg('nextGgufVersion1') : msg('nextDownloadAgainOrPick'),
    );
  }
  return modelFileError(msg('modelFileInvalidGguf', path, error.reason), msg('nextDownloadAgainOrPick'));
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

/** llama.cpp asserts on these (aborting the process) instead of reporting an error. */
function checkHyperParameters(path: string, architecture: string, header: GgufHeader): void {
  const required = ['embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
  const missing = required.filter((key) => header.metadata.get(`${architecture}.${key}`) === undefined);
  if (missing.length > 0) {
    throw modelFileError(msg('modelLacksMetadata', path, missing.map((m) => `${architecture}.${m}`).join(', ')), msg('nextBrokenConverter'));
  }
}

function checkTensorExtents(path: string, size: number, tensors: readonly GgufTensorInfo[]): void {
  if (tensors.length === 0) throw modelFileError(msg('modelNoTensors', path), msg('nextPickCompleteModel'));
  const lastStart = tensors.reduce((max, t) => Math.max(max, t.fileOffset), 0);
  if (lastStart >= size) {
    throw modelFileError(msg('modelTruncatedAtStart', path, size, lastStart), msg('nextDownloadCutShort'));
  }
}

function quantizationName(fileType: unknown, names: Record<number, string>): string {
  if (typeof fileType !== 'number') return 'unknown';
  const name = names[fileType];
  return name ? name.replace(/^(MOSTLY|ALL)_/, '') : `type ${fileType}`;
}
