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

export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export interface InspectedModel {
  facts: Omit<ModelFacts, 'contextSize'>;
  trainedContextSize: number | undefined;
  layers: number | undefined;
  hasChatTemplate: boolean;
  /** The header as our reader found it (bounded against the file; see ggufReader.ts). */
  header: GgufHeader;
}

const PICK_ANOTHER = 'Set `medlocal.model.path` to a readable .gguf model file (MedLocal: Show Status shows the current one).';

export async function inspectModelFile(path: string): Promise<InspectedModel> {
  if (!path) throw new ModelFileError('No model is configured.', PICK_ANOTHER);
  const header = await readModelHeader(path);
  const size = header.fileSize;
  const nlc = await loadNodeLlamaCpp();
  const architecture = metadataString(header, 'general.architecture') ?? '';
  if (!architecture) throw new ModelFileError(`The model file ${path} names no architecture (general.architecture).`, 'Pick a GGUF model converted by a current llama.cpp.');
  if (!Object.values((nlc as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType).includes(architecture)) {
    throw new ModelFileError(
      `The model architecture "${architecture}" in ${path} is not supported by this version of the engine.`,
      'Pick a model of a supported architecture (for example llama or qwen2).',
    );
  }
  if (metadataString(header, 'general.type') === 'adapter') {
    throw new ModelFileError(`${path} is a LoRA adapter, not a model.`, 'Set the base model as the model path; adapters are configured separately.');
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
 * become a ModelFileError that says what is wrong and what to do.
 */
export async function readModelHeader(path: string): Promise<GgufHeader> {
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw new ModelFileError(`The model path ${path} is not a file.`, PICK_ANOTHER);
    await fs.access(path, fsConstants.R_OK);
    return await readGgufHeader(path);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    if (error instanceof GgufFormatError) throw modelFileErrorOf(path, error);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? String(error)})`;
    throw new ModelFileError(`The model file ${path} ${why}.`, PICK_ANOTHER);
  }
}

function modelFileErrorOf(path: string, error: GgufFormatError): ModelFileError {
  if (error.kind === 'signature') {
    return new ModelFileError(
      `${path} is not a GGUF model file (${error.message === 'the file is empty' ? 'it is empty' : 'wrong file signature'}).`,
      'MedLocal loads GGUF models (.gguf). Convert the model with llama.cpp or download a GGUF release.',
    );
  }
  if (error.kind === 'version') {
    return new ModelFileError(
      `The model file ${path} is in GGUF format version ${error.version ?? '?'}, which MedLocal cannot read (it reads versions 2 and 3).`,
      error.version === 1
        ? 'Version 1 is an early GGUF format: download a current GGUF release of the model, or convert it again with a current llama.cpp.'
        : 'Download the model again, or pick another .gguf file.',
    );
  }
  return new ModelFileError(
    `The model file ${path} is not a valid GGUF file (${error.message}); it may be truncated or corrupt.`,
    'Download the model again, or pick another .gguf file.',
  );
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
    throw new ModelFileError(
      `The model file ${path} lacks required metadata: ${missing.map((m) => `${architecture}.${m}`).join(', ')}.`,
      'The file is incomplete or was written by a broken converter; pick another .gguf file.',
    );
  }
}

function checkTensorExtents(path: string, size: number, tensors: readonly GgufTensorInfo[]): void {
  if (tensors.length === 0) throw new ModelFileError(`The model file ${path} holds no tensors.`, 'Pick a complete .gguf model file.');
  const lastStart = tensors.reduce((max, t) => Math.max(max, t.fileOffset), 0);
  if (lastStart >= size) {
    throw new ModelFileError(
      `The model file ${path} is truncated (${size} bytes, but tensor data starts at byte ${lastStart}).`,
      'The download or copy was cut short: download the model again.',
    );
  }
}

function quantizationName(fileType: unknown, names: Record<number, string>): string {
  if (typeof fileType !== 'number') return 'unknown';
  const name = names[fileType];
  return name ? name.replace(/^(MOSTLY|ALL)_/, '') : `type ${fileType}`;
}
