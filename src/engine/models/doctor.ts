// "Why is it slow / why is my GPU not used?": facts about the machine and the engine, a memory
// estimate for a model before it is loaded, and a diagnostics text users can paste into an issue.
//
// Everything here creates a Llama (native code): the server runs it in its own process, and tests
// run it in a child process.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Llama, LlamaGpuType } from 'node-llama-cpp';
import type { ModelInfo } from '../modelInfo';
import type { ModelSettings } from '../../shared/settings';
import { sharedLlama } from '../llamaRuntime';
import { loadNodeLlamaCpp, type NodeLlamaCpp } from '../nodeLlamaCpp';
import { processWorkerPool, type WorkerPoolSetting } from '../workerPool';
import { inspectModel, type ModelInspection } from './inspect';
import { format, msg, type Locale, type Message } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export type GpuKind = 'cuda' | 'vulkan' | 'metal';
export type BackendName = GpuKind | 'cpu';

export interface GpuDoctorReport {
  platform: NodeJS.Platform;
  arch: string;
  /** GPU types whose libraries and drivers node-llama-cpp found here ('cpu' always included). */
  supported: BackendName[];
  /** GPU types that exist for this OS and CPU architecture at all. */
  allValid: BackendName[];
  /** What `gpu: 'auto'` chose; 'none' when not even the CPU engine started. */
  chosen: BackendName | 'none';
  /** Why no GPU is used (or why nothing runs); absent when a GPU was chosen. */
  reason?: Message;
  /** Per GPU type that is valid here but not used: why. */
  unavailable: Array<{ type: GpuKind; reason: Message }>;
  /** Error text of a failed engine start. */
  initError?: string;
  vram?: { totalBytes: number; freeBytes: number; usedBytes: number; unifiedBytes: number };
  gpuDevices: string[];
  ram: { totalBytes: number; freeBytes: number };
  cpu: { cores: number; mathCores?: number; model: string };
  versions: { node: string; nodeLlamaCpp?: string; llamaCpp?: string; binary?: 'prebuilt' | 'localBuild' };
  /** libuv's thread pool, where node-llama-cpp decodes: absent when this process did not size it. */
  workerPool?: WorkerPoolSetting;
}

export interface DoctorOptions {
  /** The Llama to examine (the loaded model's); by default the process's shared one. */
  llama?: Llama;
  /**
   * Try to start each GPU type that is reported as supported but was not chosen, to get its error
   * text (default true). This loads that backend's native binary into the process.
   */
  probeUnchosen?: boolean;
}

/** Facts about GPU support here; never throws for a missing GPU or engine (that is a finding). */
export async function gpuDoctor(options: DoctorOptions = {}): Promise<GpuDoctorReport> {
  const nlc = await loadNodeLlamaCpp();
  const [supportedRaw, validRaw, nodeLlamaCpp] = await Promise.all([
    nlc.getLlamaGpuTypes('supported'),
    nlc.getLlamaGpuTypes('allValid'),
    nlc.getModuleVersion().catch(() => undefined),
  ]);
  const supported = uniqueBackends([...supportedRaw, false]);
  const allValid = uniqueBackends(validRaw);
  const base = machineFacts(supported, allValid, nodeLlamaCpp);

  const started = options.llama ? { llama: options.llama } : await startLlama(nlc, 'auto');
  if (!started.llama) {
    return {
      ...base,
      chosen: 'none',
      unavailable: await unavailableReasons(nlc, allValid, supported, undefined, false),
      initError: started.error,
      reason: msg('doctorEngineCannotStart', started.error ?? msg('unknownError'), `${process.platform}-${process.arch}`),
    };
  }
  const llama = started.llama;
  const chosen = backendOf(llama.gpu);
  const unavailable = await unavailableReasons(nlc, allValid, supported, chosen, options.probeUnchosen ?? true);
  const vram = await llama.getVramState().catch(() => undefined);
  const report: GpuDoctorReport = {
    ...base,
    chosen,
    unavailable,
    gpuDevices: await llama.getGpuDeviceNames().catch(() => []),
    cpu: { ...base.cpu, mathCores: llama.cpuMathCores },
    versions: { ...base.versions, llamaCpp: llama.llamaCppRelease.release, binary: llama.buildType },
    ...(vram && chosen !== 'cpu' ? { vram: { totalBytes: vram.total, freeBytes: vram.free, usedBytes: vram.used, unifiedBytes: vram.unifiedSize } } : {}),
  };
  if (chosen === 'cpu') report.reason = cpuReason(unavailable);
  return report;
}

function machineFacts(supported: BackendName[], allValid: BackendName[], nodeLlamaCpp: string | undefined) {
  return {
    platform: process.platform,
    arch: process.arch,
    supported,
    allValid,
    gpuDevices: [] as string[],
    ram: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    cpu: { cores: os.availableParallelism(), model: os.cpus()[0]?.model.trim() ?? 'unknown' },
    versions: { node: process.version, ...(nodeLlamaCpp ? { nodeLlamaCpp } : {}) },
    ...(processWorkerPool() ? { workerPool: processWorkerPool() } : {}),
  };
}

async function startLlama(nlc: NodeLlamaCpp, gpu: 'auto' | GpuKind): Promise<{ llama?: Llama; error?: string }> {
  try {
    // build: 'never' — a missing binary is a finding, not a reason to compile llama.cpp here.
    // The process's Llama for that backend (kept, like the engine's: llamaRuntime.ts says why).
    const llama = await sharedLlama(nlc, gpu, {});
    return { llama };
  } catch (error) {
    return { error: errorText(error) };
  }
}

function backendOf(gpu: LlamaGpuType): BackendName {
  return gpu === false ? 'cpu' : gpu;
}

function uniqueBackends(types: readonly LlamaGpuType[]): BackendName[] {
  return [...new Set(types.map(backendOf))];
}

/** Why each valid GPU type is not the one in use, as far as can be told without a driver call. */
async function unavailableReasons(nlc: NodeLlamaCpp, allValid: BackendName[], supported: BackendName[], chosen: BackendName | undefined, probe: boolean): Promise<Array<{ type: GpuKind; reason: Message }>> {
  const result: Array<{ type: GpuKind; reason: Message }> = [];
  for (const type of allValid) {
    if (type === 'cpu' || type === chosen) continue;
    if (!supported.includes(type)) {
      result.push({ type, reason: missingReason(type) });
    } else if (chosen !== undefined) {
      // Supported but 'auto' did not take it: its own start error says why.
      const attempt: { llama?: Llama; error?: string | Message } = probe ? await startLlama(nlc, type) : { error: msg('doctorNotTried') };
      result.push({ type, reason: attempt.llama ? msg('doctorAutoPreferred', chosen) : msg('doctorFailedToStart', attempt.error ?? msg('unknownError')) });
    }
  }
  return result;
}

/** What each GPU type needs on each platform, as catalogue keys. */
type LibrariesKey = 'gpuLibsCudaLinux' | 'gpuLibsVulkanLinux' | 'gpuLibsCudaWindows' | 'gpuLibsVulkanWindows' | 'gpuLibsCudaMac' | 'gpuLibsVulkanMac' | 'gpuLibsMetal' | 'gpuLibsMetalNotOnMac' | 'gpuLibsCuda' | 'gpuLibsVulkan';
const LIBRARIES: Partial<Record<NodeJS.Platform, Record<GpuKind, LibrariesKey>>> = {
  linux: { cuda: 'gpuLibsCudaLinux', vulkan: 'gpuLibsVulkanLinux', metal: 'gpuLibsMetalNotOnMac' },
  win32: { cuda: 'gpuLibsCudaWindows', vulkan: 'gpuLibsVulkanWindows', metal: 'gpuLibsMetalNotOnMac' },
  darwin: { cuda: 'gpuLibsCudaMac', vulkan: 'gpuLibsVulkanMac', metal: 'gpuLibsMetal' },
};
const OTHER_LIBRARIES: Record<GpuKind, LibrariesKey> = { cuda: 'gpuLibsCuda', vulkan: 'gpuLibsVulkan', metal: 'gpuLibsMetal' };

function missingReason(type: GpuKind): Message {
  const pkg = binaryPackageName(type);
  if (pkg && !packageInstalled(pkg)) return msg('doctorBuildMissing', type, pkg);
  return msg('doctorLibrariesMissing', msg((LIBRARIES[process.platform] ?? OTHER_LIBRARIES)[type]));
}

/** node-llama-cpp's prebuilt package for a GPU type here, e.g. @node-llama-cpp/linux-x64-cuda. */
function binaryPackageName(type: GpuKind): string | undefined {
  const platform = process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : process.platform;
  if (type === 'metal') return platform === 'mac' && process.arch === 'arm64' ? '@node-llama-cpp/mac-arm64-metal' : undefined;
  return `@node-llama-cpp/${platform}-${process.arch}-${type}`;
}

function packageInstalled(name: string): boolean {
  // Outside CommonJS (no require) this cannot be told: assume installed, and let the library
  // check give the reason.
  if (typeof require !== 'function') return true;
  try {
    const fromEngine = createRequire(require.resolve('node-llama-cpp'));
    fromEngine.resolve(name);
    return true;
  } catch (error) {
    // Present but its exports map refuses the probe: installed all the same.
    return (error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

function cpuReason(unavailable: Array<{ type: GpuKind; reason: Message }>): Message {
  if (unavailable.length === 0) return msg('doctorNoGpuBackend');
  const parts = unavailable.map((u) => msg('doctorTypeReason', u.type, u.reason));
  return msg('doctorNoGpuUsed', parts.reduce((list, part) => msg('issueListOf', list, part)));
}

/** The report as a reader sees it: its reasons as text in `locale`. */
export interface GpuDoctorReportText extends Omit<GpuDoctorReport, 'reason' | 'unavailable'> {
  reason?: string;
  unavailable: Array<{ type: GpuKind; reason: string }>;
}

export function doctorReportIn(report: GpuDoctorReport, locale: Locale): GpuDoctorReportText {
  const { reason, unavailable, ...rest } = report;
  return { ...rest, ...(reason ? { reason: format(locale, reason) } : {}), unavailable: unavailable.map((u) => ({ type: u.type, reason: format(locale, u.reason) })) };
}

/** The estimate as a reader sees it: what does not fit, as text in `locale`. */
export interface FitEstimateText extends Omit<FitEstimate, 'reason'> {
  reason?: string;
}

export function fitEstimateIn(fit: FitEstimate, locale: Locale): FitEstimateText {
  const { reason, ...rest } = fit;
  return { ...rest, ...(reason ? { reason: format(locale, reason) } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Memory estimate

export interface FitOptions {
  gpuLayers: number | 'max' | 'auto';
  contextSize: number;
  /** Parallel sequences of the context (default 1). */
  sequences?: number;
  llama?: Llama;
}

export interface FitEstimate {
  /** The layers actually considered (0 on a machine without GPU offloading). */
  gpuLayers: number;
  totalLayers: number;
  contextSize: number;
  /** Estimated memory for the model plus the context, split by where it lives. */
  vramBytes: number;
  ramBytes: number;
  available: { vramFreeBytes: number; ramFreeBytes: number };
  fits: boolean;
  /** What does not fit, and by how much. */
  reason?: Message;
  /** node-llama-cpp's best configuration for this machine at (at most) the asked context size. */
  suggested: { gpuLayers: number; contextSize: number; fits: boolean };
}

/** Estimates memory use of `modelPath` with the given settings, without loading its weights. */
export async function fitEstimate(modelPath: string, options: FitOptions): Promise<FitEstimate> {
  await inspectModel(modelPath); // clear errors for a bad file before the native estimator sees it
  const nlc = await loadNodeLlamaCpp();
  const started = options.llama ? { llama: options.llama } : await startLlama(nlc, 'auto');
  if (!started.llama) throw new UserError(msg('engineCannotStartNoEstimate', started.error ?? msg('unknownError')));
  const llama = started.llama;
  const info = await nlc.readGgufFileInfo(modelPath, { logWarnings: false, sourceType: 'filesystem' });
  const insights = await nlc.GgufInsights.from(info, llama);
  const gpuLayers = llama.supportsGpuOffloading ? await resolveLayers(insights, options.gpuLayers) : 0;
  const contextSize = Math.max(1, Math.min(options.contextSize, insights.trainContextSize ?? options.contextSize));
  const sequences = options.sequences ?? 1;
  const [model, context, vram, ram] = await Promise.all([
    insights.estimateModelResourceRequirementsV2({ gpuLayers }),
    insights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: gpuLayers, sequences }),
    llama.getVramState(),
    llama.getRamState(),
  ]);
  const vramBytes = model.gpuVram + context.gpuVram;
  const ramBytes = model.cpuRam + context.cpuRam;
  const shortfalls = [
    ...(vramBytes > vram.free ? [msg('fitVramShort', formatBytes(vramBytes), formatBytes(vram.free))] : []),
    ...(ramBytes > ram.free ? [msg('fitRamShort', formatBytes(ramBytes), formatBytes(ram.free))] : []),
  ];
  return {
    gpuLayers, totalLayers: insights.totalLayers, contextSize, vramBytes, ramBytes,
    available: { vramFreeBytes: vram.free, ramFreeBytes: ram.free },
    fits: shortfalls.length === 0,
    ...(shortfalls.length > 0 ? { reason: msg('sentence', shortfalls.reduce((list, part) => msg('issueListOf', list, part))) } : {}),
    suggested: await suggest(insights, contextSize),
  };
}

type Insights = Awaited<ReturnType<NodeLlamaCpp['GgufInsights']['from']>>;

async function resolveLayers(insights: Insights, gpuLayers: FitOptions['gpuLayers']): Promise<number> {
  if (gpuLayers === 'max') return insights.totalLayers;
  if (gpuLayers === 'auto') return (await insights.configurationResolver.resolveModelGpuLayersV2('auto')).gpuLayers;
  return Math.max(0, Math.min(Math.floor(gpuLayers), insights.totalLayers));
}

/** The best layer count at the asked context size; failing that, the best configuration at all. */
async function suggest(insights: Insights, contextSize: number): Promise<FitEstimate['suggested']> {
  const atSize = await insights.configurationResolver.resolveAndScoreConfig({ targetContextSize: contextSize });
  const best = atSize.compatibilityScore > 0 ? atSize : await insights.configurationResolver.resolveAndScoreConfig();
  return { gpuLayers: best.resolvedValues.gpuLayers, contextSize: best.resolvedValues.contextSize, fits: best.compatibilityScore > 0 };
}

// ---------------------------------------------------------------------------------------------
// Diagnostics text

export type DiagnosticsSettings = Pick<ModelSettings, 'path' | 'gpu' | 'gpuLayers' | 'contextSize' | 'threads'> & { loraAdapters?: readonly unknown[] };

export interface DiagnosticsInput {
  doctor: GpuDoctorReport;
  extensionVersion?: string;
  editor?: string;
  /** Model settings; only the file name of paths is printed, and adapters only as a count. */
  settings?: DiagnosticsSettings;
  model?: Pick<ModelInspection, 'name' | 'path' | 'architecture' | 'parameterLabel' | 'quantization' | 'sizeBytes' | 'contextLength' | 'chatTemplateName'>;
  engine?: ModelInfo;
  fit?: FitEstimate;
  /** An OpenAI-compatible server in use: only its origin is printed (never the key or paths). */
  remoteBaseUrl?: string;
}

/**
 * Plain text for bug reports: versions, backend, settings and model facts. It takes no document,
 * prompt or answer text by construction, and prints only the file name of the model (a full path
 * can carry a user or patient name).
 */
export function diagnosticsText(input: DiagnosticsInput): string {
  const { doctor } = input;
  const lines = [
    'MedLocal diagnostics',
    `MedLocal: ${input.extensionVersion ?? 'unknown'}${input.editor ? `, editor ${input.editor}` : ''}`,
    `Node.js: ${doctor.versions.node}; node-llama-cpp: ${doctor.versions.nodeLlamaCpp ?? 'unknown'}; llama.cpp: ${doctor.versions.llamaCpp ?? 'unknown'} (${doctor.versions.binary ?? 'no binary'})`,
    `Engine worker pool: ${workerPoolText(doctor.workerPool)}`,
    `Platform: ${doctor.platform}-${doctor.arch}; CPU: ${doctor.cpu.model}, ${doctor.cpu.cores} cores${doctor.cpu.mathCores ? ` (${doctor.cpu.mathCores} for math)` : ''}`,
    `RAM: ${formatBytes(doctor.ram.totalBytes)} total, ${formatBytes(doctor.ram.freeBytes)} free`,
    `GPU types: supported ${doctor.supported.join(', ')}; valid here ${doctor.allValid.join(', ')}; auto chose ${doctor.chosen}`,
    ...(doctor.gpuDevices.length > 0 ? [`GPU devices: ${doctor.gpuDevices.join(', ')}`] : []),
    ...(doctor.vram ? [`VRAM: ${formatBytes(doctor.vram.totalBytes)} total, ${formatBytes(doctor.vram.freeBytes)} free`] : []),
    ...(doctor.reason ? [`Why: ${format('en', doctor.reason)}`] : []),
    ...doctor.unavailable.map((u) => `  ${u.type}: ${format('en', u.reason)}`),
    ...settingsLines(input.settings),
    ...modelLines(input),
    ...(input.remoteBaseUrl ? [`Remote server: ${originOf(input.remoteBaseUrl)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

function workerPoolText(pool: WorkerPoolSetting | undefined): string {
  if (!pool) return `libuv default (UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'unset'}; not sized by MedLocal)`;
  const threads = `${pool.size} thread${pool.size === 1 ? '' : 's'}`;
  return pool.source === 'medlocal' ? `${threads} (MedLocal default)` : `${threads} (UV_THREADPOOL_SIZE from the environment)`;
}

function settingsLines(settings: DiagnosticsSettings | undefined): string[] {
  if (!settings) return [];
  const file = settings.path ? path.basename(settings.path) : '(none)';
  const adapters = settings.loraAdapters ? `; LoRA adapters ${settings.loraAdapters.length}` : '';
  return [`Settings: model ${file}; gpu ${settings.gpu}; gpuLayers ${settings.gpuLayers}; contextSize ${settings.contextSize}; threads ${settings.threads}${adapters}`];
}

function modelLines(input: DiagnosticsInput): string[] {
  const lines: string[] = [];
  const { model, engine, fit } = input;
  if (model) {
    lines.push(
      `Model: ${model.name} (${path.basename(model.path)}), ${model.architecture}, ${model.parameterLabel} parameters, ${model.quantization}, ` +
        `${formatBytes(model.sizeBytes)}, trained context ${model.contextLength ?? 'unknown'}, chat template ${model.chatTemplateName ?? 'none'}`,
    );
  }
  if (engine) {
    lines.push(`Engine: backend ${engine.backend}, ${engine.gpuLayers} GPU layers, ${engine.threads} threads, ${engine.sequences} sequences, context ${engine.model.contextSize}`);
    if (engine.fallbackReason) lines.push(`Fallback: ${format('en', engine.fallbackReason)}`);
  }
  if (fit) {
    lines.push(
      `Estimate: ${fit.gpuLayers}/${fit.totalLayers} layers on GPU, context ${fit.contextSize}: VRAM ${formatBytes(fit.vramBytes)}, RAM ${formatBytes(fit.ramBytes)}, ` +
        `${fit.fits ? 'fits' : `does not fit (${fit.reason ? format('en', fit.reason) : ''})`}; suggested ${fit.suggested.gpuLayers} layers, context ${fit.suggested.contextSize}`,
    );
  }
  return lines;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
}
