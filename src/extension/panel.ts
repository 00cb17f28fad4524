// The benchmark panel: one webview panel (create-or-show, revived after a reload by its
// serializer), a strict CSP with a fresh nonce per load, resources from media/ only. The webview
// only draws; this class does everything else: it answers the webview's requests through the
// language server (list, read, question, compare, dataset, formats), starts, cancels and resumes
// runs through BenchController, forwards their progress, exports, reveals run folders, and opens
// dialogs. Every message from the webview is validated (parseWebviewMessage) and every run folder
// it names must be one the results folder lists, or one this session started (PanelServer keeps
// that guard and makes the server requests; panelExports.ts saves exports).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { BenchFinishedEvent, BenchProgressEvent, StoredRunInfo } from '../protocol/benchProtocol';
import { baseName } from '../view/benchViewModel';
import {
  parseWebviewMessage,
  SCORING_MODES,
  type BenchChoices,
  type ExtensionToWebview,
  type FailureText,
  type FollowedRun,
  type FormatInfo,
  type ModelView,
  type WebviewToExtension,
} from '../protocol/webviewMessages';
import { buildPanelHtml } from './panelHtml';
import { format, stringsFor, type Strings } from '../view/strings';
import type { BenchController } from './bench';
import type { MedLocalClient } from './client';
import { describeFailure, failureOf, withNextStep } from './notices';
import { changeModel, chooseDataset, chooseImportOptions, choosePredictionsPath } from './panelDialogs';
import { saveExport } from './panelExports';
import { PanelServer } from './panelServer';
import { clearShownSummary, recordShownSummary, registerPanelTestCommands } from './panelTestCommands';

export { buildPanelHtml } from './panelHtml';

export interface BenchmarkPanelDeps {
  extensionUri: vscode.Uri;
  bench: BenchController;
  client: MedLocalClient;
}

/** Progress events are forwarded at most this often (the last one always arrives). */
const PROGRESS_INTERVAL_MS = 150;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failed request for the panel: the server's message and the next step it sent. */
function failureText(error: unknown): FailureText {
  const { message, next } = failureOf(error);
  return { error: message, ...(next ? { next } : {}) };
}

/** The run without the bulky per-answer text the comparison view never shows. */
function lean(run: StoredRunInfo): StoredRunInfo {
  return { ...run, answers: run.answers.map(({ response: _response, choiceScores: _scores, gestaltScores: _gestalt, ...rest }) => rest) };
}

export class BenchmarkPanel implements vscode.Disposable {
  static readonly viewType = 'medlocal.benchmark';
  private static current: BenchmarkPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly t: Strings = stringsFor(vscode.env.language);
  /** The webview said `ready` and is visible: messages reach it (else they wait for the next init). */
  private ready = false;
  private disposed = false;
  private followed: FollowedRun | undefined;
  /** Recent ends by run id: a fast run can end before the start request has returned. */
  private readonly recentlyFinished = new Map<string, BenchFinishedEvent>();
  private progressTimer: ReturnType<typeof setTimeout> | undefined;
  private formats: FormatInfo[] = [];
  private readonly server: PanelServer;

  /** Shows the panel (creating it once); with a run folder, shows that run's results. */
  static createOrShow(deps: BenchmarkPanelDeps, options: { runDir?: string } = {}): BenchmarkPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
    const existing = BenchmarkPanel.current;
    if (existing) {
      existing.panel.reveal(undefined);
      if (options.runDir) existing.showRun(options.runDir);
      return existing;
    }
    const t = stringsFor(vscode.env.language);
    const panel = vscode.window.createWebviewPanel(BenchmarkPanel.viewType, t.title, column, { ...BenchmarkPanel.webviewOptions(deps.extensionUri), enableFindWidget: true });
    return new BenchmarkPanel(panel, deps, options.runDir);
  }

  /** The serializer's half: VS Code restored the panel after a reload; the webview restores its own state. */
  static revive(panel: vscode.WebviewPanel, deps: BenchmarkPanelDeps): BenchmarkPanel {
    BenchmarkPanel.current?.dispose();
    panel.webview.options = BenchmarkPanel.webviewOptions(deps.extensionUri);
    return new BenchmarkPanel(panel, deps, undefined);
  }

  static disposeCurrent(): void {
    BenchmarkPanel.current?.dispose();
  }

  static isOpen(): boolean {
    return BenchmarkPanel.current !== undefined;
  }

  private static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: BenchmarkPanelDeps,
    private pendingShowRun: string | undefined,
  ) {
    BenchmarkPanel.current = this;
    const { bench, client } = deps;
    this.server = new PanelServer(client, this.t, () => bench.resultsDir());
    if (pendingShowRun) this.server.allow(pendingShowRun);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // Hidden webviews are torn down (no retainContextWhenHidden); the reloaded page says ready again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      bench.onProgress((event) => this.onProgress(event)),
      bench.onFinished((event) => this.onFinished(event)),
      client.api.onDidChangeStatus(() => this.post({ type: 'model', model: this.modelView() })),
      client.onDidStart(() => {
        this.post({ type: 'model', model: this.modelView() });
        void this.refreshFormats();
      }),
    );
    panel.webview.html = this.html();
  }

  private html(): string {
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.deps.extensionUri, 'media');
    return buildPanelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      lang: vscode.env.language.toLowerCase().startsWith('ja') ? 'ja' : 'en',
      title: this.t.title,
      loadingText: this.t.loading,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (BenchmarkPanel.current === this) {
      BenchmarkPanel.current = undefined;
      clearShownSummary();
    }
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.panel.dispose();
    while (this.disposables.length > 0) this.disposables.pop()?.dispose();
  }

  private post(message: ExtensionToWebview): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(message);
  }

  private get log(): vscode.LogOutputChannel {
    return this.deps.client.log;
  }

  private showRun(runDir: string): void {
    this.server.allow(runDir);
    if (this.ready) this.post({ type: 'showRun', runDir });
    else this.pendingShowRun = runDir;
  }

  // ---- from the webview ---------------------------------------------------------------------

  private async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw, (reason) => this.log.warn(`Benchmark panel: ${reason}`));
    if (!message) return;
    try {
      await this.handle(message);
    } catch (error) {
      this.log.error(`Benchmark panel: ${message.type} failed: ${errorText(error)}`);
    }
  }

  private async handle(message: WebviewToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.sendInit();
      case 'refreshRuns':
        return this.refreshRuns();
      case 'loadRun':
        return this.loadRun(message.runDir);
      case 'question':
        return this.question(message.runDir, message.id);
      case 'compare':
        return this.compare(message.runA, message.runB);
      case 'compareCategories':
        return this.compareCategories(message.runDirs);
      case 'datasetFacts':
        return this.datasetFacts(message.dataset, message.language);
      case 'start':
        return this.start(message.choices);
      case 'cancel':
        if (this.followed?.runId !== message.runId || this.followed.finished) return;
        this.followed.cancelling = true;
        return this.deps.bench.cancel(message.runId);
      case 'resume':
        return this.resume(message.runDir);
      case 'export':
        return saveExport({ readRun: (runDir) => this.readRun(runDir), compare: (a, b) => this.server.compare(a, b) }, message.format, message.target, this.t);
      case 'openFolder':
        if (!(await this.isKnownRun(message.runDir))) return this.log.warn(`Benchmark panel: not revealing ${message.runDir}, which is not a listed run folder`);
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(message.runDir));
        return;
      case 'browse': {
        const dataset = await chooseDataset(message.kind, this.t);
        if (dataset) this.post({ type: 'datasetChosen', dataset });
        return;
      }
      case 'importPredictions':
        return this.importPredictions(message.kind, message.dataset);
      case 'changeModel':
        return changeModel();
      case 'rendered':
        recordShownSummary(message.runDir, message.summaryText);
        return;
      case 'webviewError':
        this.log.error(`Benchmark panel (webview): ${message.message}`);
        return;
    }
  }

  private async sendInit(): Promise<void> {
    this.ready = true;
    const { bench } = this.deps;
    const showRun = this.pendingShowRun;
    this.pendingShowRun = undefined;
    const last = bench.lastChoices;
    const lastChoices: Partial<BenchChoices> = {
      ...(last.dataset ? { dataset: last.dataset } : {}),
      ...(last.language ? { language: last.language } : {}),
      ...(last.format ? { format: last.format } : {}),
      ...(last.scoring ? { scoring: last.scoring } : {}),
      ...(last.protocol ? { protocol: last.protocol } : {}),
      ...(last.limit !== undefined ? { limit: last.limit } : {}),
      ...(last.seed !== undefined ? { seed: last.seed } : {}),
      ...(last.parallel !== undefined ? { parallel: last.parallel } : {}),
    };
    this.post({
      type: 'init',
      locale: vscode.env.language,
      model: this.modelView(),
      formats: this.formats,
      recentDatasets: bench.recentDatasets,
      lastChoices,
      resultsDir: bench.resultsDir(),
      ...(this.followed ? { followed: this.followed } : {}),
      ...(showRun ? { showRun } : {}),
    });
    await this.refreshFormats();
  }

  private modelView(): ModelView {
    const { client } = this.deps;
    if (!client.running) return { state: 'noServer' };
    const status = client.api.getStatus();
    if (!status) return { state: 'loading' };
    const message = withNextStep(status.message ?? '', status.hint);
    return {
      state: status.state,
      ...(status.model ? { name: status.model.name, quantization: status.model.quantization } : {}),
      ...(message ? { message } : {}),
    };
  }

  private async refreshFormats(): Promise<void> {
    try {
      const formats = await this.server.formats();
      if (!formats) return;
      this.formats = formats;
      this.post({ type: 'formats', formats: this.formats });
    } catch (error) {
      this.log.warn(`Benchmark panel: listing prompt formats failed: ${errorText(error)}`);
    }
  }

  private async refreshRuns(): Promise<void> {
    const resultsDir = this.deps.bench.resultsDir();
    try {
      this.post({ type: 'runs', resultsDir, runs: await this.server.listRuns() });
    } catch (error) {
      this.post({ type: 'runs', resultsDir, runs: this.server.lastListings(), ...failureText(error) });
    }
  }

  /** Only run folders the results folder lists (or this session started) may be read or revealed. */
  private isKnownRun(runDir: string): Promise<boolean> {
    return this.server.isKnownRun(runDir, () => this.refreshRuns());
  }

  private async readRun(runDir: string): Promise<StoredRunInfo> {
    if (!(await this.isKnownRun(runDir))) throw this.server.notARunFolder(runDir);
    return this.server.readRun(runDir);
  }

  private async loadRun(runDir: string): Promise<void> {
    try {
      this.post({ type: 'run', run: await this.readRun(runDir) });
    } catch (error) {
      this.post({ type: 'runError', runDir, ...failureText(error) });
    }
  }

  private async question(runDir: string, id: string): Promise<void> {
    try {
      if (!(await this.isKnownRun(runDir))) throw this.server.notARunFolder(runDir);
      this.post({ type: 'question', runDir, detail: await this.server.question(runDir, id) });
    } catch (error) {
      this.post({ type: 'questionError', runDir, id, ...failureText(error) });
    }
  }

  private async compare(runA: string, runB: string): Promise<void> {
    try {
      const [a, b] = await Promise.all([this.readRun(runA), this.readRun(runB)]);
      const comparison = await this.server.compare(runA, runB);
      this.post({ type: 'comparison', runA: lean(a), runB: lean(b), comparison });
    } catch (error) {
      this.post({ type: 'compareError', runA, runB, ...failureText(error) });
    }
  }

  /** The runs of a category chart (each checked against the run-folder guard), in the order asked. */
  private async compareCategories(runDirs: string[]): Promise<void> {
    try {
      const runs = await Promise.all(runDirs.map((runDir) => this.readRun(runDir)));
      this.post({ type: 'categoryRuns', runs: runs.map(lean) });
    } catch (error) {
      this.post({ type: 'categoryRunsError', runDirs, ...failureText(error) });
    }
  }

  private async datasetFacts(dataset: string, language: 'ja' | 'en'): Promise<void> {
    try {
      this.post({ type: 'datasetFacts', dataset, language, facts: await this.server.datasetFacts(dataset, language) });
    } catch (error) {
      this.post({ type: 'datasetFacts', dataset, language, ...failureText(error) });
    }
  }

  // ---- runs ---------------------------------------------------------------------------------

  private async start(choices: BenchChoices): Promise<void> {
    // Read the dataset first, so its loader's file:line messages show in the panel, not only in a notification.
    let facts;
    try {
      facts = await this.server.datasetFacts(choices.dataset, choices.language);
    } catch (error) {
      return this.post({ type: 'startFailed', ...failureText(error) });
    }
    if (facts.loaded === 0) return this.post({ type: 'startFailed', error: format(this.t.noUsableQuestions, choices.dataset), facts });
    const started = await this.deps.bench.start(choices);
    if (!started) return this.post({ type: 'startFailed', error: this.t.startFailedSeeNotification, facts });
    this.follow({ runId: started.runId, runDir: started.runDir, total: started.total, dataset: facts });
    void this.refreshRuns();
  }

  /** Predictions made elsewhere → a scored run in the results folder, shown once imported. */
  private async importPredictions(kind: 'folder' | 'file', dataset: string | undefined): Promise<void> {
    const path = await choosePredictionsPath(kind, this.t);
    if (!path) return;
    try {
      const info = await this.server.predictionsInfo(path);
      const options = await chooseImportOptions(path, info, dataset, this.t);
      if (!options) return;
      // Scored against the panel's dataset (harness results carry their gold answers; with a dataset their ids are checked against it).
      const result = await this.server.importPredictions({ predictions: path, ...options, ...(dataset ? { dataset } : {}) });
      this.log.info(`Benchmark panel: imported predictions under ${result.protocol} → ${result.runDir}`);
      if (result.issues.length > 0) {
        for (const issue of result.issues.slice(0, 50)) this.log.warn(`Benchmark panel: import: ${issue}`);
        void vscode.window.showWarningMessage(format(this.t.importIssues, baseName(result.runDir), result.issues.length));
      }
      await this.refreshRuns();
      this.showRun(result.runDir);
    } catch (error) {
      void vscode.window.showErrorMessage(format(this.t.importFailed, describeFailure(error)));
    }
  }

  private async resume(runDir: string): Promise<void> {
    if (!(await this.isKnownRun(runDir))) return this.post({ type: 'startFailed', error: this.server.notARunFolder(runDir).message });
    const listing = this.server.listing(runDir);
    if (!listing || (listing.status !== 'cancelled' && listing.status !== 'failed')) {
      return this.post({ type: 'startFailed', error: format(this.t.notResumable, baseName(runDir), listing?.status ?? '?') });
    }
    const scoring = SCORING_MODES.find((mode) => mode === listing.mode) ?? 'letter';
    // The server continues the folder with the choices stored in its manifest; these only satisfy the request's shape.
    const started = await this.deps.bench.start({ dataset: listing.dataset ?? 'sample', scoring, resumeDir: runDir });
    if (!started) return this.post({ type: 'startFailed', error: this.t.startFailedSeeNotification });
    this.follow({ runId: started.runId, runDir: started.runDir, total: started.total });
    void this.refreshRuns();
  }

  private follow(run: FollowedRun): void {
    this.server.allow(run.runDir);
    const same = this.followed?.runId === run.runId ? this.followed : undefined;
    // Progress, even the end, may have arrived before the start request returned: keep it.
    const finished = same?.finished ?? this.recentlyFinished.get(run.runId);
    this.followed = { ...run, ...(same?.progress ? { progress: same.progress } : {}), ...(finished ? { finished } : {}) };
    this.post({ type: 'followed', run: this.followed });
  }

  /** The panel follows the run it started, else any run that starts while it follows none. */
  private onProgress(event: BenchProgressEvent): void {
    this.server.allow(event.runDir);
    if (!this.followed || (this.followed.finished && this.followed.runId !== event.runId)) {
      this.followed = { runId: event.runId, runDir: event.runDir, total: event.total };
    }
    if (this.followed.runId !== event.runId) return;
    this.followed.progress = event;
    this.followed.total = event.total;
    this.progressTimer ??= setTimeout(() => {
      this.progressTimer = undefined;
      if (this.followed) this.post({ type: 'followed', run: this.followed });
    }, PROGRESS_INTERVAL_MS);
  }

  private onFinished(event: BenchFinishedEvent): void {
    this.server.allow(event.runDir);
    this.recentlyFinished.set(event.runId, event);
    if (this.recentlyFinished.size > 20) this.recentlyFinished.delete(this.recentlyFinished.keys().next().value ?? '');
    if (!this.followed || (this.followed.finished && this.followed.runId !== event.runId)) {
      this.followed = { runId: event.runId, runDir: event.runDir };
    }
    if (this.followed.runId !== event.runId) return;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.followed.finished = event;
    delete this.followed.cancelling;
    this.post({ type: 'followed', run: this.followed });
  }
}

/** `medlocal.openBenchmark` arguments: nothing, or `{ runDir }` (the run-finished notification). */
function openArguments(args: unknown): { runDir?: string } {
  if (args !== null && typeof args === 'object' && typeof (args as { runDir?: unknown }).runDir === 'string') return { runDir: (args as { runDir: string }).runDir };
  return {};
}

/**
 * Registers the panel: the `medlocal.openBenchmark` command, the serializer that revives the panel
 * after a reload (activation event onWebviewPanel:medlocal.benchmark), and, for the integration
 * tests only, the internal commands of panelTestCommands.ts.
 */
export function registerBenchmarkPanel(deps: BenchmarkPanelDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('medlocal.openBenchmark', (args?: unknown) => {
      BenchmarkPanel.createOrShow(deps, openArguments(args));
    }),
    vscode.window.registerWebviewPanelSerializer(BenchmarkPanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        BenchmarkPanel.revive(panel, deps);
      },
    }),
    ...registerPanelTestCommands(() => BenchmarkPanel.isOpen()),
    { dispose: () => BenchmarkPanel.disposeCurrent() },
  );
}
