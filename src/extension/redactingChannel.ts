// The MedLocal log channel, which is also where vscode-languageclient writes its protocol trace
// (`medlocal.trace.server`: verbose prints every request's params, setSecrets included). Every
// line passes through redactTrace first: fields named like a key, token, secret, password or
// authorization are masked, and so is the current API key wherever it appears.
import type * as vscode from 'vscode';
import { redactTrace } from '../shared/secrets';

export class RedactingLogChannel implements vscode.LogOutputChannel {
  constructor(
    private readonly inner: vscode.LogOutputChannel,
    /** The secrets to mask as of now (the key can change while the channel lives). */
    private readonly secrets: () => ReadonlyArray<string | undefined>,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get logLevel(): vscode.LogLevel {
    return this.inner.logLevel;
  }

  get onDidChangeLogLevel(): vscode.Event<vscode.LogLevel> {
    return this.inner.onDidChangeLogLevel;
  }

  redact(text: string): string {
    return redactTrace(text, this.secrets());
  }

  trace(message: string, ...args: unknown[]): void {
    this.inner.trace(this.redact(message), ...this.redactArgs(args));
  }

  debug(message: string, ...args: unknown[]): void {
    this.inner.debug(this.redact(message), ...this.redactArgs(args));
  }

  info(message: string, ...args: unknown[]): void {
    this.inner.info(this.redact(message), ...this.redactArgs(args));
  }

  warn(message: string, ...args: unknown[]): void {
    this.inner.warn(this.redact(message), ...this.redactArgs(args));
  }

  error(error: string | Error, ...args: unknown[]): void {
    const text = typeof error === 'string' ? error : (error.stack ?? `${error.name}: ${error.message}`);
    this.inner.error(this.redact(text), ...this.redactArgs(args));
  }

  append(value: string): void {
    this.inner.append(this.redact(value));
  }

  appendLine(value: string): void {
    this.inner.appendLine(this.redact(value));
  }

  replace(value: string): void {
    this.inner.replace(this.redact(value));
  }

  clear(): void {
    this.inner.clear();
  }

  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === 'number') this.inner.show(columnOrPreserveFocus, preserveFocus);
    else this.inner.show(columnOrPreserveFocus);
  }

  hide(): void {
    this.inner.hide();
  }

  dispose(): void {
    this.inner.dispose();
  }

  /** Extra arguments are formatted by VS Code: hand it text that is already masked. */
  private redactArgs(args: unknown[]): string[] {
    return args.map((arg) => this.redact(typeof arg === 'string' ? arg : arg instanceof Error ? arg.message : safeJson(arg)));
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
