// The palette commands: restart, logs, status, ask, cancel.
import * as vscode from 'vscode';
import type { AskController } from './ask';
import type { MedLocalClient } from './client';
import { formatBytes } from './statusView';

export function registerCommands(client: MedLocalClient, asks: AskController): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('medlocal.restartServer', async () => {
      await client.restart();
    }),
    vscode.commands.registerCommand('medlocal.showLogs', () => client.log.show()),
    vscode.commands.registerCommand('medlocal.showStatus', () => showStatus(client)),
    vscode.commands.registerCommand('medlocal.ask', () => asks.ask()),
    vscode.commands.registerCommand('medlocal.askLine', async (uri: vscode.Uri, line: number) => {
      const editor = await vscode.window.showTextDocument(uri);
      editor.selection = new vscode.Selection(line, 0, line, 0);
      return asks.ask(editor);
    }),
    vscode.commands.registerCommand('medlocal.cancel', () => asks.cancel(vscode.window.activeTextEditor?.document.uri)),
  ];
}

async function showStatus(client: MedLocalClient): Promise<void> {
  const status = client.api.getStatus();
  if (!client.running || !status) {
    const restart = vscode.l10n.t('Restart Server');
    const pick = await vscode.window.showWarningMessage(vscode.l10n.t('The MedLocal server is not running.'), restart);
    if (pick === restart) await client.restart();
    return;
  }
  const info = await client.modelInfo().catch(() => null);
  const lines: string[] = [];
  if (info) {
    lines.push(
      `${info.model.name} — ${info.model.architecture}, ${info.model.quantization}, ${formatBytes(info.model.sizeBytes)}`,
      vscode.l10n.t('Backend: {0}, GPU layers: {1}', info.backend, info.gpuLayers),
      vscode.l10n.t('Threads: {0}, sequences: {1}, context: {2} tokens', info.threads, info.sequences, info.model.contextSize),
      info.model.path,
    );
    if (info.fallbackReason) lines.push(info.fallbackReason);
  } else {
    lines.push(status.message ?? status.state);
    if (status.hint) lines.push(status.hint);
  }
  const openSettings = vscode.l10n.t('Open Settings');
  const showLogs = vscode.l10n.t('Show Logs');
  const pick = await vscode.window.showInformationMessage(vscode.l10n.t('MedLocal status'), { modal: true, detail: lines.join('\n') }, openSettings, showLogs);
  if (pick === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', 'medlocal');
  if (pick === showLogs) client.log.show();
}
