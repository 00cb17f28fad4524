// One loaded GGUF model on node-llama-cpp: a context with several sequences handed out by the
// scheduler, and the three primitives every feature builds on (score next tokens, score
// continuations, generate). Cancellation reaches generation through AbortSignals.
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { Backend, ModelInfo } from './modelInfo';
import type { ModelSettings } from '../shared/settings';
import { fingerprintFile, inspectModelFile, modelFileError, type InspectedModel } from './modelFile';
import { format, msg, type Message } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';
import type { LoraAdapterInfo } from './modelInfo';
import { promises as fs } from 'node:fs';
import { loadNodeLlamaCpp, type NodeLlamaCpp } from './nodeLlamaCpp';
import { cpuRequest, sharedLlama, type RequestedGpu } from './llamaRuntime';
import { abortError, SequenceScheduler, type Lease } from './scheduler';
import { checkGgufComplete } from './models/inspect';
import { planThreads } from './threads';
import { logProbsFromResult, nextTokenRequest, scoringPathFor, type EngineRuntime, type NextTokenResult, type ScoringPath } from './scoringPaths';
import type {
  CandidateScore,
  ContinuationScore,
  GenerateOptions,
  GenerateResult,
  InferenceEngine,
  Prompt,
  RequestOptions,
  StopReason,
} from './types';

export interface EngineLoadOptions {
  settings: ModelSettings;
  cores: number;
  sequences: number;
  /** Sequences background work may not take (default: 1 when there are several, else 0). */
  reserveForInteractive?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  log?: (message: string) => void;
  /**
   * The node-llama-cpp module to run on (default: the installed one, through loadNodeLlamaCpp).
   * For tests and benchmarks that compare versions; not reachable from settings.
   */
  nodeLlamaCpp?: NodeLlamaCpp;
}

/** The engine could not load the model: a UserError with code 'engineLoad'. */
const loadError = (text: Message, next: Message): UserError => new UserError(text, next, 'engineLoad');

interface ResolvedLlama {
  llama: Llama;
  backend: Backend;
  fallbackReason?: Message;
}

export class LlamaEngine implements InferenceEngine {
  private tokensGeneratedCount = 0;
  private tokensEvaluatedCount = 0;
  private positionsScoredCount = 0;
  private disposed = false;

  private constructor(
    private readonly nlc: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly scheduler: SequenceScheduler<LlamaContextSequence>,
    readonly info: ModelInfo,
    private readonly scoringPath: ScoringPath,
  ) {}

  static async load(options: EngineLoadOptions): Promise<LlamaEngine> {
    const { settings, signal } = options;
    const inspected = await inspectModelFile(settings.path);
    // A file cut short inside its last tensor passes the header checks; llama.cpp would read past the end.
    const complete = await checkGgufComplete(settings.path);
    if (!complete.ok) throw modelFileError(msg('modelTruncatedBecause', settings.path, complete.reason), msg('nextDownloadCutShort'));
    const adapters = await inspectAdapters(settings.loraAdapters);
    throwIfAborted(signal);
    const nlc = options.nodeLlamaCpp ?? (await loadNodeLlamaCpp());
    const threads = planThreads(settings.threads, options.cores);
    const resolved = await resolveLlama(nlc, settings, threads.maxThreads, options.log);
    throwIfAborted(signal);
    const runtime = await describeRuntime(nlc, resolved.llama);
    options.log?.(`engine: node-llama-cpp ${runtime.nodeLlamaCpp} (llama.cpp ${runtime.llamaCpp}), scoring from ${runtime.scoringPath}`);
    let model: LlamaModel | undefined;
    try {
      model = await resolved.llama.loadModel({
        modelPath: settings.path,
        gpuLayers: resolved.backend === 'cpu' ? 0 : settings.gpuLayers,
        onLoadProgress: options.onProgress,
        loadSignal: signal,
      });
      const context = await model.createContext({
        contextSize: Math.min(settings.contextSize, inspected.trainedContextSize ?? settings.contextSize),
        sequences: options.sequences,
        threads: threads.contextThreads,
        ...(adapters.length > 0 ? { lora: { adapters: adapters.map((a) => ({ filePath: a.path, scale: a.scale })) } } : {}),
      }).catch((error: unknown) => {
        throw adapters.length > 0 && /lora/i.test(errorText(error))
          ? loadError(msg('loraDoesNotFit', inspected.facts.name, errorText(error)), msg('nextCheckLoraBase'))
          : error;
      });
      const sequences = Array.from({ length: options.sequences }, () => context.getSequence());
      const info = { ...describe(inspected, context, model, resolved, threads.contextThreads, options.sequences), loraAdapters: adapters, runtime };
      const engine = new LlamaEngine(nlc, resolved.llama, model, context, new SequenceScheduler(sequences, options.reserveForInteractive), info, runtime.scoringPath);
      engine.prepareChatWrapper(options.log);
      return engine;
    } catch (error) {
      // The Llama stays: it is the process's, shared with later loads (llamaRuntime.ts says why).
      await model?.dispose().catch(() => undefined);
      if (signal?.aborted) throw abortError(signal);
      throw toLoadError(error, settings.path);
    }
  }

  /** The process's Llama this model runs on, for diagnostics (the GPU doctor). */
  get llamaInstance(): Llama {
    return this.llama;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text, false).length;
  }

  /** Tokens that scoring has put through the model (prompts and continuations), since load. */
  get tokensEvaluated(): number {
    return this.tokensEvaluatedCount;
  }

  /** Positions whose next-token distribution scoring has read (one sample job each), since load. */
  get positionsScored(): number {
    return this.positionsScoredCount;
  }

  get tokensGenerated(): number {
    return this.tokensGeneratedCount;
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  async scoreNextTokens(prompt: Prompt, candidates: string[], options: RequestOptions = {}): Promise<CandidateScore[]> {
    // A candidate of one token is a continuation of one token: log P(token | prompt). A candidate
    // of several tokens is scored as a continuation (the sum over its tokens), as before.
    const promptTokens = this.renderPrompt(prompt);
    const candidateTokens = candidates.map((c) => this.model.tokenize(c, false));
    return this.withSequence(options, async (sequence) => {
      const logProbs = await this.continuationLogProbs(sequence, promptTokens, candidateTokens);
      return candidates.map((candidate, i) => ({ candidate, logProb: logProbs[i] ?? -Infinity }));
    });
  }

  async scoreContinuations(prompt: Prompt, continuations: string[], options: RequestOptions = {}): Promise<ContinuationScore[]> {
    const promptTokens = this.renderPrompt(prompt);
    const tokens = continuations.map((c) => this.model.tokenize(c, false));
    return this.withSequence(options, async (sequence) => {
      const logProbs = await this.continuationLogProbs(sequence, promptTokens, tokens);
      return continuations.map((continuation, i) => ({ continuation, logProb: logProbs[i] ?? -Infinity, tokens: tokens[i]?.length ?? 0 }));
    });
  }

  async generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult> {
    const promptTokens = this.renderPrompt(prompt);
    const stopTriggers = [...(options.stopStrings ?? []), ...this.chatStopTriggers(prompt)];
    return this.withSequence(options, async (sequence) => {
      const completion = new this.nlc.LlamaCompletion({ contextSequence: sequence });
      let tokens = 0;
      try {
        const result = await completion.generateCompletionWithMeta(promptTokens, {
          maxTokens: options.maxTokens,
          temperature: options.temperature ?? 0,
          signal: options.signal,
          stopOnAbortSignal: true,
          customStopTriggers: stopTriggers.length > 0 ? stopTriggers : undefined,
          evaluationPriority: options.priority === 'background' ? 1 : 5,
          onTextChunk: options.onTextChunk,
          onToken: (chunk) => {
            tokens += chunk.length;
            this.tokensGeneratedCount += chunk.length;
          },
        });
        return { text: result.response, tokens, stopReason: mapStopReason(result.metadata, options.stopStrings) };
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.scheduler.dispose(msg('modelUnloaded'));
    await this.context.dispose().catch(() => undefined);
    await this.model.dispose().catch(() => undefined);
    // The Llama is not disposed: the next load reuses it (llamaRuntime.ts says why).
  }

  // -------------------------------------------------------------------------------------------

  private async withSequence<T>(options: RequestOptions, work: (sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
    if (this.disposed) throw new UserError(msg('modelUnloaded'));
    const lease: Lease<LlamaContextSequence> = await this.scheduler.acquire(options.priority ?? 'interactive', options.signal);
    try {
      throwIfAborted(options.signal);
      return await work(lease.sequence);
    } finally {
      lease.release();
    }
  }

  /** Tokens of a prompt: raw text with the model's BOS rule, or chat messages through its template. */
  private renderPrompt(prompt: Prompt): Token[] {
    if (typeof prompt === 'string') {
      const tokens = this.model.tokenize(prompt, false);
      const bos = this.model.tokens.bos;
      return this.model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...tokens] : tokens;
    }
    const history = [
      ...(prompt.system ? [{ type: 'system' as const, text: prompt.system }] : []),
      { type: 'user' as const, text: prompt.user },
      { type: 'model' as const, response: [] },
    ];
    const state = this.chatWrapper().generateContextState({ chatHistory: history });
    const tokens = state.contextText.tokenize(this.model.tokenizer);
    return prompt.assistantPrefix ? [...tokens, ...this.model.tokenize(prompt.assistantPrefix, false)] : tokens;
  }

  private chatWrapperCache: ReturnType<NodeLlamaCpp['resolveChatWrapper']> | undefined;

  /**
   * Resolves the model's chat template while the model loads. node-llama-cpp's resolveChatWrapper
   * renders the Jinja template against its known formats, synchronously: 0.3–0.6 s of the engine
   * process's only JavaScript thread on the test and benchmark models. Done lazily, it stalled the
   * first ask after every load (cancel, progress and replies waited behind it, and with the decode
   * thread it held both cores of a 2-core machine). A template it cannot resolve is left to the
   * first chat prompt, which reports it as before.
   */
  private prepareChatWrapper(log: ((message: string) => void) | undefined): void {
    const started = performance.now();
    try {
      this.chatWrapper();
      log?.(`engine: chat template resolved in ${Math.round(performance.now() - started)} ms`);
    } catch {
      this.chatWrapperCache = undefined;
    }
  }

  private chatWrapper() {
    this.chatWrapperCache ??= this.nlc.resolveChatWrapper(this.model);
    return this.chatWrapperCache;
  }

  private chatStopTriggers(prompt: Prompt): string[] {
    if (typeof prompt === 'string') return [];
    const state = this.chatWrapper().generateContextState({ chatHistory: [{ type: 'user', text: '' }, { type: 'model', response: [] }] });
    return state.stopGenerationTriggers.map((trigger) => trigger.toString()).filter((text) => text.length > 0);
  }

  /**
   * Brings the sequence to `tokens` minus what must be evaluated now, reusing the KV cache of the
   * longest common prefix (the shared instruction block of every benchmark question, say).
   * Returns the tokens still to evaluate (at least the last one, whose logits are needed).
   */
  private async alignSequence(sequence: LlamaContextSequence, tokens: Token[], maxKeep = tokens.length - 1): Promise<Token[]> {
    const { firstDifferentIndex } = sequence.compareContextTokens(tokens);
    const keep = Math.min(firstDifferentIndex, maxKeep);
    if (keep < sequence.nextTokenIndex) {
      await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
    }
    return tokens.slice(sequence.nextTokenIndex);
  }

  /** log P(token | prompt) for each wanted token, from one forward pass over the prompt. */
  private async nextTokenLogProbs(sequence: LlamaContextSequence, promptTokens: Token[], wanted: Token[]): Promise<Map<Token, number>> {
    if (promptTokens.length === 0) throw new UserError(msg('promptEmpty'));
    const pending = await this.alignSequence(sequence, promptTokens);
    const last = pending.length - 1;
    const request = nextTokenRequest(this.scoringPath, wanted);
    const input = pending.map((token, i) => (i === last ? ([token, request] as const) : token));
    this.tokensEvaluatedCount += input.length;
    this.positionsScoredCount += 1;
    const output = await this.evaluate(sequence, input);
    const logProbs = logProbsFromResult(this.scoringPath, output[last]?.next, wanted);
    if (!logProbs) throw new UserError(msg('engineNoLogitsPrompt'));
    return logProbs;
  }

  /** controlledEvaluate with the request shapes of scoringPaths.ts (declared there for both versions). */
  private async evaluate(sequence: LlamaContextSequence, input: ReadonlyArray<Token | readonly [Token, unknown]>): Promise<Array<{ next?: NextTokenResult } | undefined>> {
    const output = await sequence.controlledEvaluate(input as Parameters<LlamaContextSequence['controlledEvaluate']>[0]);
    return output as Array<{ next?: NextTokenResult } | undefined>;
  }

  /**
   * log P(continuation | prompt) for each continuation (token lists; an empty one scores 0), with
   * every position evaluated once:
   *   * the distribution after the prompt is read once, for all first tokens together, in the
   *     pass that evaluates the prompt (no per-continuation re-evaluation of its last token);
   *   * a continuation's last token is never evaluated (nothing is scored after it);
   *   * continuations that share leading tokens share those positions (a trie over token paths):
   *     each position is asked, in one request, for every token that follows it in some
   *     continuation, and a continuation starts from the KV cache the previous one left.
   * Same numbers as scoring each continuation alone; fewer rows through the model and fewer
   * sample jobs (one per scored position, each a pass over the whole vocabulary in node-llama-cpp).
   */
  private async continuationLogProbs(sequence: LlamaContextSequence, promptTokens: Token[], continuations: readonly Token[][]): Promise<number[]> {
    if (promptTokens.length === 0) throw new UserError(msg('promptEmpty'));
    // log P(path[j] | prompt, path[0..j-1]), keyed by the token path up to and including path[j].
    const known = new Map<string, number>();
    const key = (tokens: readonly Token[], end: number) => tokens.slice(0, end + 1).join(',');
    // The tokens that follow each path in some continuation: a position is asked for all of them.
    const following = new Map<string, Set<Token>>();
    for (const tokens of continuations) {
      for (let j = 1; j < tokens.length; j++) {
        const path = key(tokens, j - 1);
        following.set(path, (following.get(path) ?? new Set()).add(tokens[j] as Token));
      }
    }
    const firsts = [...new Set(continuations.filter((c) => c.length > 0).map((c) => c[0] as Token))];
    if (firsts.length > 0) {
      const first = await this.nextTokenLogProbs(sequence, promptTokens, firsts);
      for (const token of firsts) known.set(String(token), first.get(token) ?? -Infinity);
    }
    const scores: number[] = [];
    for (const tokens of continuations) {
      // The first position not yet known (position j predicts tokens[j]; j = 0 is known).
      let missing = 1;
      while (missing < tokens.length && known.has(key(tokens, missing))) missing++;
      if (missing < tokens.length) {
        // Evaluate tokens[missing-1 .. n-2], each asking for the next token; the KV cache keeps
        // the prompt and whatever leading tokens of this continuation it already holds.
        const target = [...promptTokens, ...tokens.slice(0, tokens.length - 1)];
        const firstNeeded = promptTokens.length + missing - 1;
        const pending = await this.alignSequence(sequence, target, firstNeeded);
        const offset = target.length - pending.length;
        // Position p (p ≥ firstNeeded) holds tokens[p - prompt]; it is asked for every token that
        // follows tokens[0..p - prompt] in this call.
        const wantedAt = (position: number) => [...(following.get(key(tokens, position - promptTokens.length)) ?? [])];
        const input = pending.map((token, i) => (offset + i >= firstNeeded ? ([token, nextTokenRequest(this.scoringPath, wantedAt(offset + i))] as const) : token));
        this.tokensEvaluatedCount += input.length;
        this.positionsScoredCount += target.length - firstNeeded;
        const output = await this.evaluate(sequence, input);
        for (let i = 0; i < pending.length; i++) {
          const position = offset + i;
          if (position < firstNeeded) continue;
          const wanted = wantedAt(position);
          const logProbs = logProbsFromResult(this.scoringPath, output[i]?.next, wanted);
          if (!logProbs) throw new UserError(msg('engineNoLogitsContinuation'));
          const path = tokens.slice(0, position - promptTokens.length + 1);
          for (const next of wanted) known.set([...path, next].join(','), logProbs.get(next) ?? -Infinity);
        }
      }
      let logProb = 0;
      for (let j = 0; j < tokens.length; j++) logProb += known.get(key(tokens, j)) ?? -Infinity;
      scores.push(logProb);
    }
    return scores;
  }
}

/** Kept here for the callers that import it from the engine. */
export { logProbsFromLogits } from './scoringPaths';

async function resolveLlama(nlc: NodeLlamaCpp, settings: ModelSettings, maxThreads: number, log?: (m: string) => void): Promise<ResolvedLlama> {
  const cpu = cpuRequest();
  const wantsCpu = settings.gpu === 'cpu';
  const requested: RequestedGpu = settings.gpu === 'cpu' ? cpu.gpu : settings.gpu;
  try {
    const llama = await sharedLlama(nlc, requested, { maxThreads, log });
    // The CPU: the CPU build, or on Apple silicon the Metal build with no layers offloaded (cpuRequest).
    const backend: Backend = wantsCpu || llama.gpu === false ? 'cpu' : llama.gpu;
    const fallbackReason = requested === 'auto' && backend === 'cpu' ? await noGpuReason(nlc) : undefined;
    return { llama, backend, fallbackReason };
  } catch (error) {
    if (wantsCpu) throw loadError(msg('cpuEngineCannotStart', errorText(error)), msg('nextReinstall'));
    const fallbackReason = msg('backendFallback', String(settings.gpu), errorText(error));
    log?.(format('en', fallbackReason));
    const llama = await sharedLlama(nlc, cpu.gpu, { maxThreads, log });
    return { llama, backend: 'cpu', fallbackReason };
  }
}

/** The loaded node-llama-cpp's version and llama.cpp release, and the scoring path they support. */
async function describeRuntime(nlc: NodeLlamaCpp, llama: Llama): Promise<EngineRuntime> {
  const version = await nlc.getModuleVersion();
  return { nodeLlamaCpp: version, llamaCpp: llama.llamaCppRelease.release, scoringPath: scoringPathFor(version) };
}

async function noGpuReason(nlc: NodeLlamaCpp): Promise<Message> {
  const supported = (await nlc.getLlamaGpuTypes('supported')).filter((t) => t !== false);
  return supported.length === 0 ? msg('noGpuBackend') : msg('gpuBackendDidNotStart', supported.join(', '));
}

/** Checks each adapter file before llama.cpp sees it, and fingerprints it for the manifest. */
async function inspectAdapters(adapters: ModelSettings['loraAdapters']): Promise<LoraAdapterInfo[]> {
  const result: LoraAdapterInfo[] = [];
  for (const adapter of adapters) {
    let size: number;
    try {
      size = (await fs.stat(adapter.path)).size;
    } catch {
      throw loadError(msg('loraMissing', adapter.path), msg('nextFixLoraSetting'));
    }
    const head = Buffer.alloc(4);
    const handle = await fs.open(adapter.path, 'r');
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
    if (head.toString('latin1') !== 'GGUF') {
      throw loadError(msg('loraNotGguf', adapter.path), msg('nextConvertLora'));
    }
    result.push({ path: adapter.path, scale: adapter.scale, fingerprint: await fingerprintFile(adapter.path, size) });
  }
  return result;
}

function describe(inspected: InspectedModel, context: LlamaContext, model: LlamaModel, resolved: ResolvedLlama, threads: number, sequences: number): Omit<ModelInfo, 'loraAdapters'> {
  return {
    model: { ...inspected.facts, contextSize: context.contextSize },
    backend: resolved.backend,
    gpuLayers: model.gpuLayers,
    threads,
    sequences,
    ...(resolved.fallbackReason ? { fallbackReason: resolved.fallbackReason } : {}),
  };
}

function mapStopReason(metadata: { stopReason: string; customStopTrigger?: (string | Token)[] }, stopStrings: string[] | undefined): StopReason {
  switch (metadata.stopReason) {
    case 'maxTokens':
      return 'maxTokens';
    case 'abort':
      return 'cancelled';
    case 'customStopTrigger': {
      const trigger = (metadata.customStopTrigger ?? []).filter((part): part is string => typeof part === 'string').join('');
      return stopStrings?.includes(trigger) ? 'stopString' : 'eos';
    }
    default:
      return 'eos';
  }
}

function toLoadError(error: unknown, path: string): Error {
  if (error instanceof UserError) return error;
  const text = errorText(error);
  if (/memory|alloc/i.test(text)) return loadError(msg('notEnoughMemory', path, text), msg('nextLowerMemory'));
  return loadError(msg('modelCouldNotLoad', path, text), msg('nextCheckModelRestart'));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
