// What the CLI's modules share: exit codes, the usage error, the output streams.
import type { Locale, Message } from '../shared/messages/index';
import { UserError } from '../shared/userError';

/** 0 done, 1 the run failed, 2 bad usage or input, 130 cancelled (Ctrl-C; resumable). */
export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

/** The command line is wrong: exit 2, with the usage text. */
export class UsageError extends UserError {
  constructor(text: Message, next?: Message) {
    super(text, next);
    this.name = 'UsageError';
  }
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The language messages are written in. */
  locale: Locale;
}
