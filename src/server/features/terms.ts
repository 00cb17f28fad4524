// Term hovers, medlocal/lookupTerm and medlocal/explainTerm. Matching is dictionary work and
// answers at once; explanations are model work, streamed, cached per (term, model file, language).
import type { Connection, Disposable, Hover, TextDocuments } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { detectLanguage, resolveLanguage, type Language } from '../../shared/language';
import { ExplainTermRequest, LookupTermRequest, type ExplainTermParams, type ExplainTermResult, type TermMatchInfo } from '../../protocol/protocol';
import type { HoverExplainSetting } from '../../shared/settings';
import type { InferenceEngine } from '../../engine/types';
import type { ModelHost } from '../modelHost';
import { buildExplainPrompt } from '../qa/prompts';
import type { DictionarySet } from '../../terms/dictionaries';
import { normalizeTerm } from '../../terms/index';
import { signalFromToken, toResponseError } from './cancellation';
import { msg, type Locale } from '../../shared/messages/index';
import { describeError, UserError } from '../../shared/userError';
import { renderTermHover, type CachedExplanation } from './hoverContent';

const EXPLAIN_MAX_TOKENS = 160;
const CACHE_LIMIT = 2000;

export class ExplanationCache {
  private readonly map = new Map<string, CachedExplanation>();
  key(term: string, fingerprint: string, language: Language): string {
    return `${fingerprint}\u0000${language}\u0000${normalizeTerm(term)}`;
  }
  get(key: string): CachedExplanation | undefined {
    return this.map.get(key);
  }
  set(key: string, value: CachedExplanation): void {
    if (this.map.size >= CACHE_LIMIT) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, value);
  }
}

export interface TermsDeps {
  documents: TextDocuments<TextDocument>;
  dictionaries: DictionarySet;
  host: ModelHost;
  cache: ExplanationCache;
  explainSetting(): HoverExplainSetting;
  log(message: string): void;
  /** The client's locale, for error messages. */
  locale(): Locale;
}

/** The matches under an offset, as protocol data. */
export function lookupTerms(dictionaries: DictionarySet, text: string, offset: number): TermMatchInfo[] {
  if (offset < 0 || offset > text.length) return [];
  return dictionaries.matcher.lookup(text, offset).map((m) => ({ start: m.start, end: m.end, surface: m.surface, entries: m.entries }));
}

/** Explains a term with the model, streaming; the result is cached for later hovers. */
export async function explainTerm(engine: InferenceEngine, modelName: string, params: ExplainTermParams, signal: AbortSignal | undefined, onText?: (text: string) => void): Promise<ExplainTermResult> {
  const term = params.term.trim();
  if (!term) throw new UserError(msg('noTermToExplain'));
  const language = resolveLanguage(params.language, term);
  const result = await engine.generate(buildExplainPrompt(term, language), { maxTokens: EXPLAIN_MAX_TOKENS, priority: 'interactive', signal, onTextChunk: onText });
  return { term, text: result.text, language, model: modelName, cached: false, stopReason: result.stopReason === 'stopString' ? 'eos' : result.stopReason };
}

export function registerTerms(connection: Connection, deps: TermsDeps): Disposable {
  const hover = connection.onHover((params): Hover | null => {
    const document = deps.documents.get(params.textDocument.uri);
    if (!document) return null;
    const text = document.getText();
    const offset = document.offsetAt(params.position);
    const [match] = lookupTerms(deps.dictionaries, text, offset);
    if (!match) return null;
    const line = text.slice(text.lastIndexOf('\n', offset - 1) + 1, text.indexOf('\n', offset) === -1 ? undefined : text.indexOf('\n', offset));
    const language = detectLanguage(line);
    const fingerprint = deps.host.info?.model.fingerprint;
    const explanation = fingerprint ? deps.cache.get(deps.cache.key(match.surface, fingerprint, language)) : undefined;
    const explain = deps.explainSetting();
    if (!explanation && explain === 'auto' && deps.host.current) void startBackgroundExplanation(deps, match.surface, language);
    return {
      contents: { kind: MarkupKind.Markdown, value: renderTermHover(match, { language, explain, explanation, uri: params.textDocument.uri }) },
      range: { start: document.positionAt(match.start), end: document.positionAt(match.end) },
    };
  });

  const lookup = connection.onRequest(LookupTermRequest.type, (params) => ({ matches: lookupTerms(deps.dictionaries, params.text, params.offset) }));

  const explain = connection.onRequest(ExplainTermRequest.type, async (params, token) => {
    const resultProgress = connection.languages.attachPartialResultProgress(ExplainTermRequest.partialResult, params);
    const linked = signalFromToken(token);
    try {
      const engine = await deps.host.getEngine();
      const info = deps.host.info;
      const language = resolveLanguage(params.language, params.term);
      const key = info ? deps.cache.key(params.term, info.model.fingerprint, language) : undefined;
      const cached = key ? deps.cache.get(key) : undefined;
      if (cached) {
        resultProgress?.report({ text: cached.text });
        return { term: params.term.trim(), text: cached.text, language, model: cached.model, cached: true, stopReason: 'eos' };
      }
      const result = await explainTerm(engine, info?.model.name ?? 'model', { ...params, language }, linked.signal, (text) => resultProgress?.report({ text }));
      if (key && result.stopReason !== 'cancelled' && result.text.trim()) deps.cache.set(key, { text: result.text, model: result.model });
      deps.log(`explainTerm: ${params.term.length} chars, ${result.stopReason}`);
      return result;
    } catch (error) {
      throw toResponseError(error, deps.locale());
    } finally {
      linked.dispose();
    }
  });
  return { dispose: () => (hover.dispose(), lookup.dispose(), explain.dispose()) };
}

const inFlight = new Set<string>();

async function startBackgroundExplanation(deps: TermsDeps, term: string, language: Language): Promise<void> {
  const info = deps.host.info;
  const engine = deps.host.current;
  if (!info || !engine) return;
  const key = deps.cache.key(term, info.model.fingerprint, language);
  if (inFlight.has(key)) return;
  inFlight.add(key);
  try {
    const result = await explainTerm(engine, info.model.name, { term, language }, undefined);
    if (result.text.trim()) deps.cache.set(key, { text: result.text, model: result.model });
  } catch (error) {
    deps.log(`background explanation failed: ${describeError(error, 'en')}`);
  } finally {
    inFlight.delete(key);
  }
}
