// Converters for the English and Japanese MCQA files that are not IgakuQA: MedQA (USMLE),
// MedMCQA, JMedBench MCQA, the japanese-lm-med-harness layout, and any JSONL/CSV through a
// column mapping. Each converter takes one parsed record (a JSON object or a CSV row).

import {
  questionLanguage,
  indexOfLetter,
  normaliseIndexSet,
  RecordError,
  type Language,
  type Question,
} from '../question';
import { isRecord, optionalId, optionalString, requireString, requireStringArray } from './jsonlReader';
import { msg } from '../../shared/messages/index';

export interface RecordContext {
  /** File base name: ids are `<file>:<line>` when a record has none. */
  fileLabel: string;
  line: number;
  source: string;
  /** Declared language; undefined = detected from the question text. */
  language?: Language;
}

function baseQuestion(context: RecordContext, id: string | undefined, stem: string, choices: string[], answers: number[]): Question {
  if (choices.length < 2) throw new RecordError(msg('recordFewChoices', choices.length));
  for (const answer of answers) {
    if (answer < 0 || answer >= choices.length) throw new RecordError(msg('recordAnswerIndexOutside', answer, choices.length));
  }
  if (answers.length === 0) throw new RecordError(msg('recordNoAnswer'));
  return {
    id: id ?? `${context.fileLabel}:${context.line}`,
    source: context.source,
    language: context.language ?? questionLanguage(stem),
    stem,
    choices,
    answers: normaliseIndexSet(answers),
    points: 1,
    kinki: [],
  };
}

/** `options` as an object keyed A, B, C... (in key order) or as a list. */
function readOptions(record: Record<string, unknown>, field: string): { texts: string[]; keys: string[] } {
  const value = record[field];
  if (Array.isArray(value)) return { texts: requireStringArray(record, field), keys: [] };
  if (!isRecord(value)) throw new RecordError(msg('fieldOptionsShape', field));
  const keys = Object.keys(value).sort();
  const texts = keys.map((key) => {
    const text = value[key];
    if (typeof text !== 'string') throw new RecordError(msg('optionString', key));
    return text;
  });
  return { texts, keys };
}

function letterAnswer(value: unknown, keys: string[], field: string, choiceCount: number): number {
  if (typeof value !== 'string') throw new RecordError(msg('fieldOptionLetter', field));
  const byKey = keys.indexOf(value.trim());
  const index = byKey !== -1 ? byKey : indexOfLetter(value);
  if (index === undefined || index >= choiceCount) {
    throw new RecordError(msg('fieldNamesNoOption', field, JSON.stringify(value), choiceCount));
  }
  return index;
}

/** MedQA: question, options {A..E} (or A..D), answer_idx letter, meta_info (step1 / step2&3). */
export function medqaToQuestion(record: Record<string, unknown>, context: RecordContext): Question {
  const { texts, keys } = readOptions(record, 'options');
  const answer = letterAnswer(record['answer_idx'], keys, 'answer_idx', texts.length);
  const question = baseQuestion(context, optionalId(record, 'realidx') ?? optionalId(record, 'id'), requireString(record, 'question'), texts, [answer]);
  const step = optionalString(record, 'meta_info');
  if (step !== undefined) question.block = step;
  return question;
}

/**
 * MedMCQA: question, opa..opd and cop (0-3; 1-4 with copOneBased), or the sampled layout
 * options {A..D} + answer_idx. subject_name becomes the category.
 */
export function medmcqaToQuestion(record: Record<string, unknown>, context: RecordContext, copOneBased = false): Question {
  if (record['options'] !== undefined) {
    const question = medqaToQuestion(record, context);
    const subject = optionalString(record, 'subject_name');
    if (subject !== undefined) question.category = subject;
    return question;
  }
  const choices = ['opa', 'opb', 'opc', 'opd'].map((field) => requireString(record, field));
  const cop = integerField(record, 'cop') - (copOneBased ? 1 : 0);
  if (cop < 0 || cop > 3) {
    throw new RecordError(msg('fieldCopRange', copOneBased ? '1-4' : '0-3', copOneBased ? '0-3' : '1-4'));
  }
  const question = baseQuestion(context, optionalId(record, 'id'), requireString(record, 'question'), choices, [cop]);
  const subject = optionalString(record, 'subject_name');
  if (subject !== undefined) question.category = subject;
  return question;
}

/** JMedBench MCQA: sample_id, question, options (list), answer_idx (0-based int). */
export function jmedbenchToQuestion(record: Record<string, unknown>, context: RecordContext): Question {
  const choices = requireStringArray(record, 'options');
  const answer = integerField(record, 'answer_idx');
  return baseQuestion(context, optionalId(record, 'sample_id') ?? optionalId(record, 'id'), requireString(record, 'question'), choices, [answer]);
}

/** japanese-lm-med-harness: problem_id, problem_text, choices (list), answer as choice text(s) joined by ",". */
export function harnessToQuestion(record: Record<string, unknown>, context: RecordContext): Question {
  const choices = requireStringArray(record, 'choices');
  const answers = textAnswer(record['answer'], choices, 'answer');
  return baseQuestion(context, optionalId(record, 'problem_id'), requireString(record, 'problem_text'), choices, answers);
}

function integerField(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(number)) throw new RecordError(msg('fieldWholeNumber', field));
  return number;
}

// ---- generic column mapping -----------------------------------------------------------------

export type AnswerFormat = 'auto' | 'letter' | 'index0' | 'index1' | 'text';

/** How to read a JSONL object or CSV row whose layout is not one of the known ones. */
export interface ColumnMapping {
  id?: string;
  question: string;
  /** One field holding a list (or an {A: ..} object) of choices, or one field per choice. */
  choices: string | string[];
  answer: string;
  /**
   * auto: a number is a 0-based index, a letter or "a,c" letters, otherwise choice text(s) joined
   * by ",". The others force one reading.
   */
  answerFormat?: AnswerFormat;
  category?: string;
  block?: string;
}

export function mappedToQuestion(record: Record<string, unknown>, mapping: ColumnMapping, context: RecordContext): Question {
  const choices = mappedChoices(record, mapping.choices);
  const answers = readAnswer(record[mapping.answer], choices, mapping.answer, mapping.answerFormat ?? 'auto');
  const id = mapping.id !== undefined ? optionalId(record, mapping.id) : undefined;
  const question = baseQuestion(context, id, requireString(record, mapping.question), choices, answers);
  const category = mapping.category !== undefined ? optionalString(record, mapping.category) : undefined;
  if (category !== undefined) question.category = category;
  const block = mapping.block !== undefined ? optionalString(record, mapping.block) : undefined;
  if (block !== undefined) question.block = block;
  return question;
}

function mappedChoices(record: Record<string, unknown>, fields: string | string[]): string[] {
  if (typeof fields === 'string') return readOptions(record, fields).texts;
  // One column per choice: empty trailing columns are fewer choices (4-option rows in a 5-column CSV).
  const texts = fields.map((field) => optionalString(record, field));
  let usedCount = texts.length;
  while (usedCount > 0 && texts[usedCount - 1] === undefined) usedCount -= 1;
  const used = texts.slice(0, usedCount);
  if (used.some((text) => text === undefined)) throw new RecordError(msg('choiceColumnEmpty', fields.join(', ')));
  return used as string[];
}

function readAnswer(value: unknown, choices: string[], field: string, format: AnswerFormat): number[] {
  if (value === undefined || value === null || value === '') throw new RecordError(msg('fieldMissing', field));
  const items = Array.isArray(value) ? value : [value];
  switch (format) {
    case 'index0':
    case 'index1':
      return items.map((item) => toInteger(item, field) - (format === 'index1' ? 1 : 0));
    case 'letter':
      return items.flatMap((item) => lettersOf(scalarText(item, field), field, choices.length));
    case 'text':
      return textAnswer(value, choices, field);
    case 'auto':
      return autoAnswer(items, choices, field);
  }
}

/** String() of a value a record may legitimately hold; anything else is a RecordError naming the field. */
function scalarText(value: unknown, field: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RecordError(value !== null && typeof value === 'object' ? msg('fieldHoldsObject', field) : msg('fieldHoldsValue', field, value === null ? 'null' : typeof value));
}

function autoAnswer(items: unknown[], choices: string[], field: string): number[] {
  if (items.every((item) => typeof item === 'number' || (typeof item === 'string' && /^\d+$/.test(item.trim())))) {
    return items.map((item) => toInteger(item, field));
  }
  const asText = items.map((item) => scalarText(item, field));
  if (asText.every((item) => /^\s*[A-Za-zＡ-Ｚａ-ｚ](\s*[,、，]\s*[A-Za-zＡ-Ｚａ-ｚ])*\s*$/.test(item))) {
    // A one-letter choice text ("A" as a choice) would be ambiguous; choices this short are rare.
    return asText.flatMap((item) => lettersOf(item, field, choices.length));
  }
  return textAnswer(items.length === 1 ? items[0] : asText, choices, field);
}

function toInteger(value: unknown, field: string): number {
  const number = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(number)) throw new RecordError(msg('fieldNotWhole', field, JSON.stringify(value) ?? String(value)));
  return number;
}

function lettersOf(text: string, field: string, choiceCount: number): number[] {
  return text.split(/[\s,、，]+/).filter((part) => part !== '').map((letter) => {
    const index = indexOfLetter(letter);
    if (index === undefined || index >= choiceCount) {
      throw new RecordError(msg('fieldNamesNoChoice', field, JSON.stringify(text), choiceCount));
    }
    return index;
  });
}

/** Answer given as choice text; several answers as a list or joined by ",". */
function textAnswer(value: unknown, choices: string[], field: string): number[] {
  const wanted = Array.isArray(value) ? value.map((item) => scalarText(item, field)) : typeof value === 'string' ? [value] : [];
  if (wanted.length === 0) throw new RecordError(msg('fieldChoiceText', field));
  const whole = wanted.length === 1 ? choices.indexOf((wanted[0] ?? '').trim()) : -1;
  if (whole !== -1) return [whole];
  const parts = wanted.flatMap((text) => text.split(','));
  return parts.map((part) => {
    const index = choices.findIndex((choice) => choice.trim() === part.trim());
    if (index === -1) throw new RecordError(msg('answerMatchesNoChoice', part.trim(), field));
    return index;
  });
}

// ---- detection ------------------------------------------------------------------------------

export type KnownLayout = 'igakuqa' | 'medqa' | 'medmcqa' | 'jmedbench' | 'harness';

/** Which known layout a record has, from its field names; undefined when none fits. */
export function detectLayout(record: Record<string, unknown>): KnownLayout | undefined {
  const has = (field: string): boolean => record[field] !== undefined;
  if (has('problem_text') && has('choices') && has('answer')) {
    const answer = record['answer'];
    // IgakuQA's own layout writes `answer` as a list of letters (["a"], ["b","d"], ["a or d"]);
    // the harness writes one string of choice texts. text_only is not required: files cut down
    // to problem_id, problem_text, choices, answer are still IgakuQA's.
    const isLetters = Array.isArray(answer) && answer.length > 0 && answer.every((item) => typeof item === 'string' && /^[a-zａ-ｚ](\s+or\s+[a-zａ-ｚ])?$/i.test(item.trim()));
    return isLetters ? 'igakuqa' : 'harness';
  }
  if (has('question') && has('opa')) return 'medmcqa';
  if (has('question') && has('options') && has('answer_idx')) {
    return Array.isArray(record['options']) ? 'jmedbench' : 'medqa';
  }
  return undefined;
}
