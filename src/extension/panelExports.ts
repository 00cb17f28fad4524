// The benchmark panel's exports: a run (answers CSV, JSON, Markdown report), a comparison of two
// runs (CSV, JSON, Markdown) or the per-category table of several, rendered by the view model and saved where the user picks.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { plainForMessage } from '../shared/foreignText';
import type { RunComparison, StoredRunInfo } from '../protocol/benchProtocol';
import type { ExportFormat, ExportTarget } from '../protocol/webviewMessages';
import {
  answersToCsv,
  baseName,
  categoriesToCsv,
  categoriesToJson,
  categoriesToMarkdown,
  categoryChartData,
  categoryWords,
  chartLabels,
  comparisonToCsv,
  comparisonToJson,
  comparisonToMarkdown,
  CSV_BOM,
  runToJson,
  runToMarkdown,
} from '../view/benchViewModel';
import { format, type Strings } from '../view/strings';

/** What an export reads: a listed run, and the comparison of two. */
export interface ExportSource {
  readRun(runDir: string): Promise<StoredRunInfo>;
  compare(runA: string, runB: string): Promise<RunComparison>;
}

export async function exportContent(source: ExportSource, kind: ExportFormat, target: ExportTarget, t: Strings): Promise<{ content: string; fileName: string; folder: string }> {
  if (target.kind === 'run') {
    const run = await source.readRun(target.runDir);
    const name = baseName(run.runDir);
    if (kind === 'csv') return { content: CSV_BOM + answersToCsv(run.answers), fileName: `${name}-answers.csv`, folder: run.runDir };
    if (kind === 'json') return { content: runToJson(run), fileName: `${name}.json`, folder: run.runDir };
    return { content: runToMarkdown(run, t), fileName: `${name}-report.md`, folder: run.runDir };
  }
  if (target.kind === 'categories') {
    const runs = await Promise.all(target.runDirs.map((runDir) => source.readRun(runDir)));
    const data = categoryChartData(runs.map((run, index) => ({ label: chartLabels(runs)[index] ?? baseName(run.runDir), answers: run.answers })));
    const name = `categories-${runs.length}-runs`;
    const folder = path.dirname(runs[0]?.runDir ?? '.');
    if (kind === 'csv') return { content: CSV_BOM + categoriesToCsv(data), fileName: `${name}.csv`, folder };
    if (kind === 'json') return { content: categoriesToJson(data, target.runDirs), fileName: `${name}.json`, folder };
    return { content: `# ${format(t.catTitle, runs.length)}\n\n${categoriesToMarkdown(data, categoryWords(t))}`, fileName: `${name}.md`, folder };
  }
  const [runA, runB] = await Promise.all([source.readRun(target.runA), source.readRun(target.runB)]);
  const comparison = await source.compare(target.runA, target.runB);
  const name = `compare-${baseName(runA.runDir)}-vs-${baseName(runB.runDir)}`;
  const folder = path.dirname(runB.runDir);
  if (kind === 'csv') return { content: CSV_BOM + comparisonToCsv(runA.answers, runB.answers), fileName: `${name}.csv`, folder };
  if (kind === 'json') return { content: comparisonToJson(runA, runB, comparison), fileName: `${name}.json`, folder };
  return { content: comparisonToMarkdown(runA, runB, comparison, t), fileName: `${name}.md`, folder };
}

/** Renders the export, asks where to save it, saves it, and offers to open it; errors are shown. */
export async function saveExport(source: ExportSource, kind: ExportFormat, target: ExportTarget, t: Strings): Promise<void> {
  try {
    const { content, fileName, folder } = await exportContent(source, kind, target, t);
    const home = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(folder);
    const filters: Record<ExportFormat, Record<string, string[]>> = { csv: { CSV: ['csv'] }, json: { JSON: ['json'] }, markdown: { Markdown: ['md'] } };
    const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(home, fileName), filters: filters[kind], title: t.exportTitle });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
    const open = t.open;
    const pick = await vscode.window.showInformationMessage(plainForMessage(format(t.exportSaved, uri.fsPath)), open);
    if (pick === open) await vscode.window.showTextDocument(uri, { preview: false, viewColumn: vscode.ViewColumn.Active });
  } catch (error) {
    void vscode.window.showErrorMessage(plainForMessage(format(t.exportFailed, error instanceof Error ? error.message : String(error))));
  }
}
