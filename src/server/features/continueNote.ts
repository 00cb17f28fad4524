// medlocal/continueNote: ghost-text continuation of the note at the cursor. Never generates while
// an IME composition is in progress (the client flags it); a newer request for the same document
// supersedes (aborts) the older one; stops at the end of the sentence or line (。 . ! ? ！ ？ newline).
import type { Connection, Disposable, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ContinueNoteRequest, type ContinueNoteParams, type ContinueNoteResult } from '../../protocol/protocol';
import type { InferenceEngine } from '../../engine/types';
import type { ModelHost } from '../modelHost';
import { signalFromToken, toResponseError } from './cancellation';
import type { Locale } from '../../shared/messages/index';

const CONTEXT_CHARS = 1500;
const DEFAULT_TOKENS = 24;
const MAX_TOKENS = 64;
const SENTENCE_END = /[。.!?！？]/;

/** Cuts a continuation after the first sentence end or before the first newline. */
export function trimContinuation(text: string): string {
  const newline = text.indexOf('\n');
  const line = newline === -1 ? text : text.slice(0, newline);
  const end = line.search(SENTENCE_END);
  return end === -1 ? line : line.slice(0, end + 1);
}

export async function continueNote(engine: InferenceEngine, before: string, maxTokens: number, signal: AbortSignal): Promise<string> {
  const context = before.slice(-CONTEXT_CHARS);
  if (!context.trim()) return '';
  const result = await engine.generate(context, { maxTokens, priority: 'interactive', signal, stopStrings: ['\n'] });
  return trimContinuation(result.text);
}

export function registerContinueNote(connection: Connection, documents: TextDocuments<TextDocument>, host: ModelHost, locale: () => Locale): Disposable {
  /** The request in flight per document; a newer one aborts it. */
  const inFlight = new Map<string, AbortController>();
  return connection.onRequest(ContinueNoteRequest.type, async (params: ContinueNoteParams, token): Promise<ContinueNoteResult> => {
    inFlight.get(params.uri)?.abort();
    if (params.composing) return { text: '', reason: 'composing' };
    const document = documents.get(params.uri);
    if (!document) return { text: '', reason: 'empty' };
    const engine = host.current;
    if (!engine) return { text: '', reason: 'noModel' };
    const controller = new AbortController();
    inFlight.set(params.uri, controller);
    const linked = signalFromToken(token);
    const onCancel = () => controller.abort();
    linked.signal.addEventListener('abort', onCancel);
    try {
      const before = document.getText().slice(0, Math.max(0, Math.min(params.offset, document.getText().length)));
      const maxTokens = Math.min(Math.max(1, params.maxTokens ?? DEFAULT_TOKENS), MAX_TOKENS);
      const text = await continueNote(engine, before, maxTokens, controller.signal);
      if (controller.signal.aborted) return { text: '', reason: linked.signal.aborted ? 'cancelled' : 'superseded' };
      return text ? { text } : { text: '', reason: 'empty' };
    } catch (error) {
      if (controller.signal.aborted) return { text: '', reason: linked.signal.aborted ? 'cancelled' : 'superseded' };
      throw toResponseError(error, locale());
    } finally {
      linked.signal.removeEventListener('abort', onCancel);
      linked.dispose();
      if (inFlight.get(params.uri) === controller) inFlight.delete(params.uri);
    }
  });
}
