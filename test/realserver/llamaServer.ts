// Starts llama.cpp's own llama-server (built from node-llama-cpp's bundled llama.cpp source by
// perf/llama-cpp.mjs, cached in ~/.cache/medlocal) on 127.0.0.1, on a port the OS picks, with a
// GGUF the tests wrote themselves; waits for GET /health with a generous bound; stops it after.
// Without the binary, `skipReason()` says why, and every test of the layer is skipped with
// that reason by name (never passed).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface LlamaServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** origin + /v1 */
  baseUrl: string;
  /** Everything the server wrote on stdout and stderr so far (its log). */
  log(): string;
  /** Kills it with SIGKILL (the "server killed mid-run" case). */
  kill(): void;
  stop(): Promise<void>;
  readonly child: ChildProcess;
}

export interface LlamaServerOptions {
  model: string;
  /** Slots (--parallel); default 1. */
  parallel?: number;
  /** Total context (--ctx-size), split over the slots; default 2048 per slot. */
  contextSize?: number;
  apiKey?: string;
  threads?: number;
  extraArgs?: string[];
  /** How long to wait for /health (default 120 s: the machine may be loaded). */
  timeoutMs?: number;
  /**
   * Do not wait for /health (the test polls it itself, e.g. to see the 503 while loading). With a
   * `port`, not even for the "listening" line: llama-server prints it only once the model is
   * loaded, though it accepts connections (answering 503) from before it starts loading.
   */
  noWait?: boolean;
  /** A fixed port (default: one the OS picks, read from the log). */
  port?: number;
}

/** A port free right now on 127.0.0.1 (for a server whose address must be known before it logs it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Where perf/llama-cpp.mjs builds llama-server: $MEDLOCAL_CACHE or ~/.cache/medlocal, then
 * llama.cpp-<release of node-llama-cpp's bundled source>/build/bin (the same rule as its
 * llamaToolPath, computed here synchronously so a test file can decide to skip at load time).
 * MEDLOCAL_LLAMA_SERVER names another binary.
 */
export function llamaServerPath(): string {
  if (process.env.MEDLOCAL_LLAMA_SERVER) return process.env.MEDLOCAL_LLAMA_SERVER;
  const info = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag: string };
  const cache = path.resolve(process.env.MEDLOCAL_CACHE || path.join(homedir(), '.cache', 'medlocal'));
  return path.join(cache, `llama.cpp-${info.tag}`, 'build', 'bin', 'llama-server');
}

/**
 * Why the layer is skipped (printed once, by name: "SKIPPED realserver: …"), or undefined when
 * the binary is there. Tests pass it as `{ skip }`, so the runner counts them as skipped.
 */
export function skipReason(): string | undefined {
  const binary = llamaServerPath();
  if (existsSync(binary)) return undefined;
  const why = `llama-server not built (${binary} is missing; build it with \`npm run bench:llama-cpp\`, or run \`npm run test:realserver\`, which builds it)`;
  console.log(`SKIPPED realserver: ${why}`);
  return why;
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const binary = llamaServerPath();
  if (!existsSync(binary)) throw new Error(`llama-server not built: ${binary}`);
  const parallel = options.parallel ?? 1;
  const args = [
    '--model', options.model,
    '--host', '127.0.0.1',
    '--port', String(options.port ?? 0),
    '--parallel', String(parallel),
    '--ctx-size', String(options.contextSize ?? 2048 * parallel),
    '--threads', String(options.threads ?? 1),
    '--no-webui',
    '--metrics',
    '--slots',
    ...(options.apiKey ? ['--api-key', options.apiKey] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (d: Buffer) => {
    output += d.toString('utf8');
    if (output.length > 400_000) output = output.slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const origin = options.port !== undefined && options.noWait ? `http://127.0.0.1:${options.port}` : await listeningOrigin(child, () => output, options.timeoutMs ?? 120_000);
  const server: LlamaServer = {
    origin,
    baseUrl: `${origin}/v1`,
    log: () => output,
    kill: () => child.kill('SIGKILL'),
    stop: () => stopChild(child),
    child,
  };
  if (!options.noWait) {
    try {
      await waitForHealth(origin, options.timeoutMs ?? 120_000);
    } catch (error) {
      await server.stop();
      throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
    }
  }
  return server;
}

/** Polls GET /health until it answers 200 (503 while the model loads). */
export async function waitForHealth(origin: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/health`);
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String((error as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`llama-server at ${origin} was not healthy within ${timeoutMs} ms (last: ${last})`);
}

/** The address llama-server prints once it listens ("listening on http://127.0.0.1:PORT"). */
function listeningOrigin(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match?.[1]) {
        done();
        resolve(match[1]);
      }
    };
    const fail = (why: string) => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`llama-server did not start: ${why}\n${output().slice(-3000)}`));
    };
    const timer = setTimeout(() => fail('timed out'), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => fail(`exited (code ${code}, signal ${signal})`);
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The synthetic ~250 MB benchmark GGUF (the one perf/engine.mjs and perf/server.mjs use, in
 * $TMPDIR/medlocal-bench), written once when missing (~5–8 s): big enough that llama-server takes
 * a visible while to load it.
 */
export async function syntheticModel(): Promise<string> {
  const { tmpdir } = await import('node:os');
  const file = path.join(tmpdir(), 'medlocal-bench', 'synthetic-238M-q8_0.gguf');
  if (!existsSync(file)) {
    const { writeSyntheticModel } = await import('../fixtures/gguf/tinyModel');
    await writeSyntheticModel(file);
  }
  return file;
}

/** GET /slots: each slot's id and whether it is processing a task. */
export async function slotStates(origin: string, apiKey?: string): Promise<Array<{ id: number; is_processing: boolean; n_decoded?: number }>> {
  const response = await fetch(`${origin}/slots`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const json = (await response.json()) as Array<{ id: number; is_processing: boolean; next_token?: Array<{ n_decoded?: number }> }>;
  return json.map((s) => ({ id: s.id, is_processing: s.is_processing, n_decoded: s.next_token?.[0]?.n_decoded }));
}

/** GET /metrics: the Prometheus counter `llamacpp:tokens_predicted_total`. */
export async function tokensPredicted(origin: string, apiKey?: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} })).text();
  const match = /^llamacpp:tokens_predicted_total\s+(\S+)/m.exec(text);
  if (!match?.[1]) throw new Error(`no tokens_predicted_total in /metrics:\n${text.slice(0, 500)}`);
  return Number(match[1]);
}
