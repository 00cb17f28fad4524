// Downloads a GGUF model (hf: URI or http(s) URL) with node-llama-cpp's downloader, and makes sure
// that nothing half-written is ever left where the model belongs.
//
// Layout of `directory`:
//   <name>.gguf                  finished, verified models (the only files MedLocal loads)
//   .partial/<name>.gguf.ipull   an interrupted download: data + the downloader's resume record
//   .medlocal-downloads.json     uri → files and sizes of finished downloads
//
// The downloader writes into .partial/ only. A file moves into `directory` after its size matches
// what the server announced and its GGUF header accounts for every byte of tensor data, so a
// cancelled, cut or lying transfer can never be mistaken for a model. The index lets a second call
// for the same URI return at once, without a single request (an `hf:<repo>:<quant>` URI does not
// even name its file before Hugging Face is asked).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ModelDownloader } from 'node-llama-cpp';
import { loadNodeLlamaCpp } from '../nodeLlamaCpp';
import { abortError } from '../scheduler';
import { msg, type Message } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';
import { checkGgufComplete } from './inspect';

export { CURATED_MODELS, curatedModel, type CuratedModel } from './curated';

export interface DownloadProgress {
  downloadedBytes: number;
  /** 0 while the size is not known yet. */
  totalBytes: number;
  /** Average over this call (resumed bytes excluded). */
  bytesPerSecond: number;
}

export interface DownloadModelOptions {
  /** `hf:<user>/<repo>:<quant>`, `hf:<user>/<repo>/<file>.gguf` or an http(s) URL of a .gguf file. */
  uri: string;
  /** Where finished models are kept (created when missing). */
  directory: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels the transfer; what was received is kept in .partial/ and resumed by the next call. */
  signal?: AbortSignal;
  /** Give up when no byte arrived for this long (default 60 s). The partial file is kept. */
  stallTimeoutMs?: number;
  /** Limit for reaching the server before the transfer starts (default 20 s). */
  connectTimeoutMs?: number;
  /** For gated Hugging Face repositories. Sent to Hugging Face only; never logged. */
  huggingFaceToken?: string;
}

export type DownloadErrorKind = 'badUri' | 'unreachable' | 'http' | 'truncated' | 'stalled' | 'busy' | 'failed';

/** A download that failed: a UserError whose code is the kind of failure. */
export const downloadError = (text: Message, kind: DownloadErrorKind, next: Message): UserError => new UserError(text, next, kind);

const STAGING_DIR = '.partial';
const INDEX_FILE = '.medlocal-downloads.json';
const PROGRESS_INTERVAL_MS = 100;
const RETRY_HINT = msg('nextRetryDownload');

/** Downloads running in this process, so that two calls never write the same partial file. */
const active = new Set<string>();

/**
 * Downloads `uri` into `directory` and returns the path of the model file to load (the first part
 * of a split model). Returns at once, with no network request, when an earlier call finished it.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<string> {
  const source = parseModelSource(options.uri);
  const directory = path.resolve(options.directory);
  const reused = await reuseFinished(directory, options.uri);
  if (reused) return reused;
  throwIfAborted(options.signal);

  const key = `${directory}\n${options.uri}`;
  if (active.has(key)) {
    throw downloadError(msg('downloadBusy', options.uri), 'busy', msg('nextWaitForDownload'));
  }
  active.add(key);
  try {
    if (source.kind === 'url') await preflight(source.url, options);
    return await transfer(directory, options);
  } finally {
    active.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// URIs

export type ModelSource = { kind: 'hf' } | { kind: 'url'; url: URL };

const HF_PREFIXES = ['hf:', 'hf://', 'huggingface:', 'huggingface://', 'hf.co/', 'huggingface.co/'];

export function parseModelSource(uri: string): ModelSource {
  const trimmed = uri.trim();
  if (HF_PREFIXES.some((prefix) => trimmed.startsWith(prefix)) && trimmed.length > 4) return { kind: 'hf' };
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return { kind: 'url', url };
  throw downloadError(msg('downloadBadUri', uri), 'badUri', msg('nextDownloadUriForm', 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M'));
}

// ---------------------------------------------------------------------------------------------
// Finished downloads

interface IndexEntry {
  files: Array<{ name: string; sizeBytes: number }>;
  finishedAt: string;
}
type DownloadIndex = Record<string, IndexEntry>;

async function readIndex(directory: string): Promise<DownloadIndex> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(directory, INDEX_FILE), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as DownloadIndex) : {};
  } catch {
    return {};
  }
}

/** Replaces the index atomically: a crash leaves the old or the new one, never half of one. */
async function recordFinished(directory: string, uri: string, files: IndexEntry['files']): Promise<void> {
  const index = await readIndex(directory);
  index[uri] = { files, finishedAt: new Date().toISOString() };
  const file = path.join(directory, INDEX_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(index, null, 2)}\n`);
  await fs.rename(temp, file);
}

/** The model path of an earlier finished download whose files are all still intact. */
async function reuseFinished(directory: string, uri: string): Promise<string | undefined> {
  const entry = (await readIndex(directory))[uri];
  const first = entry?.files[0];
  if (!entry || !first) return undefined;
  for (const file of entry.files) {
    const size = await fs.stat(path.join(directory, file.name)).then((s) => s.size, () => -1);
    if (size !== file.sizeBytes) return undefined;
  }
  const firstPath = path.join(directory, first.name);
  return (await checkGgufComplete(firstPath)).ok ? firstPath : undefined;
}

// ---------------------------------------------------------------------------------------------
// Before the transfer

/**
 * One HEAD request, so that a wrong URL, a missing file or a refused token is reported in seconds:
 * the downloader itself retries connection errors for many minutes before it gives up.
 */
async function preflight(url: URL, options: DownloadModelOptions): Promise<void> {
  const signals = [AbortSignal.timeout(options.connectTimeoutMs ?? 20_000), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.any(signals) });
  } catch (error) {
    if (options.signal?.aborted) throw abortError(options.signal);
    throw downloadError(msg('downloadUnreachable', url.host, errorText(error)), 'unreachable', msg('nextCheckNetworkAndUrl'));
  }
  // Some servers do not implement HEAD; the downloader's GET will tell.
  if (response.ok || response.status === 405 || response.status === 501) return;
  throw httpError(response.status, url.href);
}

function httpError(status: number, what: string | Message): UserError {
  if (status === 401 || status === 403) return downloadError(msg('downloadRefused', what, status), 'http', msg('nextGatedModel'));
  if (status === 404) return downloadError(msg('downloadNotFound', what), 'http', msg('nextCheckUri'));
  return downloadError(msg('downloadHttpStatus', status, what), 'http', msg('nextTryLaterOrSource'));
}

async function createDownloader(stagingDir: string, options: DownloadModelOptions, onProgress: (s: { totalSize: number; downloadedSize: number }) => void): Promise<ModelDownloader> {
  const nlc = await loadNodeLlamaCpp();
  const creating = nlc.createModelDownloader({
    modelUri: options.uri.trim(),
    dirPath: stagingDir,
    onProgress,
    showCliProgress: false,
    // Keep received data on cancel: the next call resumes it (the file is never where models live).
    deleteTempFileOnCancel: false,
    skipExisting: true,
    ...(options.huggingFaceToken ? { tokens: { huggingFace: options.huggingFaceToken } } : {}),
  });
  creating.catch(() => undefined); // it may settle after a timeout below has already answered
  const timeoutMs = options.connectTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(downloadError(msg('downloadNoAnswer', options.uri, Math.round(timeoutMs / 1000)), 'unreachable', msg('nextCheckNetwork'))), timeoutMs);
    onAbort = () => reject(abortError(options.signal));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([creating, giveUp]);
  } catch (error) {
    if (error instanceof UserError || options.signal?.aborted) throw error;
    const folder = folderError(error, path.dirname(stagingDir));
    if (folder) throw folder;
    throw downloadError(msg('downloadCouldNotStart', options.uri, errorText(error)), 'failed', msg('nextCheckRepository'));
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
}

// ---------------------------------------------------------------------------------------------
// The transfer

async function transfer(directory: string, options: DownloadModelOptions): Promise<string> {
  const stagingDir = path.join(directory, STAGING_DIR);
  await fs.mkdir(stagingDir, { recursive: true }).catch((error: unknown) => {
    throw folderError(error, directory) ?? error;
  });
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const watch = progressWatch(options, controller);
  try {
    const downloader = await createDownloader(stagingDir, options, watch.onStatus);
    const files = downloader.filesInfo.map((file) => ({ name: file.fileName, sizeBytes: file.totalSize }));
    const already = await finishedInPlace(directory, files);
    if (already) {
      await downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
    } else {
      watch.start();
      await runDownload(downloader, controller.signal, directory);
      if (controller.signal.aborted) {
        await downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
        throw controller.signal.reason instanceof UserError ? controller.signal.reason : abortError(options.signal ?? controller.signal);
      }
      watch.finish();
      await verifyStaged(stagingDir, files, options.uri);
      for (const file of files) await fs.rename(path.join(stagingDir, file.name), path.join(directory, file.name));
    }
    await recordFinished(directory, options.uri, files);
    return path.join(directory, downloader.entrypointFilename);
  } finally {
    watch.stop();
    await fs.rmdir(stagingDir).catch(() => undefined); // only when empty: partials to resume stay
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

/**
 * ModelDownloader.download() resolves normally when cancelled from a signal, and throws otherwise;
 * either way the caller looks at the signal afterwards.
 */
async function runDownload(downloader: ModelDownloader, signal: AbortSignal, directory: string): Promise<void> {
  try {
    await downloader.download({ signal });
  } catch (error) {
    if (signal.aborted) return;
    const folder = folderError(error, directory);
    if (folder) throw folder;
    // ipull's StatusCodeError: the server refused the transfer (it retries only 5xx and 429 itself).
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') throw httpError(status, msg('theModelFile'));
    throw downloadError(msg('downloadFailed', errorText(error)), 'failed', RETRY_HINT);
  }
}

/** Files already in place with the announced sizes (copied by hand, or an index that was lost). */
async function finishedInPlace(directory: string, files: IndexEntry['files']): Promise<boolean> {
  if (files.length === 0) return false;
  for (const file of files) {
    const full = path.join(directory, file.name);
    const size = await fs.stat(full).then((s) => s.size, () => -1);
    if (file.sizeBytes <= 0 || size !== file.sizeBytes || !(await checkGgufComplete(full)).ok) return false;
  }
  return true;
}

/**
 * A finished transfer must have the size the server announced and be a GGUF whose tensors all fit.
 * A file failing either is deleted: resuming it would only reproduce it.
 */
async function verifyStaged(stagingDir: string, files: IndexEntry['files'], uri: string): Promise<void> {
  for (const file of files) {
    const staged = path.join(stagingDir, file.name);
    const size = await fs.stat(staged).then((s) => s.size, () => -1);
    let problem: Message | undefined;
    if (size < 0) problem = msg('downloadFileMissing');
    else if (file.sizeBytes > 0 && size !== file.sizeBytes) problem = msg('downloadReceivedBytes', size, file.sizeBytes);
    else {
      const check = await checkGgufComplete(staged);
      if (!check.ok) problem = check.reason;
    }
    if (problem) {
      await fs.rm(staged, { force: true });
      throw downloadError(msg('downloadCorrupt', uri, file.name, problem), 'truncated', msg('nextBrokenSource'));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Progress and stall detection

interface ProgressWatch {
  onStatus(status: { totalSize: number; downloadedSize: number }): void;
  start(): void;
  finish(): void;
  stop(): void;
}

/** Throttled progress events (first, every 100 ms, last), and an abort when bytes stop coming. */
function progressWatch(options: DownloadModelOptions, controller: AbortController): ProgressWatch {
  const stallMs = options.stallTimeoutMs ?? 60_000;
  let startedAt = 0;
  let startBytes: number | undefined;
  let lastEmit = 0;
  let lastBytes = -1;
  let lastChange = 0;
  let latest = { totalSize: 0, downloadedSize: 0 };
  let timer: NodeJS.Timeout | undefined;

  const emit = () => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const fresh = latest.downloadedSize - (startBytes ?? latest.downloadedSize);
    lastEmit = Date.now();
    options.onProgress?.({
      downloadedBytes: latest.downloadedSize,
      totalBytes: latest.totalSize,
      bytesPerSecond: elapsed > 0 ? Math.round(fresh / elapsed) : 0,
    });
  };
  return {
    onStatus(status) {
      latest = status;
      startBytes ??= status.downloadedSize;
      if (status.downloadedSize !== lastBytes) {
        lastBytes = status.downloadedSize;
        lastChange = Date.now();
      }
      if (!controller.signal.aborted && Date.now() - lastEmit >= PROGRESS_INTERVAL_MS) emit();
    },
    start() {
      startedAt = Date.now();
      lastChange = startedAt;
      timer = setInterval(() => {
        if (Date.now() - lastChange <= stallMs || controller.signal.aborted) return;
        controller.abort(downloadError(msg('downloadStalled', Math.round(stallMs / 1000)), 'stalled', RETRY_HINT));
      }, Math.max(50, Math.min(1000, stallMs / 4)));
      timer.unref();
    },
    finish() {
      if (latest.totalSize > 0) latest = { totalSize: latest.totalSize, downloadedSize: latest.totalSize };
      emit();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** A full disk or a models folder that cannot be written, said so (Node's own words name neither). */
function folderError(error: unknown, directory: string): UserError | undefined {
  const code = errorCode(error);
  if (code === 'ENOSPC') return downloadError(msg('downloadNoDiskSpace', directory), 'failed', msg('nextFreeDiskSpace'));
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR') {
    return downloadError(msg('downloadFolderNotWritable', directory, code), 'failed', msg('nextSetModelDirectory'));
  }
  return undefined;
}

const FOLDER_CODES = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);

/**
 * The errno code of a file-system error among FOLDER_CODES, also when a library wrapped it (as
 * `cause`, or only in its message: "ENOSPC: no space left on device, write"). Not a refused connection.
 */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const { code, syscall } = current as NodeJS.ErrnoException;
    if (typeof code === 'string' && FOLDER_CODES.has(code) && syscall !== 'connect') return code;
    const named = /\b(ENOSPC|EACCES|EPERM|EROFS|ENOTDIR): /.exec(current.message);
    if (named) return named[1];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
