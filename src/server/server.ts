// Wires the server's features onto a connection. Transport-free: main.ts passes a real
// connection, tests can pass one over in-memory streams.
import { availableParallelism } from 'node:os';
import { DidChangeConfigurationNotification, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DictionariesNotification, SetSecretsRequest, StatusNotification, type ModelStatus } from '../protocol/protocol';
import { redactSecrets } from '../shared/secrets';
import { DEFAULT_SETTINGS, normalizeSettings, type MedLocalSettings } from '../shared/settings';
import { registerAsk } from './features/ask';
import { registerBench } from './features/bench';
import { registerContinueNote } from './features/continueNote';
import { registerModels } from './features/models';
import { SERVER_VERSION } from './version';
import { registerScoreChoices } from './features/scoreChoices';
import { registerStatusRequests } from './features/status';
import { ExplanationCache, registerTerms } from './features/terms';
import { ModelHost, renderStatus, type EngineTarget } from './modelHost';
import { format, msg, toLocale, type Locale } from '../shared/messages/index';
import { DictionarySet } from '../terms/dictionaries';
import { formatSkipped, loadBuiltinDictionary } from '../terms/index';

export interface ServerDeps {
  cores?: number;
  /** Context sequences of the loaded model: one is kept free for interactive work. */
  sequences?: number;
}


export function startServer(connection: Connection, deps: ServerDeps = {}): void {
  /** Secrets the client keeps in SecretStorage; held in memory only, never logged. */
  let openaiApiKey: string | undefined;
  // Last line of defence: whatever quotes the key (a server echoing it back, a library error),
  // the log and the status never carry it.
  const redact = <T extends string | undefined>(text: T): T => (text === undefined ? text : (redactSecrets(text, [openaiApiKey]) as T));
  const log = (message: string) => connection.console.log(redact(message));
  const redactStatus = (status: ModelStatus): ModelStatus => ({ ...status, message: redact(status.message), hint: redact(status.hint) });
  /** The client's locale, sent at initialize: every text this connection sends is rendered in it. */
  let locale: Locale = 'en';
  const clientLocale = () => locale;
  const host = new ModelHost({
    cores: deps.cores ?? availableParallelism(),
    sequences: deps.sequences ?? 2,
    log,
    onStatus: (status) => void connection.sendNotification(StatusNotification.type, redactStatus(renderStatus(status, locale))),
  });
  const documents = new TextDocuments(TextDocument);
  const dictionaries = new DictionarySet();
  let settings: MedLocalSettings = DEFAULT_SETTINGS;
  let configurationPull = false;
  const engineTarget = (): EngineTarget =>
    settings.backend === 'openai'
      ? { kind: 'remote', remote: { baseUrl: settings.openai.baseUrl, ...(settings.openai.model ? { model: settings.openai.model } : {}), ...(openaiApiKey ? { apiKey: openaiApiKey } : {}) } }
      : { kind: 'local', model: settings.model };
  // Set once the client's settings have been read: before that, `settings` are the defaults, and
  // configuring the host with them would announce "no model" although one is configured.
  let settingsApplied = false;
  connection.onRequest(SetSecretsRequest.type, (secrets) => {
    openaiApiKey = secrets.openaiApiKey || undefined;
    if (settingsApplied) host.configure(engineTarget());
  });

  connection.onInitialize((params): InitializeResult => {
    configurationPull = params.capabilities.workspace?.configuration === true;
    locale = toLocale((params.initializationOptions as { locale?: unknown } | undefined)?.locale ?? params.locale);
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, hoverProvider: true },
      serverInfo: { name: 'MedLocal', version: SERVER_VERSION },
    };
  });

  let announcedDictionaries: unknown;
  const applyDictionaries = async (files: string[]) => {
    const reports = await dictionaries.configure(files);
    if (reports === announcedDictionaries) return; // unchanged list: already reported
    announcedDictionaries = reports;
    for (const report of reports) {
      log(`dictionary ${report.file}: ${report.entries} entries loaded, ${report.skipped} lines skipped`);
      for (const message of report.messages) log(`  ${formatSkipped(message)}`);
    }
    const localized = reports.map((report) => ({ ...report, messages: report.messages.map((m) => ({ ...m, reason: format(locale, m.reason) })) }));
    await connection.sendNotification(DictionariesNotification.type, { builtinEntries: loadBuiltinDictionary().length, reports: localized });
  };

  const applySettings = async () => {
    const raw: unknown = configurationPull ? await connection.workspace.getConfiguration('medlocal') : undefined;
    const normalized = normalizeSettings(raw);
    for (const problem of normalized.problems) {
      connection.window.showWarningMessage(format(locale, msg('settingInvalid', problem.setting, problem.message)));
      log(`settings: ${problem.setting} ${format('en', problem.message)}`);
    }
    settings = normalized.settings;
    // Dictionaries first: a model load holds the engine's worker thread (engine/workerPool.ts), and
    // file reads started behind it would leave hovers without dictionaries until the model is in.
    try {
      await applyDictionaries(settings.dictionaries);
    } finally {
      settingsApplied = true;
      host.configure(engineTarget());
    }
  };
  const reportSettingsError = (error: unknown) => log(`settings could not be read: ${String(error)}`);

  connection.onInitialized(() => {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'medlocal' }).catch(() => undefined);
    // The first status comes from applying the settings (loading or noModel): announcing the
    // initial noModel before they are read would flash "no model" on every start.
    void applySettings().catch((error: unknown) => {
      reportSettingsError(error);
      void connection.sendNotification(StatusNotification.type, redactStatus(renderStatus(host.status, locale)));
    });
  });
  connection.onDidChangeConfiguration(() => void applySettings().catch(reportSettingsError));

  registerStatusRequests(connection, host, clientLocale);
  registerAsk(connection, host, log, clientLocale);
  registerScoreChoices(connection, host, clientLocale);
  registerBench(connection, host, log, clientLocale);
  registerContinueNote(connection, documents, host, clientLocale);
  registerModels(connection, host, () => settings.model, clientLocale);
  registerTerms(connection, { documents, dictionaries, host, cache: new ExplanationCache(), explainSetting: () => settings.hover.explain, log, locale: clientLocale });

  documents.listen(connection);
  connection.onShutdown(() => host.dispose());
}
