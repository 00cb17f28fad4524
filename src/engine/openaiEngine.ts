// The engine interface on top of any OpenAI-compatible server (llama.cpp's llama-server, vLLM,
// OpenAI itself), for machines that cannot run the model locally.
//
// * generate: POST /chat/completions (ChatPrompt) or /completions (string), streamed as SSE.
//   Aborting the signal closes the HTTP connection, which is how these servers learn to stop.
// * scoreNextTokens: one token with top_logprobs (20). Servers return only the top alternatives,
//   so a candidate outside them gets logProb -Infinity (probability 0): an underestimate that is
//   harmless when one of the candidates is the model's clear choice, and visible when none is.
// * scoreContinuations: /completions with echo + logprobs + max_tokens 0, i.e. the log-probability
//   of every prompt token (vLLM and OpenAI's legacy API support it; llama-server does not).
//
// The API key travels only in the Authorization header and is scrubbed from every message this
// file produces; nothing here logs. Priority is not forwarded: the server schedules on its own.
import { codePoints, isRecord, parseLogprobs, sseData, sumAfterBoundary, topByText, type WireToken } from './models/openaiWire';
import { checkApiKey, redactSecrets } from '../shared/secrets';
import { abortError } from './scheduler';
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

export type OpenAiErrorKind = 'badUrl' | 'unreachable' | 'unauthorized' | 'notOpenAi' | 'noLogprobs' | 'badRequest' | 'server';

export class OpenAiEngineError extends Error {
  constructor(
    message: string,
    readonly kind: OpenAiErrorKind,
    readonly hint: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OpenAiEngineError';
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
const BASE_URL_HINT = 'Set the server URL to its OpenAI API root, e.g. http://127.0.0.1:8080/v1 (llama-server) or http://127.0.0.1:8000/v1 (vLLM).';

export class OpenAiEngine implements InferenceEngine {
  /** Things the user should know before sending patient text (shown next to the server setting). */
  readonly warnings: readonly string[];
  private readonly base: URL;
  private modelId: Promise<string> | undefined;
  private readonly options: OpenAiEngineOptions;
  /** The key as it was handed over (before trimming): masked too, should some text quote it. */
  private readonly rawKey: string | undefined;

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
    return `the OpenAI-compatible server at ${this.base.origin}`;
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    const json = await this.request('GET', '/models', undefined, signal);
    if (!isRecord(json) || !Array.isArray(json.data)) throw this.notOpenAi('/models', 'no `data` list of models');
    return json.data.filter(isRecord).map((m) => m.id).filter((id): id is string => typeof id === 'string');
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
      throw new OpenAiEngineError(`${this.serverName} closed the answer stream before it was complete.`, 'server', 'Check the server log (it may have run out of memory), then try again.');
    }
    return this.result(state, state.stopString ? 'stopString' : mapFinish(state.finish, state.stopReason, options.stopStrings));
  }

  private async readStream(response: Response, path: string, chat: boolean, options: GenerateOptions, signal: AbortSignal, state: StreamState, stop: () => void): Promise<void> {
    if (!response.body) throw this.notOpenAi(path, 'an empty body instead of an event stream');
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
    if (!choice) throw this.notOpenAi(path, 'no `choices`');
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
      throw this.notOpenAi(path, `an event that is not JSON ("${this.redact(data.slice(0, 80))}")`);
    }
    if (!isRecord(event)) throw this.notOpenAi(path, 'an event that is not a JSON object');
    if (isRecord(event.error)) throw new OpenAiEngineError(`${this.serverName} reported an error while answering: ${this.redact(String(event.error.message ?? 'unknown error'))}`, 'server', 'Check the server log, then try again.');
    return event;
  }

  private result(state: StreamState, stopReason: StopReason): GenerateResult {
    return { text: state.text, tokens: state.usageTokens ?? state.chunks, stopReason };
  }

  // -------------------------------------------------------------------------------------------
  // Scoring

  async scoreNextTokens(prompt: Prompt, candidates: string[], options: RequestOptions = {}): Promise<CandidateScore[]> {
    const chat = typeof prompt !== 'string';
    const top = this.options.topLogprobs ?? 20;
    const path = chat ? '/chat/completions' : '/completions';
    const body = {
      ...(await this.promptBody(prompt)),
      max_tokens: 1,
      temperature: 0,
      ...(chat ? { logprobs: true, top_logprobs: top } : { logprobs: top }),
    };
    const choice = await this.firstChoice(path, body, options.signal, 'next-token');
    const tokens = parseLogprobs(choice.logprobs);
    if (!tokens || tokens.length === 0 || tokens[0]?.top.length === 0) throw this.noLogprobs('next-token', path);
    const alternatives = topByText(tokens[0]);
    return candidates.map((candidate) => ({ candidate, logProb: alternatives.get(candidate) ?? -Infinity }));
  }

  async scoreContinuations(prompt: Prompt, continuations: string[], options: RequestOptions = {}): Promise<ContinuationScore[]> {
    const text = this.rawPrompt(prompt);
    if (text.length === 0) throw new OpenAiEngineError('The prompt is empty: there is nothing to score the continuations against.', 'badRequest', 'Pass the question as the prompt.');
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
      if (!(error instanceof OpenAiEngineError) || error.kind !== 'badRequest') throw error;
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
      if (error instanceof OpenAiEngineError && error.kind === 'badRequest' && /logprob|echo/i.test(error.message)) throw this.noLogprobs(mode, path, error.message);
      throw error;
    }
    const choice = isRecord(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
    if (!isRecord(choice)) throw this.notOpenAi(path, 'no `choices`');
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
    throw new OpenAiEngineError(
      'Continuation scoring on an OpenAI-compatible server needs the prompt as raw text, and no chat template renderer is configured.',
      'badRequest',
      'Use a text prompt for continuation scoring, or configure the chat template of the served model (renderChat).',
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

  private async request(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const { response, done } = await this.send(method, path, body, signal, false);
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
      throw this.notOpenAi(path, `${response.headers.get('content-type') ?? 'an unknown type'} instead of JSON ("${this.redact(text.slice(0, 80))}")`);
    }
  }

  /**
   * Sends a request. The timeout covers the answer's headers, and for non-streams also the body
   * (until `done`); a stream may then run as long as the generation does.
   */
  private async send(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined, stream: boolean): Promise<{ response: Response; done: () => void }> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const done = () => clearTimeout(timer);
    const headers: Record<string, string> = { accept: stream ? 'text/event-stream' : 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
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

  private async httpError(response: Response, path: string): Promise<OpenAiEngineError> {
    const detail = this.redact(await serverMessage(response));
    const status = response.status;
    if (status === 401 || status === 403) {
      return new OpenAiEngineError(
        this.options.apiKey
          ? `${this.serverName} rejected the API key (HTTP ${status}${detail ? `: ${detail}` : ''}).`
          : `${this.serverName} requires an API key (HTTP ${status}).`,
        'unauthorized',
        'Set the API key of this server again in MedLocal (it is kept in the editor\'s secret storage), or check the key the server was started with.',
        status,
      );
    }
    if (status === 404 || status === 405) {
      return new OpenAiEngineError(`${this.serverName} has no ${path} endpoint (HTTP ${status}); it does not look like an OpenAI-compatible API at this URL.`, 'notOpenAi', BASE_URL_HINT, status);
    }
    if (status >= 400 && status < 500) {
      return new OpenAiEngineError(`${this.serverName} refused the request to ${path} (HTTP ${status}${detail ? `: ${detail}` : ''}).`, 'badRequest', 'Check the model name and the server\'s limits (context size, max tokens).', status);
    }
    return new OpenAiEngineError(`${this.serverName} failed on ${path} (HTTP ${status}${detail ? `: ${detail}` : ''}).`, 'server', 'Check the server log (it may be out of memory or still loading the model), then try again.', status);
  }

  private unreachable(error: unknown, timedOut: boolean, timeoutMs: number): OpenAiEngineError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
    return new OpenAiEngineError(
      `Cannot reach ${this.serverName} (${this.redact(why)}).`,
      'unreachable',
      `Check that the server is running and reachable from this machine, and that the URL is right. ${BASE_URL_HINT}`,
    );
  }

  private notOpenAi(path: string, what: string): OpenAiEngineError {
    return new OpenAiEngineError(`${this.serverName} answered ${path} with ${what}; it does not look like an OpenAI-compatible API.`, 'notOpenAi', BASE_URL_HINT);
  }

  private noLogprobs(mode: ScoringMode, path: string, detail?: string): OpenAiEngineError {
    const what = mode === 'next-token' ? `log-probabilities of the next token (top_logprobs on ${path})` : 'log-probabilities of the prompt tokens (echo with logprobs on /completions)';
    return new OpenAiEngineError(
      `${this.serverName} returned no ${what}${detail ? ` (${this.redact(detail)})` : ''}. ` +
        'Next-token scoring (letter answers) needs top_logprobs; continuation scoring needs echo + logprobs. Generation works without them.',
      'noLogprobs',
      'Use a server that returns log-probabilities (vLLM supports both modes; llama.cpp\'s llama-server supports next-token scoring), or run the model locally in MedLocal.',
    );
  }

  /** Removes the API key (as given and trimmed) from any text that may reach a message or a log. */
  private redact(text: string): string {
    return redactSecrets(text, [this.rawKey, this.options.apiKey]);
  }
}

// ---------------------------------------------------------------------------------------------

type ScoringMode = 'next-token' | 'continuation';

interface StreamState {
  text: string;
  chunks: number;
  done: boolean;
  finish?: string;
  stopReason?: unknown;
  usageTokens?: number;
  stopString?: boolean;
}

/** The key trimmed; one that cannot travel in an HTTP header is refused without quoting it. */
function usableKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const checked = checkApiKey(raw);
  if (!checked.ok) {
    throw new OpenAiEngineError(`The API key of the OpenAI-compatible server ${checked.reason}.`, 'unauthorized', 'Set the API key of this server again in MedLocal (it is kept in the editor\'s secret storage), or check the key the server was started with.');
  }
  return checked.key || undefined;
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new OpenAiEngineError(`"${baseUrl}" is not a URL.`, 'badUrl', BASE_URL_HINT);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OpenAiEngineError(`"${url.protocol}" URLs are not supported for the server.`, 'badUrl', BASE_URL_HINT);
  if (url.username || url.password) throw new OpenAiEngineError('The server URL must not contain a user name or password.', 'badUrl', 'Put the key in the API key setting instead.');
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function transportWarnings(url: URL, withKey: boolean): string[] {
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return [];
  return [
    `${url.origin} is reached over plain http://: patient text in prompts and answers${withKey ? ', and the API key,' : ''} would travel unencrypted over the network. ` +
      'Use https://, or a server on this machine (127.0.0.1).',
  ];
}

async function serverMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json) && isRecord(json.error) && typeof json.error.message === 'string') return json.error.message;
    if (isRecord(json) && typeof json.message === 'string') return json.message;
    if (isRecord(json) && typeof json.detail === 'string') return json.detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
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
