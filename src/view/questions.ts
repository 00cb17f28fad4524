// The panel's question table (rows, search and filters, categories) and one question's drill-down.
import { choiceLetters, DASH } from './format';
import type { AnswerRecord, BenchQuestionDetail } from '../protocol/benchProtocol';
import type { QuestionFilters } from '../protocol/webviewMessages';

export interface QuestionRow {
  id: string;
  block?: string;
  category?: string;
  gold: string;
  predicted: string;
  correct: boolean;
  multiAnswer: boolean;
  points: number;
  kinkiPicked: string;
  /** Examinees who answered correctly (0-1). */
  humanAccuracy?: number;
  /** Probability of the model's top choice (letter and likelihood modes). */
  confidence?: number;
  answerLine?: string;
  error?: string;
  /** Lower-cased, NFKC-normalised text the search box matches. */
  searchText: string;
}

function normaliseForSearch(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

export function questionRows(answers: readonly AnswerRecord[]): QuestionRow[] {
  return answers.map((record) => {
    const gold = choiceLetters(record.gold);
    const predicted = choiceLetters(record.predicted);
    const confidence = record.choiceProbs && record.choiceProbs.length > 0 ? Math.max(...record.choiceProbs) : undefined;
    const answerLine = record.answerLine ?? undefined;
    return {
      id: record.id,
      ...(record.block !== undefined ? { block: record.block } : {}),
      ...(record.category !== undefined ? { category: record.category } : {}),
      gold,
      predicted,
      correct: record.correct,
      multiAnswer: record.gold.length > 1,
      points: record.points,
      kinkiPicked: record.kinkiPicked.length > 0 ? choiceLetters(record.kinkiPicked) : '',
      ...(record.humanAccuracy !== undefined ? { humanAccuracy: record.humanAccuracy / 100 } : {}),
      ...(confidence !== undefined ? { confidence } : {}),
      ...(answerLine !== undefined ? { answerLine } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      searchText: normaliseForSearch([record.id, record.block, record.category, gold, predicted, answerLine, record.error].filter(Boolean).join(' ')),
    };
  });
}

export function filterQuestionRows(rows: readonly QuestionRow[], filters: QuestionFilters): QuestionRow[] {
  const terms = normaliseForSearch(filters.search).split(/\s+/).filter(Boolean);
  return rows.filter(
    (row) =>
      (!filters.wrongOnly || !row.correct) &&
      (filters.category === '' || (row.category ?? '') === filters.category) &&
      (filters.answers === 'any' || (filters.answers === 'multi') === row.multiAnswer) &&
      terms.every((term) => row.searchText.includes(term)),
  );
}

/** Categories for the filter, sorted. */
export function categoriesOf(rows: readonly QuestionRow[]): string[] {
  return [...new Set(rows.map((row) => row.category).filter((category): category is string => category !== undefined))].sort();
}

// ---- drill-down ---------------------------------------------------------------------------

export interface ChoiceView {
  letter: string;
  text: string;
  gold: boolean;
  predicted: boolean;
  kinki: boolean;
  probability?: number;
  gestalt?: number;
  /** Examinees choosing it (0-1). */
  examinees?: number;
}

export interface QuestionDetailView {
  id: string;
  stem: string;
  prompt: string;
  choices: ChoiceView[];
  gold: string;
  predicted: string;
  correct?: boolean;
  output?: string;
  answerLine?: string;
  error?: string;
  humanAccuracy?: number;
}

export function questionDetailView(detail: BenchQuestionDetail): QuestionDetailView {
  const record = detail.record;
  const gold = record?.gold ?? [];
  return {
    id: detail.id,
    stem: detail.stem,
    prompt: detail.prompt,
    choices: detail.choices.map((text, index) => {
      const probability = record?.choiceProbs?.[index];
      const gestalt = record?.gestaltScores?.[index];
      const examinees = detail.choiceBreakdown?.[index];
      return {
        letter: choiceLetters([index]),
        text,
        gold: gold.includes(index),
        predicted: record?.predicted.includes(index) ?? false,
        kinki: record?.kinki.includes(index) ?? false,
        ...(probability !== undefined ? { probability } : {}),
        ...(gestalt !== undefined ? { gestalt } : {}),
        ...(examinees !== undefined ? { examinees: examinees / 100 } : {}),
      };
    }),
    gold: choiceLetters(gold),
    predicted: record ? choiceLetters(record.predicted) : DASH,
    ...(record ? { correct: record.correct } : {}),
    ...(record?.response !== undefined ? { output: record.response } : {}),
    ...(record?.answerLine !== undefined ? { answerLine: record.answerLine } : {}),
    ...(record?.error !== undefined ? { error: record.error } : {}),
    ...(record?.humanAccuracy !== undefined ? { humanAccuracy: record.humanAccuracy / 100 } : {}),
  };
}
