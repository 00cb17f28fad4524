// Evaluation protocols: each a documented bundle of question set + answer parsing + metrics.
//
//   medlocal          MedLocal's own (the default, unchanged): text-only questions with choices,
//                     lenient answer parsing (letters in any case or width, "a, c"), IgakuQA's
//                     all-or-nothing verdict on the parsed set. Not comparable with published numbers.
//   igakuqa-official  IgakuQA's evaluation script (official.ts): every question of each block,
//                     the prediction string compared as the script does; reproduces the IgakuQA
//                     paper's per-year figures.
//   harness           japanese-lm-med-harness (harness.ts): its question filter, response
//                     extraction, exact and gestalt match with its quirks; reproduces its leaderboard.

import type { LoadResult, Question } from '../question';
import { countSkip, normaliseIndexSet } from '../question';
import type { AnswerRecord, ProtocolId } from '../records';
import { harnessGoldText, harnessLeavesOut, harnessResponse, harnessScore } from './harness';
import { indicesOfPrediction, officialVerdict, predictionFromIndices } from './official';
import { questionFacts } from '../scoring';

export { DEFAULT_PROTOCOL, PROTOCOL_IDS, type ProtocolId } from '../records';

export const PROTOCOL_DESCRIPTIONS: Readonly<Record<ProtocolId, string>> = {
  medlocal: "MedLocal's own scoring (text-only questions with choices, lenient answer parsing); not comparable with published figures",
  'igakuqa-official': "IgakuQA's official evaluation script: every question, strict prediction string, points, required/general, 禁忌肢, pass/fail",
  harness: "japanese-lm-med-harness: its question filter, response extraction, exact and gestalt match (quirks included)",
};

/** Text stored in answer records (answers.jsonl): run files are English by design, like `quirks`. */
const RECORD_NOTE = {
  calculationNeedsGenerate: (mode: string) => `calculation question: ${mode} scoring picks choices and this question has none, so the prediction is empty (wrong); use --scoring generate`,
};

export function isProtocolId(value: unknown): value is ProtocolId {
  return value === 'medlocal' || value === 'igakuqa-official' || value === 'harness';
}

/** The harness's question set: what it leaves out is counted as skipped, with the reason. */
export function applyHarnessFilter(loaded: LoadResult): LoadResult {
  const kept: Question[] = [];
  const skipped = { ...loaded.skipped };
  const result: LoadResult = { ...loaded, questions: kept, skipped };
  for (const question of loaded.questions) {
    const igakuqa = question.officialGold !== undefined;
    const reason = igakuqa ? harnessLeavesOut(question) : harnessLeavesOut({ ...question, choices: ['', '', '', '', ''] });
    if (reason === undefined) kept.push(question);
    else countSkip(result, reason);
  }
  return result;
}

/**
 * A record for a question the engine cannot be asked under the protocol (a calculation question
 * under letter or likelihood scoring): an empty prediction, wrong, with a note. Undefined otherwise.
 */
export function unanswerableRecord(question: Question, mode: AnswerRecord['mode'], protocol: ProtocolId): AnswerRecord | undefined {
  if (protocol !== 'igakuqa-official' || question.choices.length > 0 || mode === 'generate') return undefined;
  const record: AnswerRecord = {
    ...questionFacts(question, mode),
    predicted: [],
    correct: false,
    kinkiPicked: [],
    elapsedMs: 0,
    note: RECORD_NOTE.calculationNeedsGenerate(mode),
  };
  return applyProtocol(record, question, protocol);
}

/** Re-scores a model's record under the protocol (medlocal: unchanged). */
export function applyProtocol(record: AnswerRecord, question: Question, protocol: ProtocolId): AnswerRecord {
  if (protocol === 'igakuqa-official') {
    const prediction = record.error !== undefined ? '' : record.mode === 'generate' ? (record.answerLine ?? '') : predictionFromIndices(record.predicted);
    return officialRecord({ ...record, prediction, officialGold: question.officialGold ?? record.gold.map((index) => String.fromCharCode(97 + index)) });
  }
  if (protocol === 'harness') {
    // The harness splits prompt + output (its prompt ends with the response header); the engine
    // returns the output alone, so the header is put back in front before the same extraction.
    const header = question.language === 'ja' ? '### 応答：\n' : '### Response:';
    const answerLine = record.error !== undefined ? undefined : harnessResponse(header + (record.response ?? ''));
    return harnessRecord({ ...record, ...(answerLine !== undefined ? { answerLine } : {}), goldText: harnessGoldText(question), choiceTexts: [...question.choices] });
  }
  return record;
}

/** Sets the official verdict, predicted choices and 禁忌肢 picks from `prediction` and `officialGold`. */
export function officialRecord(record: AnswerRecord): AnswerRecord {
  const prediction = record.prediction ?? '';
  const predicted = indicesOfPrediction(prediction, record.choiceCount);
  return {
    ...record,
    protocol: 'igakuqa-official',
    prediction,
    predicted,
    kinkiPicked: predicted.filter((index) => record.kinki.includes(index)),
    correct: record.error === undefined && officialVerdict(record.id, prediction, record.officialGold ?? []),
  };
}

/** Sets the harness verdicts (gestalt = correct, exact match) from `goldText`, `answerLine` and `choiceTexts`. */
export function harnessRecord(record: AnswerRecord): AnswerRecord {
  const verdict = harnessScore(record.goldText ?? '', record.error !== undefined ? undefined : record.answerLine, record.choiceTexts ?? []);
  const predicted = normaliseIndexSet(verdict.picked.filter((index) => index >= 0 && index < record.choiceCount));
  const updated: AnswerRecord = {
    ...record,
    protocol: 'harness',
    predicted,
    kinkiPicked: predicted.filter((index) => record.kinki.includes(index)),
    correct: verdict.gestalt,
    exactMatch: verdict.exact,
    ...(verdict.scores ? { gestaltScores: verdict.scores } : {}),
  };
  if (verdict.quirks.length > 0) updated.quirks = verdict.quirks;
  else delete updated.quirks;
  return updated;
}
