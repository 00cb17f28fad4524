// Air-gapped install: the unpacked linux-x64 vsix (dist-vsix/, built or reused by
// support/vsixFiles.ts) starts its language server with network access blocked by the fault
// suite's no-egress preload (scripts/faults/no-egress.cjs, given through NODE_OPTIONS so that any
// child process carries it too), reaches "ready" on the tiny model and answers, and not one
// connection or name lookup off the machine is attempted. A control run of the same server with a
// deliberate fetch at start-up shows the guard records (and so this test would catch) an attempt.
// Also: the only code paths that reach the network are the ones the user asks for.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AskRequest, ScoreChoicesRequest } from '../../src/protocol/protocol';
import { childPids } from '../process/syntheticModel';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from '../process/harness';
import { extractZip, hostTarget } from '../../scripts/package/vsix.mjs';
import { ensureVsix, ROOT } from './support/vsixFiles';

const NO_EGRESS = join(ROOT, 'scripts', 'faults', 'no-egress.cjs');

function attempts(log: string): Array<{ api: string; target: string; stack: string }> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { api: string; target: string; stack: string });
}

describe('the unpacked linux-x64 vsix with network access blocked', () => {
  let skip: string | false = false;
  let unpacked: string | undefined;
  let extensionDir: string;
  let modelPath: string;

  before(async () => {
    if (hostTarget() !== 'linux-x64') {
      skip = `starts the linux-x64 vsix; this machine is ${hostTarget()}`;
      return;
    }
    const vsix = ensureVsix('linux-x64');
    unpacked = mkdtempSync(join(tmpdir(), 'medlocal-airgap-'));
    extensionDir = extractZip(vsix, unpacked);
    modelPath = await ensureTinyModel();
  });
  after(() => {
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  /** The unpacked server under the no-egress preload (plus `extraRequire`, if any); resolves what it recorded. */
  async function runServer(name: string, extraRequire?: string): Promise<{ recorded: ReturnType<typeof attempts>; server: TestServer; pid: number; maps: string }> {
    const log = join(unpacked!, `${name}-egress.jsonl`);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: [`--require ${NO_EGRESS}`, ...(extraRequire ? [`--require ${extraRequire}`] : [])].join(' '), MEDLOCAL_EGRESS_LOG: log };
    delete env.NODE_PATH; // modules resolve from the unpacked folder only
    const serverPath = join(extensionDir, 'dist', 'server.js');
    const server = await startTestServer({ model: { path: modelPath, threads: 1, contextSize: 2048 } }, { serverPath, env });
    let maps = '';
    try {
      const ready = await server.waitForStatus((s) => s.state === 'ready' || s.state === 'error', 120_000);
      assert.equal(ready.state, 'ready', JSON.stringify(ready));
      assert.equal(ready.model?.name, 'MedLocal Tiny Test Model');
      const { scores } = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt: 'Question: which is right?\nAnswer:', candidates: [' A', ' B'] });
      assert.equal(scores.length, 2);
      const answer = await server.connection.sendRequest(AskRequest.type, { question: 'What is heart failure?', maxTokens: 8 });
      assert.ok(answer.tokens > 0);
      // The model runs in the server's engine process (dist/engine.js): read the native libraries
      // mapped by the server and by its children.
      const pids = [server.child.pid!, ...((await childPids(server.child.pid!)) ?? [])];
      maps = pids.map((pid) => readFileSync(`/proc/${pid}/maps`, 'utf8')).join('\n');
    } finally {
      await server.stop();
    }
    return { recorded: attempts(log), server, pid: server.child.pid!, maps };
  }

  test('reaches ready on the tiny model, scores and answers, and attempts no connection off the machine', async (t) => {
    if (skip) return t.skip(skip);
    const { recorded, maps } = await runServer('airgap');
    console.log(`[airgap] unpacked linux-x64 vsix: ready, scoreChoices, ask; blocked attempts: ${recorded.length}`);
    assert.deepEqual(recorded.map((r) => `${r.api} ${r.target}\n${r.stack}`), []);
    // The engine that ran is the vsix's own, not the repository's.
    const addons = [...new Set(maps.split('\n').map((line) => /\s(\/\S*llama-addon\.node)$/.exec(line)?.[1]).filter(Boolean))];
    assert.ok(addons.length > 0, 'llama-addon.node is not loaded');
    for (const addon of addons) assert.ok(addon!.startsWith(extensionDir), `${addon} is not from ${extensionDir}`);
  });

  test('control: the same run with a deliberate fetch at start-up is caught by the guard', async (t) => {
    if (skip) return t.skip(skip);
    const deliberate = join(unpacked!, 'deliberate-fetch.cjs');
    writeFileSync(deliberate, "fetch('https://registry.npmjs.org/node-llama-cpp').catch(() => undefined);\n");
    const { recorded } = await runServer('control', deliberate);
    console.log(`[airgap/control] blocked attempts: ${recorded.map((r) => `${r.api} ${r.target}`).join(', ')}`);
    assert.ok(recorded.length > 0, 'the deliberate fetch was not recorded: the guard is not active');
    assert.ok(recorded.some((r) => /registry\.npmjs\.org/.test(r.target)), JSON.stringify(recorded.map((r) => r.target)));
  });
});

describe('code that can reach the network runs only when the user asks', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? sources(full) : /\.tsx?$/.test(name) ? [full] : [];
    });
  }
  const NETWORK = /\bfetch\(|createModelDownloader|\bhttps?\.(get|request)\(|from 'node:https?'|require\('https?'\)|new WebSocket\(/;

  test('fetch / the model downloader appear only in the model download and the OpenAI-compatible backend', () => {
    const files = ['src/server', 'src/engine', 'src/extension', 'src/cli', 'src/eval', 'src/shared', 'src/terms']
      .flatMap((dir) => sources(join(ROOT, dir)))
      .filter((file) => NETWORK.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file).split('\\').join('/'))
      .sort();
    // download.ts: medlocal/downloadModel, sent only by the "Download a model" command/pick;
    // openaiEngine.ts: only with medlocal.backend = "openai" and a base URL the user configured.
    assert.deepEqual(files, ['src/engine/models/download.ts', 'src/engine/openaiEngine.ts']);
  });

  test('the model download request is sent from one place: the downloadModel command of the extension', () => {
    const senders = sources(join(ROOT, 'src'))
      .filter((file) => /sendRequest\(\s*DownloadModelRequest\.type/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file).split('\\').join('/'));
    assert.deepEqual(senders, ['src/extension/models.ts']);
    const models = readFileSync(join(ROOT, 'src', 'extension', 'models.ts'), 'utf8');
    const body = models.slice(models.indexOf('async downloadModel('));
    assert.ok(body.indexOf('sendRequest(DownloadModelRequest.type') > 0, 'the request is not inside downloadModel()');
  });

  test('the engine never builds or fetches llama.cpp binaries at run time (build: "never")', () => {
    const runtime = readFileSync(join(ROOT, 'src', 'engine', 'llamaRuntime.ts'), 'utf8');
    assert.match(runtime, /build:\s*'never'/);
    const getLlamaCalls = sources(join(ROOT, 'src'))
      .filter((file) => /\.getLlama\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file).split('\\').join('/'));
    for (const file of getLlamaCalls) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const call of text.split('.getLlama(').slice(1)) assert.match(call.slice(0, 400), /build:\s*'never'/, `${file}: a getLlama call without build: 'never'`);
    }
  });
});
