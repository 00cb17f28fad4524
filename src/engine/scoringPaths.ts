// How log-probabilities of chosen next tokens come out of one controlledEvaluate pass, on each
// node-llama-cpp version MedLocal ships:
//   logits-filter  3.22+: only the wanted tokens' raw logits, plus the maximum logit and
//                  totalLogitWeight = Σ exp(logit − max) over the whole vocabulary (computed natively).
//                  The maximum comes in as the greedily sampled token's logit (includeSelected, at
//                  temperature 0 the argmax: found by one pass over the logits). includeTop: 1 gave
//                  the same value but made the addon sort the whole vocabulary at every scored
//                  position: 13 ms each with a 151,936-token vocabulary on 2 vCPUs, more than the
//                  decode of a short continuation (includeMax is no help: 3.22.1 adds the maximum
//                  only when it is already in the list).
//   probabilities  3.21.1 (the last version with Windows and macOS binaries): the whole vocabulary's
//                  probabilities as a Map. With temperature 0 the addon's sampler chain is greedy
//                  only (no top-k/top-p/min-p/temperature stage, no penalties unless asked for), so
//                  the Map is the plain softmax of the raw logits. The native side sorts the full
//                  candidate array and the JS side builds a Map of every token: costly for a large
//                  vocabulary (perf/engine-versions.mjs measures it).
// The request and result shapes are declared here, not taken from node-llama-cpp's types, so this
// file type-checks against both versions' declarations.
import type { Token } from 'node-llama-cpp';
import type { ScoringPath } from './modelInfo';

export type { EngineRuntime, ScoringPath } from './modelInfo';

/** The first node-llama-cpp release with controlledEvaluate's logits filter and totalLogitWeight. */
const LOGITS_FILTER_SINCE: readonly [number, number] = [3, 22];

/** The path a node-llama-cpp version supports: by version, since 3.21.1 silently ignores the logits request. */
export function scoringPathFor(version: string): ScoringPath {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const [wantMajor, wantMinor] = LOGITS_FILTER_SINCE;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor) ? 'logits-filter' : 'probabilities';
}

/** What a controlledEvaluate input position asks for under each path. */
export interface NextTokenRequest {
  generateNext: {
    logits?: { filter: { tokens: Token[]; includeSelected: boolean } };
    totalLogitWeight?: boolean;
    probabilities?: boolean;
    options?: { temperature: number };
  };
}

/** What a position returns (the fields either version may fill). */
export interface NextTokenResult {
  logits?: ReadonlyMap<Token, number>;
  totalLogitWeight?: number;
  probabilities?: ReadonlyMap<Token, number>;
}

export function nextTokenRequest(path: ScoringPath, wanted: Token[]): NextTokenRequest {
  return path === 'logits-filter'
    ? { generateNext: { logits: { filter: { tokens: wanted, includeSelected: true } }, totalLogitWeight: true, options: { temperature: 0 } } }
    : { generateNext: { probabilities: true, options: { temperature: 0 } } };
}

/** log P(token) for each wanted token, or undefined when the result lacks what the path needs. */
export function logProbsFromResult(path: ScoringPath, next: NextTokenResult | undefined, wanted: readonly Token[]): Map<Token, number> | undefined {
  if (path === 'logits-filter') {
    if (!next?.logits || next.totalLogitWeight === undefined) return undefined;
    return logProbsFromLogits(next.logits, next.totalLogitWeight, wanted);
  }
  if (!next?.probabilities) return undefined;
  return logProbsFromProbabilities(next.probabilities, wanted);
}

/** logP(t) = logit(t) − maxLogit − ln(Σ exp(logit − maxLogit)): a softmax over the whole vocabulary. */
export function logProbsFromLogits(logits: ReadonlyMap<Token, number>, totalLogitWeight: number, wanted: readonly Token[]): Map<Token, number> {
  let maxLogit = -Infinity;
  for (const value of logits.values()) maxLogit = Math.max(maxLogit, value);
  const logTotal = Math.log(totalLogitWeight);
  const result = new Map<Token, number>();
  for (const token of wanted) {
    const logit = logits.get(token);
    result.set(token, logit === undefined ? -Infinity : logit - maxLogit - logTotal);
  }
  return result;
}

/** logP(t) = ln p(t) from the full-vocabulary map; a token the map lacks (or whose p underflowed to 0) is −∞. */
export function logProbsFromProbabilities(probabilities: ReadonlyMap<Token, number>, wanted: readonly Token[]): Map<Token, number> {
  const result = new Map<Token, number>();
  for (const token of wanted) {
    const p = probabilities.get(token);
    result.set(token, p === undefined || p <= 0 ? -Infinity : Math.log(p));
  }
  return result;
}
