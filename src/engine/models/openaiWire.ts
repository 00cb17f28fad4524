// The wire format of OpenAI-compatible servers (OpenAI, llama.cpp's llama-server, vLLM), kept apart
// from the engine so it can be tested without a server: Server-Sent Events, and the two shapes
// log-probabilities come in.
//
// * Chat shape (chat/completions everywhere; llama-server's /completions too):
//   logprobs.content = [{ token, logprob, top_logprobs: [{ token, logprob }] }]
// * Legacy shape (/completions on OpenAI and vLLM):
//   logprobs = { tokens, token_logprobs, top_logprobs: [{ token: logprob }], text_offset }

/** One scored token of an answer (or of the prompt, with echo). */
export interface WireToken {
  text: string;
  /** null for a token nothing predicts (the first token of a text without BOS). */
  logprob: number | null;
  /** Alternatives at this position, best first; empty when not asked for. llama-server adds each one's token id. */
  top: Array<{ text: string; logprob: number; id?: number }>;
  /** Offset of the token in the returned text, in code points, when the server says. */
  offset?: number;
}

/**
 * The tokens of a choice's `logprobs`, whichever shape it has; undefined when the choice carries
 * none (the server ignored the request for them).
 */
export function parseLogprobs(logprobs: unknown): WireToken[] | undefined {
  if (!isRecord(logprobs)) return undefined;
  if (Array.isArray(logprobs.content)) return logprobs.content.filter(isRecord).map(chatToken);
  if (Array.isArray(logprobs.tokens)) return legacyTokens(logprobs);
  return undefined;
}

function chatToken(entry: Record<string, unknown>): WireToken {
  const top = Array.isArray(entry.top_logprobs) ? entry.top_logprobs.filter(isRecord) : [];
  return {
    text: tokenText(entry),
    logprob: typeof entry.logprob === 'number' ? entry.logprob : null,
    top: top.map((t) => ({ text: tokenText(t), logprob: typeof t.logprob === 'number' ? t.logprob : -Infinity, ...(typeof t.id === 'number' ? { id: t.id } : {}) })).sort(byLogprob),
  };
}

/** llama-server names the field `token`; some versions add raw `bytes` for partial UTF-8. */
function tokenText(entry: Record<string, unknown>): string {
  if (typeof entry.token === 'string') return entry.token;
  if (Array.isArray(entry.bytes)) return Buffer.from(entry.bytes.filter((b): b is number => typeof b === 'number')).toString('utf8');
  return '';
}

function legacyTokens(logprobs: Record<string, unknown>): WireToken[] {
  const tokens = logprobs.tokens as unknown[];
  const values = Array.isArray(logprobs.token_logprobs) ? logprobs.token_logprobs : [];
  const tops = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
  const offsets = Array.isArray(logprobs.text_offset) ? logprobs.text_offset : [];
  return tokens.map((token, i) => {
    const top = tops[i];
    const offset = offsets[i];
    const value = values[i];
    return {
      text: typeof token === 'string' ? token : '',
      logprob: typeof value === 'number' ? value : null,
      top: isRecord(top)
        ? Object.entries(top).filter((e): e is [string, number] => typeof e[1] === 'number').map(([text, logprob]) => ({ text, logprob })).sort(byLogprob)
        : [],
      ...(typeof offset === 'number' ? { offset } : {}),
    };
  });
}

const byLogprob = (a: { logprob: number }, b: { logprob: number }) => b.logprob - a.logprob;

/** Alternatives by their text; two tokens with the same text keep the better log-probability. */
export function topByText(token: WireToken | undefined): Map<string, number> {
  const map = new Map<string, number>();
  for (const alternative of token?.top ?? []) {
    const known = map.get(alternative.text);
    if (known === undefined || alternative.logprob > known) map.set(alternative.text, alternative.logprob);
  }
  return map;
}

/**
 * Alternatives by token id (llama-server sends `id`). Matching by id is exact where matching by
 * text is not: a vocabulary may hold two tokens with the same text (llama-server renders the byte
 * token <0x41> as "A", like the token "A"), and only one of them is what the candidate tokenizes to.
 */
export function topById(token: WireToken | undefined): Map<number, number> {
  const map = new Map<number, number>();
  for (const alternative of token?.top ?? []) if (alternative.id !== undefined) map.set(alternative.id, alternative.logprob);
  return map;
}

/** The token ids of llama-server's POST /tokenize answer ({"tokens":[1,2]}); undefined otherwise. */
export function tokenizeIds(json: unknown): number[] | undefined {
  if (!isRecord(json) || !Array.isArray(json.tokens)) return undefined;
  const ids = json.tokens.map((t) => (typeof t === 'number' ? t : isRecord(t) && typeof t.id === 'number' ? t.id : NaN));
  return ids.every(Number.isInteger) ? ids : undefined;
}

/**
 * Sum of log-probabilities of the tokens that cover `text` after its first `boundary` code points,
 * in an echo of `text`. A token that straddles the boundary counts for the continuation (its
 * probability cannot be split); tokens after the text (generated ones) are ignored.
 */
export function sumAfterBoundary(tokens: readonly WireToken[], boundary: number, textLength: number): { logProb: number; tokens: number } | undefined {
  let offset = 0;
  let logProb = 0;
  let counted = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as WireToken;
    const start = token.offset ?? offset;
    const end = tokens[i + 1]?.offset ?? start + codePoints(token.text);
    offset = end;
    if (end <= boundary || start >= textLength) continue;
    if (token.logprob === null) return undefined;
    logProb += token.logprob;
    counted++;
  }
  return { logProb, tokens: counted };
}

export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

/**
 * The `data` of each event of an SSE body, as the spec defines it: lines end with CRLF, LF or CR,
 * an empty line ends an event, several `data:` lines join with "\n", comments start with ':'.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const events = done ? parser.push(decoder.decode(), true) : parser.push(decoder.decode(value, { stream: true }), false);
      for (const event of events) yield event;
      if (done) {
        finished = true;
        return;
      }
    }
  } finally {
    // A consumer that stops early (after [DONE], or on an error) frees the connection.
    if (finished) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds text; returns the data of every event it completed. `end` flushes a last unterminated line. */
  push(text: string, end: boolean): string[] {
    this.buffer += text;
    const events: string[] = [];
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1 && !end)) break;
      this.line(this.buffer.slice(0, match.index), events);
      this.buffer = this.buffer.slice(match.index + match[0].length);
    }
    if (end) {
      if (this.buffer) this.line(this.buffer, events);
      this.buffer = '';
      this.line('', events);
    }
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    this.data.push(value.startsWith(' ') ? value.slice(1) : value);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Certificate errors of Node's TLS (the server's certificate is not one this machine trusts). */
export const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error's message and type, as OpenAI, llama-server and vLLM put them in an error body. */
export async function serverMessage(response: Response): Promise<{ message: string; type?: string }> {
  const text = await response.text().catch(() => '');
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json) && isRecord(json.error) && typeof json.error.message === 'string') {
      return { message: json.error.message, ...(typeof json.error.type === 'string' ? { type: json.error.type } : {}) };
    }
    if (isRecord(json) && typeof json.message === 'string') return { message: json.message, ...(typeof json.type === 'string' ? { type: json.type } : {}) };
    if (isRecord(json) && typeof json.detail === 'string') return { message: json.detail };
  } catch {
    // not JSON: fall through to the raw text
  }
  return { message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
