// How a model answer looks in a note: a blockquote headed "MedLocal · model · date" in the note's
// language, so model text is never mistaken for the clinician's own; a partial answer ends with a
// marked reason. Plain string logic, no `vscode`, unit tested.
import { markdownInline } from '../shared/foreignText';
import type { Language } from '../shared/language';

const LABELS: Record<Language, { answer: string; cancelled: string; incomplete: string; generated: string }> = {
  ja: { answer: '回答', cancelled: '中断されました（部分的な回答）', incomplete: '不完全な回答', generated: 'モデル生成' },
  en: { answer: 'answer', cancelled: 'cancelled (partial answer)', incomplete: 'incomplete answer', generated: 'model-generated' },
};

export const ANSWER_MARKER = '**MedLocal**';

/** Longest model name kept in the header (a GGUF general.name or a remote id can be anything). */
const MODEL_NAME_MAX = 120;

/** The header line: built only from escaped one-line parts, so a model name cannot add lines. */
export function answerHeader(language: Language, modelName: string, date: Date): string {
  const day = date.toISOString().slice(0, 10);
  const labels = LABELS[language];
  return `> ${ANSWER_MARKER} · ${markdownInline(modelName, MODEL_NAME_MAX)} · ${day} · ${labels.answer} (${labels.generated})\n> `;
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
      return `\n> *(${labels.incomplete}: ${markdownInline(outcome.reason, 300)})*\n`;
  }
}

/**
 * The question for an ask: the selection; else the question around the cursor, which may run over
 * several lines of a paragraph: it ends at the first line (at or after the cursor) that ends with
 * "?"/"？" and starts at the nearest "Q:"/"質問:" line above (or after the previous question);
 * else the current line.
 */
export function questionFrom(lines: readonly string[], cursorLine: number, selection: string | undefined): { text: string; startLine: number; endLine: number } | undefined {
  if (selection && selection.trim()) return { text: selection.trim(), startLine: cursorLine, endLine: cursorLine };
  const line = lines[cursorLine];
  if (line === undefined || !line.trim()) return undefined;
  // Headings, blockquotes (earlier answers) and blank lines end a paragraph.
  const inParagraph = (i: number) => {
    const text = (lines[i] ?? '').trimStart();
    return text !== '' && !text.startsWith('>') && !text.startsWith('#');
  };
  const endsQuestion = (i: number) => /[?？]\s*$/.test(lines[i] ?? '');
  const startsQuestion = (i: number) => /^\s*(Q|Question|質問|問)\s*[:：]/i.test(lines[i] ?? '');
  let end = cursorLine;
  while (!endsQuestion(end) && end + 1 < lines.length && inParagraph(end + 1)) end++;
  if (!endsQuestion(end)) return { text: line.trim(), startLine: cursorLine, endLine: cursorLine };
  let start = cursorLine;
  while (!startsQuestion(start) && start > 0 && inParagraph(start - 1) && !endsQuestion(start - 1)) start--;
  const text = lines.slice(start, end + 1).map((l) => l.trim()).join('\n');
  return { text, startLine: start, endLine: end };
}

/** Up to `count` note lines before the question, without MedLocal answer blocks: context for the model. */
export function contextBefore(lines: readonly string[], startLine: number, count: number): string {
  if (count <= 0) return '';
  const kept: string[] = [];
  for (let i = startLine - 1; i >= 0 && kept.length < count; i--) {
    const text = lines[i] ?? '';
    if (text.trimStart().startsWith('>')) continue; // earlier model answers are not note text
    kept.unshift(text);
  }
  return kept.join('\n').trim();
}

/** Lines that look like questions: "Q:", "質問:", or ending in ? / ？ (for the CodeLens). */
export function looksLikeQuestion(line: string): boolean {
  const text = line.trim();
  if (!text || text.startsWith('>')) return false;
  return /^(Q|Question)\s*[:：]/i.test(text) || /^(質問|問)\s*[:：]/.test(text) || /[?？]$/.test(text);
}
