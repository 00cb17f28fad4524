// The harness protocol: japanese-lm-med-harness (eval_bench.py) rule for rule, quirks included.
//
// Question set: IgakuQA questions with text_only and exactly 5 choices, then those whose question
// text is longer than 1,024 characters (ja) or 2,048 (en) are left out entirely (not in the
// denominator). Gold: the choice texts of the answer letters joined by ",".
// Response: the text after the first "### 応答：\n", else "### Answer:", else "### Response:" (up
// to the next copy of that marker), else the whole output; stripped, first line, stripped.
// Scoring, per record, in the harness's order:
//   1. gold parts = the raw gold text split on ","; k = their number;
//   2. "." removed from gold text and response, both stripped;
//   3. exact match: the two equal;
//   4. gestalt: each choice's mean difflib ratio with the cleaned response, both directions; k
//      picks, greedily, the first highest each time (removing the pick by its text); the sorted
//      picked texts must equal the sorted raw gold parts.
// Quirks kept on purpose (each is reported): a gold choice text holding "," makes k too large and
// the question unwinnable; k above the number of choices raises after exact match was counted;
// a record whose response is not text raises before anything is counted (wrong for both); "."
// is removed from the response but not from the gold parts that gestalt compares with.

import { gestaltScore } from '../difflib';
import type { Language, Question, SkipReason } from '../question';
import { sortByCodePoint } from './official';

export const HARNESS_MAX_QUESTION_CHARS: Readonly<Record<Language, number>> = { ja: 1024, en: 2048 };
const RESPONSE_MARKERS = ['### 応答：\n', '### Answer:', '### Response:'] as const;

/** Why the harness leaves a question out: catalogue keys, counted like the loaders' skip reasons. */
export const HARNESS_SKIP = {
  notTextOnly: 'skipHarnessImage',
  notFiveChoices: 'skipHarnessNotFive',
  tooLong: { ja: 'skipHarnessTooLongJa', en: 'skipHarnessTooLongEn' },
} as const;

/** Why the harness leaves a question out, or undefined when it keeps it. */
export function harnessLeavesOut(question: Pick<Question, 'stem' | 'choices' | 'language'> & { textOnly?: boolean }): SkipReason | undefined {
  if (question.textOnly === false) return HARNESS_SKIP.notTextOnly;
  if (question.choices.length !== 5) return HARNESS_SKIP.notFiveChoices;
  const limit = HARNESS_MAX_QUESTION_CHARS[question.language];
  // Python's len(): code points, not UTF-16 units.
  return Array.from(question.stem).length > limit ? HARNESS_SKIP.tooLong[question.language] : undefined;
}

export function harnessGoldText(question: Pick<Question, 'choices' | 'answers'>): string {
  return question.answers.map((index) => question.choices[index] ?? '').join(',');
}

/** The `response` field the harness writes, from the model's whole output. */
export function harnessResponse(fullResponse: string): string {
  const marker = RESPONSE_MARKERS.find((candidate) => fullResponse.includes(candidate));
  const after = marker === undefined ? fullResponse : fullResponse.split(marker)[1] ?? '';
  return (after.trim().split('\n')[0] ?? '').trim();
}

export interface HarnessVerdict {
  exact: boolean;
  gestalt: boolean;
  /** Gestalt score per choice (absent when the record raised first). */
  scores?: number[];
  /** Picked choice indices, in pick order. */
  picked: number[];
  /** The record raised in the harness (counted in the denominator). */
  raised?: string;
  quirks: string[];
}

export function harnessScore(goldText: string, response: unknown, choices: readonly string[]): HarnessVerdict {
  if (typeof response !== 'string') {
    return { exact: false, gestalt: false, picked: [], raised: 'response is not text', quirks: ['raised: response is not text (wrong for both)'] };
  }
  const goldParts = goldText.split(',');
  const k = goldParts.length;
  const cleanGold = goldText.replaceAll('.', '').trim();
  const cleanResponse = response.replaceAll('.', '').trim();
  const exact = cleanGold === cleanResponse;
  const scores = choices.map((choice) => gestaltScore(choice, cleanResponse));
  const quirks: string[] = [];
  if (goldParts.some((part) => !choices.includes(part))) quirks.push('gold text part is no choice text (a choice holding "," splits it, or "." differs): gestalt cannot match');
  if (k > choices.length) {
    quirks.push(`raised: ${k} gold parts but ${choices.length} choices (exact match still counted)`);
    return { exact, gestalt: false, scores, picked: [], raised: 'more gold parts than choices', quirks };
  }
  const remainingTexts = [...choices];
  const remainingScores = [...scores];
  const remainingIndices = choices.map((_, index) => index);
  const pickedTexts: string[] = [];
  const picked: number[] = [];
  for (let n = 0; n < k; n++) {
    let best = 0;
    for (let i = 1; i < remainingScores.length; i++) if ((remainingScores[i] ?? 0) > (remainingScores[best] ?? 0)) best = i;
    const text = remainingTexts[best] ?? '';
    picked.push(remainingIndices[best] ?? -1);
    pickedTexts.push(text);
    // list.remove(text) drops the first equal text, which may not be the picked position.
    const removeAt = remainingTexts.indexOf(text);
    remainingTexts.splice(removeAt, 1);
    remainingIndices.splice(removeAt, 1);
    remainingScores.splice(best, 1);
  }
  const sortedPicks = sortByCodePoint(pickedTexts);
  const sortedGold = sortByCodePoint(goldParts);
  const gestalt = sortedPicks.length === sortedGold.length && sortedPicks.every((text, index) => text === sortedGold[index]);
  return { exact, gestalt, scores, picked, quirks };
}
