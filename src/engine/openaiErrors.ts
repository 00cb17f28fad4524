// What goes wrong with an OpenAI-compatible server, as the user reads it: each failure a UserError
// whose code is its kind, with the next step. The status codes and bodies are the ones the real
// servers send (captured from llama.cpp's llama-server v0.5.0 by test/realserver/errors.test.ts;
// vLLM's from its documentation):
// * 503 {"error":{"message":"Loading model","type":"unavailable_error"}} until the model is in
//   (llama-server answers every endpoint but /health so while it loads);
// * 401 {"error":{"message":"Invalid API Key","type":"authentication_error"}} for a wrong or
//   missing key (--api-key);
// * 400 type exceed_context_size_error, "request (N tokens) exceeds the available context size
//   (M tokens)…", also for a streamed request (the HTTP status comes before any event); vLLM: 400
//   "This model's maximum context length is N tokens…". A failure after a stream began arrives
//   as an event, data: {"error":{…}}, and is classified the same way;
// * 413 with an empty body for a request over 100 MB (cpp-httplib's payload limit), or from a proxy.
import { msg, type Message } from '../shared/messages/index';
import { checkApiKey } from '../shared/secrets';
import { errorText, UserError } from '../shared/userError';
import { TLS_TRUST_CODES } from './models/openaiWire';

export type OpenAiErrorKind =
  | 'badUrl'
  | 'unreachable'
  | 'tls'
  | 'unauthorized'
  | 'notOpenAi'
  | 'noLogprobs'
  | 'badRequest'
  | 'contextOverflow'
  | 'tooLarge'
  | 'loading'
  | 'server';

export type ScoringMode = 'next-token' | 'continuation';

/** A failure of the server or its URL: a UserError whose code is the kind of failure. */
export const openAiError = (text: Message, kind: OpenAiErrorKind, next: Message): UserError => new UserError(text, next, kind);

export function isOpenAiError(error: unknown, kind: OpenAiErrorKind): error is UserError {
  return error instanceof UserError && error.code === kind;
}

export const BASE_URL_HINT = msg('nextServerApiRoot', 'http://127.0.0.1:8080/v1', 'http://127.0.0.1:8000/v1');

function isContextOverflow(said: { message: string; type?: string }): boolean {
  return said.type === 'exceed_context_size_error' || /context (size|length)|max(imum)? context/i.test(said.message);
}

function contextOverflow(server: string, detail: string): UserError {
  return openAiError(msg('serverContextOverflow', server, detail), 'contextOverflow', msg('nextRaiseServerContext'));
}

/** An HTTP error status; `said` is the server's message (already scrubbed of the key) and type. */
export function httpError(server: string, status: number, path: string, said: { message: string; type?: string }, withKey: boolean): UserError {
  const detail = said.message;
  if (status === 401 || status === 403) {
    const text = !withKey ? msg('serverNeedsKey', server, status) : detail ? msg('serverRejectedKeyDetail', server, status, detail) : msg('serverRejectedKey', server, status);
    return openAiError(text, 'unauthorized', msg('nextSetApiKey'));
  }
  if (status === 404 || status === 405) return openAiError(msg('serverNoEndpoint', server, path, status), 'notOpenAi', BASE_URL_HINT);
  if (status === 503) return openAiError(msg('serverLoading', server, detail ? `: ${detail}` : ''), 'loading', msg('nextWaitServerLoaded'));
  if (status === 413) return openAiError(msg('serverRequestTooLarge', server, detail ? `: ${detail}` : ''), 'tooLarge', msg('nextRaiseRequestLimit'));
  if (status === 400 && isContextOverflow(said)) return contextOverflow(server, detail || `HTTP ${status}`);
  if (status >= 400 && status < 500) {
    return openAiError(detail ? msg('serverRefusedDetail', server, path, status, detail) : msg('serverRefused', server, path, status), 'badRequest', msg('nextCheckModelLimits'));
  }
  return openAiError(detail ? msg('serverFailedDetail', server, path, status, detail) : msg('serverFailed', server, path, status), 'server', msg('nextCheckServerLogLoading'));
}

/** An error event inside a stream (data: {"error":{"message","type"}}). */
export function streamError(server: string, error: Record<string, unknown>, redact: (text: string) => string): UserError {
  const message = typeof error.message === 'string' ? redact(error.message) : '';
  const type = typeof error.type === 'string' ? error.type : undefined;
  if (isContextOverflow({ message, ...(type ? { type } : {}) })) return contextOverflow(server, message || String(type));
  return openAiError(msg('serverReportedError', server, message || msg('unknownError')), 'server', msg('nextCheckServerLog'));
}

export function unreachableError(server: string, error: unknown, timedOut: boolean, timeoutMs: number, redact: (text: string) => string): UserError {
  const next = msg('nextCheckServerRunning', BASE_URL_HINT);
  if (timedOut) return openAiError(msg('serverUnreachableTimeout', server, Math.round(timeoutMs / 1000)), 'unreachable', next);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  // An untrusted certificate is never worked around (no verification off, no retry over http).
  if (cause?.code && TLS_TRUST_CODES.has(cause.code)) return openAiError(msg('serverTlsUntrusted', server, cause.code), 'tls', msg('nextTrustServerCa'));
  return openAiError(msg('serverUnreachable', server, redact(cause?.code ?? cause?.message ?? errorText(error))), 'unreachable', next);
}

export function noLogprobsError(server: string, mode: ScoringMode, path: string, detail?: Message): UserError {
  const needed = msg('logprobsNeeded');
  const text =
    mode === 'next-token'
      ? detail ? msg('serverNoNextTokenLogprobsDetail', server, path, detail, needed) : msg('serverNoNextTokenLogprobs', server, path, needed)
      : detail ? msg('serverNoPromptLogprobsDetail', server, detail, needed) : msg('serverNoPromptLogprobs', server, needed);
  return openAiError(text, 'noLogprobs', msg('nextServerWithLogprobs'));
}

// ---------------------------------------------------------------------------------------------
// The server setting itself

/** The key trimmed; one that cannot travel in an HTTP header is refused without quoting it. */
export function usableKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const checked = checkApiKey(raw);
  if (!checked.ok) {
    throw openAiError(msg('apiKeyInvalid', checked.reason), 'unauthorized', msg('nextSetApiKey'));
  }
  return checked.key || undefined;
}

export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw openAiError(msg('serverUrlInvalid', baseUrl), 'badUrl', BASE_URL_HINT);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw openAiError(msg('serverUrlScheme', url.protocol), 'badUrl', BASE_URL_HINT);
  if (url.username || url.password) throw openAiError(msg('serverUrlCredentials'), 'badUrl', msg('nextKeyInSetting'));
  return url;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function transportWarnings(url: URL, withKey: boolean): Message[] {
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return [];
  return [withKey ? msg('plainHttpWarningKey', url.origin) : msg('plainHttpWarning', url.origin)];
}

