// What the extension tells the user when a request to the server fails: the server's message
// (already in the user's language) and the next step the server sent in the ResponseError's data.
// Plain functions, no `vscode` import, so they are unit-tested without an editor.
import { withNextStep } from '../shared/nextStep';

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
