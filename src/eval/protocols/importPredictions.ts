// Predictions made elsewhere → answer records, scored under a protocol, no model needed. Reads:
//   igakuqa-baseline  IgakuQA's baseline_results files `<exam>-<block>_<model>.jsonl`
//                     ({problem_id, prediction}); a folder may hold several blocks of one model
//                     (several models: name one, the call says which it found);
//   harness           japanese-lm-med-harness result files (problem_id, question, choices, answer,
//                     full_response, response): they carry question, choices and gold text;
//   generic           JSONL {id, prediction}: letters ("a,c", "A") or the choice text.
// Unknown ids, duplicates and questions with no prediction are issues with file:line, counted,
// never silently dropped: a question with no prediction is scored as an empty prediction (wrong).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isRecord, readJsonlFile } from '../datasets/jsonlReader';
import { normaliseIndexSet, questionLanguage, type Question } from '../question';
import type { AnswerRecord, ProtocolId } from '../records';
import { finishRecord, gestaltPrediction, isExactMatch, parseLetterAnswer } from '../scoring';
import { applyProtocol, harnessRecord, officialRecord } from '.';
import { msg, type Message } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';

export type PredictionsKind = 'igakuqa-baseline' | 'harness' | 'generic';

export interface ImportIssue {
  /** `file:line`, or the dataset for a question that got no prediction. */
  where: string;
  id?: string;
  problem: Message;
}

export interface ImportedPredictions {
  kind: PredictionsKind;
  /** The model named by the file names (baseline files), when there is one. */
  model?: string;
  files: string[];
  records: AnswerRecord[];
  issues: ImportIssue[];
}

/** This module's messages: catalogue keys (the CLI shows them in its language, --json in English). */
const MSG = {
  noPath: (path: string) => msg('predNoPath', path),
  noFiles: (path: string) => msg('predNoFiles', path),
  severalModels: (path: string, models: string[]) => msg('predSeveralModels', path, models.length, models.join(', ')),
  unknownModel: (name: string, models: string[]) => msg('predUnknownModel', name, models.length > 0 ? models.join(', ') : msg('predNone')),
  mixedKinds: (path: string) => msg('predMixedKinds', path),
  unknownLayout: (file: string) => msg('predUnknownLayout', file),
  needsDataset: (kind: string) => msg('predNeedsDataset', kind),
  harnessOnlyHarness: (protocol: string) => msg('predHarnessOnlyHarness', protocol),
  unknownId: msg('predUnknownId'),
  duplicate: (line: number) => msg('predDuplicate', line),
  noPrediction: msg('predNoPrediction'),
  notText: msg('predNotText'),
  noId: msg('predNoId'),
  notJson: (reason: Message) => msg('predNotJson', reason),
  badHarnessLine: msg('predBadHarnessLine'),
  harnessDuplicate: (line: number) => msg('predHarnessDuplicate', line),
  harnessUnknownId: (dataset: string) => msg('predHarnessUnknownId', dataset),
  harnessMissing: msg('predHarnessMissing'),
} as const;

export const BASELINE_FILE = /^(\d+-[A-Za-z]+)_(.+)\.jsonl$/;

/** The prediction files a path names, and which kind they are. */
export function findPredictionFiles(path: string, name?: string): { files: string[]; kind: PredictionsKind; model?: string } {
  if (!existsSync(path)) throw new UserError(MSG.noPath(path));
  const all = statSync(path).isDirectory() ? readdirSync(path).filter((file) => file.endsWith('.jsonl')).sort().map((file) => join(path, file)) : [path];
  if (all.length === 0) throw new UserError(MSG.noFiles(path));
  const byModel = new Map<string, string[]>();
  for (const file of all) {
    const model = BASELINE_FILE.exec(basename(file))?.[2];
    if (model !== undefined) byModel.set(model, [...(byModel.get(model) ?? []), file]);
  }
  if (byModel.size > 0 && (name !== undefined || byModel.size > 1 || statSync(path).isDirectory())) {
    const models = [...byModel.keys()];
    if (name === undefined && models.length > 1) throw new UserError(MSG.severalModels(path, models));
    const model = name ?? models[0] ?? '';
    const files = byModel.get(model);
    if (!files) throw new UserError(MSG.unknownModel(model, models));
    return { files, kind: 'igakuqa-baseline', model };
  }
  const kinds = new Set(all.map(detectKind));
  if (kinds.size > 1) throw new UserError(MSG.mixedKinds(path));
  const kind = [...kinds][0] ?? 'generic';
  return { files: all, kind };
}

function detectKind(file: string): PredictionsKind {
  if (BASELINE_FILE.test(basename(file))) return 'igakuqa-baseline';
  const first = readJsonlFile(file).records[0]?.value;
  if (!isRecord(first)) throw new UserError(MSG.unknownLayout(file));
  if ('choices' in first && 'answer' in first && ('response' in first || 'full_response' in first)) return 'harness';
  if ('prediction' in first && ('id' in first || 'problem_id' in first)) return first['problem_id'] !== undefined ? 'igakuqa-baseline' : 'generic';
  throw new UserError(MSG.unknownLayout(file));
}

/**
 * Reads and scores the predictions. `questions` (the dataset) is needed except for harness results;
 * given with harness results, their problem_ids are checked against it (`dataset` names it in the issues).
 */
export function importPredictions(
  found: { files: string[]; kind: PredictionsKind; model?: string },
  protocol: ProtocolId,
  questions: readonly Question[] | undefined,
  dataset?: string,
): ImportedPredictions {
  const result: ImportedPredictions = { kind: found.kind, ...(found.model ? { model: found.model } : {}), files: found.files, records: [], issues: [] };
  if (found.kind === 'harness') {
    if (protocol !== 'harness') throw new UserError(MSG.harnessOnlyHarness(protocol));
    const lines = new Map<string, string>();
    for (const file of found.files) readHarnessResults(file, result, lines);
    if (questions) checkHarnessIds(result, lines, questions, dataset ?? '');
    return result;
  }
  if (!questions) throw new UserError(MSG.needsDataset(found.kind));
  const byId = new Map(questions.map((question) => [question.id, question]));
  const predictions = new Map<string, { prediction: string; line: number }>();
  for (const file of found.files) {
    const parsed = readJsonlFile(file);
    for (const issue of parsed.issues) result.issues.push({ where: `${file}:${issue.line}`, problem: MSG.notJson(issue.reason) });
    for (const { line, value } of parsed.records) {
      const where = `${file}:${line}`;
      const id = isRecord(value) ? value['problem_id'] ?? value['id'] : undefined;
      if (!isRecord(value) || (typeof id !== 'string' && typeof id !== 'number')) {
        result.issues.push({ where, problem: MSG.noId });
        continue;
      }
      const key = String(id);
      if (!byId.has(key)) {
        result.issues.push({ where, id: key, problem: MSG.unknownId });
        continue;
      }
      const earlier = predictions.get(key);
      if (earlier) {
        result.issues.push({ where, id: key, problem: MSG.duplicate(earlier.line) });
        continue;
      }
      const prediction = value['prediction'];
      if (typeof prediction !== 'string') result.issues.push({ where, id: key, problem: MSG.notText });
      predictions.set(key, { prediction: typeof prediction === 'string' ? prediction : '', line });
    }
  }
  for (const question of questions) {
    const given = predictions.get(question.id);
    if (!given) result.issues.push({ where: question.block ?? question.source, id: question.id, problem: MSG.noPrediction });
    result.records.push(scorePrediction(question, given?.prediction ?? '', protocol));
  }
  return result;
}

/** One prediction string scored under the protocol. */
export function scorePrediction(question: Question, prediction: string, protocol: ProtocolId): AnswerRecord {
  if (protocol === 'igakuqa-official') {
    const base = finishRecord(question, 'generate', { predicted: [] }, 0);
    const gold = question.officialGold ?? question.answers.map((index) => String.fromCharCode(97 + index));
    return officialRecord({ ...base, prediction, officialGold: gold });
  }
  if (protocol === 'harness') return applyProtocol(finishRecord(question, 'generate', { predicted: [], response: prediction }, 0), question, 'harness');
  // medlocal: read as MedLocal reads a generated answer line: letters, else the closest choice text.
  const letters = parseLetterAnswer(prediction, question.choices.length);
  const gestalt = gestaltPrediction(question, prediction);
  return finishRecord(question, 'generate', {
    predicted: letters ?? gestalt.predicted,
    gestaltScores: gestalt.scores,
    answerLine: prediction,
    exactMatch: isExactMatch(question, prediction),
    answeredWithLetters: letters !== undefined,
  }, 0);
}

/**
 * Harness results scored with a dataset: every result line whose problem_id the dataset's harness
 * question set lacks is reported at its file:line (still scored from its own fields, as the harness
 * scores every line), and every question of that set the results lack is reported (not scored).
 */
function checkHarnessIds(result: ImportedPredictions, lines: ReadonlyMap<string, string>, questions: readonly Question[], dataset: string): void {
  const known = new Set(questions.map((question) => question.id));
  for (const [id, where] of lines) if (!known.has(id)) result.issues.push({ where, id, problem: MSG.harnessUnknownId(dataset) });
  for (const question of questions) {
    if (!lines.has(question.id)) result.issues.push({ where: question.block ?? question.source, id: question.id, problem: MSG.harnessMissing });
  }
}

function readHarnessResults(file: string, result: ImportedPredictions, lines: Map<string, string>): void {
  const parsed = readJsonlFile(file);
  for (const issue of parsed.issues) result.issues.push({ where: `${file}:${issue.line}`, problem: MSG.notJson(issue.reason) });
  const seen = new Map<string, number>();
  for (const { line, value } of parsed.records) {
    const where = `${file}:${line}`;
    const id = isRecord(value) ? value['problem_id'] : undefined;
    if (!isRecord(value) || (typeof id !== 'string' && typeof id !== 'number')) {
      result.issues.push({ where, problem: MSG.noId });
      continue;
    }
    const key = String(id);
    const choices = value['choices'];
    const answer = value['answer'];
    if (!Array.isArray(choices) || choices.length === 0 || choices.some((choice) => typeof choice !== 'string') || typeof answer !== 'string') {
      result.issues.push({ where, id: key, problem: MSG.badHarnessLine });
      continue;
    }
    const earlier = seen.get(key);
    // The harness counts every line; a repeated id is reported but scored, as it scores it.
    if (earlier !== undefined) result.issues.push({ where, id: key, problem: MSG.harnessDuplicate(earlier) });
    else seen.set(key, line);
    if (!lines.has(key)) lines.set(key, where);
    const texts = choices as string[];
    const parts = answer.split(',');
    const gold = normaliseIndexSet(texts.flatMap((text, index) => (parts.includes(text) ? [index] : [])));
    const questionText = typeof value['question'] === 'string' ? value['question'] : '';
    const response = value['response'];
    const record: AnswerRecord = {
      id: earlier !== undefined ? `${key}#${line}` : key,
      mode: 'generate',
      source: 'harness-result',
      language: questionLanguage(`${questionText}${texts.join('')}`),
      points: 1,
      choiceCount: texts.length,
      gold,
      kinki: [],
      predicted: [],
      correct: false,
      kinkiPicked: [],
      elapsedMs: 0,
      ...(typeof value['full_response'] === 'string' ? { response: value['full_response'] } : {}),
      ...(typeof response === 'string' ? { answerLine: response } : {}),
      goldText: answer,
      choiceTexts: texts,
    };
    result.records.push(harnessRecord(record));
  }
}
