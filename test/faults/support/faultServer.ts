// A variant of test/process/harness.ts for the fault suite: starts the BUILT server with extra node
// flags (`--require` preloads) and environment, records everything it says (statuses, shown
// messages, window/logMessage, stderr, benchmark notifications) with arrival times, and can
// SIGKILL it. Every wait is on an event, bounded by a timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  RegistrationRequest,
  ShowMessageNotification,
  ShowMessageRequest,
  type Hover,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import {
  BenchFinishedNotification,
  BenchProgressNotification,
  type BenchFinishedEvent,
  type BenchProgressEvent,
} from '../../../src/protocol/benchProtocol';
import { DictionariesNotification, StatusNotification, type DictionaryReport, type ModelStatus } from '../../../src/protocol/protocol';

export const ROOT = join(__dirname, '..', '..', '..');
export const SERVER_JS = join(ROOT, 'dist', 'server.js');
export const CLI_JS = join(ROOT, 'dist', 'cli.js');
export const NO_EGRESS = join(ROOT, 'scripts', 'faults', 'no-egress.cjs');

export interface Timed<T> {
  at: number;
  value: T;
}

export interface FaultServerOptions {
  settings?: Record<string, unknown>;
  /** Flags before the script, e.g. ['--require', NO_EGRESS]. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface FaultServer {
  connection: ProtocolConnection;
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn, and when `initialize` was answered. */
  spawnedAt: number;
  initializedAt: number;
  statuses: Timed<ModelStatus>[];
  messages: string[];
  logs: string[];
  stderr: string[];
  dictionaries: Timed<{ builtinEntries: number; reports: DictionaryReport[] }>[];
  benchProgress: Timed<BenchProgressEvent>[];
  benchFinished: Timed<BenchFinishedEvent>[];
  settings: Record<string, unknown>;
  configure(settings: Record<string, unknown>): Promise<void>;
  /** Resolves once `find` returns a value; re-checked on every recorded event. */
  waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T>;
  waitForStatus(predicate: (status: ModelStatus) => boolean, timeoutMs?: number, from?: number): Promise<Timed<ModelStatus>>;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, wait for the exit, reject pending requests. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function settingsFor(modelPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: { path: modelPath, threads: 1, contextSize: 2048 }, ...extra };
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first.`);
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), SERVER_JS, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.env ?? {}) },
  });
  if (child.pid === undefined) throw new Error('the server process did not start');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  // Writes to a killed server must not crash the test process.
  child.stdin?.on('error', () => undefined);
  connection.onError(() => undefined);
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    notify();
  });

  const server: FaultServer = {
    connection,
    child,
    pid: child.pid,
    spawnedAt,
    initializedAt: 0,
    statuses: [],
    messages: [],
    logs: [],
    stderr,
    dictionaries: [],
    benchProgress: [],
    benchFinished: [],
    settings: options.settings ?? {},
    exited,
    async configure(next) {
      server.settings = next;
      await connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    },
    waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = find();
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstatuses: ${JSON.stringify(server.statuses.map((s) => s.value.state))}\nstderr: ${stderr.join('').slice(-4000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    waitForStatus(predicate, timeoutMs = 30000, from = 0) {
      return server.waitFor(() => server.statuses.slice(from).find((s) => predicate(s.value)), timeoutMs, 'a status');
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      connection.dispose();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        connection.dispose();
        return;
      }
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        await connection.sendNotification('exit');
      } catch {
        // already gone
      }
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killTimer);
      connection.dispose();
    },
  };
  child.once('exit', () => notify());
  const push = <T>(list: Timed<T>[], value: T) => {
    list.push({ at: performance.now(), value });
    notify();
  };
  connection.onNotification(StatusNotification.type, (status) => push(server.statuses, status));
  connection.onNotification(DictionariesNotification.type, (event) => push(server.dictionaries, event));
  connection.onNotification(BenchProgressNotification.type, (event) => push(server.benchProgress, event));
  connection.onNotification(BenchFinishedNotification.type, (event) => push(server.benchFinished, event));
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'medlocal' ? server.settings : null)));
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(ShowMessageRequest.type, (params) => {
    server.messages.push(params.message);
    notify();
    return null;
  });
  connection.onNotification(ShowMessageNotification.type, (params) => {
    server.messages.push(params.message);
    notify();
  });
  connection.onNotification(LogMessageNotification.type, (params) => {
    server.logs.push(params.message);
    notify();
  });
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, window: { workDoneProgress: true } },
    initializationOptions: { locale: 'en' },
  });
  server.initializedAt = performance.now();
  await connection.sendNotification(InitializedNotification.type, {});
  return server;
}

// ---- notes and hovers --------------------------------------------------------------------------

let uriCounter = 0;

export async function openNote(server: FaultServer, text: string): Promise<string> {
  const uri = `file:///tmp/medlocal-fault-note-${process.pid}-${++uriCounter}.md`;
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
  return uri;
}

/** The LSP position `into` characters inside the first occurrence of `needle`. */
export function positionOf(text: string, needle: string, into = 1): { line: number; character: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} is not in the note`);
  const before = text.slice(0, index + into);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

export function hover(server: FaultServer, uri: string, text: string, needle: string, into = 1): Promise<Hover | null> {
  return server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, needle, into) });
}

export function hoverText(result: Hover | null): string {
  if (!result) return '';
  const contents = result.contents;
  return typeof contents === 'object' && contents !== null && 'value' in contents ? String(contents.value) : JSON.stringify(contents);
}

// ---- small utilities ---------------------------------------------------------------------------

/** mulberry32: a seeded PRNG, so a failing run can be replayed with the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(fallback: number): number {
  const raw = process.env.FAULT_SEED;
  const seed = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
  return seed;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** VmRSS of a live process in kB, from /proc. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** Rejects after `ms` with `what`; for racing a promise that may never settle. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function answerIdsOf(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

const scratch = new Set<string>();
/** A fresh temporary folder, removed when the test process exits (kept with FAULT_KEEP=1). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (scratch.size === 0 && process.env.FAULT_KEEP !== '1') {
    process.once('exit', () => {
      for (const d of scratch) rmSync(d, { recursive: true, force: true });
    });
  }
  scratch.add(dir);
  return dir;
}
