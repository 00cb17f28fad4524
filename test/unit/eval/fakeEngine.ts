// A deterministic InferenceEngine for benchmark tests: it finds which question a prompt asks
// (by its stem), "answers" with the choices a policy picks, and counts every call.

import type {
  CandidateScore,
  ContinuationScore,
  GenerateOptions,
  GenerateResult,
  InferenceEngine,
  Prompt,
  RequestOptions,
} from '../../../src/engine/types';
import { indexOfLetter, type Question } from '../../../src/eval/question';

export interface FakeEngineOptions {
  /** Choices the model "believes"; default: the gold answers of every other question. */
  pick?: (question: Question) => number[];
  /** Called with the running call count before answering (e.g. to abort at call N). */
  onCall?: (calls: number, question: Question) => void;
  /** Questions the engine fails on (throws a plain error). */
  failIds?: ReadonlySet<string>;
  /** Makes generate() answer with letters ("d,e") instead of choice text. */
  answerWithLetters?: boolean;
  /**
   * Letter scoring: `pick` names choice TEXTS (the dataset's indices) and the engine finds the
   * letters the prompt shows them under, so shuffled choices do not move its answer. Without it,
   * `pick` names shown positions (letters) — a position-biased model when it picks fixed ones.
   */
  faithfulToText?: boolean;
}

function promptText(prompt: Prompt): string {
  return typeof prompt === 'string' ? prompt : `${prompt.system ?? ''}\n${prompt.user}\n${prompt.assistantPrefix ?? ''}`;
}

function abortError(): Error {
  const error = new Error('aborted');
  error.name = 'AbortError';
  return error;
}

/** Alternates right and wrong by position, so summaries are predictable. */
export function alternatingPick(questions: readonly Question[]): (question: Question) => number[] {
  const position = new Map(questions.map((question, index) => [question.id, index]));
  return (question) => {
    if ((position.get(question.id) ?? 0) % 2 === 0) return question.answers;
    // A wrong answer of the right size: shift every gold index by one.
    return question.answers.map((index) => (index + 1) % question.choices.length);
  };
}

export class FakeEngine implements InferenceEngine {
  calls = 0;
  readonly askedIds: string[] = [];
  private readonly pick: (question: Question) => number[];

  constructor(
    private readonly questions: readonly Question[],
    private readonly options: FakeEngineOptions = {},
  ) {
    this.pick = options.pick ?? alternatingPick(questions);
  }

  /** The question whose stem ends last in the prompt (few-shot examples come first). */
  private questionOf(prompt: Prompt): Question {
    const text = promptText(prompt);
    let best: { question: Question; at: number } | undefined;
    for (const question of this.questions) {
      const at = text.lastIndexOf(question.stem);
      // The stem that ends last, the longest one on a tie: a short stem can sit inside another question's text.
      const end = at + question.stem.length;
      if (at !== -1 && (best === undefined || end > best.at || (end === best.at && question.stem.length > best.question.stem.length))) best = { question, at: end };
    }
    if (!best) throw new Error('fake engine: prompt matches no known question');
    return best.question;
  }

  /** Where the prompt shows each choice of `question`: the dataset indices in shown order. */
  private shownOrder(prompt: Prompt, question: Question): number[] {
    const text = promptText(prompt);
    const from = text.lastIndexOf(question.stem) + question.stem.length;
    // A whole labelled line first: one choice can be part of another (ビタミンB1, ビタミンB12; 措置入院, 緊急措置入院).
    const at = question.choices.map((choice) => {
      for (const form of [`: ${choice}\n`, `\n${choice}\n`, `${choice}\n`]) {
        const found = text.indexOf(form, from);
        if (found !== -1) return found;
      }
      return text.indexOf(choice, from);
    });
    if (at.includes(-1)) throw new Error(`fake engine: a choice of ${question.id} is not in the prompt`);
    return question.choices.map((_, index) => index).sort((left, right) => (at[left] ?? 0) - (at[right] ?? 0));
  }

  private async begin(prompt: Prompt, options?: RequestOptions): Promise<{ question: Question; picked: number[] }> {
    this.calls += 1;
    const question = this.questionOf(prompt);
    this.askedIds.push(question.id);
    this.options.onCall?.(this.calls, question);
    await new Promise((resolve) => setImmediate(resolve));
    if (options?.signal?.aborted) throw abortError();
    if (this.options.failIds?.has(question.id)) throw new Error(`fake failure on ${question.id}`);
    return { question, picked: this.pick(question) };
  }

  async scoreNextTokens(prompt: Prompt, candidates: string[], options?: RequestOptions): Promise<CandidateScore[]> {
    const begun = await this.begin(prompt, options);
    const order = this.options.faithfulToText ? this.shownOrder(prompt, begun.question) : undefined;
    const picked = order ? begun.picked.map((index) => order.indexOf(index)) : begun.picked;
    return candidates.map((candidate) => {
      const index = indexOfLetter(candidate.trim());
      const spaced = candidate.startsWith(' ');
      // Picked letters get most mass, split over their forms; the plain lower-case form the most.
      const base = index !== undefined && picked.includes(index) ? Math.log(0.2) : Math.log(0.01);
      return { candidate, logProb: base + (spaced ? Math.log(0.5) : 0) };
    });
  }

  async scoreContinuations(prompt: Prompt, continuations: string[], options?: RequestOptions): Promise<ContinuationScore[]> {
    const { question, picked } = await this.begin(prompt, options);
    return continuations.map((continuation) => {
      const index = question.choices.findIndex((choice) => continuation.trim() === choice);
      const tokens = Math.max(1, Math.ceil(continuation.length / 3));
      return { continuation, logProb: picked.includes(index) ? -2 : -8 - tokens, tokens };
    });
  }

  async generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult> {
    const { question, picked } = await this.begin(prompt, options);
    const answer = this.options.answerWithLetters
      ? picked.map((index) => 'abcdefgh'[index]).join(',')
      : picked.map((index) => question.choices[index]).join(',');
    return { text: `${answer}\nThe reasoning would follow here.`, tokens: 12, stopReason: 'eos' };
  }
}
