// The text of the notifications that carry what the server, a file or a setting said: plain
// functions, no `vscode` import, so they are unit tested. `t` localizes (vscode.l10n.t in the
// extension, a formatter in tests). Each result has been through plainForMessage: the data in it
// (a dictionary value, GGUF metadata, a setting, a remote server's words) can carry link syntax
// that a notification would otherwise render as a clickable command.
import { plainForMessage } from '../shared/foreignText';
import type { ModelStatus } from '../protocol/protocol';
import type { Translate } from './statusView';

/** "MedLocal: <message> <hint>" for a model that failed to load. */
export function statusErrorNotice(status: ModelStatus): string {
  return plainForMessage(`MedLocal: ${status.message ?? ''} ${status.hint ?? ''}`);
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
