// Model commands: Select Model (a .gguf file, facts read without loading the weights), Download
// Model (curated list or any Hugging Face URI / URL, licence shown first, cancellable progress with
// size and speed, the result set as the model), and Show Status as a GPU doctor (backends, why no
// GPU, VRAM, whether model + context fit, measured speed, one-click CPU fallback, copy diagnostics).
import * as vscode from 'vscode';
import { markdownInline, plainForMessage } from '../shared/foreignText';
import {
  CuratedModelsRequest,
  DoctorRequest,
  DownloadModelRequest,
  InspectModelRequest,
  SelfBenchmarkRequest,
  type DoctorResult,
  type ModelInspection,
} from '../protocol/modelsProtocol';
import type { MedLocalClient } from './client';
import { formatBytes } from './statusView';
import { withoutFinalStop } from '../shared/language';
import { failureNotice } from './notices';

const RECENT_MODELS = 'medlocal.recentModels';
const DOCTOR_SCHEME = 'medlocal-status';

export class ModelCommands implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private doctorText = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: MedLocalClient,
  ) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, this);
  }

  provideTextDocumentContent(): string {
    return this.doctorText;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }

  async selectModel(path?: string): Promise<string | undefined> {
    const chosen = path ?? (await this.pickModelFile());
    if (!chosen) return undefined;
    const facts = await this.inspect(chosen);
    if (!facts) return undefined;
    if (!path) {
      const use = vscode.l10n.t('Use This Model');
      const pick = await vscode.window.showInformationMessage(plainForMessage(vscode.l10n.t('Model {0}', facts.name)), { modal: true, detail: describeInspection(facts) }, use);
      if (pick !== use) return undefined;
    }
    await this.useModel(chosen);
    return chosen;
  }

  async downloadModel(uri?: string): Promise<string | undefined> {
    const languageClient = this.requireClient();
    if (!languageClient) return undefined;
    const target = uri ?? (await this.pickDownload());
    if (!target) return undefined;
    const directory = this.modelsDirectory();
    const token = `medlocal-download-${Date.now()}`;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', target), cancellable: true },
        async (progress, cancel) => {
          let reported = 0;
          const subscription = languageClient.onProgress(DownloadModelRequest.partialResult, token, (p) => {
            const percent = p.totalBytes > 0 ? (p.downloadedBytes / p.totalBytes) * 100 : 0;
            progress.report({
              increment: percent - reported,
              message: `${formatBytes(p.downloadedBytes)} / ${p.totalBytes > 0 ? formatBytes(p.totalBytes) : '?'} · ${formatBytes(p.bytesPerSecond)}/s`,
            });
            reported = percent;
          });
          try {
            return await languageClient.sendRequest(DownloadModelRequest.type, { uri: target, directory, partialResultToken: token }, cancel);
          } finally {
            subscription.dispose();
          }
        },
      );
      await this.useModel(result.path);
      void vscode.window.showInformationMessage(plainForMessage(vscode.l10n.t('Downloaded {0}; MedLocal now uses it.', result.path)));
      return result.path;
    } catch (error) {
      void vscode.window.showErrorMessage(plainForMessage(failureNotice((message) => vscode.l10n.t('The download did not finish: {0}. What was received is kept, and the next download resumes it.', withoutFinalStop(message)), error)));
      return undefined;
    }
  }

  /** Status and GPU doctor in a read-only document beside the editor, with actions. */
  async showStatus(): Promise<DoctorResult | undefined> {
    const languageClient = this.requireClient();
    if (!languageClient) return undefined;
    const [doctor, info] = await Promise.all([languageClient.sendRequest(DoctorRequest.type), this.client.modelInfo().catch(() => null)]);
    const status = this.client.api.getStatus();
    const lines = [`# ${vscode.l10n.t('MedLocal status')}`, ''];
    if (info) {
      lines.push(`**${markdownInline(info.model.name)}** — ${markdownInline(info.model.architecture)}, ${markdownInline(info.model.quantization)}, ${formatBytes(info.model.sizeBytes)}`, '');
      lines.push(`- ${vscode.l10n.t('Backend: {0}, GPU layers: {1}', info.backend, info.gpuLayers)}`);
      lines.push(`- ${vscode.l10n.t('Threads: {0}, sequences: {1}, context: {2} tokens', info.threads, info.sequences, info.model.contextSize)}`);
      for (const adapter of info.loraAdapters) lines.push(`- ${vscode.l10n.t('LoRA adapter: {0} (scale {1})', adapter.path, adapter.scale)}`);
      if (info.fallbackReason) lines.push(`- ${info.fallbackReason}`);
    } else {
      lines.push(status?.message ?? status?.state ?? '', status?.hint ?? '');
    }
    lines.push('', `## ${vscode.l10n.t('GPU doctor')}`, '');
    const d = doctor.doctor;
    lines.push(`- ${vscode.l10n.t('Backends that can run here: {0}', d.supported.join(', '))}`);
    lines.push(`- ${vscode.l10n.t('Chosen for "auto": {0}', d.chosen)}`);
    if (d.reason) lines.push(`- ${d.reason}`);
    for (const u of d.unavailable) lines.push(`- ${u.type}: ${u.reason}`);
    if (d.vram) lines.push(`- VRAM: ${formatBytes(d.vram.freeBytes)} / ${formatBytes(d.vram.totalBytes)}`);
    lines.push(`- RAM: ${formatBytes(d.ram.freeBytes)} / ${formatBytes(d.ram.totalBytes)}, CPU: ${d.cpu.cores} × ${d.cpu.model}`);
    if (doctor.fit) {
      const f = doctor.fit;
      lines.push('', `## ${vscode.l10n.t('Memory estimate')}`, '');
      lines.push(`- ${vscode.l10n.t('Model + context ({0} tokens, {1} GPU layers): VRAM {2}, RAM {3}', f.contextSize, f.gpuLayers, formatBytes(f.vramBytes), formatBytes(f.ramBytes))}`);
      lines.push(`- ${f.fits ? vscode.l10n.t('Fits in this machine.') : vscode.l10n.t('Does not fit: {0}', f.reason ?? '')}`);
      lines.push(`- ${vscode.l10n.t('Suggested: gpuLayers {0}, contextSize {1}', f.suggested.gpuLayers, f.suggested.contextSize)}`);
    } else if (doctor.fitError) {
      lines.push('', `- ${doctor.fitError}`);
    }
    lines.push('', '## Diagnostics', '', '```', doctor.diagnostics, '```', '');
    this.doctorText = lines.join('\n');
    const uri = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: '/MedLocal Status.md' });
    this.changed.fire(uri);
    await vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    void this.offerActions(doctor);
    return doctor;
  }

  // ---------------------------------------------------------------------------------------------

  private async offerActions(doctor: DoctorResult): Promise<void> {
    const copy = vscode.l10n.t('Copy Diagnostics');
    const measure = vscode.l10n.t('Measure Speed');
    const cpu = vscode.l10n.t('Use the CPU');
    const actions = [copy, ...(this.client.api.getStatus()?.state === 'ready' ? [measure] : []), ...(doctor.doctor.chosen !== 'cpu' ? [cpu] : [])];
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('MedLocal status is open beside the editor.'), ...actions);
    if (pick === copy) {
      await vscode.env.clipboard.writeText(doctor.diagnostics);
      void vscode.window.showInformationMessage(vscode.l10n.t('Diagnostics copied (versions, backend, settings; no note text).'));
    } else if (pick === measure) {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Measuring the model…') }, () =>
        this.client.languageClient!.sendRequest(SelfBenchmarkRequest.type),
      );
      void vscode.window.showInformationMessage(vscode.l10n.t('Prompt {0} tokens/s, generation {1} tokens/s.', result.promptTokensPerSecond.toFixed(1), result.generationTokensPerSecond.toFixed(1)));
    } else if (pick === cpu) {
      await vscode.workspace.getConfiguration('medlocal').update('model.gpu', 'cpu', vscode.ConfigurationTarget.Global);
    }
  }

  private requireClient() {
    const languageClient = this.client.languageClient;
    if (!languageClient || !this.client.running) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The MedLocal server is not running.'));
      return undefined;
    }
    return languageClient;
  }

  private async inspect(path: string): Promise<ModelInspection | undefined> {
    const languageClient = this.requireClient();
    if (!languageClient) return undefined;
    try {
      return await languageClient.sendRequest(InspectModelRequest.type, { path });
    } catch (error) {
      void vscode.window.showErrorMessage(plainForMessage(failureNotice((message) => vscode.l10n.t('This file cannot be used as a model: {0}', message), error)));
      return undefined;
    }
  }

  private async useModel(path: string): Promise<void> {
    const recent = this.context.globalState.get<string[]>(RECENT_MODELS, []);
    await this.context.globalState.update(RECENT_MODELS, [path, ...recent.filter((p) => p !== path)].slice(0, 8));
    await vscode.workspace.getConfiguration('medlocal').update('model.path', path, vscode.ConfigurationTarget.Global);
  }

  private modelsDirectory(): string {
    const configured = vscode.workspace.getConfiguration('medlocal').inspect<string>('model.directory')?.globalValue?.trim();
    return configured || vscode.Uri.joinPath(this.context.globalStorageUri, 'models').fsPath;
  }

  private async pickModelFile(): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { path?: string; action?: 'browse' | 'download' };
    const recent = this.context.globalState.get<string[]>(RECENT_MODELS, []);
    const items: Item[] = [
      ...recent.map((path) => ({ label: path.split(/[\\/]/).pop() ?? path, description: path, path })),
      { label: vscode.l10n.t('$(folder-opened) Browse for a .gguf file…'), action: 'browse' },
      { label: vscode.l10n.t('$(cloud-download) Download a model…'), action: 'download' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('MedLocal: select a model') });
    if (!pick) return undefined;
    if (pick.action === 'download') return this.downloadModel();
    if (pick.path) return pick.path;
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'GGUF model': ['gguf'] }, title: vscode.l10n.t('Choose a GGUF model') });
    return files?.[0]?.fsPath;
  }

  private async pickDownload(): Promise<string | undefined> {
    const languageClient = this.client.languageClient;
    const curated = languageClient ? await languageClient.sendRequest(CuratedModelsRequest.type) : [];
    type Item = vscode.QuickPickItem & { uri?: string; licence?: { name: string; text: string } };
    const items: Item[] = [
      ...curated.map((m) => ({ label: m.label, description: `${formatBytes(m.approxSizeBytes)} · ${m.licence.name}`, detail: m.description, uri: m.uri, licence: m.licence })),
      { label: vscode.l10n.t('$(link) Enter a Hugging Face URI or URL…') },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('MedLocal: download a model'), matchOnDetail: true });
    if (!pick) return undefined;
    if (!pick.uri) {
      return vscode.window.showInputBox({ title: vscode.l10n.t('Hugging Face URI (hf:user/repo:Q4_K_M) or https URL of a .gguf file'), validateInput: (v) => (/^(hf:|https?:\/\/)\S+$/.test(v.trim()) ? undefined : vscode.l10n.t('Start with hf: or https://')) });
    }
    const accept = vscode.l10n.t('Accept and Download');
    const answer = await vscode.window.showInformationMessage(plainForMessage(vscode.l10n.t('Licence: {0}', pick.licence?.name ?? '')), { modal: true, detail: pick.licence?.text }, accept);
    return answer === accept ? pick.uri : undefined;
  }
}

export function describeInspection(facts: ModelInspection): string {
  return [
    `${facts.architecture}, ${facts.parameterLabel} parameters, ${facts.quantization}`,
    `${formatBytes(facts.sizeBytes)}, context ${facts.contextLength ?? '?'} tokens`,
    facts.hasChatTemplate ? `chat template: ${facts.chatTemplateName ?? 'yes'}` : 'no chat template (completion prompts only)',
    facts.path,
  ].join('\n');
}
