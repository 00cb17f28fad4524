// Starts the BUILT server (dist/server.js) as a child process and drives it with a real protocol
// client over stdio, answering its workspace/configuration requests from a settings object.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  InitializeRequest,
  InitializedNotification,
  RegistrationRequest,
  ShowMessageNotification,
  ShowMessageRequest,
  LogMessageNotification,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { DictionariesNotification, StatusNotification, type DictionaryReport, type ModelStatus } from '../../src/protocol/protocol';

export interface DictionariesEvent {
  builtinEntries: number;
  reports: DictionaryReport[];
}

export const SERVER_JS = join(__dirname, '..', '..', 'dist', 'server.js');

export interface TestServer {
  connection: ProtocolConnection;
  child: ChildProcess;
  statuses: ModelStatus[];
  messages: string[];
  logs: string[];
  dictionaries: DictionariesEvent[];
  settings: Record<string, unknown>;
  /** Replaces the settings and tells the server, as VS Code does on a configuration change. */
  configure(settings: Record<string, unknown>): Promise<void>;
  /** Resolves with the first status (already seen or future) that satisfies the predicate. */
  waitForStatus(predicate: (status: ModelStatus) => boolean, timeoutMs?: number, from?: number): Promise<ModelStatus>;
  /** Resolves with the first message shown to the user (from index `from` on) that matches. */
  waitForMessage(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** Resolves with the first dictionaries report (from index `from` on) that satisfies the predicate. */
  waitForDictionaries(predicate: (event: DictionariesEvent) => boolean, timeoutMs?: number, from?: number): Promise<DictionariesEvent>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** The client's display language (initializationOptions.locale). */
  locale?: string;
  /** Another build of the server (e.g. one unpacked from the .vsix). */
  serverPath?: string;
  /** The server process's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How client and server talk: `stdio` (default; other editors, the CLI) or `ipc` (Node's IPC channel, what the VS Code client uses). */
  transport?: 'stdio' | 'ipc';
}

export async function startTestServer(settings: Record<string, unknown> = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const serverPath = options.serverPath ?? SERVER_JS;
  if (!existsSync(serverPath)) throw new Error(`${serverPath} is missing: run \`npm run build\` first.`);
  const ipc = options.transport === 'ipc';
  const child = spawn(process.execPath, [serverPath, ipc ? '--node-ipc' : '--stdio'], {
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  if (ipc) child.stdout?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const connection = ipc
    ? createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child))
    : createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const statuses: ModelStatus[] = [];
  const messages: string[] = [];
  const logs: string[] = [];
  const dictionaries: DictionariesEvent[] = [];
  const waiters = new Set<() => void>();
  /** Resolves once `find` returns a value; re-checked whenever a status or message arrives. */
  function waitFor<T>(find: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what()}\nstderr: ${stderr.join('')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const server: TestServer = {
    connection,
    child,
    statuses,
    messages,
    logs,
    dictionaries,
    settings,
    async configure(next) {
      server.settings = next;
      await connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    },
    waitForStatus(predicate, timeoutMs = 30000, from = 0) {
      return waitFor(() => statuses.slice(from).find(predicate), timeoutMs, () => `a status; seen: ${JSON.stringify(statuses.slice(from))}`);
    },
    waitForDictionaries(predicate, timeoutMs = 30000, from = 0) {
      return waitFor(() => dictionaries.slice(from).find(predicate), timeoutMs, () => `a dictionaries report; seen: ${JSON.stringify(dictionaries.slice(from))}`);
    },
    waitForMessage(pattern, timeoutMs = 10000, from = 0) {
      return waitFor(() => messages.slice(from).find((m) => pattern.test(m)), timeoutMs, () => `a message matching ${pattern}; seen: ${JSON.stringify(messages.slice(from))}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        await connection.sendNotification('exit');
      } catch {
        // the process may already be gone
      }
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killTimer);
      connection.dispose();
    },
  };
  connection.onNotification(StatusNotification.type, (status) => {
    statuses.push(status);
    notify();
  });
  connection.onNotification(DictionariesNotification.type, (event) => {
    dictionaries.push(event);
    notify();
  });
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'medlocal' ? server.settings : null)));
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(ShowMessageRequest.type, (params) => {
    messages.push(params.message);
    notify();
    return null;
  });
  connection.onNotification(ShowMessageNotification.type, (params) => {
    messages.push(params.message);
    notify();
  });
  connection.onNotification(LogMessageNotification.type, (params) => {
    logs.push(params.message);
  });
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, window: { workDoneProgress: true } },
    initializationOptions: { locale: options.locale ?? 'en' },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return server;
}
