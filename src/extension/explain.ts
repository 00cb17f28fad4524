// MedLocal: Explain Term. Streams the model's short explanation of a term into a read-only
// document beside the note (labelled as model-generated); the server caches it, so the next hover
// over the term shows it too.
import * as vscode from 'vscode';
import { markdownInline, plainForMessage } from '../shared/foreignText';
import { ExplainTermRequest, type ExplainTermResult } from '../protocol/protocol';
import type { MedLocalClient } from './client';
import { describeFailure } from './notices';

export const EXPLAIN_SCHEME = 'medlocal-explain';
let counter = 0;

interface ExplainArgs {
  term?: string;
  entryId?: string;
  uri?: string;
}

export class ExplainController implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly client: MedLocalClient) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  async explain(args: ExplainArgs | undefined): Promise<ExplainTermResult | undefined> {
    const term = args?.term ?? (await this.termFromEditor());
    if (!term) return undefined;
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The MedLocal server is not running.'));
      return undefined;
    }
    const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${encodeURIComponent(term)}.md`, query: String(++counter) });
    const key = uri.toString();
    const heading = `# ${markdownInline(term)}\n\n`;
    this.contents.set(key, `${heading}_${vscode.l10n.t('Model-generated explanation, streaming…')}_\n\n`);
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    const token = `medlocal-explain-${counter}`;
    let text = '';
    const progress = languageClient.onProgress(ExplainTermRequest.partialResult, token, (chunk) => {
      text += chunk.text;
      this.contents.set(key, `${heading}_${vscode.l10n.t('Model-generated explanation, streaming…')}_\n\n${text}`);
      this.changed.fire(uri);
    });
    try {
      const result = await languageClient.sendRequest(ExplainTermRequest.type, { term, entryId: args?.entryId, uri: args?.uri, language: 'auto', partialResultToken: token });
      this.contents.set(key, `${heading}_${vscode.l10n.t('Model-generated ({0}). Check against an authoritative source.', markdownInline(result.model))}_\n\n${result.text}\n`);
      this.changed.fire(uri);
      return result;
    } catch (error) {
      const message = describeFailure(error);
      this.contents.set(key, `${heading}${text}\n\n_${vscode.l10n.t('Incomplete: {0}', markdownInline(message))}_\n`);
      this.changed.fire(uri);
      void vscode.window.showErrorMessage(plainForMessage(vscode.l10n.t('MedLocal could not explain the term: {0}', message)));
      return undefined;
    } finally {
      progress.dispose();
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }

  private async termFromEditor(): Promise<string | undefined> {
    const editor = vscode.window.activeTextEditor;
    const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
    if (selected) return selected;
    return vscode.window.showInputBox({ prompt: vscode.l10n.t('Medical term to explain') });
  }
}
