// Helpers shared by the integration tests. They wait on the extension's own events, always with a
// bounded timeout whose error says what was seen (no fixed sleeps).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelStatus } from '../../../src/protocol/protocol';

export const EXTENSION_ID = 'medlocal.medlocal';

/** What the extension's activate() returns (see src/extension/client.ts). */
export interface MedLocalApi {
  getStatus(): ModelStatus | undefined;
  onDidChangeStatus: vscode.Event<ModelStatus>;
  restartServer(): Promise<void>;
  serverPid(): number | undefined;
}

export const READY_TIMEOUT_MS = Number(process.env.MEDLOCAL_IT_READY_TIMEOUT_MS ?? 60_000);

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open (expected test/fixtures/workspace)');
  return folder.uri.fsPath;
}

export async function openNote(relativePath: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), relativePath));
  return vscode.window.showTextDocument(doc);
}

export async function activateMedLocal(): Promise<MedLocalApi> {
  const ext = vscode.extensions.getExtension<MedLocalApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this extension host`);
  const api = await ext.activate();
  if (!api || typeof api.getStatus !== 'function') {
    throw new Error(`activate() of ${EXTENSION_ID} returned ${JSON.stringify(api)}, not the MedLocal API`);
  }
  return api;
}

export function describe(status: ModelStatus | undefined): string {
  if (!status) return 'undefined';
  const parts: string[] = [status.state];
  if (status.progress !== undefined) parts.push(`${Math.round(status.progress * 100)}%`);
  if (status.message) parts.push(`message=${JSON.stringify(status.message)}`);
  if (status.hint) parts.push(`hint=${JSON.stringify(status.hint)}`);
  return parts.join(' ');
}

/** Records every status event from now on. */
export class StatusRecorder implements vscode.Disposable {
  readonly seen: ModelStatus[] = [];
  private readonly sub: vscode.Disposable;
  private waiters: Array<() => void> = [];

  constructor(private readonly api: MedLocalApi) {
    this.sub = api.onDidChangeStatus((status) => {
      this.seen.push(status);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  history(): string {
    return this.seen.length ? this.seen.map((s) => s.state).join(' → ') : '(no status events)';
  }

  /**
   * Resolves with the first recorded status (from `from` on) that matches. With `includeCurrent`,
   * the status the API reports right now counts too. Rejects early on a state in `failOn`.
   */
  async waitFor(
    what: string,
    match: (s: ModelStatus) => boolean,
    opts: { from?: number; includeCurrent?: boolean; failOn?: Array<ModelStatus['state']>; timeoutMs?: number } = {},
  ): Promise<ModelStatus> {
    const { from = 0, includeCurrent = false, failOn = [], timeoutMs = READY_TIMEOUT_MS } = opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (includeCurrent) {
        const now = this.api.getStatus();
        if (now && match(now)) return now;
      }
      for (const s of this.seen.slice(from)) {
        if (match(s)) return s;
        if (failOn.includes(s.state)) {
          throw new Error(`waiting for ${what}: got ${describe(s)} (history: ${this.history()})`);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `waiting for ${what}: nothing after ${timeoutMs} ms; current status: ${describe(this.api.getStatus())}; history: ${this.history()}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  dispose(): void {
    this.sub.dispose();
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * The server's pid arrives shortly after the client is running (a request to the server), and
 * there is no event for it: check it at a short interval, bounded.
 */
export async function waitForPid(api: MedLocalApi, notPid: number | undefined, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = api.serverPid();
    if (pid !== undefined && pid !== notPid) return pid;
    if (Date.now() > deadline) {
      throw new Error(`serverPid() is ${pid} after ${timeoutMs} ms (waiting for a pid other than ${notPid}); status: ${describe(api.getStatus())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
