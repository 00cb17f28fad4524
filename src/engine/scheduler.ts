// Hands out the context's sequences to work items. Interactive work (ask, hover, completion) is
// always served before background work (benchmark questions), and while more than one sequence
// exists, background work may never take the last free one, so an ask never waits for a whole
// benchmark question to finish. Each background item holds a sequence for one question only, so a
// running benchmark yields between questions.
import type { Priority } from './types';
import { format, msg, type Message } from '../shared/messages/index';
import { UserError } from '../shared/userError';

export interface Lease<S> {
  readonly sequence: S;
  /** Gives the sequence back; calling it twice is harmless. */
  release(): void;
}

export interface SchedulerStats {
  total: number;
  free: number;
  queued: { interactive: number; background: number };
}

interface Waiter<S> {
  priority: Priority;
  resolve(lease: Lease<S>): void;
  reject(error: Error): void;
  cleanup(): void;
}

export class SchedulerDisposedError extends UserError {
  constructor(reason: Message) {
    super(reason);
    this.name = 'SchedulerDisposedError';
  }
}

export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  // An internal reason string (a caller's abort(reason)) is kept for logs; users see 'cancelled'.
  const error = new Error(typeof reason === 'string' ? reason : format('en', msg('operationCancelled')));
  error.name = 'AbortError';
  return error;
}

export class SequenceScheduler<S> {
  private readonly free: S[];
  private readonly waiting: Waiter<S>[] = [];
  private disposedReason: Message | undefined;
  private readonly reserveForInteractive: number;
  /** Order in which leases were granted, for tests and diagnostics (bounded). */
  readonly grantLog: Priority[] = [];

  constructor(
    private readonly sequences: readonly S[],
    reserveForInteractive?: number,
  ) {
    this.reserveForInteractive = reserveForInteractive ?? (sequences.length > 1 ? 1 : 0);
    this.free = [...sequences];
  }

  acquire(priority: Priority, signal?: AbortSignal): Promise<Lease<S>> {
    if (this.disposedReason !== undefined) return Promise.reject(new SchedulerDisposedError(this.disposedReason));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Lease<S>>((resolve, reject) => {
      const onAbort = () => {
        this.remove(waiter);
        reject(abortError(signal));
      };
      const waiter: Waiter<S> = {
        priority,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.dispatch();
    });
  }

  stats(): SchedulerStats {
    return {
      total: this.sequences.length,
      free: this.free.length,
      queued: {
        interactive: this.waiting.filter((w) => w.priority === 'interactive').length,
        background: this.waiting.filter((w) => w.priority === 'background').length,
      },
    };
  }

  /** Rejects every waiter; later acquires fail. Leases already granted stay valid until released. */
  dispose(reason: Message): void {
    this.disposedReason = reason;
    for (const waiter of this.waiting.splice(0)) {
      waiter.cleanup();
      waiter.reject(new SchedulerDisposedError(reason));
    }
  }

  private dispatch(): void {
    while (this.free.length > 0) {
      const next = this.nextWaiter();
      if (!next) return;
      this.remove(next);
      next.cleanup();
      const sequence = this.free.pop() as S;
      this.grantLog.push(next.priority);
      if (this.grantLog.length > 1000) this.grantLog.shift();
      next.resolve(this.makeLease(sequence));
    }
  }

  private nextWaiter(): Waiter<S> | undefined {
    const interactive = this.waiting.find((w) => w.priority === 'interactive');
    if (interactive) return interactive;
    if (this.free.length <= this.reserveForInteractive) return undefined;
    return this.waiting.find((w) => w.priority === 'background');
  }

  private makeLease(sequence: S): Lease<S> {
    let released = false;
    return {
      sequence,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(sequence);
        this.dispatch();
      },
    };
  }

  private remove(waiter: Waiter<S>): void {
    const index = this.waiting.indexOf(waiter);
    if (index !== -1) this.waiting.splice(index, 1);
  }
}
