// Owns the one loaded model: loads it when settings name one, reloads it when a model setting
// changes, reports every state change, and hands the engine to features (waiting while it loads).
import type { ModelStatus } from '../protocol/protocol';
import type { HostedEngine } from '../engine/hosted';
import type { ModelInfo } from '../engine/modelInfo';
import { createEngine, type EngineTarget } from '../engine/factory';
import { format, msg, type Locale, type Message } from '../shared/messages/index';
import { errorMessage, UserError } from '../shared/userError';

export type { EngineTarget };

export interface ModelHostOptions {
  cores: number;
  sequences: number;
  /** How long a request that arrives before the client's settings waits for them (default 30 s). */
  settingsWaitMs?: number;
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

  async dispose(): Promise<void> {
    this.generation++;
    this.loadController?.abort();
    const engine = this.engine;
    this.engine = undefined;
    await engine?.dispose();
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation;
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
    this.loading = createEngine(target, {
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
      const message = errorMessage(error);
      const next = (error instanceof UserError ? error.next : undefined) ?? msg('nextCheckSettingsRestart');
      this.options.log(`Model failed to load: ${format('en', message)}`);
      this.publish({ state: 'error', message, next });
    }
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
