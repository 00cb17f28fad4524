// medlocal/scoreChoices: the log-probabilities of candidate next tokens after a prompt, the
// primitive the benchmark's `letter` mode builds on.
import type { Connection, Disposable } from 'vscode-languageserver';
import { logProbToProbability, ScoreChoicesRequest, type ScoreChoicesParams, type ScoreChoicesResult } from '../../protocol/protocol';
import type { InferenceEngine, Priority } from '../../engine/types';
import type { ModelHost } from '../modelHost';
import { signalFromToken, toResponseError } from './cancellation';
import { msg, type Locale } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export async function scoreChoices(engine: InferenceEngine, params: ScoreChoicesParams, signal?: AbortSignal, priority: Priority = 'interactive'): Promise<ScoreChoicesResult> {
  if (!params.prompt) throw new UserError(msg('scoreChoicesNoPrompt'));
  if (!Array.isArray(params.candidates) || params.candidates.length === 0) throw new UserError(msg('scoreChoicesNoCandidates'));
  const scores = await engine.scoreNextTokens(params.prompt, params.candidates, { signal, priority });
  return { scores: scores.map((s) => ({ candidate: s.candidate, logProb: s.logProb, probability: logProbToProbability(s.logProb) })) };
}

export function registerScoreChoices(connection: Connection, host: ModelHost, locale: () => Locale): Disposable {
  return connection.onRequest(ScoreChoicesRequest.type, async (params, token) => {
    const linked = signalFromToken(token);
    try {
      return await scoreChoices(await host.getEngine(), params, linked.signal);
    } catch (error) {
      throw toResponseError(error, locale());
    } finally {
      linked.dispose();
    }
  });
}
