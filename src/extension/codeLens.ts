// "Ask MedLocal" above lines that look like questions (Q:, 質問:, ending in ? or ？).
import * as vscode from 'vscode';
import { looksLikeQuestion } from './answerBlock';

export class QuestionCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('medlocal', document).get<boolean>('codeLens.enabled', true)) return [];
    const lenses: vscode.CodeLens[] = [];
    for (let line = 0; line < document.lineCount && !token.isCancellationRequested; line++) {
      const text = document.lineAt(line).text;
      if (!looksLikeQuestion(text)) continue;
      const range = new vscode.Range(line, 0, line, text.length);
      lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('Ask MedLocal'), command: 'medlocal.askLine', arguments: [document.uri, line] }));
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
