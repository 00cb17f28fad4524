// What the extension tells the user when a request to the server fails: the server's message
// (already in the user's language) and the next step the server sent in the ResponseError's data.
// Plain functions, no `vscode` import, so they are unit-tested without an editor.
//
// The text of the notifications that carry what the server, a file or a setting said: plain
// functions, no `vscode` import, so they are unit tested. `t` localizes (vscode.l10n.t in the
// extension, a formatter in tests). Each result has been through plainForMessage: the data in it
// (a dictionary value, GGUF metadata, a setting, a remote server's words) can carry link syntax
// that a notification would otherwise render as a clickable command.
import { withNextStep } from '../shared/nextStep';
import { plainForMessage } from '../shared/foreignText';
import type { ModelStatus } from '../protocol/protocol';
import type { Translate } from './statusView';

export { withNextStep };

/** A failed request as the server described it. */
export interface Failure {
  message: string;
  /** What the user can do next (ResponseError data.next), when the server said. */
  next?: string;
  /** The server's name for the case (ResponseError data.code), e.g. 'http' for a refused download. */
  code?: string;
}

/** The message and next step of a failed request (a ResponseError from the server, or any error). */
export function failureOf(error: unknown): Failure {
  if (!(error instanceof Error)) return { message: String(error) };
  const data = (error as { data?: unknown }).data;
  const { next, code } = typeof data === 'object' && data !== null ? (data as { next?: unknown; code?: unknown }) : {};
  return { message: error.message, ...(typeof next === 'string' && next ? { next } : {}), ...(typeof code === 'string' ? { code } : {}) };
}

/** The error's message followed by the next step the server sent. */
export function describeFailure(error: unknown): string {
  const failure = failureOf(error);
  return withNextStep(failure.message, failure.next);
}

/**
 * A notification for a failed request: `sentence` says what failed around the server's message
 * (a vscode.l10n.t call, so the sentence is translated), and the next step follows it.
 */
export function failureNotice(sentence: (message: string) => string, error: unknown): string {
  const failure = failureOf(error);
  return withNextStep(sentence(failure.message), failure.next);
}

/** "MedLocal: <message> <hint>" for a model that failed to load. */
export function statusErrorNotice(status: ModelStatus): string {
  return plainForMessage(`MedLocal: ${withNextStep(status.message ?? '', status.hint)}`);
}

/** A warning about a usable backend (e.g. plain http to a remote server). */
export function statusWarningNotice(message: string): string {
  return plainForMessage(`MedLocal: ${message}`);
}

/** A window/showMessage sent by the server (e.g. an invalid setting value). */
export function serverNotice(message: string): string {
  return plainForMessage(message);
}

/** Dictionary files with skipped lines: how many, and the first problem. */
export interface DictionaryProblems {
  messages: ReadonlyArray<{ file: string; line: number; reason: string }>;
}

export function dictionaryNotice(broken: readonly DictionaryProblems[], t: Translate): string {
  const first = broken[0]?.messages[0];
  const where = first ? (first.line > 0 ? `${first.file}:${first.line}: ${first.reason}` : `${first.file}: ${first.reason}`) : '';
  return plainForMessage(t('MedLocal: {0} dictionary file(s) had problems. {1}', broken.length, where));
}
