// Note continuation as ghost text (off by default: medlocal.inlineCompletion.enabled). Debounced,
// cancelled when the user types, never requested during an IME composition, short (it stops at the
// end of the sentence or line).
import * as vscode from 'vscode';
import { ContinueNoteRequest } from '../protocol/protocol';
import type { MedLocalClient } from './client';
import { CompositionTracker } from './composition';

const DEBOUNCE_MS = 350;

export class NoteContinuationProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly tracker = new CompositionTracker();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly client: MedLocalClient) {
    this.disposables = [
      vscode.workspace.onDidChangeTextDocument((event) => this.tracker.update(event.document.uri.toString(), event.contentChanges)),
      vscode.workspace.onDidCloseTextDocument((document) => this.tracker.forget(document.uri.toString())),
    ];
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    if (!vscode.workspace.getConfiguration('medlocal', document).get<boolean>('inlineCompletion.enabled', false)) return [];
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running || this.client.api.getStatus()?.state !== 'ready') return [];
    if (!(await debounce(token))) return [];
    const composing = this.tracker.isComposing(document.uri.toString());
    const result = await languageClient.sendRequest(ContinueNoteRequest.type, { uri: document.uri.toString(), offset: document.offsetAt(position), composing }, token).catch(() => undefined);
    if (!result?.text || token.isCancellationRequested) return [];
    return [new vscode.InlineCompletionItem(result.text, new vscode.Range(position, position))];
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** Waits out the debounce; false when the request was cancelled meanwhile (the user typed on). */
function debounce(token: vscode.CancellationToken): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(!token.isCancellationRequested);
    }, DEBOUNCE_MS);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(false);
    });
  });
}
