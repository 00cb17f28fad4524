// The engine seen from features (hover, ask, benchmark): plain data in, plain data out.
// Everything here is independent of node-llama-cpp, so providers and the benchmark runner can be
// tested with a fake engine.

/** Interactive work (ask, hover, completion) always runs before background (benchmark) work. */
export type Priority = 'interactive' | 'background';

/** A prompt is raw text, or chat messages rendered with the model's own chat template. */
export type Prompt = string | ChatPrompt;

export interface ChatPrompt {
  system?: string;
  user: string;
  /** Text the assistant's turn starts with (e.g. "答え:"), kept after the template's header. */
  assistantPrefix?: string;
}

export interface RequestOptions {
  priority?: Priority;
  signal?: AbortSignal;
}

export interface GenerateOptions extends RequestOptions {
  maxTokens: number;
  /** 0 (default) is greedy decoding. */
  temperature?: number;
  /** Called with each piece of decoded text as it is produced. */
  onTextChunk?: (text: string) => void;
  /** Generation stops once any of these appears; it is not part of the returned text. */
  stopStrings?: string[];
}

export type StopReason = 'eos' | 'maxTokens' | 'cancelled' | 'stopString';

export interface GenerateResult {
  text: string;
  /** Number of tokens generated. */
  tokens: number;
  stopReason: StopReason;
}

export interface CandidateScore {
  candidate: string;
  /** Natural-log probability of the candidate as the next token (best of its tokenizations). */
  logProb: number;
}

export interface ContinuationScore {
  continuation: string;
  /** Sum of the natural-log probabilities of the continuation's tokens after the prompt. */
  logProb: number;
  tokens: number;
}

export interface InferenceEngine {
  /** Log-probabilities of each candidate as the next token after the prompt, in one forward pass. */
  scoreNextTokens(prompt: Prompt, candidates: string[], options?: RequestOptions): Promise<CandidateScore[]>;
  /** Log-likelihood of each continuation's text after the prompt (JMedBench-style scoring). */
  scoreContinuations(prompt: Prompt, continuations: string[], options?: RequestOptions): Promise<ContinuationScore[]>;
  /** Streams a completion of the prompt. */
  generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult>;
}
