// The prompts MedLocal sends to the model, in one place and versioned: the id and a hash of the
// text travel with every answer, so an answer in a note can be traced to the exact instructions.
import { createHash } from 'node:crypto';
import type { ChatPrompt } from '../../engine/types';
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

/** Most tokens of note context an ask carries; the end of the context (nearest the question) is kept. */
export const ASK_CONTEXT_TOKENS = 1024;

const CONTEXT_LABELS: Record<Language, { context: string; question: string }> = {
  ja: { context: '診療記録（参考）:', question: '質問:' },
  en: { context: 'Clinical note (for reference):', question: 'Question:' },
};

/**
 * Keeps the end of `context` within `budget` tokens. `countTokens` is the model's tokenizer when
 * the engine has one; else a conservative estimate (one token per character).
 */
export function boundContext(context: string, budget: number, countTokens: (text: string) => number = (t) => t.length): string {
  const text = context.trim();
  if (!text || countTokens(text) <= budget) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (countTokens(text.slice(mid)) <= budget) high = mid;
    else low = mid + 1;
  }
  return tailFrom(text, low);
}

/** boundContext with a tokenizer that answers asynchronously (an engine process's). */
export async function boundContextAsync(context: string, budget: number, countTokens: (text: string) => number | Promise<number> = (t) => t.length): Promise<string> {
  const text = context.trim();
  if (!text || (await countTokens(text)) <= budget) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await countTokens(text.slice(mid))) <= budget) high = mid;
    else low = mid + 1;
  }
  return tailFrom(text, low);
}

/** The text from `low` on, starting at a line start: the partial first line is dropped unless it is all there is. */
function tailFrom(text: string, low: number): string {
  const atLineStart = low === 0 || text[low - 1] === '\n';
  const tail = text.slice(low);
  if (atLineStart) return tail.trim();
  const newline = tail.indexOf('\n');
  return (newline >= 0 && newline < tail.length - 1 ? tail.slice(newline + 1) : tail).trim();
}

export function buildAskPrompt(question: string, language: Language, context = ''): ChatPrompt {
  const labels = CONTEXT_LABELS[language];
  const user = context ? `${labels.context}\n${context}\n\n${labels.question} ${question.trim()}` : question.trim();
  return { system: SYSTEM_PROMPTS[language], user };
}

const EXPLAIN_SYSTEM: Record<Language, string> = {
  ja: '医療用語を臨床医向けに日本語で2〜3文で簡潔に説明してください。不確かな点は不確かだと述べてください。',
  en: 'Explain the medical term for a clinician in two or three concise English sentences. Say so where you are unsure.',
};

export function buildExplainPrompt(term: string, language: Language): ChatPrompt {
  return { system: EXPLAIN_SYSTEM[language], user: language === 'ja' ? `用語: ${term}` : `Term: ${term}` };
}
