// The client context: owns the language client, the log channel, the status item and everything
// tied to the server's life (start, stop, restart, crash policy).
import * as vscode from 'vscode';
import { plainForMessage } from '../shared/foreignText';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  MessageType,
  ShowMessageNotification,
  type Message,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { DictionariesNotification, EngineStatsRequest, ModelInfoRequest, SetSecretsRequest, StatusNotification, type ModelInfo, type ModelStatus } from '../protocol/protocol';
import { dictionaryNotice, serverNotice, statusErrorNotice, statusWarningNotice } from './notices';
import { checkApiKey, type ApiKeyProblem } from '../shared/secrets';
import { RedactingLogChannel } from './redactingChannel';
import { describeStatus, type ClientState } from './statusView';
import { applyWorkspaceTrust } from './trust';

/** Crashes tolerated within CRASH_WINDOW_MS before MedLocal stops restarting and asks the user. */
const MAX_CRASHES = 4;
export const OPENAI_KEY_SECRET = 'medlocal.openai.apiKey';
const CRASH_WINDOW_MS = 3 * 60 * 1000;

export interface MedLocalApi {
  getStatus(): ModelStatus | undefined;
  onDidChangeStatus: vscode.Event<ModelStatus>;
  restartServer(): Promise<void>;
  serverPid(): number | undefined;
}

export class MedLocalClient implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly statusEmitter = new vscode.EventEmitter<ModelStatus>();
  private client: LanguageClient | undefined;
  private clientDisposables: vscode.Disposable[] = [];
  private status: ModelStatus | undefined;
  private clientState: ClientState = 'stopped';
  private pid: number | undefined;
  private readonly crashes: number[] = [];
  /** The API key last read from SecretStorage, as stored: masked in the log and the trace. */
  private apiKey: string | undefined;
  private readonly startEmitter = new vscode.EventEmitter<void>();
  /** Fires after each (re)start of the language client, so features can subscribe to notifications. */
  readonly onDidStart = this.startEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext) {
    // Also the protocol trace's channel: the key and key-like fields are masked in every line.
    this.log = new RedactingLogChannel(vscode.window.createOutputChannel('MedLocal', { log: true }), () => [this.apiKey]);
    this.statusItem = vscode.window.createStatusBarItem('medlocal.status', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'MedLocal';
    this.statusItem.command = 'medlocal.showStatus';
    this.render();
    this.statusItem.show();
  }

  readonly api: MedLocalApi = {
    getStatus: () => this.status,
    onDidChangeStatus: this.statusEmitter.event,
    restartServer: () => this.restart(),
    serverPid: () => this.pid,
  };

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  async start(): Promise<void> {
    if (this.client) return;
    const serverModule = this.context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const languages = new Set(['markdown', 'plaintext', ...vscode.workspace.getConfiguration('medlocal').get<string[]>('hover.languages', [])]);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [...languages].flatMap((language) => [
        { scheme: 'file', language },
        { scheme: 'untitled', language },
      ]),
      markdown: { isTrusted: { enabledCommands: ['medlocal.explainTerm'] }, supportHtml: false },
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: this.errorHandler(),
      initializationOptions: { locale: vscode.env.language },
      middleware: {
        workspace: {
          // Workspace Trust: restricted settings come from user settings only in an untrusted workspace.
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) return values;
            return values.map((value: unknown, index: number) => {
              const item = params.items[index];
              if (item?.section !== 'medlocal' || value === null || typeof value !== 'object') return value;
              return this.trustFiltered(value as Record<string, unknown>, item.scopeUri);
            });
          },
        },
      },
    };
    const client = new LanguageClient('medlocal', 'MedLocal', serverOptions, clientOptions);
    this.client = client;
    this.clientDisposables.push(
      client.onDidChangeState((event) => {
        this.clientState = event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped';
        if (event.newState === State.Running) void this.refreshPid();
        if (event.newState !== State.Running) this.pid = undefined;
        this.render();
      }),
      client.onNotification(StatusNotification.type, (status) => this.setStatus(status)),
      client.onNotification(DictionariesNotification.type, (report) => this.reportDictionaries(report)),
      // Replaces the client library's own window/showMessage handler, which shows the raw text.
      client.onNotification(ShowMessageNotification.type, (message) => this.showServerMessage(message.type, message.message)),
    );
    this.clientState = 'starting';
    this.render();
    try {
      await client.start();
      await this.sendSecrets();
      this.startEmitter.fire();
    } catch (error) {
      this.log.error(`The MedLocal server failed to start: ${String(error)}`);
      void vscode.window.showErrorMessage(plainForMessage(vscode.l10n.t('The MedLocal server failed to start: {0}', String(error))), vscode.l10n.t('Show Logs')).then((pick) => {
        if (pick) this.log.show();
      });
    }
  }

  /** The OpenAI-compatible server's API key, from SecretStorage (never settings or logs). */
  async sendSecrets(): Promise<void> {
    const stored = (await this.context.secrets.get(OPENAI_KEY_SECRET)) ?? '';
    this.apiKey = stored || undefined;
    const checked = checkApiKey(stored);
    if (!checked.ok) void vscode.window.showWarningMessage(vscode.l10n.t('MedLocal: the stored API key was not used: {0} Run "MedLocal: Set OpenAI-Compatible Server API Key" again.', apiKeyProblemText(checked.problem)));
    const openaiApiKey = checked.ok ? checked.key : '';
    await this.client?.sendRequest(SetSecretsRequest.type, { openaiApiKey }).catch((error: unknown) => this.log.warn(`Secrets could not be passed to the server: ${String(error)}`));
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const disposable of this.clientDisposables.splice(0)) disposable.dispose();
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`Stopping the server: ${String(error)}`);
      }
    }
    this.clientState = 'stopped';
    this.status = undefined;
    this.render();
  }

  async restart(): Promise<void> {
    this.crashes.length = 0;
    await this.stop();
    await this.start();
  }

  async modelInfo(): Promise<ModelInfo | null> {
    if (!this.client || !this.running) return null;
    return this.client.sendRequest(ModelInfoRequest.type);
  }

  dispose(): void {
    void this.stop();
    this.statusItem.dispose();
    this.statusEmitter.dispose();
    this.log.dispose();
  }

  private async refreshPid(): Promise<void> {
    try {
      const stats = await this.client?.sendRequest(EngineStatsRequest.type);
      this.pid = stats?.pid;
    } catch {
      this.pid = undefined;
    }
  }

  private setStatus(status: ModelStatus): void {
    const previous = this.status;
    if (status.state === 'ready' && status.backend === 'remote' && status.message && status.message !== previous?.message) {
      // e.g. plain http to a non-loopback server: patient text would travel unencrypted.
      this.log.warn(status.message);
      void vscode.window.showWarningMessage(statusWarningNotice(status.message));
    }
    this.status = status;
    this.render();
    this.statusEmitter.fire(status);
    if (status.state === 'error' && (previous?.state !== 'error' || previous.message !== status.message)) {
      this.log.error(`${status.message ?? 'Model error'}${status.hint ? ` — ${status.hint}` : ''}`);
      const openSettings = vscode.l10n.t('Open Settings');
      const showLogs = vscode.l10n.t('Show Logs');
      void vscode.window.showErrorMessage(statusErrorNotice(status), openSettings, showLogs).then((pick) => {
        if (pick === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', 'medlocal.model');
        if (pick === showLogs) this.log.show();
      });
    }
  }

  private warnedUntrusted = false;

  private trustFiltered(settings: Record<string, unknown>, scopeUri: string | undefined): Record<string, unknown> {
    const configuration = vscode.workspace.getConfiguration('medlocal', scopeUri ? vscode.Uri.parse(scopeUri) : undefined);
    const { settings: filtered, ignored } = applyWorkspaceTrust(settings, vscode.workspace.isTrusted, (key) => configuration.inspect(key));
    if (ignored.length > 0) {
      this.log.warn(`Untrusted workspace: ignoring the workspace values of ${ignored.join(', ')}`);
      if (!this.warnedUntrusted) {
        this.warnedUntrusted = true;
        void vscode.window.showWarningMessage(vscode.l10n.t('This workspace is not trusted, so MedLocal ignores its values for {0} and uses your user settings instead.', ignored.join(', ')));
      }
    }
    return filtered;
  }

  private reportDictionaries(report: { builtinEntries: number; reports: Array<{ file: string; entries: number; skipped: number; messages: Array<{ file: string; line: number; reason: string }> }> }): void {
    this.log.info(`Dictionaries: ${report.builtinEntries} built-in entries; ${report.reports.map((r) => `${r.file}: ${r.entries} entries, ${r.skipped} skipped`).join('; ') || 'no user dictionaries'}`);
    const broken = report.reports.filter((r) => r.skipped > 0);
    if (broken.length === 0) return;
    for (const r of broken) for (const m of r.messages) this.log.warn(m.line > 0 ? `${m.file}:${m.line}: ${m.reason}` : `${m.file}: ${m.reason}`);
    const showLogs = vscode.l10n.t('Show Logs');
    void vscode.window.showWarningMessage(dictionaryNotice(broken, vscode.l10n.t), showLogs).then((pick) => {
      if (pick) this.log.show();
    });
  }

  private showServerMessage(type: MessageType, message: string): void {
    const text = serverNotice(message);
    if (type === MessageType.Error) void vscode.window.showErrorMessage(text);
    else if (type === MessageType.Warning) void vscode.window.showWarningMessage(text);
    else void vscode.window.showInformationMessage(text);
  }

  private render(): void {
    const view = describeStatus(this.status, this.clientState, vscode.l10n.t);
    this.statusItem.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.appendMarkdown(`\n\n[${vscode.l10n.t('Show Logs')}](command:medlocal.showLogs) · [${vscode.l10n.t('Restart Server')}](command:medlocal.restartServer)`);
    // The tooltip shows foreign text (model name, server messages), escaped by describeStatus: no
    // HTML, and only MedLocal's own commands can run from it.
    tooltip.supportHtml = false;
    tooltip.isTrusted = { enabledCommands: ['medlocal.showLogs', 'medlocal.restartServer', 'medlocal.showStatus'] };
    this.statusItem.tooltip = tooltip;
    this.statusItem.backgroundColor =
      view.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  /** Restarts after a crash, but not in a loop: a model that crashes the server every time is a fatal case. */
  private errorHandler(): ErrorHandler {
    return {
      error: (_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult => ({
        action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      closed: (): CloseHandlerResult => {
        const now = Date.now();
        this.crashes.push(now);
        while (this.crashes.length > 0 && now - (this.crashes[0] ?? now) > CRASH_WINDOW_MS) this.crashes.shift();
        if (this.crashes.length > MAX_CRASHES) {
          const message = vscode.l10n.t(
            'The MedLocal server stopped {0} times in 3 minutes and will not be restarted. The model file may be damaged or too large for this machine: check medlocal.model.path, then run MedLocal: Restart Server.',
            this.crashes.length,
          );
          this.log.error(message);
          return { action: CloseAction.DoNotRestart, message };
        }
        this.log.warn(`The MedLocal server stopped unexpectedly; restarting (${this.crashes.length} of ${MAX_CRASHES}).`);
        return { action: CloseAction.Restart, handled: true };
      },
    };
  }
}

/** Why a key cannot be used, in the user's language (never quoting the key). */
export function apiKeyProblemText(problem: ApiKeyProblem): string {
  switch (problem) {
    case 'tooLong':
      return vscode.l10n.t('The key is too long (over 4096 characters).');
    case 'whitespace':
      return vscode.l10n.t('The key contains a space or line break inside it.');
    case 'control':
      return vscode.l10n.t('The key contains a control character.');
    case 'notAscii':
      return vscode.l10n.t('The key may contain only printable ASCII characters (letters, digits, punctuation).');
  }
}
