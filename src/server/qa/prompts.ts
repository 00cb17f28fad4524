// The prompts MedLocal sends to the model, in one place and versioned: the id and a hash of the
// text travel with every answer, so an answer in a note can be traced to the exact instructions.
import { createHash } from 'node:crypto';
import type { ChatPrompt } from '../engine/types';
import type { Language } from '../../shared/language';

const SYSTEM_PROMPTS: Record<Language, string> = {
  ja: [
    'あなたは臨床記録を支援する医療情報アシスタントです。',
    '質問に日本語で簡潔に答えてください。',
    '不確かなことは不確かだと述べ、患者に関する事実を作り出さないでください。',
    '診断や治療の最終判断は担当医が行うことを前提にしてください。',
  ].join('\n'),
  en: [
    'You are a clinical documentation assistant for medical professionals.',
    'Answer the question concisely in English.',
    'State uncertainty plainly and never invent facts about the patient.',
    'Assume the treating physician makes the final diagnostic and treatment decisions.',
  ].join('\n'),
};

export const ASK_PROMPT_ID = 'ask-v1';

export function askPromptVersion(language: Language): string {
  const hash = createHash('sha256').update(SYSTEM_PROMPTS[language]).digest('hex').slice(0, 12);
  return `${ASK_PROMPT_ID}-${language}@${hash}`;
}

export function buildAskPrompt(question: string, language: Language): ChatPrompt {
  return { system: SYSTEM_PROMPTS[language], user: question.trim() };
}

const EXPLAIN_SYSTEM: Record<Language, string> = {
  ja: '医療用語を臨床医向けに日本語で2〜3文で簡潔に説明してください。不確かな点は不確かだと述べてください。',
  en: 'Explain the medical term for a clinician in two or three concise English sentences. Say so where you are unsure.',
};

export const EXPLAIN_PROMPT_ID = 'explain-v1';

export function buildExplainPrompt(term: string, language: Language): ChatPrompt {
  return { system: EXPLAIN_SYSTEM[language], user: language === 'ja' ? `用語: ${term}` : `Term: ${term}` };
}
