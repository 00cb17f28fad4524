// The built language server, driven over stdio by a real protocol client, on the generated tiny
// model and the real node-llama-cpp.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ResponseError } from 'vscode-languageserver-protocol';
import { AskRequest, EngineStatsRequest, ModelInfoRequest, ScoreChoicesRequest, type AskResult } from '../../src/protocol/protocol';
import { ensureTinyModel, writeLoraAdapter } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from './harness';

const run = promisify(execFile);
let modelPath: string;

before(async () => {
  modelPath = await ensureTinyModel();
});

function tinySettings(extra: Record<string, unknown> = {}) {
  return { model: { path: modelPath, threads: 1, contextSize: 2048, ...extra } };
}

describe('with the tiny model', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(tinySettings());
    await server.waitForStatus((s) => s.state === 'ready');
  });
  after(() => server.stop());

  test('reports loading, then ready with the model facts', async () => {
    const states = server.statuses.map((s) => s.state);
    assert.ok(states.includes('loading'), `states: ${states.join(',')}`);
    const ready = await server.waitForStatus((s) => s.state === 'ready');
    assert.equal(ready.backend, 'cpu');
    assert.equal(ready.model?.name, 'MedLocal Tiny Test Model');
    assert.equal(ready.model?.architecture, 'llama');
    assert.equal(ready.model?.path, modelPath);
  });

  test('medlocal/modelInfo returns the loaded model and backend facts', async () => {
    const info = await server.connection.sendRequest(ModelInfoRequest.type);
    assert.ok(info);
    assert.equal(info.model.path, modelPath);
    assert.equal(info.backend, 'cpu');
    assert.equal(info.gpuLayers, 0);
    assert.equal(info.threads, 1);
    assert.equal(info.sequences, 2);
    assert.ok(info.model.sizeBytes > 0);
    assert.ok(info.model.contextSize >= 2048);
  });

  test('medlocal/ask streams at least two partial chunks before the final result', async () => {
    const chunks: Array<{ text: string; at: number }> = [];
    const token = 'ask-stream';
    const subscription = server.connection.onProgress(AskRequest.partialResult, token, (value) => {
      chunks.push({ text: value.text, at: Date.now() });
    });
    const result = await server.connection.sendRequest(AskRequest.type, { question: 'What is the normal range of HbA1c?', maxTokens: 24, partialResultToken: token });
    const resolvedAt = Date.now();
    subscription.dispose();
    assert.ok(chunks.length >= 2, `only ${chunks.length} chunks`);
    assert.ok(chunks.every((c) => c.at <= resolvedAt));
    assert.equal(chunks.map((c) => c.text).join(''), result.text);
    assert.ok(['eos', 'maxTokens'].includes(result.stopReason));
    assert.ok(result.tokens >= 2 && result.tokens <= 24);
    assert.equal(result.language, 'en');
    assert.match(result.promptId, /^ask-v1-en@[0-9a-f]{12}$/);
  });

  test('a Japanese question is answered with the Japanese prompt', async () => {
    const result = await server.connection.sendRequest(AskRequest.type, { question: '急性膵炎の重症度判定は？', maxTokens: 4 });
    assert.equal(result.language, 'ja');
    assert.match(result.promptId, /^ask-v1-ja@/);
  });

  test('cancelling an ask stops generation on the server', async () => {
    const before = await server.connection.sendRequest(EngineStatsRequest.type);
    const token = 'ask-cancel';
    const source = new (await import('vscode-languageserver-protocol')).CancellationTokenSource();
    let chunks = 0;
    const subscription = server.connection.onProgress(AskRequest.partialResult, token, () => {
      chunks++;
      if (chunks === 3) source.cancel();
    });
    const maxTokens = 1500;
    let result: AskResult | undefined;
    try {
      result = await server.connection.sendRequest(AskRequest.type, { question: 'Explain heart failure in detail.', maxTokens, partialResultToken: token }, source.token);
    } catch (error) {
      assert.ok(error instanceof ResponseError, String(error));
    }
    subscription.dispose();
    if (result) assert.equal(result.stopReason, 'cancelled');
    const afterCancel = await server.connection.sendRequest(EngineStatsRequest.type);
    const generated = afterCancel.tokensGenerated - before.tokensGenerated;
    assert.ok(generated >= 3 && generated < maxTokens / 4, `generated ${generated} tokens after cancel`);
    // Another request that needs the engine completes; the counter has not moved meanwhile.
    await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt: 'Answer:', candidates: ['A'] });
    const later = await server.connection.sendRequest(EngineStatsRequest.type);
    assert.equal(later.tokensGenerated, afterCancel.tokensGenerated);
    assert.equal(later.freeSequences, later.totalSequences);
  });

  test('medlocal/scoreChoices probabilities sum to at most 1 and match node-llama-cpp computed directly', async () => {
    const prompt = '問題: 急性心筋梗塞で上昇する検査値はどれか。\na: CK-MB\nb: Na\nc: K\nd: Cl\ne: Ca\n答え: ';
    const candidates = ['a', 'b', 'c', 'd', 'e'];
    const { scores } = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt, candidates });
    assert.deepEqual(scores.map((s) => s.candidate), candidates);
    const sum = scores.reduce((total, s) => total + s.probability, 0);
    assert.ok(sum > 0 && sum <= 1 + 1e-9, `sum ${sum}`);
    for (const s of scores) assert.ok(Math.abs(Math.exp(s.logProb) - s.probability) < 1e-12);
    const { stdout } = await run(process.execPath, [join(__dirname, 'directScore.mjs'), modelPath, prompt, JSON.stringify(candidates)], { timeout: 60000 });
    const direct = JSON.parse(stdout) as { probabilities: number[]; vocabulary: number };
    assert.ok(direct.vocabulary > 256);
    scores.forEach((s, i) => {
      const expected = direct.probabilities[i] ?? NaN;
      assert.ok(Math.abs(s.probability - expected) <= 1e-4 + expected * 1e-3, `${s.candidate}: ${s.probability} vs ${expected}`);
    });
  });

  test('a setting with an unknown value is reported and replaced by its default', async () => {
    const seen = server.messages.length;
    await server.configure(tinySettings({ gpu: 'quantum' }));
    const message = await server.waitForMessage(/medlocal\.model\.gpu/, 10000, seen);
    assert.match(message, /"quantum".*auto, cuda, vulkan, metal, cpu/);
  });
});

describe('LoRA adapters', () => {
  test('an adapter changes the scored probabilities and is named in the status; a mismatched one fails clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-lora-'));
    const adapter = await writeLoraAdapter(join(dir, 'adapter.gguf'));
    const mismatched = await writeLoraAdapter(join(dir, 'mismatched.gguf'), { mismatched: true });
    const prompt = 'Question: which test rises first in myocardial infarction?\nA: troponin\nB: sodium\nAnswer:';
    const candidates = [' A', ' B'];
    const server = await startTestServer(tinySettings());
    try {
      await server.waitForStatus((s) => s.state === 'ready');
      const base = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt, candidates });
      let from = server.statuses.length;
      await server.configure(tinySettings({ loraAdapters: [{ path: adapter, scale: 1 }] }));
      const ready = await server.waitForStatus((s) => s.state === 'ready', 30000, from);
      assert.equal(ready.loraAdapters?.[0]?.path, adapter);
      assert.match(ready.loraAdapters?.[0]?.fingerprint ?? '', /^[0-9a-f]{16}$/);
      const adapted = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt, candidates });
      // The tiny model's next-token distribution is flat (p ≈ 1e-4), so compare log-probabilities.
      const delta = Math.max(...adapted.scores.map((s, i) => Math.abs(s.logProb - (base.scores[i]?.logProb ?? 0))));
      assert.ok(delta > 1e-3, `the adapter changed log-probabilities by only ${delta}`);
      from = server.statuses.length;
      await server.configure(tinySettings({ loraAdapters: [{ path: mismatched, scale: 1 }] }));
      const failed = await server.waitForStatus((s) => s.state === 'error', 30000, from);
      assert.match(failed.message ?? '', /LoRA adapter does not fit/);
      assert.match(failed.hint ?? '', /loraAdapters/);
      assert.equal((await server.connection.sendRequest(EngineStatsRequest.type)).pid, server.child.pid);
    } finally {
      await server.stop();
    }
  });
});

describe('bad input', () => {
  test('a missing model path yields an error status naming the path, and the server keeps answering', async () => {
    const missing = join(tmpdir(), 'medlocal-no-such-model.gguf');
    const server = await startTestServer({ model: { path: missing, threads: 1 } });
    try {
      const status = await server.waitForStatus((s) => s.state === 'error');
      assert.ok(status.message?.includes(missing), status.message);
      assert.match(status.message ?? '', /does not exist/);
      assert.ok(status.hint && status.hint.length > 0);
      assert.equal(await server.connection.sendRequest(ModelInfoRequest.type), null);
      const stats = await server.connection.sendRequest(EngineStatsRequest.type);
      assert.equal(stats.pid, server.child.pid);
      await assert.rejects(server.connection.sendRequest(AskRequest.type, { question: 'Is this answered?' }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.ok(error.message.includes(missing), error.message);
        return true;
      });
      // Fixing the setting loads the model without a restart.
      const from = server.statuses.length;
      await server.configure(tinySettings());
      await server.waitForStatus((s) => s.state === 'ready', 30000, from);
    } finally {
      await server.stop();
    }
  });

  test('a file that is not a GGUF, a truncated GGUF and an empty file each give a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-bad-'));
    const cases: Array<[string, Buffer, RegExp]> = [
      ['notes.gguf', Buffer.from('# just a markdown note\n'), /not a GGUF model file/],
      ['empty.gguf', Buffer.alloc(0), /empty/],
    ];
    const { readFileSync } = await import('node:fs');
    const whole = readFileSync(modelPath);
    cases.push(['truncated.gguf', whole.subarray(0, 2000), /not a valid GGUF|truncated/]);
    const server = await startTestServer({ model: { path: '', threads: 1 } });
    try {
      await server.waitForStatus((s) => s.state === 'noModel');
      for (const [name, bytes, expected] of cases) {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        const from = server.statuses.length;
        await server.configure({ model: { path, threads: 1 } });
        const status = await server.waitForStatus((s) => s.state === 'error', 30000, from);
        assert.match(status.message ?? '', expected, name);
        assert.ok(status.message?.includes(path));
      }
      assert.equal(server.child.exitCode, null, 'the server is still running');
      assert.equal((await server.connection.sendRequest(EngineStatsRequest.type)).pid, server.child.pid);
    } finally {
      await server.stop();
    }
  });

  test('a GPU backend that cannot start falls back to the CPU and says why', async () => {
    const server = await startTestServer(tinySettings({ gpu: 'cuda' }));
    try {
      const ready = await server.waitForStatus((s) => s.state === 'ready' || s.state === 'error');
      assert.equal(ready.state, 'ready');
      assert.equal(ready.backend, 'cpu');
      assert.match(ready.message ?? '', /cuda backend could not start/);
      const info = await server.connection.sendRequest(ModelInfoRequest.type);
      assert.match(info?.fallbackReason ?? '', /cuda/);
    } finally {
      await server.stop();
    }
  });

  test('messages follow the client language: a missing model in Japanese, with the path', async () => {
    const missing = join(tmpdir(), 'medlocal-存在しない.gguf');
    const server = await startTestServer({ model: { path: missing, threads: 1 } }, { locale: 'ja' });
    try {
      const status = await server.waitForStatus((s) => s.state === 'error');
      assert.equal(status.message, `モデルファイル ${missing} が存在しません。`);
      assert.match(status.hint ?? '', /medlocal\.model\.path.*設定してください/);
      await assert.rejects(server.connection.sendRequest(AskRequest.type, { question: '質問' }), /モデルファイル .* が存在しません/);
    } finally {
      await server.stop();
    }
  });

  test('no model configured: ask explains how to set one', async () => {
    const server = await startTestServer({});
    try {
      await server.waitForStatus((s) => s.state === 'noModel');
      await assert.rejects(server.connection.sendRequest(AskRequest.type, { question: 'Q?' }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.match(JSON.stringify(error.data), /medlocal\.model\.path/);
        return true;
      });
    } finally {
      await server.stop();
    }
  });
  test('over Node IPC (the transport the VS Code client uses): ready, then an ask is answered with streamed chunks', async () => {
    const server = await startTestServer(tinySettings(), { transport: 'ipc' });
    try {
      await server.waitForStatus((s) => s.state === 'ready');
      const chunks: string[] = [];
      const token = 'ipc-ask';
      const subscription = server.connection.onProgress(AskRequest.partialResult, token, (chunk) => {
        chunks.push(chunk.text);
      });
      const result = await server.connection.sendRequest(AskRequest.type, { question: 'What is aspirin?', maxTokens: 8, partialResultToken: token });
      subscription.dispose();
      assert.ok(result.tokens > 0);
      assert.equal(chunks.join(''), result.text);
      assert.equal(server.child.spawnargs.at(-1), '--node-ipc');
    } finally {
      await server.stop();
    }
  });
});
