// medlocal/scoreChoices: the log-probabilities of candidate next tokens after a prompt, the
// primitive the benchmark's `letter` mode builds on.
import type { Connection, Disposable } from 'vscode-languageserver';
import { logProbToProbability, ScoreChoicesRequest, type ScoreChoicesParams, type ScoreChoicesResult } from '../../protocol/protocol';
import type { InferenceEngine, Priority } from '../../engine/types';
import type { ModelHost } from '../modelHost';
import { signalFromToken, toResponseError } from './cancellation';

export async function scoreChoices(engine: InferenceEngine, params: ScoreChoicesParams, signal?: AbortSignal, priority: Priority = 'interactive'): Promise<ScoreChoicesResult> {
  if (!params.prompt) throw new Error('scoreChoices needs a non-empty prompt.');
  if (!Array.isArray(params.candidates) || params.candidates.length === 0) throw new Error('scoreChoices needs at least one candidate.');
  const scores = await engine.scoreNextTokens(params.prompt, params.candidates, { signal, priority });
  return { scores: scores.map((s) => ({ candidate: s.candidate, logProb: s.logProb, probability: logProbToProbability(s.logProb) })) };
}

export function registerScoreChoices(connection: Connection, host: ModelHost): Disposable {
  return connection.onRequest(ScoreChoicesRequest.type, async (params, token) => {
    const linked = signalFromToken(token);
    try {
      return await scoreChoices(await host.getEngine(), params, linked.signal);
    } catch (error) {
      throw toResponseError(error);
    } finally {
      linked.dispose();
    }
  });
}
