// The same features against an OpenAI-compatible server (llama.cpp's llama-server, vLLM, ...):
// how a benchmark scales out to a GPU server. Requests go through a scheduler of virtual slots, so
// interactive work still goes before benchmark work and the server is not flooded.
import { createHash } from 'node:crypto';
import type { ModelInfo } from './modelInfo';
import type { HostedEngine } from './hosted';
import { OpenAiEngine } from './openaiEngine';
import { SequenceScheduler } from './scheduler';
import { msg, type Message } from '../shared/messages/index';
import type { GenerateOptions, GenerateResult, Prompt, RequestOptions } from './types';

export interface RemoteSettings {
  baseUrl: string;
  model?: string;
  apiKey?: string;
  /** Requests in flight at once. */
  slots?: number;
  /**
   * Slots background (benchmark) work may not take; default 1 when there are several, so the
   * editor's questions never wait behind a benchmark. The CLI, which has no interactive work,
   * passes 0, so `--parallel N` keeps N requests in flight.
   */
  reserveForInteractive?: number;
}

export class RemoteEngine implements HostedEngine {
  private generated = 0;

  private constructor(
    private readonly remote: OpenAiEngine,
    private readonly scheduler: SequenceScheduler<number>,
    readonly info: ModelInfo,
    readonly warnings: readonly Message[],
  ) {}

  static async connect(settings: RemoteSettings): Promise<RemoteEngine> {
    const remote = await OpenAiEngine.connect({ baseUrl: settings.baseUrl, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}), ...(settings.model ? { model: settings.model } : {}) });
    const models = settings.model ? [settings.model] : await remote.listModels();
    const name = models[0] ?? 'default';
    const origin = new URL(settings.baseUrl).origin;
    const slots = Math.max(1, settings.slots ?? 4);
    const info: ModelInfo = {
      model: {
        name,
        path: origin,
        sizeBytes: 0,
        architecture: 'remote',
        quantization: 'remote',
        contextSize: 0,
        fingerprint: createHash('sha256').update(`${origin}\u0000${name}`).digest('hex').slice(0, 16),
      },
      backend: 'remote',
      gpuLayers: 0,
      threads: 0,
      sequences: slots,
      loraAdapters: [],
      ...(remote.warnings[0] ? { fallbackReason: remote.warnings[0] } : {}),
    };
    return new RemoteEngine(remote, new SequenceScheduler(Array.from({ length: slots }, (_, i) => i), settings.reserveForInteractive), info, remote.warnings);
  }

  get tokensGenerated(): number {
    return this.generated;
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  scoreNextTokens(prompt: Prompt, candidates: string[], options: RequestOptions = {}) {
    return this.inSlot(options, () => this.remote.scoreNextTokens(prompt, candidates, options));
  }

  scoreContinuations(prompt: Prompt, continuations: string[], options: RequestOptions = {}) {
    return this.inSlot(options, () => this.remote.scoreContinuations(prompt, continuations, options));
  }

  generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult> {
    return this.inSlot(options, async () => {
      const result = await this.remote.generate(prompt, options);
      this.generated += result.tokens;
      return result;
    });
  }

  async dispose(): Promise<void> {
    this.scheduler.dispose(msg('remoteDisconnected'));
  }

  private async inSlot<T>(options: RequestOptions, work: () => Promise<T>): Promise<T> {
    const lease = await this.scheduler.acquire(options.priority ?? 'interactive', options.signal);
    try {
      return await work();
    } finally {
      lease.release();
    }
  }
}
