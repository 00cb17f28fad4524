// LSP cancellation tokens become AbortSignals, so a cancelled request stops the work it started.
import { ResponseError, ErrorCodes, type CancellationToken, type Disposable } from 'vscode-languageserver';
import { localize } from '../i18n';
import { ModelUnavailableError } from '../modelHost';

export interface LinkedSignal extends Disposable {
  signal: AbortSignal;
}

export function signalFromToken(token: CancellationToken): LinkedSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const subscription = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => subscription.dispose() };
}

/** Errors the user can act on travel as ResponseErrors carrying the hint in `data`. */
export function toResponseError(error: unknown): ResponseError<{ hint?: string }> {
  if (error instanceof ResponseError) return error as ResponseError<{ hint?: string }>;
  if (error instanceof ModelUnavailableError) return new ResponseError(ErrorCodes.InvalidRequest, localize(error.message), { hint: localize(error.hint) });
  if (error instanceof Error && error.name === 'AbortError') return new ResponseError(-32800 /* RequestCancelled */, localize('Cancelled'));
  return new ResponseError(ErrorCodes.InternalError, localize(error instanceof Error ? error.message : String(error)));
}
