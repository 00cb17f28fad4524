// medlocal/ask: a question in, an answer streamed back as partial results, generation stopped
// when the request is cancelled.
import type { Connection, Disposable } from 'vscode-languageserver';
import { AskRequest, type AskParams, type AskResult } from '../../protocol/protocol';
import type { InferenceEngine } from '../../engine/types';
import { resolveLanguage } from '../../shared/language';
import { ASK_CONTEXT_TOKENS, askPromptVersion, boundContextAsync, buildAskPrompt } from '../qa/prompts';
import type { ModelHost } from '../modelHost';
import { signalFromToken, toResponseError } from './cancellation';
import { msg, type Locale } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export const DEFAULT_ASK_MAX_TOKENS = 512;
const MAX_ASK_TOKENS = 4096;

export interface AskRun {
  signal?: AbortSignal;
  onText?: (text: string) => void;
}

/** The provider: plain data and a signal in, the answer out; no transport, testable with a fake engine. */
export async function answerQuestion(engine: InferenceEngine & { countTokens?(text: string): number | Promise<number> }, params: AskParams, run: AskRun): Promise<AskResult> {
  const question = params.question.trim();
  if (!question) throw new UserError(msg('questionEmpty'));
  const language = resolveLanguage(params.language, question);
  const maxTokens = Math.min(Math.max(1, Math.floor(params.maxTokens ?? DEFAULT_ASK_MAX_TOKENS)), MAX_ASK_TOKENS);
  const context = params.context ? await boundContextAsync(params.context, ASK_CONTEXT_TOKENS, engine.countTokens?.bind(engine)) : '';
  const result = await engine.generate(buildAskPrompt(question, language, context), {
    maxTokens,
    priority: 'interactive',
    signal: run.signal,
    onTextChunk: run.onText,
  });
  return {
    text: result.text,
    tokens: result.tokens,
    stopReason: result.stopReason === 'stopString' ? 'eos' : result.stopReason,
    language,
    promptId: askPromptVersion(language),
  };
}

export function registerAsk(connection: Connection, host: ModelHost, log: (message: string) => void, locale: () => Locale): Disposable {
  return connection.onRequest(AskRequest.type, async (params, token) => {
    const resultProgress = connection.languages.attachPartialResultProgress(AskRequest.partialResult, params);
    const linked = signalFromToken(token);
    const started = Date.now();
    try {
      const engine = await host.getEngine();
      // Lengths and timings only: note text never reaches the log at the default level.
      const result = await answerQuestion(engine, params, { signal: linked.signal, onText: (text) => resultProgress?.report({ text }) });
      log(`ask: ${params.question.length} chars in, ${result.tokens} tokens out, ${result.stopReason}, ${Date.now() - started} ms`);
      return result;
    } catch (error) {
      throw toResponseError(error, locale());
    } finally {
      linked.dispose();
    }
  });
}
