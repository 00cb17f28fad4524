// MedLocal: Run Benchmark… — quick picks only, no panel needed. The run happens in the language
// server and goes on while the panel is closed; the status bar and a cancellable notification
// show its progress. The panel (panel.ts) listens to the same events.
import * as vscode from 'vscode';
import { plainForMessage } from '../shared/foreignText';
import {
  BenchCancelRequest,
  BenchFinishedNotification,
  BenchProgressNotification,
  BenchStartRequest,
  type BenchFinishedEvent,
  type BenchProgressEvent,
  type BenchStartParams,
} from '../protocol/benchProtocol';
import type { MedLocalClient } from './client';
import { withoutFinalStop } from '../shared/language';
import { failureNotice } from './notices';
import { durationText, percent } from '../view/format';

const RECENT_KEY = 'medlocal.benchmark.recentDatasets';
const LAST_KEY = 'medlocal.benchmark.lastChoices';

export class BenchController implements vscode.Disposable {
  private readonly progressEmitter = new vscode.EventEmitter<BenchProgressEvent>();
  private readonly finishedEmitter = new vscode.EventEmitter<BenchFinishedEvent>();
  readonly onProgress = this.progressEmitter.event;
  readonly onFinished = this.finishedEmitter.event;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly running = new Map<string, BenchProgressEvent | undefined>();
  /** Recent ends, so a caller that subscribes after a very short run still sees it. */
  private readonly finishedRuns = new Map<string, BenchFinishedEvent>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: MedLocalClient,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('medlocal.benchmark', vscode.StatusBarAlignment.Right, 99);
    this.statusItem.name = vscode.l10n.t('MedLocal benchmark');
    this.statusItem.command = 'medlocal.openBenchmark';
    this.disposables.push(this.statusItem, this.progressEmitter, this.finishedEmitter);
  }

  /** Subscribes to the server's benchmark notifications (again after each server start). */
  attach(): void {
    const languageClient = this.client.languageClient;
    if (!languageClient) return;
    this.disposables.push(
      languageClient.onNotification(BenchProgressNotification.type, (event) => {
        this.running.set(event.runId, event);
        this.renderStatus();
        this.progressEmitter.fire(event);
      }),
      languageClient.onNotification(BenchFinishedNotification.type, (event) => {
        this.running.delete(event.runId);
        this.finishedRuns.set(event.runId, event);
        if (this.finishedRuns.size > 20) this.finishedRuns.delete(this.finishedRuns.keys().next().value as string);
        this.renderStatus();
        this.finishedEmitter.fire(event);
      }),
    );
  }

  resultsDir(): string {
    const inspected = vscode.workspace.getConfiguration('medlocal').inspect<string>('benchmark.resultsDir');
    // Workspace Trust: an untrusted workspace may not choose where runs are written.
    const value = vscode.workspace.isTrusted ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue) : inspected?.globalValue;
    const configured = (value ?? '').trim();
    return configured || vscode.Uri.joinPath(this.context.globalStorageUri, 'runs').fsPath;
  }

  get lastChoices(): Partial<BenchStartParams> {
    return this.context.globalState.get<Partial<BenchStartParams>>(LAST_KEY, {});
  }

  get recentDatasets(): string[] {
    return this.context.globalState.get<string[]>(RECENT_KEY, []);
  }

  /** Starts a run; resolves once the server accepted it. */
  async start(params: Omit<BenchStartParams, 'resultsDir'> & { resultsDir?: string }): Promise<{ runId: string; runDir: string; total: number } | undefined> {
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The MedLocal server is not running.'));
      return undefined;
    }
    const full: BenchStartParams = { ...params, resultsDir: params.resultsDir ?? this.resultsDir() };
    try {
      const started = await languageClient.sendRequest(BenchStartRequest.type, full);
      // Not awaited: a short run can finish before these writes do, and its end must not be missed.
      void this.context.globalState.update(LAST_KEY, { dataset: full.dataset, language: full.language, format: full.format, scoring: full.scoring, protocol: full.protocol, limit: full.limit, seed: full.seed, parallel: full.parallel });
      if (full.dataset !== 'sample') void this.context.globalState.update(RECENT_KEY, [full.dataset, ...this.recentDatasets.filter((d) => d !== full.dataset)].slice(0, 8));
      this.running.set(started.runId, undefined);
      this.renderStatus();
      return started;
    } catch (error) {
      void vscode.window.showErrorMessage(plainForMessage(failureNotice((message) => vscode.l10n.t('MedLocal could not start the benchmark: {0}', message), error)));
      return undefined;
    }
  }

  async cancel(runId: string): Promise<void> {
    await this.client.languageClient?.sendRequest(BenchCancelRequest.type, { runId });
  }

  /** The command: quick picks (or the given choices), then a cancellable notification until the end. */
  async runFromCommand(choices?: Partial<BenchStartParams>): Promise<BenchFinishedEvent | undefined> {
    const params = choices?.dataset && choices.scoring ? (choices as BenchStartParams) : await this.pickChoices();
    if (!params) return undefined;
    const started = await this.start(params);
    if (!started) return undefined;
    const finished = new Promise<BenchFinishedEvent>((resolve) => {
      const already = this.finishedRuns.get(started.runId);
      if (already) return resolve(already);
      const subscription = this.onFinished((event) => {
        if (event.runId !== started.runId) return;
        subscription.dispose();
        resolve(event);
      });
    });
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('MedLocal benchmark'), cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void this.cancel(started.runId));
        let reported = 0;
        const subscription = this.onProgress((event) => {
          if (event.runId !== started.runId) return;
          const percent = (event.done / Math.max(1, event.total)) * 100;
          progress.report({ increment: percent - reported, message: progressText(event) });
          reported = percent;
        });
        await finished;
        subscription.dispose();
      },
    );
    const event = await finished;
    void this.announce(event);
    return event;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private async announce(event: BenchFinishedEvent): Promise<void> {
    const openPanel = vscode.l10n.t('Open Benchmark Panel');
    const openFolder = vscode.l10n.t('Open Run Folder');
    let message: string;
    if (event.status === 'completed' && event.summary) {
      const s = event.summary;
      message = vscode.l10n.t('MedLocal benchmark finished: accuracy {0}% ({1}/{2}), 95% CI {3}–{4}%.', pct(s.accuracy), s.correct, s.total, pct(s.ci95[0]), pct(s.ci95[1]));
    } else if (event.status === 'cancelled') {
      message = vscode.l10n.t('MedLocal benchmark cancelled after {0} answers; it can be resumed from the panel.', event.answered);
    } else {
      message = vscode.l10n.t('MedLocal benchmark failed: {0}. Finished answers are kept.', withoutFinalStop(event.error ?? ''));
    }
    const show = event.status === 'failed' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
    const pick = await show(plainForMessage(message), openPanel, openFolder);
    if (pick === openPanel) await vscode.commands.executeCommand('medlocal.openBenchmark', { runDir: event.runDir });
    if (pick === openFolder) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(event.runDir));
  }

  private renderStatus(): void {
    const events = [...this.running.values()];
    if (this.running.size === 0) {
      this.statusItem.hide();
      return;
    }
    const current = events.find((e): e is BenchProgressEvent => e !== undefined);
    this.statusItem.text = current ? `$(beaker~spin) ${progressText(current)}` : `$(beaker~spin) ${vscode.l10n.t('MedLocal benchmark starting…')}`;
    this.statusItem.tooltip = vscode.l10n.t('A MedLocal benchmark is running. Click to open the benchmark panel.');
    this.statusItem.show();
  }

  private async pickChoices(): Promise<BenchStartParams | undefined> {
    const last = this.lastChoices;
    type DatasetItem = vscode.QuickPickItem & { value?: string; browse?: 'folder' | 'file' };
    const items: DatasetItem[] = [
      { label: vscode.l10n.t('Built-in sample set'), description: vscode.l10n.t('36 original bilingual questions (not exam data)'), value: 'sample' },
      ...this.recentDatasets.map((d) => ({ label: d, description: vscode.l10n.t('recent'), value: d })),
      { label: vscode.l10n.t('$(folder) IgakuQA folder…'), browse: 'folder' },
      { label: vscode.l10n.t('$(file) MedQA / MedMCQA / JMedBench / JSONL / CSV file…'), browse: 'file' },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('MedLocal: dataset'), placeHolder: last.dataset });
    if (!picked) return undefined;
    let dataset = picked.value;
    if (picked.browse === 'folder') {
      const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: vscode.l10n.t('IgakuQA folder (e.g. data/2018)') });
      if (!folder?.[0]) return undefined;
      dataset = `igakuqa:${folder[0].fsPath}`;
    } else if (picked.browse === 'file') {
      const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Datasets: ['jsonl', 'json', 'csv'] } });
      if (!file?.[0]) return undefined;
      const kind = await vscode.window.showQuickPick(['medqa', 'medmcqa', 'jmedbench', 'jsonl', 'csv'], { title: vscode.l10n.t('Format of {0}', file[0].fsPath) });
      if (!kind) return undefined;
      dataset = `${kind}:${file[0].fsPath}`;
    }
    if (!dataset) return undefined;
    const language = (await vscode.window.showQuickPick(['ja', 'en'], { title: vscode.l10n.t('Exam language') })) as 'ja' | 'en' | undefined;
    if (!language) return undefined;
    const scoring = (await vscode.window.showQuickPick(
      [
        { label: 'letter', description: vscode.l10n.t('probability of each choice letter, one forward pass (fast)') },
        { label: 'likelihood', description: vscode.l10n.t('log-likelihood of each choice text') },
        { label: 'generate', description: vscode.l10n.t('greedy answer, exact and gestalt match (slow, like the research harness)') },
      ],
      { title: vscode.l10n.t('Scoring') },
    ))?.label as BenchStartParams['scoring'] | undefined;
    if (!scoring) return undefined;
    const limitText = await vscode.window.showInputBox({ title: vscode.l10n.t('How many questions? (empty: all)'), value: last.limit ? String(last.limit) : '', validateInput: (v) => (v.trim() === '' || /^\d+$/.test(v.trim()) ? undefined : vscode.l10n.t('A whole number, or empty for all')) });
    if (limitText === undefined) return undefined;
    const limit = limitText.trim() ? Number(limitText) : undefined;
    return { dataset, language, scoring, format: 'igakuqa', ...(limit ? { limit } : {}), parallel: 1, resultsDir: this.resultsDir() };
  }
}

/** The percentage without its sign, for the messages that print "%" themselves. */
function pct(value: number): string {
  return percent(value).slice(0, -1);
}

export function progressText(event: BenchProgressEvent): string {
  const eta = event.etaSeconds === null ? '' : ` · ETA ${durationText(event.etaSeconds)}`;
  return `${event.done}/${event.total} · ${percent(event.accuracy)}${eta}`;
}
