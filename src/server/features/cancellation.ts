// LSP cancellation tokens become AbortSignals, so a cancelled request stops the work it started.
import { ResponseError, ErrorCodes, type CancellationToken, type Disposable } from 'vscode-languageserver';
import type { Locale } from '../../shared/messages/index';
import { describeError, describeNext, UserError } from '../../shared/userError';

export interface LinkedSignal extends Disposable {
  signal: AbortSignal;
}

export function signalFromToken(token: CancellationToken): LinkedSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const subscription = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => subscription.dispose() };
}

/** What a failed request carries besides its message: the next step, and the UserError's code. */
export interface UserErrorData {
  next?: string;
  code?: string;
}

/**
 * Errors travel as ResponseErrors with the message in the client's locale; one the user can act on
 * (a UserError) carries the next step and its code in `data`.
 */
export function toResponseError(error: unknown, locale: Locale): ResponseError<UserErrorData> {
  if (error instanceof ResponseError) return error as ResponseError<UserErrorData>;
  const message = describeError(error, locale);
  if (error instanceof Error && error.name === 'AbortError') return new ResponseError(-32800 /* RequestCancelled */, message);
  if (!(error instanceof UserError)) return new ResponseError(ErrorCodes.InternalError, message);
  const next = describeNext(error, locale);
  return new ResponseError(ErrorCodes.InvalidRequest, message, { ...(next ? { next } : {}), ...(error.code ? { code: error.code } : {}) });
}
