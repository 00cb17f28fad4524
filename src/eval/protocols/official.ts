// The igakuqa-official protocol: IgakuQA's own evaluation script (scripts/evaluate_main.py,
// jungokasai/IgakuQA) rule for rule, plus what the exam itself adds (required/general points,
// 禁忌肢 picks, pass or fail against the year's criteria).
//
// Per question: the prediction string is split on "," (no trimming), sorted, and must equal the
// sorted gold list from the question file, all or nothing. 116A71 is right for any prediction;
// 112B30 is right for a prediction of exactly `a` or exactly `d`. A "0"-point question counts in
// accuracy but adds no points. Every question of a block counts: image questions (as their text)
// and calculation questions (gold a string such as "26").

import { indexOfLetter, normaliseIndexSet } from '../question';
import type { AnswerRecord } from '../records';
import { EXAM_CRITERIA, examOf, isRequiredQuestion, type ExamCriteria } from './examCriteria';

export const OFFICIAL_ALWAYS_CORRECT = '116A71';
export const OFFICIAL_A_OR_D = '112B30';

/** Python's sorted() on str: by code point (JavaScript's default sort compares UTF-16 units). */
export function sortByCodePoint(values: readonly string[]): string[] {
  const key = (text: string): number[] => Array.from(text, (character) => character.codePointAt(0) ?? 0);
  return [...values].sort((left, right) => {
    const a = key(left);
    const b = key(right);
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
    return a.length - b.length;
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** The official verdict of one prediction string against the question file's gold list. */
export function officialVerdict(id: string, prediction: string, gold: readonly string[]): boolean {
  const predicted = sortByCodePoint(prediction.split(','));
  if (id === OFFICIAL_ALWAYS_CORRECT) return true;
  if (id === OFFICIAL_A_OR_D && (sameList(predicted, ['a']) || sameList(predicted, ['d']))) return true;
  return sameList(predicted, sortByCodePoint(gold));
}

/** Letters or likelihood picks → the string the official script reads: "a,c". */
export function predictionFromIndices(indices: readonly number[]): string {
  return normaliseIndexSet(indices).map((index) => String.fromCharCode(97 + index)).join(',');
}

/**
 * The choices a prediction string names, for 禁忌肢 counting and drill-down only (the verdict is
 * officialVerdict's): each comma-separated part that is one letter of a choice.
 */
export function indicesOfPrediction(prediction: string, choiceCount: number): number[] {
  const indices: number[] = [];
  for (const part of prediction.split(',')) {
    const index = indexOfLetter(part);
    if (index !== undefined && index < choiceCount) indices.push(index);
  }
  return normaliseIndexSet(indices);
}

// ---- the exam's report ------------------------------------------------------------------------

export interface PointsPair {
  score: number;
  total: number;
}

export interface ExamReport {
  exam: number;
  questions: number;
  correct: number;
  points: PointsPair;
  /** 必修: blocks B and E. */
  required: PointsPair;
  /** 一般・臨床: the other blocks. */
  general: PointsPair;
  /** 禁忌肢問題選択数: questions where a 禁忌肢 was picked. */
  kinkiPicked: number;
  /** null when the year's criteria are unknown. */
  pass: boolean | null;
  /** "pass", "fail (required 150 < 160)", "criteria unknown". */
  verdict: string;
  criteria?: ExamCriteria;
}

export interface OfficialSummary {
  /** One entry per exam (year) in the run. */
  byExam: Record<string, ExamReport>;
  /** Questions scored with an empty prediction (no answer, a calculation question without generate...). */
  emptyPredictions: number;
  emptyPredictionIds: string[];
}

function examReport(exam: number, records: readonly AnswerRecord[]): ExamReport {
  const add = (pair: PointsPair, record: AnswerRecord): void => {
    pair.total += record.points;
    if (record.correct) pair.score += record.points;
  };
  const report: ExamReport = {
    exam,
    questions: records.length,
    correct: records.filter((record) => record.correct).length,
    points: { score: 0, total: 0 },
    required: { score: 0, total: 0 },
    general: { score: 0, total: 0 },
    kinkiPicked: records.filter((record) => record.kinkiPicked.length > 0).length,
    pass: null,
    verdict: 'criteria unknown',
  };
  for (const record of records) {
    add(report.points, record);
    add(isRequiredQuestion(record.id, record.block) ? report.required : report.general, record);
  }
  const criteria = EXAM_CRITERIA[exam];
  if (!criteria) return report;
  const failures = [
    ...(report.required.score < criteria.required.threshold ? [`required ${report.required.score} < ${criteria.required.threshold}`] : []),
    ...(report.general.score < criteria.general.threshold ? [`general ${report.general.score} < ${criteria.general.threshold}`] : []),
    ...(report.kinkiPicked > criteria.maxKinki ? [`${report.kinkiPicked} 禁忌肢 picks > ${criteria.maxKinki}`] : []),
  ];
  return { ...report, criteria, pass: failures.length === 0, verdict: failures.length === 0 ? 'pass' : `fail (${failures.join('; ')})` };
}

export function summariseOfficial(records: readonly AnswerRecord[]): OfficialSummary {
  const byExam = new Map<number, AnswerRecord[]>();
  for (const record of records) {
    const exam = examOf(record.id) ?? 0;
    const group = byExam.get(exam);
    if (group) group.push(record);
    else byExam.set(exam, [record]);
  }
  const empty = records.filter((record) => (record.prediction ?? '') === '');
  return {
    byExam: Object.fromEntries([...byExam.keys()].sort().map((exam) => [String(exam), examReport(exam, byExam.get(exam) ?? [])])),
    emptyPredictions: empty.length,
    emptyPredictionIds: empty.map((record) => record.id),
  };
}
