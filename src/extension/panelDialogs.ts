// The benchmark panel's dialogs: choosing a dataset (an IgakuQA folder, or a file and the layout
// to read it as) and changing the model.
import * as vscode from 'vscode';
import { DATASET_KINDS } from '../protocol/webviewMessages';
import { format, type Strings } from '../view/strings';

/** The kinds a single chosen file can be read as (igakuqa is a folder, sample no file at all). */
const FILE_DATASET_KINDS = DATASET_KINDS.filter((kind) => kind !== 'igakuqa' && kind !== 'sample');

/** Asks for a dataset; resolves with its `kind:path` argument, or undefined when cancelled. */
export async function chooseDataset(kind: 'folder' | 'file', t: Strings): Promise<string | undefined> {
  if (kind === 'folder') {
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title: t.browseFolderTitle });
    return folder?.[0] ? `igakuqa:${folder[0].fsPath}` : undefined;
  }
  const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Datasets: ['jsonl', 'json', 'csv'] }, title: t.browseFileTitle });
  const chosen = file?.[0];
  if (!chosen) return undefined;
  const kinds = chosen.fsPath.toLowerCase().endsWith('.csv') ? ['csv', ...FILE_DATASET_KINDS.filter((k) => k !== 'csv')] : [...FILE_DATASET_KINDS];
  const picked = await vscode.window.showQuickPick(kinds, { title: format(t.browseKindTitle, chosen.fsPath) });
  return picked ? `${picked}:${chosen.fsPath}` : undefined;
}

/** medlocal.selectModel when it exists; otherwise the model path setting. */
export async function changeModel(): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes('medlocal.selectModel')) await vscode.commands.executeCommand('medlocal.selectModel');
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'medlocal.model.path');
}
