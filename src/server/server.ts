// Wires the server's features onto a connection. Transport-free: main.ts passes a real
// connection, tests can pass one over in-memory streams.
import { availableParallelism } from 'node:os';
import { DidChangeConfigurationNotification, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver';
import { StatusNotification } from '../shared/protocol';
import { normalizeSettings } from '../shared/settings';
import { registerAsk } from './features/ask';
import { registerScoreChoices } from './features/scoreChoices';
import { registerStatusRequests } from './features/status';
import { ModelHost } from './modelHost';

export interface ServerDeps {
  cores?: number;
  /** Context sequences of the loaded model: one is kept free for interactive work. */
  sequences?: number;
}

export const SERVER_VERSION = '0.1.0';

export function startServer(connection: Connection, deps: ServerDeps = {}): void {
  const log = (message: string) => connection.console.log(message);
  const host = new ModelHost({
    cores: deps.cores ?? availableParallelism(),
    sequences: deps.sequences ?? 2,
    log,
    onStatus: (status) => void connection.sendNotification(StatusNotification.type, status),
  });
  let configurationPull = false;

  connection.onInitialize((params): InitializeResult => {
    configurationPull = params.capabilities.workspace?.configuration === true;
    return {
      capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
      serverInfo: { name: 'MedLocal', version: SERVER_VERSION },
    };
  });

  const applySettings = async () => {
    const raw: unknown = configurationPull ? await connection.workspace.getConfiguration('medlocal') : undefined;
    const { settings, problems } = normalizeSettings(raw);
    for (const problem of problems) {
      connection.window.showWarningMessage(`MedLocal: setting ${problem.setting} ${problem.message}. The default is used.`);
      log(`settings: ${problem.setting} ${problem.message}`);
    }
    host.configure(settings.model);
  };

  connection.onInitialized(() => {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'medlocal' }).catch(() => undefined);
    connection.sendNotification(StatusNotification.type, host.status);
    void applySettings().catch((error: unknown) => log(`settings could not be read: ${String(error)}`));
  });
  connection.onDidChangeConfiguration(() => void applySettings().catch((error: unknown) => log(`settings could not be read: ${String(error)}`)));

  registerStatusRequests(connection, host);
  registerAsk(connection, host, log);
  registerScoreChoices(connection, host);

  connection.onShutdown(() => host.dispose());
}
