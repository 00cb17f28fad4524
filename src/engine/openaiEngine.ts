// The engine interface on top of any OpenAI-compatible server (llama.cpp's llama-server, vLLM,
// OpenAI itself), for machines that cannot run the model locally.
//
// * generate: POST /chat/completions (ChatPrompt) or /completions (string), streamed as SSE.
//   Aborting the signal closes the HTTP connection, which is how these servers learn to stop.
// * scoreNextTokens: one token with top_logprobs (20). vLLM and OpenAI return only the top
//   alternatives, so a candidate outside them gets logProb -Infinity (probability 0): an
//   underestimate that is harmless when one of the candidates is the model's clear choice, and
//   visible when none is. llama-server has no cap: it is asked again for the whole vocabulary when
//   the top 20 miss a candidate, and candidates are matched by token id (POST /tokenize), which
//   gives the same probabilities as local scoring of the same model.
// * scoreContinuations: /completions with echo + logprobs + max_tokens 0, i.e. the log-probability
//   of every prompt token (vLLM and OpenAI's legacy API support it; llama-server does not).
//
// The API key travels only in the Authorization header and is scrubbed from every message this
// file produces; nothing here logs. Priority is not forwarded: the server schedules on its own.
import { BASE_URL_HINT, httpError, isOpenAiError, noLogprobsError, openAiError, parseBaseUrl, streamError, transportWarnings, unreachableError, usableKey, type ScoringMode } from './openaiErrors';
import { codePoints, isRecord, parseLogprobs, serverMessage, sseData, sumAfterBoundary, tokenizeIds, topById, topByText, type WireToken } from './models/openaiWire';
import { redactSecrets } from '../shared/secrets';
import { abortError } from './scheduler';
import { msg, type Message } from '../shared/messages/index';
import type { UserError } from '../shared/userError';
import type {
  CandidateScore,
  ChatPrompt,
  ContinuationScore,
  GenerateOptions,
  GenerateResult,
  InferenceEngine,
  Prompt,
  RequestOptions,
  StopReason,
} from './types';

export interface OpenAiEngineOptions {
  /** Base URL including the API prefix, e.g. http://127.0.0.1:8080/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; the extension keeps it in SecretStorage. */
  apiKey?: string;
  /** The `model` field of requests; default: the first model GET /models lists. */
  model?: string;
  /** How many alternatives scoreNextTokens asks for (default 20, the usual server maximum). */
  topLogprobs?: number;
  /** Limit for a non-streamed answer, or for the first byte of a streamed one (default 120 s). */
  timeoutMs?: number;
  /**
   * Renders a chat prompt as raw text for scoreContinuations (which needs /completions). Without
   * it, scoreContinuations accepts only string prompts.
   */
  renderChat?: (prompt: ChatPrompt) => string;
}

export { isOpenAiError, openAiError, type OpenAiErrorKind } from './openaiErrors';
export { isLoopbackHost } from './openaiErrors';

const DEFAULT_TIMEOUT_MS = 120_000;
/** Alternatives to ask llama-server for when the top 20 miss a candidate and it did not say its vocabulary size (it caps at the vocabulary). */
const WIDE_TOP_LOGPROBS = 262_144;
/** The first, cheaper widening for llama-server. */
const MIDDLE_TOP_LOGPROBS = 1000;

export class OpenAiEngine implements InferenceEngine {
  /** Things the user should know before sending patient text (shown next to the server setting). */
  readonly warnings: readonly Message[];
  private readonly base: URL;
  private modelId: Promise<string> | undefined;
  private readonly options: OpenAiEngineOptions;
  /** The key as it was handed over (before trimming): masked too, should some text quote it. */
  private readonly rawKey: string | undefined;
  /** Vocabulary size when the server is llama.cpp's llama-server (which allows more than 20 alternatives). */
  private llamaVocab: number | undefined;
  /** llama-server: each scored candidate's token id, or undefined when it is not one token. */
  private readonly tokenIds = new Map<string, number | undefined>();

  constructor(options: OpenAiEngineOptions) {
    this.rawKey = options.apiKey;
    this.options = { ...options, apiKey: usableKey(options.apiKey) };
    this.base = parseBaseUrl(options.baseUrl);
    this.warnings = transportWarnings(this.base, Boolean(this.options.apiKey));
    if (options.model) this.modelId = Promise.resolve(options.model);
  }

  /** Creates the engine and checks, with GET /models, that the server answers and accepts the key. */
  static async connect(options: OpenAiEngineOptions): Promise<OpenAiEngine> {
    const engine = new OpenAiEngine(options);
    const models = await engine.listModels();
    engine.modelId ??= Promise.resolve(models[0] ?? 'default');
    return engine;
  }

  /** The server as messages name it: its origin (never a path, query or key). */
  get serverName(): string {
    return this.base.origin;
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    const json = await this.request('GET', '/models', undefined, signal);
    if (!isRecord(json) || !Array.isArray(json.data)) throw openAiError(msg('serverNoModelList', this.serverName, '/models'), 'notOpenAi', BASE_URL_HINT);
    const models = json.data.filter(isRecord);
    // llama-server says who it is (owned_by "llamacpp", meta.n_vocab); it has no cap on top_logprobs.
    const first = models[0];
    if (first?.owned_by === 'llamacpp') this.llamaVocab = isRecord(first.meta) && typeof first.meta.n_vocab === 'number' ? first.meta.n_vocab : WIDE_TOP_LOGPROBS;
    return models.map((m) => m.id).filter((id): id is string => typeof id === 'string');
  }

  // -------------------------------------------------------------------------------------------
  // Generation

  async generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult> {
    const chat = typeof prompt !== 'string';
    const path = chat ? '/chat/completions' : '/completions';
    const body = {
      ...(await this.promptBody(prompt)),
      max_tokens: options.maxTokens,
      temperature: options.temperature ?? 0,
      stream: true,
      stream_options: { include_usage: true },
      ...(options.stopStrings?.length ? { stop: options.stopStrings } : {}),
    };
    // Our own controller too: a stop string the server missed ends the request from here.
    const local = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, local.signal]) : local.signal;
    const state: StreamState = { text: '', chunks: 0, done: false };
    try {
      const { response } = await this.send('POST', path, body, signal, true);
      await this.readStream(response, path, chat, options, signal, state, () => local.abort());
    } catch (error) {
      if (!options.signal?.aborted && !local.signal.aborted) throw error;
    }
    if (options.signal?.aborted && !state.stopString) return this.result(state, 'cancelled');
    if (!state.done && !state.stopString) {
      throw openAiError(msg('serverStreamCut', this.serverName), 'server', msg('nextCheckServerLogMemory'));
    }
    return this.result(state, state.stopString ? 'stopString' : mapFinish(state.finish, state.stopReason, options.stopStrings));
  }

  private async readStream(response: Response, path: string, chat: boolean, options: GenerateOptions, signal: AbortSignal, state: StreamState, stop: () => void): Promise<void> {
    if (!response.body) throw openAiError(msg('serverEmptyStream', this.serverName, path), 'notOpenAi', BASE_URL_HINT);
    // A server that ignores `stream: true` answers with one JSON completion: take it whole.
    if ((response.headers.get('content-type') ?? '').includes('application/json')) {
      this.takeWhole(await response.text(), path, chat, options, state);
      return;
    }
    for await (const data of sseData(response.body)) {
      // Events already buffered when the user cancelled are dropped: cancel means now.
      if (signal.aborted) return;
      if (data.trim() === '[DONE]') {
        state.done = true;
        break;
      }
      const event = this.parseEvent(data, path);
      const choice = Array.isArray(event.choices) && isRecord(event.choices[0]) ? event.choices[0] : undefined;
      const piece = chat ? (isRecord(choice?.delta) ? choice.delta.content : undefined) : choice?.text;
      if (typeof piece === 'string' && piece.length > 0 && this.takePiece(piece, state, options)) {
        stop();
        return;
      }
      if (typeof choice?.finish_reason === 'string') {
        state.finish = choice.finish_reason;
        state.stopReason = choice.stop_reason;
        state.done = true; // some servers end without [DONE]
      }
      if (isRecord(event.usage) && typeof event.usage.completion_tokens === 'number') state.usageTokens = event.usage.completion_tokens;
    }
  }

  private takeWhole(text: string, path: string, chat: boolean, options: GenerateOptions, state: StreamState): void {
    const event = this.parseEvent(text, path);
    const choice = Array.isArray(event.choices) && isRecord(event.choices[0]) ? event.choices[0] : undefined;
    if (!choice) throw openAiError(msg('serverNoChoices', this.serverName, path), 'notOpenAi', BASE_URL_HINT);
    const content = chat ? (isRecord(choice.message) ? choice.message.content : undefined) : choice.text;
    if (typeof content === 'string' && content.length > 0) this.takePiece(content, state, options);
    state.finish = typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;
    state.stopReason = choice.stop_reason;
    if (isRecord(event.usage) && typeof event.usage.completion_tokens === 'number') state.usageTokens = event.usage.completion_tokens;
    state.done = true;
  }

  /**
   * Adds a piece of text; true when it contains a stop string the server did not act on. Servers
   * normally apply `stop` themselves; this is the fallback, so it does not hold back a piece that
   * ends with the start of a stop string (that prefix reaches onTextChunk, not the result).
   */
  private takePiece(piece: string, state: StreamState, options: GenerateOptions): boolean {
    const before = state.text.length;
    const combined = state.text + piece;
    const hit = firstStop(combined, options.stopStrings ?? [], Math.max(0, before - longest(options.stopStrings)));
    const kept = hit === undefined ? combined : combined.slice(0, hit);
    state.chunks++;
    if (kept.length > before) options.onTextChunk?.(kept.slice(before));
    state.text = kept;
    if (hit === undefined) return false;
    state.stopString = true;
    return true;
  }

  private parseEvent(data: string, path: string): Record<string, unknown> {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      throw openAiError(msg('serverEventNotJson', this.serverName, path, this.redact(data.slice(0, 80))), 'notOpenAi', BASE_URL_HINT);
    }
    if (!isRecord(event)) throw openAiError(msg('serverEventNotObject', this.serverName, path), 'notOpenAi', BASE_URL_HINT);
    // llama-server sends a failure after the stream began as an event: data: {"error":{…}}.
    if (isRecord(event.error)) throw streamError(this.serverName, event.error, (text) => this.redact(text));
    return event;
  }

  private result(state: StreamState, stopReason: StopReason): GenerateResult {
    return { text: state.text, tokens: state.usageTokens ?? state.chunks, stopReason };
  }

  // -------------------------------------------------------------------------------------------
  // Scoring

  async scoreNextTokens(prompt: Prompt, candidates: string[], options: RequestOptions = {}): Promise<CandidateScore[]> {
    let top = this.options.topLogprobs ?? 20;
    if (this.llamaVocab === undefined) {
      // vLLM, OpenAI: at most ~20 alternatives; a candidate outside them counts as probability 0.
      const byText = topByText(await this.nextToken(prompt, top, options.signal));
      return candidates.map((candidate) => ({ candidate, logProb: byText.get(candidate) ?? -Infinity }));
    }
    // llama-server: candidates matched by token id (what /tokenize makes of them, as a local engine
    // would), and no cap on alternatives: when the top 20 miss a candidate, ask again for more, up
    // to the whole vocabulary, so every candidate gets its own probability (a small model's letters are often far
    // down the list; counting them as 0 would misstate its choice).
    const ids = await this.llamaTokenIds(candidates, options.signal);
    let token = await this.nextToken(prompt, top, options.signal);
    let byId = topById(token);
    let byText = topByText(token);
    const covered = (c: string) => (ids.get(c) !== undefined ? byId.has(ids.get(c) as number) : byText.has(c));
    // 1000 alternatives first (a reply of ~100 kB), the whole vocabulary (megabytes for 150k
    // tokens, which llama-server takes a while to write) only when a candidate is further down.
    for (const wide of [MIDDLE_TOP_LOGPROBS, this.llamaVocab]) {
      if (candidates.every(covered) || wide <= top || wide > this.llamaVocab) continue;
      token = await this.nextToken(prompt, wide, options.signal);
      byId = topById(token);
      byText = topByText(token);
      top = wide;
    }
    return candidates.map((candidate) => {
      const id = ids.get(candidate);
      return { candidate, logProb: (id !== undefined ? byId.get(id) : byText.get(candidate)) ?? -Infinity };
    });
  }

  /**
   * Each candidate's token id on llama-server (POST /tokenize at the server's root), when it is one
   * token; cached. A server without /tokenize (or a candidate of several tokens) leaves the
   * candidate to matching by text.
   */
  private async llamaTokenIds(candidates: string[], signal: AbortSignal | undefined): Promise<Map<string, number | undefined>> {
    const missing = candidates.filter((c) => !this.tokenIds.has(c));
    await Promise.all(
      missing.map(async (content) => {
        let ids: number[] | undefined;
        try {
          ids = tokenizeIds(await this.request('POST', '/tokenize', { content, add_special: false, parse_special: false }, signal, this.llamaRoot()));
        } catch (error) {
          if (signal?.aborted) throw error;
          ids = undefined;
        }
        this.tokenIds.set(content, ids?.length === 1 ? ids[0] : undefined);
      }),
    );
    return new Map(candidates.map((c) => [c, this.tokenIds.get(c)]));
  }

  /** llama-server's own endpoints (/tokenize) sit at the root, beside the /v1 of the base URL. */
  private llamaRoot(): string {
    return this.base.href.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  /**
   * The next token, with its `top` most likely alternatives and their log-probabilities. Greedy
   * (temperature 0) and, for llama-server, explicitly the probabilities before sampling
   * (`post_sampling_probs: false`; after sampling at temperature 0 the top token would have 1 and
   * every other 0); vLLM returns the model's own log-probabilities by default.
   */
  private async nextToken(prompt: Prompt, top: number, signal: AbortSignal | undefined): Promise<WireToken> {
    const chat = typeof prompt !== 'string';
    const path = chat ? '/chat/completions' : '/completions';
    const body = {
      ...(await this.promptBody(prompt)),
      max_tokens: 1,
      temperature: 0,
      ...(chat ? { logprobs: true, top_logprobs: top } : { logprobs: top }),
      ...(this.llamaVocab !== undefined ? { post_sampling_probs: false } : {}),
    };
    const choice = await this.firstChoice(path, body, signal, 'next-token');
    const tokens = parseLogprobs(choice.logprobs);
    if (!tokens?.[0] || tokens[0].top.length === 0) throw this.noLogprobs('next-token', path);
    return tokens[0];
  }

  async scoreContinuations(prompt: Prompt, continuations: string[], options: RequestOptions = {}): Promise<ContinuationScore[]> {
    const text = this.rawPrompt(prompt);
    if (text.length === 0) throw openAiError(msg('scorePromptEmpty'), 'badRequest', msg('nextPassQuestion'));
    const scores: ContinuationScore[] = [];
    for (const continuation of continuations) {
      if (continuation.length === 0) {
        scores.push({ continuation, logProb: 0, tokens: 0 });
        continue;
      }
      const full = text + continuation;
      const tokens = await this.echoTokens(full, options.signal);
      const sum = sumAfterBoundary(tokens, codePoints(text), codePoints(full));
      if (!sum) throw this.noLogprobs('continuation', '/completions');
      scores.push({ continuation, logProb: sum.logProb, tokens: sum.tokens });
    }
    return scores;
  }

  /** Prompt tokens with their log-probabilities; max_tokens 1 for servers that refuse 0. */
  private async echoTokens(text: string, signal: AbortSignal | undefined): Promise<WireToken[]> {
    const body = { ...(await this.promptBody(text)), echo: true, logprobs: 1, temperature: 0 };
    let choice: Record<string, unknown>;
    try {
      choice = await this.firstChoice('/completions', { ...body, max_tokens: 0 }, signal, 'continuation');
    } catch (error) {
      if (!isOpenAiError(error, 'badRequest')) throw error;
      choice = await this.firstChoice('/completions', { ...body, max_tokens: 1 }, signal, 'continuation');
    }
    const tokens = parseLogprobs(choice.logprobs);
    // Without echo a server returns only generated tokens (or none): the prompt is not covered.
    const covered = tokens?.reduce((n, t) => n + codePoints(t.text), 0) ?? 0;
    if (!tokens || covered < codePoints(text) || typeof choice.text !== 'string' || !choice.text.startsWith(text)) {
      throw this.noLogprobs('continuation', '/completions');
    }
    return tokens;
  }

  private async firstChoice(path: string, body: unknown, signal: AbortSignal | undefined, mode: ScoringMode): Promise<Record<string, unknown>> {
    let json: unknown;
    try {
      json = await this.request('POST', path, body, signal);
    } catch (error) {
      // A server that rejects the logprobs parameters outright says so in a 400.
      if (isOpenAiError(error, 'badRequest') && /logprob|echo/i.test(error.message)) throw this.noLogprobs(mode, path, error.text);
      throw error;
    }
    const choice = isRecord(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
    if (!isRecord(choice)) throw openAiError(msg('serverNoChoices', this.serverName, path), 'notOpenAi', BASE_URL_HINT);
    return choice;
  }

  // -------------------------------------------------------------------------------------------
  // Prompts

  private async promptBody(prompt: Prompt): Promise<Record<string, unknown>> {
    const model = await this.model();
    if (typeof prompt === 'string') return { model, prompt };
    const messages = [
      ...(prompt.system ? [{ role: 'system', content: prompt.system }] : []),
      { role: 'user', content: prompt.user },
      // A trailing assistant message is continued by llama-server; vLLM needs the two flags.
      ...(prompt.assistantPrefix ? [{ role: 'assistant', content: prompt.assistantPrefix }] : []),
    ];
    return { model, messages, ...(prompt.assistantPrefix ? { continue_final_message: true, add_generation_prompt: false } : {}) };
  }

  private rawPrompt(prompt: Prompt): string {
    if (typeof prompt === 'string') return prompt;
    if (this.options.renderChat) return this.options.renderChat(prompt);
    throw openAiError(
      msg('scoreNeedsRawText'),
      'badRequest',
      msg('nextUseTextPrompt'),
    );
  }

  private model(): Promise<string> {
    this.modelId ??= this.listModels().then((ids) => ids[0] ?? 'default');
    // A failed lookup is not cached: the next request asks again.
    this.modelId.catch(() => {
      this.modelId = undefined;
    });
    return this.modelId;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async request(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined, root?: string): Promise<unknown> {
    const { response, done } = await this.send(method, path, body, signal, false, root);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw this.unreachable(error, false, 0);
    } finally {
      done();
    }
    try {
      return JSON.parse(text);
    } catch {
      const type = response.headers.get('content-type');
      const shown = this.redact(text.slice(0, 80));
      throw openAiError(type ? msg('serverNotJson', this.serverName, path, type, shown) : msg('serverNotJsonUnknownType', this.serverName, path, shown), 'notOpenAi', BASE_URL_HINT);
    }
  }

  /**
   * Sends a request. The timeout covers the answer's headers, and for non-streams also the body
   * (until `done`); a stream may then run as long as the generation does.
   */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined, stream: boolean, root?: string): Promise<{ response: Response; done: () => void }> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const done = () => clearTimeout(timer);
    const headers: Record<string, string> = { accept: stream ? 'text/event-stream' : 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const init: RequestInit = {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
    };
    const target = root !== undefined ? `${root}${path}` : this.url(path);
    let response: Response;
    try {
      try {
        response = await fetch(target, init);
      } catch (error) {
        // A kept-alive connection the server closed just as this request went out (llama-server's
        // HTTP threads close idle or finished connections): no answer has begun, so the request
        // goes once more, on a new connection. Anything else (refused, timeout, TLS) is reported.
        if (signal?.aborted || timeout.signal.aborted || !isClosedConnection(error)) throw error;
        response = await fetch(target, init);
      }
    } catch (error) {
      done();
      if (signal?.aborted) throw abortError(signal);
      throw this.unreachable(error, timeout.signal.aborted, timeoutMs);
    }
    if (stream) done();
    if (!response.ok) {
      const error = await this.httpError(response, path);
      done();
      throw error;
    }
    return { response, done };
  }

  private url(path: string): string {
    return `${this.base.href.replace(/\/+$/, '')}${path}`;
  }

  private async httpError(response: Response, path: string): Promise<UserError> {
    const said = await serverMessage(response);
    return httpError(this.serverName, response.status, path, { message: this.redact(said.message), ...(said.type ? { type: said.type } : {}) }, Boolean(this.options.apiKey));
  }

  private unreachable(error: unknown, timedOut: boolean, timeoutMs: number): UserError {
    return unreachableError(this.serverName, error, timedOut, timeoutMs, (text) => this.redact(text));
  }

  private noLogprobs(mode: ScoringMode, path: string, detail?: Message): UserError {
    return noLogprobsError(this.serverName, mode, path, detail);
  }

  /** Removes the API key (as given and trimmed) from any text that may reach a message or a log. */
  private redact(text: string): string {
    return redactSecrets(text, [this.rawKey, this.options.apiKey]);
  }
}

// ---------------------------------------------------------------------------------------------

/** Socket-level codes of a connection closed under a request before any answer arrived. */
const CLOSED_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

function isClosedConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' && CLOSED_CONNECTION_CODES.has(cause.code);
}

interface StreamState {
  text: string;
  chunks: number;
  done: boolean;
  finish?: string;
  stopReason?: unknown;
  usageTokens?: number;
  stopString?: boolean;
}

function mapFinish(finish: string | undefined, stopReason: unknown, stopStrings: string[] | undefined): StopReason {
  if (finish === 'length') return 'maxTokens';
  if (typeof stopReason === 'string' && stopStrings?.includes(stopReason)) return 'stopString';
  return 'eos';
}

function firstStop(text: string, stops: readonly string[], from: number): number | undefined {
  let best: number | undefined;
  for (const stop of stops) {
    if (!stop) continue;
    const index = text.indexOf(stop, from);
    if (index >= 0 && (best === undefined || index < best)) best = index;
  }
  return best;
}

function longest(stops: readonly string[] | undefined): number {
  return Math.max(0, ...(stops ?? []).map((s) => s.length));
}
