// MedLocal: Ask. The question (selection or current line) goes to the server; the answer streams
// into a marked blockquote right below it. Streaming edits share one undo group, so one undo
// removes the answer; Escape, the notification's Cancel, or closing the note stops generation on
// the server (the request is cancelled, not just the display).
import * as vscode from 'vscode';
import { plainForMessage } from '../shared/foreignText';
import { AskRequest, type AskResult } from '../protocol/protocol';
import { detectLanguage, type Language } from '../shared/language';
import { answerFooter, answerHeader, BlockquoteStream, contextBefore, questionFrom } from './answerBlock';
import type { MedLocalClient } from './client';
import { failureOf, withNextStep, type Failure } from './notices';

interface ActiveAsk {
  document: vscode.TextDocument;
  source: vscode.CancellationTokenSource;
  /** Offset just after the last inserted character of the answer block. */
  end: number;
  /** Text of our own pending edit, to tell it apart from the user's edits. */
  ownEdit: { offset: number; text: string } | undefined;
}

const ASKING_CONTEXT = 'medlocal.asking';
let partialTokenCounter = 0;

export class AskController implements vscode.Disposable {
  private readonly active = new Map<string, ActiveAsk>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: MedLocalClient) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.trackEdits(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.active.get(document.uri.toString())?.source.cancel()),
    );
  }

  /** Cancels the ask of the given document, or every ask. */
  cancel(uri?: vscode.Uri): void {
    for (const [key, ask] of this.active) if (!uri || key === uri.toString()) ask.source.cancel();
  }

  get running(): number {
    return this.active.size;
  }

  async ask(editor = vscode.window.activeTextEditor): Promise<AskResult | undefined> {
    if (!editor) return undefined;
    const document = editor.document;
    if (this.active.has(document.uri.toString())) {
      void vscode.window.showInformationMessage(vscode.l10n.t('MedLocal is already answering in this note. Press Escape to cancel it.'));
      return undefined;
    }
    if (!(await this.ensureModel())) return undefined;
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const selection = editor.selection.isEmpty ? undefined : document.getText(editor.selection);
    const question = questionFrom(lines, editor.selection.end.line, selection);
    if (!question) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Select a question, or put the cursor on a question line, then run MedLocal: Ask.'));
      return undefined;
    }
    const config = vscode.workspace.getConfiguration('medlocal', document);
    const setting = config.get<string>('answer.language', 'auto');
    const language: Language = setting === 'ja' || setting === 'en' ? setting : detectLanguage(question.text);
    const maxTokens = config.get<number>('answer.maxTokens', 512);
    const context = contextBefore(lines, question.startLine, config.get<number>('answer.contextLines', 20));
    const modelName = this.client.api.getStatus()?.model?.name ?? 'model';

    const insertAt = document.offsetAt(document.lineAt(question.endLine).range.end);
    const ask: ActiveAsk = { document, source: new vscode.CancellationTokenSource(), end: insertAt, ownEdit: undefined };
    this.active.set(document.uri.toString(), ask);
    await vscode.commands.executeCommand('setContext', ASKING_CONTEXT, true);
    try {
      await this.insert(ask, `\n\n${answerHeader(language, modelName, new Date())}`, { first: true });
      return await this.stream(ask, question.text, language, maxTokens, context);
    } finally {
      this.active.delete(document.uri.toString());
      ask.source.dispose();
      await vscode.commands.executeCommand('setContext', ASKING_CONTEXT, this.active.size > 0);
    }
  }

  dispose(): void {
    this.cancel();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private async stream(ask: ActiveAsk, question: string, language: Language, maxTokens: number, context: string): Promise<AskResult | undefined> {
    const client = this.client.languageClient;
    if (!client) throw new Error('The MedLocal server is not running.');
    const stream = new BlockquoteStream();
    const partialResultToken = `medlocal-ask-${++partialTokenCounter}`;
    let pending = '';
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      flushing = flushing.then(async () => {
        if (!pending) return;
        const text = pending;
        pending = '';
        await this.insert(ask, text);
      });
      return flushing;
    };
    const progress = client.onProgress(AskRequest.partialResult, partialResultToken, (chunk) => {
      pending += stream.push(chunk.text);
      void flush();
    });
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('MedLocal is answering… (Escape cancels)'), cancellable: true },
      async (_progress, cancelToken) => {
        const subscription = cancelToken.onCancellationRequested(() => ask.source.cancel());
        let result: AskResult | undefined;
        let failure: Failure | undefined;
        try {
          result = await client.sendRequest(AskRequest.type, { uri: ask.document.uri.toString(), question, language, maxTokens, partialResultToken, ...(context ? { context } : {}) }, ask.source.token);
        } catch (error) {
          if (!ask.source.token.isCancellationRequested) failure = failureOf(error);
        } finally {
          subscription.dispose();
          progress.dispose();
        }
        await flush();
        const cancelled = ask.source.token.isCancellationRequested || result?.stopReason === 'cancelled';
        // The note gets what happened; the notification also the next step.
        const outcome = failure ? { kind: 'failed' as const, reason: failure.message } : cancelled ? { kind: 'cancelled' as const } : { kind: 'complete' as const };
        await this.insert(ask, answerFooter(language, outcome), { last: true });
        if (failure) void vscode.window.showErrorMessage(plainForMessage(withNextStep(vscode.l10n.t('MedLocal could not finish the answer: {0}', failure.message), failure.next)));
        return result;
      },
    );
  }

  /** Inserts at the end of the answer block, in the ask's undo group. */
  private async insert(ask: ActiveAsk, text: string, stops: { first?: boolean; last?: boolean } = {}): Promise<void> {
    if (!text) return;
    const position = ask.document.positionAt(ask.end);
    ask.ownEdit = { offset: ask.end, text };
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === ask.document);
    let applied: boolean;
    if (editor) {
      applied = await editor.edit((builder) => builder.insert(position, text), { undoStopBefore: stops.first === true, undoStopAfter: stops.last === true });
    } else {
      // The note is not visible (another tab is active): a workspace edit still lands in it.
      const edit = new vscode.WorkspaceEdit();
      edit.insert(ask.document.uri, position, text);
      applied = await vscode.workspace.applyEdit(edit);
    }
    ask.ownEdit = undefined;
    if (applied) ask.end += text.length;
  }

  /** Keeps the insertion point right when the user edits elsewhere while the answer streams. */
  private trackEdits(event: vscode.TextDocumentChangeEvent): void {
    const ask = this.active.get(event.document.uri.toString());
    if (!ask) return;
    for (const change of event.contentChanges) {
      const own = ask.ownEdit;
      if (own && change.rangeOffset === own.offset && change.rangeLength === 0 && change.text === own.text) continue;
      if (change.rangeOffset < ask.end) ask.end += change.text.length - Math.min(change.rangeLength, ask.end - change.rangeOffset);
    }
  }

  private async ensureModel(): Promise<boolean> {
    const status = this.client.api.getStatus();
    if (this.client.running && status && (status.state === 'ready' || status.state === 'loading')) return true;
    const pick = vscode.l10n.t('Choose a GGUF File…');
    const settings = vscode.l10n.t('Open Settings');
    const message =
      status?.state === 'error'
        ? vscode.l10n.t('The model is not usable: {0}', status.message ?? '')
        : vscode.l10n.t('MedLocal has no model to answer with. Set medlocal.model.path to a GGUF model file.');
    const choice = await vscode.window.showWarningMessage(plainForMessage(message), pick, settings);
    if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'medlocal.model.path');
    if (choice === pick) {
      const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'GGUF model': ['gguf'] }, title: vscode.l10n.t('Choose a GGUF model') });
      const file = files?.[0];
      if (file) await vscode.workspace.getConfiguration('medlocal').update('model.path', file.fsPath, vscode.ConfigurationTarget.Global);
    }
    return false;
  }
}
