// Owns the one loaded model: loads it when settings name one, reloads it when a model setting
// changes, reports every state change, and hands the engine to features (waiting while it loads).
import type { ModelInfo, ModelStatus } from '../protocol/protocol';
import type { HostedEngine } from '../engine/hosted';
import { createEngine, type EngineTarget } from '../engine/factory';
import { EngineLoadError } from '../engine/llamaEngine';
import { ModelFileError } from '../engine/modelFile';
import { OpenAiEngineError } from '../engine/openaiEngine';

export type { EngineTarget };

export interface ModelHostOptions {
  cores: number;
  sequences: number;
  onStatus(status: ModelStatus): void;
  log(message: string): void;
}

/** The user asked for the model, but none is usable: the message says what to do. */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}

const REMOTE_HINT = 'Set `medlocal.openai.baseUrl` to the API root of an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1), or set `medlocal.backend` to local.';
const NO_MODEL_HINT = 'Set `medlocal.model.path` to a GGUF model file (for example a Qwen2.5-7B-Instruct Q4_K_M).';

export class ModelHost {
  private target: EngineTarget | undefined;
  private engine: HostedEngine | undefined;
  private loading: Promise<HostedEngine> | undefined;
  private loadController: AbortController | undefined;
  private statusValue: ModelStatus = { state: 'noModel', message: 'No model is configured.', hint: NO_MODEL_HINT };
  private generation = 0;

  constructor(private readonly options: ModelHostOptions) {}

  get status(): ModelStatus {
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
    void this.reload();
  }

  /** The engine, waiting for a load in progress. Throws a ModelUnavailableError with a hint. */
  async getEngine(): Promise<HostedEngine> {
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
    if (status.state === 'error') throw new ModelUnavailableError(status.message ?? 'The model failed to load.', status.hint ?? NO_MODEL_HINT);
    throw new ModelUnavailableError('No model is configured.', NO_MODEL_HINT);
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
      this.publish({ state: 'noModel', message: remote ? 'No server URL is configured.' : 'No model is configured.', hint: remote ? REMOTE_HINT : NO_MODEL_HINT });
      return;
    }
    const controller = new AbortController();
    this.loadController = controller;
    const what = target.kind === 'local' ? target.model.path : originOf(target.remote.baseUrl);
    this.publish({ state: 'loading', progress: 0, message: `Loading ${what}` });
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
        this.publish({ state: 'loading', progress, message: `Loading ${what}` });
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
      const message = error instanceof Error ? error.message : String(error);
      const hint = error instanceof ModelFileError || error instanceof EngineLoadError || error instanceof OpenAiEngineError ? error.hint : 'Check the model settings, then run MedLocal: Restart Server.';
      this.options.log(`Model failed to load: ${message}`);
      this.publish({ state: 'error', message, hint });
    }
  }

  private publish(status: ModelStatus): void {
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
