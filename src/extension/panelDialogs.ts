// The benchmark panel's dialogs: choosing a dataset (an IgakuQA folder, or a file and the layout
// to read it as), predictions to import (the path, the model, the protocol) and changing the model.
import * as vscode from 'vscode';
import type { BenchPredictionsInfo } from '../protocol/benchProtocol';
import { DATASET_KINDS, type ProtocolId } from '../protocol/webviewMessages';
import { importProtocolOptions } from '../view/importProtocols';
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

/** Asks for a predictions file or folder; undefined when cancelled. */
export async function choosePredictionsPath(kind: 'folder' | 'file', t: Strings): Promise<string | undefined> {
  const chosen = kind === 'folder'
    ? await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title: t.importFolderTitle })
    : await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Predictions: ['jsonl'] }, title: t.importFileTitle });
  return chosen?.[0]?.fsPath;
}

/**
 * The model (when the folder holds several) and the protocol for predictions: only the protocols
 * that can score them against `dataset` (importProtocolOptions), each saying why, the predictions'
 * own first; undefined when a pick is cancelled or nothing can score them (said in an error).
 */
export async function chooseImportOptions(path: string, info: BenchPredictionsInfo, dataset: string | undefined, t: Strings): Promise<{ name?: string; protocol: ProtocolId } | undefined> {
  const choice = importProtocolOptions(info, dataset, t);
  if (choice.options.length === 0) {
    void vscode.window.showErrorMessage(format(t.importFailed, choice.note ?? ''));
    return undefined;
  }
  let name: string | undefined;
  if (info.models.length > 1) {
    name = await vscode.window.showQuickPick(info.models, { title: format(t.importModelTitle, path) });
    if (name === undefined) return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    choice.options.map((option) => ({ label: option.protocol, detail: option.detail, ...(option.isDefault ? { description: t.importProtocolDefault } : {}) })),
    { title: t.importProtocolTitle, ...(choice.note ? { placeHolder: choice.note } : {}) },
  );
  if (!picked) return undefined;
  return { ...(name !== undefined ? { name } : {}), protocol: picked.label };
}
