// The prompt template language shared by the built-in formats and `--template FILE`.
//
//   Placeholders  {{question}}       the question text
//                 {{choices}}        one choice per line, labelled "a: text" (IgakuQA style)
//                 {{choices_upper}}  one choice per line, labelled "A. text" (JMedBench style)
//                 {{choices_lines}}  one choice per line, no label
//                 {{choices_comma}}  the choice texts joined by ","
//                 {{letters}}        the labels, "a,b,c,d,e"
//                 {{last_letter}}    the last label, "e"
//                 {{answer_count}}   how many choices to pick (number of gold answers)
//                 {{examples}}       the few-shot examples (see [[example]])
//   In [[example]] only: {{answer}} (gold letters "a,c") and {{answer_text}} (gold texts joined by ",").
//
//   Sections      A line holding only [[system]], [[user]] or [[assistant]] makes the template a
//                 chat prompt: the text under each is that message; the [[assistant]] text is what
//                 the model's turn starts with (e.g. "答え:"). Without sections the whole file is a
//                 raw completion prompt, used byte for byte (keep its final newline if the model
//                 should start on a new line). [[example]] holds the text rendered once per
//                 few-shot example (three from the built-in sample set) into {{examples}}.
//   Response      For raw prompts, the last line of the template, when it holds no placeholder,
//   marker        is the response marker ("### Response:"): generated answers are read after it.
//
// Unknown placeholders and misplaced {{answer}} are errors at load time, not silent blanks.

import type { ChatPrompt, Prompt } from '../engine/types';
import { lettersFor, type Question } from './question';
import { msg } from '../shared/messages/index';
import { UserError } from '../shared/userError';

const SECTION_LINE = /^\[\[(system|user|assistant|example)\]\]\s*$/;
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const QUESTION_PLACEHOLDERS = new Set([
  'question', 'choices', 'choices_upper', 'choices_lines', 'choices_comma', 'letters', 'last_letter', 'answer_count', 'examples',
]);
const EXAMPLE_ONLY_PLACEHOLDERS = new Set(['answer', 'answer_text']);

type SectionName = 'raw' | 'system' | 'user' | 'assistant' | 'example';

export interface ParsedTemplate {
  kind: 'raw' | 'chat';
  sections: Partial<Record<SectionName, string>>;
  /** Placeholders used outside [[example]]. */
  usesLabelledChoices: boolean;
  usesExamples: boolean;
  responseMarker?: string;
}

export class TemplateError extends UserError {
  override name = 'TemplateError';
}

export function parseTemplate(text: string, label = 'template'): ParsedTemplate {
  const sections = splitSections(text.replace(/\r\n/g, '\n'), label);
  const hasChatSections = sections.system !== undefined || sections.user !== undefined || sections.assistant !== undefined;
  if (hasChatSections && sections.raw !== undefined && sections.raw.trim() !== '') {
    throw new TemplateError(msg('templateTextOutsideSection', label));
  }
  if (hasChatSections && sections.user === undefined) {
    throw new TemplateError(msg('templateNeedsUser', label));
  }
  const mainTexts = (['raw', 'system', 'user', 'assistant'] as const).map((name) => sections[name] ?? '');
  for (const [name, body] of Object.entries(sections)) validatePlaceholders(body, name === 'example', `${label} [[${name}]]`);
  const usesExamples = mainTexts.some((body) => placeholdersIn(body).includes('examples'));
  if (usesExamples !== (sections.example !== undefined)) {
    throw new TemplateError(msg('templateExamplesPair', label));
  }
  const parsed: ParsedTemplate = {
    kind: hasChatSections ? 'chat' : 'raw',
    sections,
    usesLabelledChoices: mainTexts.some((body) => /\{\{\s*choices(_upper)?\s*\}\}/.test(body)),
    usesExamples,
  };
  const marker = hasChatSections ? undefined : lastLineMarker(sections.raw ?? '');
  if (marker !== undefined) parsed.responseMarker = marker;
  return parsed;
}

function splitSections(text: string, label: string): Partial<Record<SectionName, string>> {
  const sections: Partial<Record<SectionName, string>> = {};
  let current: SectionName = 'raw';
  let lines: string[] = [];
  const close = (): void => {
    // Raw prompts are kept byte for byte; message sections lose the newline before the next header.
    const body = current === 'raw' ? lines.join('\n') : lines.join('\n').replace(/\n+$/, '');
    if (current !== 'raw' || body !== '') sections[current] = body;
  };
  for (const line of text.split('\n')) {
    const match = SECTION_LINE.exec(line);
    if (!match) {
      lines.push(line);
      continue;
    }
    close();
    current = match[1] as SectionName;
    if (sections[current] !== undefined) throw new TemplateError(msg('templateSectionTwice', label, current));
    lines = [];
  }
  close();
  return sections;
}

function placeholdersIn(body: string): string[] {
  return [...body.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

function validatePlaceholders(body: string, inExample: boolean, where: string): void {
  for (const name of placeholdersIn(body)) {
    if (QUESTION_PLACEHOLDERS.has(name) && !(inExample && name === 'examples')) continue;
    if (inExample && EXAMPLE_ONLY_PLACEHOLDERS.has(name)) continue;
    const allowed = [...QUESTION_PLACEHOLDERS, ...(inExample ? EXAMPLE_ONLY_PLACEHOLDERS : [])].map((known) => `{{${known}}}`);
    throw new TemplateError(msg(EXAMPLE_ONLY_PLACEHOLDERS.has(name) ? 'templateAnswerPlaceholder' : 'templateUnknownPlaceholder', where, name, allowed.join(', ')));
  }
}

function lastLineMarker(raw: string): string | undefined {
  const lines = raw.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const last = lines[lines.length - 1];
  return last !== undefined && placeholdersIn(last).length === 0 ? last : undefined;
}

// ---- rendering --------------------------------------------------------------------------------

function questionValues(question: Question, examples: string): Record<string, string> {
  const letters = lettersFor(question.choices.length);
  return {
    question: question.stem,
    choices: question.choices.map((choice, index) => `${letters[index]}: ${choice}`).join('\n'),
    choices_upper: question.choices.map((choice, index) => `${(letters[index] ?? '').toUpperCase()}. ${choice}`).join('\n'),
    choices_lines: question.choices.join('\n'),
    choices_comma: question.choices.join(','),
    letters: letters.join(','),
    last_letter: letters[letters.length - 1] ?? '',
    answer_count: String(question.answers.length),
    examples,
    answer: question.answers.map((index) => letters[index] ?? '').join(','),
    answer_text: question.answers.map((index) => question.choices[index] ?? '').join(','),
  };
}

function fill(body: string, values: Record<string, string>): string {
  return body.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
}

/** Renders for one question; `examples` are the few-shot questions (used if the template has [[example]]). */
export function renderTemplate(template: ParsedTemplate, question: Question, examples: readonly Question[] = []): Prompt {
  const exampleBody = template.sections.example;
  const examplesText = exampleBody === undefined
    ? ''
    : examples.map((example) => fill(exampleBody, questionValues(example, ''))).join('\n\n') + (examples.length > 0 ? '\n\n' : '');
  const values = questionValues(question, examplesText);
  if (template.kind === 'raw') return fill(template.sections.raw ?? '', values);
  const chat: ChatPrompt = { user: fill(template.sections.user ?? '', values) };
  if (template.sections.system !== undefined) chat.system = fill(template.sections.system, values);
  if (template.sections.assistant !== undefined) chat.assistantPrefix = fill(template.sections.assistant, values);
  return chat;
}
