// Owns the one loaded model: loads it when settings name one, reloads it when a model setting
// changes, reports every state change, and hands the engine to features (waiting while it loads).
// A local model runs in an engine process: when that process dies, the host says so in the status
// and starts it again after a back-off (1 s, 2 s, 4 s ... capped at 30 s); after
// MAX_FAST_CRASHES deaths in a row, each within FAST_CRASH_MS of its start, it gives up with a
// "Restart MedLocal" next step. Requests that arrive meanwhile wait for the restarted engine.
import type { ModelStatus } from '../protocol/protocol';
import type { HostedEngine } from '../engine/hosted';
import type { ModelInfo } from '../engine/modelInfo';
import { createEngine, type EngineTarget } from '../engine/factory';
import { diagnoseInChild, ENGINE_STOPPED } from '../engine/process/client';
import type { DoctorReply, DoctorRequest } from '../engine/process/protocol';
import { format, msg, type Locale, type Message } from '../shared/messages/index';
import { errorMessage, UserError } from '../shared/userError';

export type { EngineTarget };

export interface ModelHostOptions {
  cores: number;
  sequences: number;
  /** How long a request that arrives before the client's settings waits for them (default 30 s). */
  settingsWaitMs?: number;
  /** First back-off before restarting a dead engine process (default 1 s; doubled per crash). */
  restartDelayMs?: number;
  /** Starts an engine (default: the factory's createEngine; tests pass engines that die on cue). */
  createEngine?: typeof createEngine;
  onStatus(status: HostStatus): void;
  log(message: string): void;
}

/** The model's state as the host knows it: message and next step still to be rendered for a reader. */
export type HostStatus = Omit<ModelStatus, 'message' | 'hint'> & { message?: Message; next?: Message };

/** The status as the client gets it: its texts in the client's locale. */
export function renderStatus(status: HostStatus, locale: Locale): ModelStatus {
  const { message, next, ...rest } = status;
  return { ...rest, ...(message ? { message: format(locale, message) } : {}), ...(next ? { hint: format(locale, next) } : {}) };
}

/** The user asked for the model, but none is usable: the message says what to do. */
const modelUnavailable = (text: Message, next: Message): UserError => new UserError(text, next, 'modelUnavailable');

const REMOTE_HINT = msg('nextSetServerUrl', 'http://127.0.0.1:8080/v1');
const NO_MODEL_HINT = msg('nextSetModelPath');

/** Engine deaths in a row, each within FAST_CRASH_MS of its start, before the host stops restarting. */
export const MAX_FAST_CRASHES = 5;
const FAST_CRASH_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

export class ModelHost {
  private target: EngineTarget | undefined;
  private engine: HostedEngine | undefined;
  private loading: Promise<HostedEngine> | undefined;
  private loadController: AbortController | undefined;
  private statusValue: HostStatus = { state: 'noModel', message: msg('modelNotConfigured'), next: NO_MODEL_HINT };
  private generation = 0;
  /** The newest reload (it settles once its load has finished or failed). */
  private reloading: Promise<void> | undefined;
  private markConfigured: () => void = () => undefined;
  /** Settles when the first settings arrive: requests before that wait instead of hearing "no model". */
  private readonly configured = new Promise<void>((resolve) => (this.markConfigured = resolve));
  /** Fast engine deaths in a row, and when the current engine started. */
  private crashes = 0;
  private startedAt = 0;
  private pendingRestart: { timer: NodeJS.Timeout; resolve(): void } | undefined;

  constructor(private readonly options: ModelHostOptions) {}

  get status(): HostStatus {
    return this.statusValue;
  }

  get info(): ModelInfo | null {
    return this.engine?.info ?? null;
  }

  get current(): HostedEngine | undefined {
    return this.engine;
  }

  /** Applies model settings (local model or remote server); loads, reloads or unloads when they changed. */
  configure(target: EngineTarget): void {
    if (this.target && JSON.stringify(this.target) === JSON.stringify(target)) return;
    this.target = target;
    this.crashes = 0;
    this.markConfigured();
    this.reloading = this.reload();
  }

  /** The engine, waiting for a load in progress. Throws a UserError (code modelUnavailable) with the next step. */
  async getEngine(): Promise<HostedEngine> {
    if (this.engine) return this.engine;
    if (!this.target) await this.waitForSettings();
    // The load the settings started (or a newer one that replaced it) decides.
    for (let pending = this.reloading; pending; pending = this.reloading) {
      await pending;
      if (pending === this.reloading) break;
    }
    if (this.engine) return this.engine;
    if (this.loading) {
      try {
        return await this.loading;
      } catch {
        // fall through to the status, which says why
      }
    }
    if (this.engine) return this.engine;
    const status = this.statusValue;
    if (status.state === 'error') throw modelUnavailable(status.message ?? msg('modelFailedToLoad'), status.next ?? NO_MODEL_HINT);
    throw modelUnavailable(msg('modelNotConfigured'), NO_MODEL_HINT);
  }

  private async waitForSettings(): Promise<void> {
    const waitMs = this.options.settingsWaitMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs)));
    try {
      if ((await Promise.race([this.configured, timedOut])) === 'timeout') {
        throw modelUnavailable(msg('settingsNotReceived', Math.round(waitMs / 1000)), msg('nextRestartServer'));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The GPU doctor and memory estimate, in the engine process (a short-lived one when no local model runs). */
  diagnose(request: DoctorRequest): Promise<DoctorReply> {
    return this.engine?.diagnose ? this.engine.diagnose(request) : diagnoseInChild(request, this.options.log);
  }

  async dispose(): Promise<void> {
    this.generation++;
    this.cancelRestart();
    this.loadController?.abort();
    const engine = this.engine;
    this.engine = undefined;
    await engine?.dispose();
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation;
    this.cancelRestart();
    this.loadController?.abort();
    const previous = this.engine;
    this.engine = undefined;
    this.loading = undefined;
    await previous?.dispose();
    const target = this.target;
    if (!target || (target.kind === 'local' && !target.model.path) || (target.kind === 'remote' && !target.remote.baseUrl)) {
      const remote = target?.kind === 'remote';
      this.publish({ state: 'noModel', message: remote ? msg('noServerUrl') : msg('modelNotConfigured'), next: remote ? REMOTE_HINT : NO_MODEL_HINT });
      return;
    }
    const controller = new AbortController();
    this.loadController = controller;
    const what = target.kind === 'local' ? target.model.path : originOf(target.remote.baseUrl);
    this.publish({ state: 'loading', progress: 0, message: msg('loadingModel', what) });
    let lastReported = 0;
    const started = Date.now();
    this.loading = (this.options.createEngine ?? createEngine)(target, {
      cores: this.options.cores,
      sequences: this.options.sequences,
      signal: controller.signal,
      log: this.options.log,
      onProgress: (progress) => {
        if (generation !== this.generation || progress - lastReported < 0.05) return;
        lastReported = progress;
        this.publish({ state: 'loading', progress, message: msg('loadingModel', what) });
      },
    });
    try {
      const engine = await this.loading;
      if (generation !== this.generation) {
        await engine.dispose();
        return;
      }
      this.engine = engine;
      this.startedAt = Date.now();
      engine.onStopped?.((_error, how) => this.engineStopped(generation, how));
      const { info } = engine;
      this.options.log(`Model loaded in ${Date.now() - started} ms: ${info.model.name} (${info.model.architecture}, ${info.model.quantization}), backend ${info.backend}, ${info.gpuLayers} GPU layers, ${info.threads} threads, ${info.sequences} sequences, context ${info.model.contextSize}`);
      this.publish({
        state: 'ready',
        model: info.model,
        backend: info.backend,
        gpuLayers: info.gpuLayers,
        ...(info.loraAdapters.length > 0 ? { loraAdapters: info.loraAdapters } : {}),
        ...(info.fallbackReason ? { message: info.fallbackReason } : {}),
      });
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof UserError && error.code === ENGINE_STOPPED) {
        // The engine process died while loading (an abort inside llama.cpp): the same back-off.
        this.startedAt = started;
        this.engineStopped(generation, format('en', error.text));
        return;
      }
      const message = errorMessage(error);
      const next = (error instanceof UserError ? error.next : undefined) ?? msg('nextCheckSettingsRestart');
      this.options.log(`Model failed to load: ${format('en', message)}`);
      this.publish({ state: 'error', message, next });
    }
  }

  /** The engine process died: say so, and restart it after a back-off, or give up after too many fast deaths. */
  private engineStopped(generation: number, how: string): void {
    if (generation !== this.generation) return;
    this.engine = undefined;
    this.loading = undefined;
    this.crashes = Date.now() - this.startedAt < FAST_CRASH_MS ? this.crashes + 1 : 1;
    if (this.crashes > MAX_FAST_CRASHES) {
      this.options.log(`Engine process stopped ${this.crashes - 1} times in a row; not restarting it.`);
      this.publish({ state: 'error', message: msg('engineGaveUp', this.crashes - 1, how), next: msg('nextRestartAfterCrashes') });
      this.reloading = undefined;
      return;
    }
    const delay = Math.min((this.options.restartDelayMs ?? 1_000) * 2 ** (this.crashes - 1), MAX_RESTART_DELAY_MS);
    this.options.log(`Engine process stopped (${how}); restarting in ${delay} ms (attempt ${this.crashes}).`);
    this.publish({ state: 'loading', progress: 0, message: msg('engineRestarting', how, Number((delay / 1000).toFixed(2)), this.crashes), next: msg('nextEngineRestarts') });
    // Requests that arrive meanwhile wait on this (getEngine) and get the restarted engine.
    this.reloading = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingRestart = undefined;
        if (generation !== this.generation) return resolve();
        void this.reload().then(resolve);
      }, delay);
      this.pendingRestart = { timer, resolve };
    });
  }

  /** A restart waiting for its back-off is dropped (a reload or dispose replaces it); its waiters go on. */
  private cancelRestart(): void {
    const pending = this.pendingRestart;
    this.pendingRestart = undefined;
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.resolve();
  }

  private publish(status: HostStatus): void {
    this.statusValue = status;
    this.options.onStatus(status);
  }
}

/** The origin a status names; a URL that does not parse is named as given (connecting reports it). */
function originOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return baseUrl;
  }
}
