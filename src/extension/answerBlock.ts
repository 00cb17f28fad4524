// How a model answer looks in a note: a blockquote headed "MedLocal · model · date" in the note's
// language, so model text is never mistaken for the clinician's own; a partial answer ends with a
// marked reason. Plain string logic, no `vscode`, unit tested.
import type { Language } from '../shared/language';

const LABELS: Record<Language, { answer: string; cancelled: string; incomplete: string; generated: string }> = {
  ja: { answer: '回答', cancelled: '中断されました（部分的な回答）', incomplete: '不完全な回答', generated: 'モデル生成' },
  en: { answer: 'answer', cancelled: 'cancelled (partial answer)', incomplete: 'incomplete answer', generated: 'model-generated' },
};

export const ANSWER_MARKER = '**MedLocal**';

export function answerHeader(language: Language, modelName: string, date: Date): string {
  const day = date.toISOString().slice(0, 10);
  const labels = LABELS[language];
  return `> ${ANSWER_MARKER} · ${modelName} · ${day} · ${labels.answer} (${labels.generated})\n> `;
}

/** Turns streamed text into blockquote lines: every newline in the answer starts a new "> " line. */
export class BlockquoteStream {
  push(text: string): string {
    return text.replace(/\r/g, '').replace(/\n/g, '\n> ');
  }
}

export function answerFooter(language: Language, outcome: { kind: 'complete' } | { kind: 'cancelled' } | { kind: 'failed'; reason: string }): string {
  const labels = LABELS[language];
  switch (outcome.kind) {
    case 'complete':
      return '\n';
    case 'cancelled':
      return `\n> *(${labels.cancelled})*\n`;
    case 'failed':
      return `\n> *(${labels.incomplete}: ${outcome.reason.replace(/\s*\n\s*/g, ' ')})*\n`;
  }
}

/** The question for an ask: the selection, else the current line; leading "Q:"/"質問：" kept. */
export function questionFrom(lines: readonly string[], cursorLine: number, selection: string | undefined): { text: string; endLine: number } | undefined {
  if (selection && selection.trim()) return { text: selection.trim(), endLine: cursorLine };
  const line = lines[cursorLine];
  if (line === undefined || !line.trim()) return undefined;
  return { text: line.trim(), endLine: cursorLine };
}

/** Lines that look like questions: "Q:", "質問:", or ending in ? / ？ (for the CodeLens). */
export function looksLikeQuestion(line: string): boolean {
  const text = line.trim();
  if (!text || text.startsWith('>')) return false;
  return /^(Q|Question)\s*[:：]/i.test(text) || /^(質問|問)\s*[:：]/.test(text) || /[?？]$/.test(text);
}
