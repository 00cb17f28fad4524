// Reloads that add a LoRA adapter to the model already loaded, on the built server over stdio.
// node-llama-cpp's native logger goes quiet in JS once a second Llama has started in the process,
// and llama.cpp then prints its messages (the LoRA loader warns per tensor) to fd 1: the LSP
// stream. The client could no longer read it and the reload looked hung at "loading". These tests
// check that such reloads reach "ready" and that stdout carries nothing but protocol frames.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ScoreChoicesRequest } from '../../src/protocol/protocol';
import { DoctorRequest } from '../../src/protocol/modelsProtocol';
import { ensureTinyModel, writeLoraAdapter } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from './harness';

let modelPath: string;
let adapter: string;
const prompt = 'Question: which test rises first in myocardial infarction?\nA: troponin\nB: sodium\nAnswer:';
const candidates = [' A', ' B'];

before(async () => {
  modelPath = await ensureTinyModel();
  adapter = await writeLoraAdapter(join(mkdtempSync(join(tmpdir(), 'medlocal-lora-reload-')), 'adapter.gguf'));
});

function settings(extra: Record<string, unknown> = {}) {
  return { model: { path: modelPath, threads: 1, contextSize: 2048, ...extra } };
}

/** Everything the server writes to stdout, as it arrives. */
function tapStdout(server: TestServer): Buffer[] {
  const chunks: Buffer[] = [];
  server.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  return chunks;
}

/** Splits stdout into LSP frames; fails on any byte that is not part of a well-formed frame. */
function assertOnlyFrames(chunks: Buffer[]): number {
  const data = Buffer.concat(chunks);
  let offset = 0;
  let frames = 0;
  while (offset < data.length) {
    const headerEnd = data.indexOf('\r\n\r\n', offset);
    const stray = () => JSON.stringify(data.subarray(offset, offset + 200).toString('utf8'));
    assert.ok(headerEnd >= 0, `stdout ends with bytes that are not a frame: ${stray()}`);
    const header = data.subarray(offset, headerEnd).toString('ascii');
    const length = /^Content-Length: (\d+)$/m.exec(header)?.[1];
    assert.ok(length !== undefined && header.split('\r\n').every((line) => /^[A-Za-z-]+: /.test(line)), `stdout holds non-protocol bytes at byte ${offset}: ${stray()}`);
    const bodyStart = headerEnd + 4;
    const body = data.subarray(bodyStart, bodyStart + Number(length));
    assert.equal(body.length, Number(length), 'stdout ends inside a frame');
    assert.doesNotThrow(() => JSON.parse(body.toString('utf8')), `frame ${frames} is not JSON: ${body.toString('utf8').slice(0, 200)}`);
    offset = bodyStart + Number(length);
    frames++;
  }
  return frames;
}

async function score(server: TestServer): Promise<number[]> {
  const result = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt, candidates });
  return result.scores.map((s) => s.logProb);
}

/** Applies new settings and waits for the reload they cause to finish as "ready". */
async function reloadTo(server: TestServer, next: Record<string, unknown>) {
  const from = server.statuses.length;
  await server.configure(next);
  const status = await server.waitForStatus((s) => s.state === 'ready' || s.state === 'error', 20000, from);
  assert.equal(status.state, 'ready', `the reload ended in ${status.state}: ${status.message ?? ''}`);
  return status;
}

function maxDelta(a: number[], b: number[]): number {
  return Math.max(...a.map((value, i) => Math.abs(value - (b[i] ?? 0))));
}

describe('reloading the same model with a LoRA adapter', () => {
  test('load, score, add only an adapter: ready again, the scores change, stdout holds only protocol frames', async () => {
    const server = await startTestServer(settings());
    const stdout = tapStdout(server);
    try {
      await server.waitForStatus((s) => s.state === 'ready', 30000);
      const base = await score(server);
      const ready = await reloadTo(server, settings({ loraAdapters: [{ path: adapter, scale: 1 }] }));
      assert.equal(ready.loraAdapters?.[0]?.path, adapter);
      const adapted = await score(server);
      assert.ok(maxDelta(adapted, base) > 1e-3, `the adapter changed log-probabilities by only ${maxDelta(adapted, base)}`);
      // The context size and the adapter's scale in one reload, then back to no adapter.
      await reloadTo(server, settings({ contextSize: 1024, loraAdapters: [{ path: adapter, scale: 0.5 }] }));
      const half = await score(server);
      assert.ok(maxDelta(half, adapted) > 1e-4, 'scale 0.5 scored like scale 1');
      await reloadTo(server, settings());
      assert.ok(maxDelta(await score(server), base) < 1e-6, 'without the adapter the scores should be the first ones again');
    } finally {
      await server.stop();
    }
    assert.ok(assertOnlyFrames(stdout) > 5);
  });

  test('the GPU doctor before the first load does not break a load with an adapter', async () => {
    const server = await startTestServer({});
    const stdout = tapStdout(server);
    try {
      await server.waitForStatus((s) => s.state === 'noModel', 30000);
      const report = await server.connection.sendRequest(DoctorRequest.type);
      assert.notEqual(report.doctor.chosen, 'none', String(report.doctor.reason));
      const ready = await reloadTo(server, settings({ loraAdapters: [{ path: adapter, scale: 1 }] }));
      assert.equal(ready.loraAdapters?.[0]?.path, adapter);
      assert.equal((await score(server)).length, 2);
    } finally {
      await server.stop();
    }
    assertOnlyFrames(stdout);
  });
});
