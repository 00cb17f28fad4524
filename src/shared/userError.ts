// The one error type a user acts on: what happened and the next step, as catalogue messages that
// the edge renders in the reader's locale. `message` (Error's own) is the English text, for logs.
import { format, msg, type Locale, type Message } from './messages/index';

export class UserError extends Error {
  readonly text: Message;
  readonly next: Message | undefined;
  /** A stable name for the case (e.g. 'modelFile', 'download'), for code that reacts to it. */
  readonly code: string | undefined;

  constructor(text: Message, next?: Message, code?: string) {
    super(format('en', text));
    this.name = 'UserError';
    this.text = text;
    this.next = next;
    this.code = code;
  }
}

/** Node.js file-system errors worded through the catalogue (the path and the operation kept). */
const FS_ERRORS: Record<string, 'fsPermissionDenied' | 'fsNotPermitted' | 'fsReadOnly' | 'fsNotFound' | 'fsNotADirectory' | 'fsNoSpace'> = {
  EACCES: 'fsPermissionDenied',
  EPERM: 'fsNotPermitted',
  EROFS: 'fsReadOnly',
  ENOENT: 'fsNotFound',
  ENOTDIR: 'fsNotADirectory',
  ENOSPC: 'fsNoSpace',
};

/** What went wrong, as a message: a UserError's own, a cancellation, a file-system error, or the error's text. */
export function errorMessage(error: unknown): Message {
  if (error instanceof UserError) return error.text;
  if (error instanceof Error && error.name === 'AbortError') return msg('cancelled');
  const { code, path, syscall } = (error ?? {}) as { code?: unknown; path?: unknown; syscall?: unknown };
  const key = typeof code === 'string' ? FS_ERRORS[code] : undefined;
  if (key && typeof syscall === 'string') return key === 'fsNoSpace' ? msg(key, syscall) : typeof path === 'string' ? msg(key, path, syscall) : msg('plainText', errorText(error));
  return msg('plainText', errorText(error));
}

/** The error's own text, untranslated (a library's or a server's words). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What went wrong, as text in `locale`. */
export function describeError(error: unknown, locale: Locale): string {
  return format(locale, errorMessage(error));
}

/** The next step a UserError carries, as text in `locale`. */
export function describeNext(error: unknown, locale: Locale): string | undefined {
  return error instanceof UserError && error.next ? format(locale, error.next) : undefined;
}
