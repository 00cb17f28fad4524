// Child process: MedLocal's LlamaEngine on a given node-llama-cpp module (the installed 3.22.1, or
// 3.21.1 through the dev alias node-llama-cpp-3.21), answering the built-in sample questions with
// letter and likelihood scoring. Prints one JSON object: the engine's runtime facts, the
// predictions, and every scoring call with its exact prompt and target tokens, so that a separate
// process can recompute each log-probability from the raw logits (helpers/rawLogProbs.mjs).
// Usage: node --import tsx scoringProbe.ts MODULE MODEL
import { LlamaEngine } from '../../../../src/engine/llamaEngine';
import type { NodeLlamaCpp } from '../../../../src/engine/nodeLlamaCpp';
import type { CandidateScore, ContinuationScore, InferenceEngine, Prompt } from '../../../../src/engine/types';
import { getPromptFormat } from '../../../../src/eval/formats';
import { loadSampleSet } from '../../../../src/eval/sample';
import { answerQuestion } from '../../../../src/eval/scoring';

interface Call {
  kind: 'next' | 'continuation';
  promptTokens: number[];
  /** Token sequence of each candidate or continuation. */
  targets: number[][];
  logProbs: number[];
  /** Tokens the engine put through the model for this call. */
  evaluated: number;
  /** Positions whose next-token distribution it read (sample jobs). */
  scored: number;
}

/**
 * Continuations that share leading tokens, repeat, are empty or one token long (the trie and the
 * shared first-token pass in LlamaEngine.continuationLogProbs); scored first, on a fresh sequence.
 */
const SHARED_PROMPT = '質問：急性の胸痛で来院した患者の診断として最も考えられるのはどれか。\n答え：';
const SHARED_CONTINUATIONS = [' 急性心筋梗塞', ' 急性膵炎', ' 急性', '', ' 慢性心不全', ' 急性心筋梗塞', ' 急性心筋炎', ' a'];
const MIXED_CANDIDATES = ['a', 'b', ' 急性心筋梗塞', 'c', ' 急性膵炎'];

/** The engine's private tokenizer-side helpers, read for the record (TypeScript privacy only). */
interface EngineInternals {
  renderPrompt(prompt: Prompt): number[];
  tokensEvaluated: number;
  positionsScored: number;
  model: { tokenize(text: string, special: boolean): number[] };
}

async function main(): Promise<void> {
  const [moduleName = 'node-llama-cpp', modelPath = ''] = process.argv.slice(2);
  const nodeLlamaCpp = (await import(moduleName)) as NodeLlamaCpp;
  const logs: string[] = [];
  const engine = await LlamaEngine.load({
    settings: { path: modelPath, gpu: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 1, loraAdapters: [] },
    cores: 1,
    sequences: 1,
    nodeLlamaCpp,
    log: (line) => logs.push(line),
  });
  const internals = engine as unknown as EngineInternals;
  const calls: Call[] = [];
  const recording: InferenceEngine = {
    async scoreNextTokens(prompt, candidates, options): Promise<CandidateScore[]> {
      const [before, scoredBefore] = [internals.tokensEvaluated, internals.positionsScored];
      const result = await engine.scoreNextTokens(prompt, candidates, options);
      calls.push({
        evaluated: internals.tokensEvaluated - before,
        scored: internals.positionsScored - scoredBefore,
        kind: 'next',
        promptTokens: internals.renderPrompt(prompt),
        targets: candidates.map((c) => internals.model.tokenize(c, false)),
        logProbs: result.map((r) => r.logProb),
      });
      return result;
    },
    async scoreContinuations(prompt, continuations, options): Promise<ContinuationScore[]> {
      const [before, scoredBefore] = [internals.tokensEvaluated, internals.positionsScored];
      const result = await engine.scoreContinuations(prompt, continuations, options);
      calls.push({
        evaluated: internals.tokensEvaluated - before,
        scored: internals.positionsScored - scoredBefore,
        kind: 'continuation',
        promptTokens: internals.renderPrompt(prompt),
        targets: continuations.map((c) => internals.model.tokenize(c, false)),
        logProbs: result.map((r) => r.logProb),
      });
      return result;
    },
    generate: (prompt, options) => engine.generate(prompt, options),
  };
  // calls[0] and calls[1]: on a fresh sequence, so the prompt is evaluated in full exactly once.
  await recording.scoreContinuations(SHARED_PROMPT, SHARED_CONTINUATIONS);
  await recording.scoreNextTokens(SHARED_PROMPT, MIXED_CANDIDATES);
  const { questions } = loadSampleSet('ja');
  const predictions: Record<string, number[][]> = { letter: [], likelihood: [] };
  for (const question of questions) {
    predictions.letter?.push((await answerQuestion(recording, question, getPromptFormat('igakuqa'), { mode: 'letter' })).predicted);
    predictions.likelihood?.push((await answerQuestion(recording, question, getPromptFormat('jmedbench_mcqa'), { mode: 'likelihood' })).predicted);
  }
  console.log(JSON.stringify({ runtime: engine.info.runtime, logs, predictions, calls }));
  await engine.dispose();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
