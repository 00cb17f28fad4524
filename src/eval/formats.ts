// Prompt formats, selectable by id. Each is template text in the language of src/eval/
// template.ts, so a format's version hash is simply the sha256 of that text: change one word and
// runs made before and after can be told apart in their manifests.
//
// The wording is MedLocal's own; it follows the structure of the formats it is named after
// (japanese-lm-med-harness's Alpaca-style CoT formats, the IgakuQA paper's chat prompt). Users who
// need a paper's exact wording load it with `--template FILE`.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Prompt } from '../engine/types';
import type { Language, Question } from './question';
import { loadSampleSet } from './sample';
import { parseTemplate, renderTemplate, TemplateError, type ParsedTemplate } from './template';
import { msg } from '../shared/messages/index';
import { errorMessage, UserError } from '../shared/userError';

export interface PromptFormat {
  id: string;
  description: string;
  /** sha256 of the template text (both languages for built-ins, in ja, en order). */
  hash: string;
  kind: 'raw' | 'chat';
  /** Whether choices carry letter labels; letter scoring needs them. */
  labelsChoices: boolean;
  render(question: Question): Prompt;
  /** Header the answer follows in raw prompts ("### 応答："); undefined for chat prompts. */
  responseMarker(language: Language): string | undefined;
}

const MEDPALM_JA = `### 指示：
これは医学に関する多肢選択問題です。まず問題文からわかっていることを要約し、段階を追って考えて解いてください。最後に、選択肢の中から正しいものを選び、その選択肢の文言をそのまま出力してください。正しい選択肢が複数あるときは「,」で区切ってください。
### 入力：
問題：{{question}}
選択肢：
{{choices_lines}}
### 応答：
`;

const MEDPALM_EN = `### Instruction:
This is a multiple-choice question about medicine. First summarise what the question tells you, then work through it step by step. Finally, pick the correct option and output it exactly as it is written among the choices. If more than one option is correct, separate them with ",".
### Input:
Question: {{question}}
Choices:
{{choices_lines}}
### Response:
`;

const ALPACA_TASK_JA = '以下は、医学の多肢選択問題に取り組むための指示と、問題を含む入力です。指示に従って、要求に合った応答を書いてください。\n\n';
const ALPACA_TASK_EN = 'Below is an instruction for a medical multiple-choice task, together with an input that holds the question. Write a response that fulfils the request.\n\n';

const IGAKUQA_QUESTION_JA = `問題: {{question}}
{{choices}}
{{letters}}の中から正しい選択肢をちょうど{{answer_count}}個選び、記号で答えてください。`;

const IGAKUQA_QUESTION_EN = `Question: {{question}}
{{choices}}
Choose exactly {{answer_count}} option(s) from {{letters}} and answer with the letter(s) only.`;

interface ChatParts {
  system: string;
  question: string;
  answerLabel: string;
}

const IGAKUQA_JA: ChatParts = { system: '医師国家試験を解きます。', question: IGAKUQA_QUESTION_JA, answerLabel: '答え:' };
const IGAKUQA_EN: ChatParts = {
  system: 'You are taking the Japanese National Medical Licensing Examination.',
  question: IGAKUQA_QUESTION_EN,
  answerLabel: 'Answer:',
};

/** Zero-shot: the model's turn starts with the answer label, so its next token is the letter. */
function zeroShotChat(parts: ChatParts): string {
  return `[[system]]\n${parts.system}\n[[user]]\n${parts.question}\n[[assistant]]\n${parts.answerLabel}`;
}

/** Few-shot: worked examples (question + gold letters) precede the question in the user message. */
function fewShotChat(parts: ChatParts): string {
  return `[[system]]\n${parts.system}\n[[user]]\n{{examples}}${parts.question}\n[[assistant]]\n${parts.answerLabel}\n` +
    `[[example]]\n${parts.question}\n${parts.answerLabel} {{answer}}`;
}

const JMEDBENCH_JA = '質問：{{question}}\n{{choices_upper}}\n答え：';
const JMEDBENCH_EN = 'Question: {{question}}\n{{choices_upper}}\nAnswer:';

interface BuiltinDefinition {
  id: string;
  description: string;
  ja: string;
  en: string;
}

const BUILTIN_DEFINITIONS: readonly BuiltinDefinition[] = [
  {
    id: 'medpalm_five_choice_cot',
    description: 'Alpaca-style instruction / input / response, chain of thought, answer as choice text (generate scoring).',
    ja: MEDPALM_JA,
    en: MEDPALM_EN,
  },
  {
    id: 'alpaca_med_five_choice_cot',
    description: 'As medpalm_five_choice_cot with an Alpaca task sentence above the instruction header.',
    ja: ALPACA_TASK_JA + MEDPALM_JA,
    en: ALPACA_TASK_EN + MEDPALM_EN,
  },
  {
    id: 'igakuqa',
    description: 'IgakuQA chat style, zero-shot: system line, question, "a: ..." choices, pick exactly n, "答え:".',
    ja: zeroShotChat(IGAKUQA_JA),
    en: zeroShotChat(IGAKUQA_EN),
  },
  {
    id: 'igakuqa_3shot',
    description: 'IgakuQA chat style with three worked examples from the built-in sample set.',
    ja: fewShotChat(IGAKUQA_JA),
    en: fewShotChat(IGAKUQA_EN),
  },
  {
    id: 'jmedbench_mcqa',
    description: 'JMedBench shape "質問：… A. … 答え：" for likelihood scoring of each option text.',
    ja: JMEDBENCH_JA,
    en: JMEDBENCH_EN,
  },
];

export const PROMPT_FORMAT_IDS: readonly string[] = BUILTIN_DEFINITIONS.map((definition) => definition.id);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Few-shot examples: fixed sample questions, skipping the one being asked. */
const EXAMPLE_IDS = ['MLS-A01', 'MLS-A04', 'MLS-B04', 'MLS-A02'];
const EXAMPLE_COUNT = 3;

function fewShotExamples(question: Question): Question[] {
  const sample = loadSampleSet(question.language).questions;
  return EXAMPLE_IDS.filter((id) => id !== question.id && id !== question.englishOf)
    .slice(0, EXAMPLE_COUNT)
    .map((id) => sample.find((candidate) => candidate.id === id))
    .filter((example): example is Question => example !== undefined);
}

function makeFormat(id: string, description: string, hashText: string, templates: Record<Language, ParsedTemplate>): PromptFormat {
  const { ja, en } = templates;
  if (ja.kind !== en.kind) throw new TemplateError(msg('formatTemplatesMixed', id));
  return {
    id,
    description,
    hash: sha256Hex(hashText),
    kind: ja.kind,
    labelsChoices: ja.usesLabelledChoices && en.usesLabelledChoices,
    render(question) {
      const template = templates[question.language];
      return renderTemplate(template, question, template.usesExamples ? fewShotExamples(question) : []);
    },
    responseMarker: (language) => templates[language].responseMarker,
  };
}

const builtinCache = new Map<string, PromptFormat>();

export function getPromptFormat(id: string): PromptFormat {
  const cached = builtinCache.get(id);
  if (cached) return cached;
  const definition = BUILTIN_DEFINITIONS.find((candidate) => candidate.id === id);
  if (!definition) {
    throw new UserError(msg('formatUnknown', id, PROMPT_FORMAT_IDS.join(', ')));
  }
  const format = makeFormat(definition.id, definition.description, `${definition.ja}\n\u0000\n${definition.en}`, {
    ja: parseTemplate(definition.ja, `${id} (ja)`),
    en: parseTemplate(definition.en, `${id} (en)`),
  });
  builtinCache.set(id, format);
  return format;
}

export function listPromptFormats(): PromptFormat[] {
  return PROMPT_FORMAT_IDS.map(getPromptFormat);
}

/** The raw template text of a built-in format, for users who want to start a template from it. */
export function builtinTemplateText(id: string, language: Language): string {
  const definition = BUILTIN_DEFINITIONS.find((candidate) => candidate.id === id);
  if (!definition) throw new UserError(msg('formatUnknown', id, PROMPT_FORMAT_IDS.join(', ')));
  return definition[language];
}

/** A user template file (one text for both languages); its id is "template:<file name>". */
export function loadTemplateFormat(file: string): PromptFormat {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(msg('templateUnreadable', file, errorMessage(error)));
  }
  const parsed = parseTemplate(text, file);
  return makeFormat(`template:${basename(file)}`, `user template ${file}`, text, { ja: parsed, en: parsed });
}
