// The parent's side of the engine process: EngineProcess forks dist/engine.js and matches replies
// to requests; ProcessEngine is the HostedEngine the language server (and the CLI with
// --engine-process) uses, each call one message to the child. When the child dies (an exit, a
// signal, an abort inside llama.cpp) every pending call rejects with a UserError that names the
// exit code or signal, and the `onStopped` listeners hear it (the model host restarts the engine).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HostedEngine } from '../hosted';
import type { ModelInfo } from '../modelInfo';
import type { SchedulerStats } from '../scheduler';
import { abortError } from '../scheduler';
import type { CandidateScore, ContinuationScore, GenerateOptions, GenerateResult, Prompt, RequestOptions } from '../types';
import { msg } from '../../shared/messages/index';
import { UserError } from '../../shared/userError';
import type { ChildMessage, DoctorReply, DoctorRequest, EngineCalls, EngineOp, LoadRequest } from './protocol';
import { fromWire } from './wire';

/** dist/engine.js next to the running bundle; from the TypeScript sources (tests), the built one. */
export function engineScriptPath(): string {
  const fromEnv = process.env.MEDLOCAL_ENGINE_SCRIPT;
  if (fromEnv) return fromEnv;
  const beside = path.join(__dirname, 'engine.js');
  return existsSync(beside) ? beside : path.resolve(__dirname, '..', '..', '..', 'dist', 'engine.js');
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onChunk?: (text: string) => void;
  onProgress?: (fraction: number) => void;
}

export interface EngineProcessOptions {
  log?: (message: string) => void;
}

/** How the child ended, as a user-facing error: what happened (exit code or signal) and the next step. */
export function stoppedError(code: number | null, signal: NodeJS.Signals | null): UserError {
  return new UserError(msg('engineProcessStopped', describeExit(code, signal)), msg('nextEngineRestarts'), ENGINE_STOPPED);
}

/** The UserError code of a call that the engine process's death ended. */
export const ENGINE_STOPPED = 'engineStopped';

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

export class EngineProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError: UserError | undefined;
  private closing = false;
  private readonly stoppedListeners = new Set<(error: UserError, how: string) => void>();
  /** Settles when the child has exited (however). */
  readonly exited: Promise<void>;
  readonly started: Promise<void>;
  tokensGenerated = 0;
  scheduler: SchedulerStats = { total: 0, free: 0, queued: { interactive: 0, background: 0 } };

  constructor(private readonly options: EngineProcessOptions = {}) {
    // stdout/stderr are piped, never inherited: the server's stdout is the LSP stream.
    this.child = fork(engineScriptPath(), [], { serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.log?.(`[engine] ${line.trimEnd()}`);
    };
    this.child.stdout?.on('data', forward);
    this.child.stderr?.on('data', forward);
    let markStarted: () => void = () => undefined;
    let failStart: (error: Error) => void = () => undefined;
    this.started = new Promise<void>((resolve, reject) => ((markStarted = resolve), (failStart = reject)));
    this.started.catch(() => undefined);
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'started') markStarted();
      else this.receive(message);
    });
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        const error = this.closing ? new UserError(msg('modelUnloaded')) : stoppedError(code, signal);
        this.exitError = error;
        failStart(error);
        for (const pending of this.pending.values()) pending.reject(error);
        this.pending.clear();
        if (!this.closing) {
          const how = describeExit(code, signal);
          options.log?.(`Engine process ${this.child.pid ?? '?'} stopped (${how}).`);
          for (const listener of this.stoppedListeners) listener(error, how);
        }
        resolve();
      });
    });
    this.child.on('error', (error) => options.log?.(`Engine process: ${error.message}`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onStopped(listener: (error: UserError, how: string) => void): () => void {
    this.stoppedListeners.add(listener);
    return () => this.stoppedListeners.delete(listener);
  }

  call<K extends EngineOp>(
    op: K,
    args: EngineCalls[K]['args'],
    options: { signal?: AbortSignal | undefined; onChunk?: (text: string) => void; onProgress?: (fraction: number) => void } = {},
  ): Promise<EngineCalls[K]['reply']> {
    if (this.exitError) return Promise.reject(this.exitError);
    if (this.closing || !this.child.connected) return Promise.reject(new UserError(msg('modelUnloaded')));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = this.nextId++;
    return new Promise<EngineCalls[K]['reply']>((resolve, reject) => {
      const onAbort = () => this.child.connected && this.child.send({ type: 'cancel', id });
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (value) => (done(), resolve(value as EngineCalls[K]['reply'])),
        reject: (error) => (done(), reject(error)),
        ...(options.onChunk ? { onChunk: options.onChunk } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.child.send({ type: 'call', id, op, args } as never);
    });
  }

  /** Ends the child: pending calls reject with "the model was unloaded"; SIGKILL if it does not exit in 5 s. */
  async close(): Promise<void> {
    if (this.exitError) return;
    this.closing = true;
    for (const pending of this.pending.values()) pending.reject(new UserError(msg('modelUnloaded')));
    this.pending.clear();
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private receive(message: Exclude<ChildMessage, { type: 'started' }>): void {
    switch (message.type) {
      case 'log':
        this.options.log?.(message.message);
        return;
      case 'stats':
        this.tokensGenerated = message.tokensGenerated;
        this.scheduler = message.scheduler;
        return;
      case 'chunk':
        this.pending.get(message.id)?.onChunk?.(message.text);
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.fraction);
        return;
      case 'result':
        this.pending.get(message.id)?.resolve(message.value);
        return;
      case 'error':
        this.pending.get(message.id)?.reject(fromWire(message.error));
        return;
    }
  }
}

export interface ProcessEngineLoadOptions extends LoadRequest {
  signal?: AbortSignal;
  log?: (message: string) => void;
  onProgress?: (fraction: number) => void;
}

/** A local model served by an engine process: the HostedEngine the server sees. */
export class ProcessEngine implements HostedEngine {
  /** The last generate's report of chunks produced after its cancel reached the child (tests, logs). */
  lastCancelReport: { chunks: number } | undefined;

  private constructor(
    private readonly process: EngineProcess,
    readonly info: ModelInfo,
  ) {}

  static async load(options: ProcessEngineLoadOptions): Promise<ProcessEngine> {
    const child = new EngineProcess(options.log ? { log: options.log } : {});
    try {
      await child.started;
      const { signal, onProgress, log: _log, ...request } = options;
      const info = await child.call('load', request, { signal, ...(onProgress ? { onProgress } : {}) });
      return new ProcessEngine(child, info);
    } catch (error) {
      await child.close();
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get tokensGenerated(): number {
    return this.process.tokensGenerated;
  }

  schedulerStats(): SchedulerStats {
    return this.process.scheduler;
  }

  onStopped(listener: (error: UserError, how: string) => void): () => void {
    return this.process.onStopped(listener);
  }

  scoreNextTokens(prompt: Prompt, candidates: string[], options: RequestOptions = {}): Promise<CandidateScore[]> {
    return this.process.call('scoreNextTokens', { prompt, candidates, ...(options.priority ? { priority: options.priority } : {}) }, { signal: options.signal });
  }

  scoreContinuations(prompt: Prompt, continuations: string[], options: RequestOptions = {}): Promise<ContinuationScore[]> {
    return this.process.call('scoreContinuations', { prompt, continuations, ...(options.priority ? { priority: options.priority } : {}) }, { signal: options.signal });
  }

  async generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult> {
    const { signal, onTextChunk, ...rest } = options;
    const reply = await this.process.call('generate', { prompt, ...rest, stream: onTextChunk !== undefined }, { signal, ...(onTextChunk ? { onChunk: onTextChunk } : {}) });
    const { afterCancel, ...result } = reply;
    this.lastCancelReport = afterCancel ? { chunks: afterCancel.chunks } : undefined;
    return result;
  }

  countTokens(text: string): Promise<number> {
    return this.process.call('countTokens', { text });
  }

  diagnose(request: DoctorRequest): Promise<DoctorReply> {
    return this.process.call('doctor', request);
  }

  dispose(): Promise<void> {
    return this.process.close();
  }
}

/** The GPU doctor in a short-lived engine process, for when no local model is loaded. */
export async function diagnoseInChild(request: DoctorRequest, log?: (message: string) => void): Promise<DoctorReply> {
  const child = new EngineProcess(log ? { log } : {});
  try {
    await child.started;
    return await child.call('doctor', request);
  } finally {
    await child.close();
  }
}
