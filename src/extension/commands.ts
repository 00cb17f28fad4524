// The palette commands: restart, logs, status, ask, cancel.
import * as vscode from 'vscode';
import type { AskController } from './ask';
import type { MedLocalClient } from './client';
import type { ModelCommands } from './models';

export function registerCommands(client: MedLocalClient, asks: AskController, models: ModelCommands): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('medlocal.restartServer', async () => {
      await client.restart();
    }),
    vscode.commands.registerCommand('medlocal.showLogs', () => client.log.show()),
    vscode.commands.registerCommand('medlocal.showStatus', () => models.showStatus()),
    vscode.commands.registerCommand('medlocal.selectModel', (path?: string) => models.selectModel(typeof path === 'string' ? path : undefined)),
    vscode.commands.registerCommand('medlocal.downloadModel', (uri?: string) => models.downloadModel(typeof uri === 'string' ? uri : undefined)),
    vscode.commands.registerCommand('medlocal.ask', () => asks.ask()),
    vscode.commands.registerCommand('medlocal.askLine', async (uri: vscode.Uri, line: number) => {
      const editor = await vscode.window.showTextDocument(uri);
      editor.selection = new vscode.Selection(line, 0, line, 0);
      return asks.ask(editor);
    }),
    vscode.commands.registerCommand('medlocal.cancel', () => asks.cancel(vscode.window.activeTextEditor?.document.uri)),
  ];
}
