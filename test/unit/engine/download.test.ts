// downloadModel against a loopback HTTP server (127.0.0.1, port 0) with byte ranges: progress,
// reuse without a request, cancel, resume, cut connections, truncated and stalled transfers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTinyModel, writeSyntheticModel } from '../../fixtures/gguf/tinyModel';
import { startRangeServer, type RangeServer, type RequestRecord } from './helpers/rangeServer';
import { CURATED_MODELS, downloadModel, parseModelSource, type DownloadProgress } from '../../../src/engine/models/download';
import { describeNext, UserError } from '../../../src/shared/userError';

const MiB = 1024 * 1024;
let dir = '';
let tinyBytes = Buffer.alloc(0);
let bigBytes = Buffer.alloc(0);
let server: RangeServer;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'medlocal-download-'));
  tinyBytes = await readFile(await ensureTinyModel());
  // Larger than two of the downloader's 5 MiB chunks, so a resume has whole chunks to skip.
  const big = await writeSyntheticModel(path.join(dir, 'source-big.gguf'), {
    layers: 1, hidden: 256, heads: 4, ffn: 512, vocab: 12000, type: 'F16', tiedEmbeddings: false, contextLength: 512,
  });
  bigBytes = await readFile(big.path);
  server = await startRangeServer({
    'tiny.gguf': tinyBytes,
    'big.gguf': bigBytes,
    'short.gguf': tinyBytes.subarray(0, tinyBytes.length - 4096),
  });
});

after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  return mkdtemp(path.join(dir, `${name}-`));
}

function resetServer(): void {
  server.requests.length = 0;
  for (const key of Object.keys(server.faults)) delete server.faults[key as keyof typeof server.faults];
}

/** Body bytes of ranged (data) requests: the downloader's first, unranged GET only reads headers. */
const rangedBytes = (requests: RequestRecord[]) => requests.filter((r) => r.rangeStart !== undefined).reduce((n, r) => n + r.bytesSent, 0);
const ggufFilesIn = async (directory: string) => (await readdir(directory)).filter((name) => name.endsWith('.gguf'));

test('downloads with progress events; a second call reuses the file without a single request', async () => {
  resetServer();
  server.faults.bytesPerSecond = 8 * MiB; // ~300 ms, so several progress events
  const target = await freshDir('basic');
  const events: DownloadProgress[] = [];
  const file = await downloadModel({ uri: server.url('tiny.gguf'), directory: target, onProgress: (p) => events.push(p) });

  assert.equal(file, path.join(target, 'tiny.gguf'));
  assert.ok((await readFile(file)).equals(tinyBytes), 'the file is byte-identical');
  assert.ok(events.length >= 2, `progress events: ${events.length}`);
  for (let i = 1; i < events.length; i++) assert.ok((events[i]?.downloadedBytes ?? 0) >= (events[i - 1]?.downloadedBytes ?? 0), 'progress never goes back');
  const last = events.at(-1);
  assert.deepEqual([last?.downloadedBytes, last?.totalBytes], [tinyBytes.length, tinyBytes.length]);
  assert.ok((last?.bytesPerSecond ?? 0) > 0);
  assert.deepEqual((await readdir(target)).sort(), ['.medlocal-downloads.json', 'tiny.gguf'], 'no partial left behind');

  resetServer();
  const again = await downloadModel({ uri: server.url('tiny.gguf'), directory: target });
  assert.equal(again, file);
  assert.equal(server.requests.length, 0, 'the second call made no request');
});

test('cancel mid-way leaves nothing that looks like the model; the next call resumes the partial', async () => {
  resetServer();
  // The range starting at 0 crawls; the others arrive at once, so whole chunks finish before the cancel.
  server.faults.bytesPerSecond = 1 * MiB;
  server.faults.throttleIf = (start) => start === 0;
  const target = await freshDir('cancel');
  const controller = new AbortController();
  let armed = false;
  const onProgress = (p: DownloadProgress) => {
    if (armed || p.downloadedBytes < p.totalBytes - 5 * MiB) return;
    armed = true;
    setTimeout(() => controller.abort(), 300); // let the finished chunks be recorded
  };
  await assert.rejects(downloadModel({ uri: server.url('big.gguf'), directory: target, signal: controller.signal, onProgress }), (error: Error) => error.name === 'AbortError');
  assert.deepEqual(await ggufFilesIn(target), [], 'no .gguf where models live');
  assert.deepEqual(await readdir(path.join(target, '.partial')), ['big.gguf.ipull']);
  assert.ok(rangedBytes(server.requests) < bigBytes.length, 'cancelled before the end');

  resetServer();
  const file = await downloadModel({ uri: server.url('big.gguf'), directory: target });
  assert.ok((await readFile(file)).equals(bigBytes), 'the resumed file is byte-identical');
  const resumed = rangedBytes(server.requests);
  assert.ok(resumed > 0 && resumed < bigBytes.length, `resume fetched ${resumed} of ${bigBytes.length} bytes`);
  assert.ok(server.requests.some((r) => r.rangeStart === 0), 'the missing chunk was requested by range');
});

test('a connection cut mid-transfer is retried by range and the file is intact', async () => {
  resetServer();
  server.faults.cutAfterBytes = 1 * MiB;
  const target = await freshDir('cut');
  const file = await downloadModel({ uri: server.url('tiny.gguf'), directory: target });
  assert.ok((await readFile(file)).equals(tinyBytes));
  const ranged = server.requests.filter((r) => r.rangeStart !== undefined);
  assert.ok(ranged.length >= 2, `ranged requests: ${ranged.length}`);
  assert.ok((ranged[0]?.bytesSent ?? 0) < tinyBytes.length, 'the first transfer was cut');
});

test('a server that serves a truncated GGUF is caught: nothing is saved as the model', async () => {
  resetServer();
  const target = await freshDir('short');
  await assert.rejects(downloadModel({ uri: server.url('short.gguf'), directory: target }), (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, 'truncated');
    assert.match(error.message, /incomplete or corrupt.*truncated.*Nothing was saved as the model/s);
    return true;
  });
  assert.deepEqual(await ggufFilesIn(target), []);
  assert.deepEqual(await readdir(path.join(target, '.partial')).catch(() => []), [], 'the broken transfer is not kept for resuming');
});

test('a stalled transfer gives up with a clear error and keeps the finished chunks for later', async () => {
  resetServer();
  // The first chunk stops half-way, the others arrive: the downloader keeps whole chunks only.
  server.faults.hangAfterBytes = 512 * 1024;
  server.faults.hangIf = (start) => start === 0;
  const target = await freshDir('stall');
  await assert.rejects(downloadModel({ uri: server.url('big.gguf'), directory: target, stallTimeoutMs: 400 }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.code, 'stalled');
    assert.match((describeNext(error, 'en') ?? ''), /resumes/);
    return true;
  });
  assert.deepEqual(await ggufFilesIn(target), []);
  assert.deepEqual(await readdir(path.join(target, '.partial')), ['big.gguf.ipull']);
});

test('bad URIs, missing files and unreachable servers fail fast with a next step', async () => {
  resetServer();
  const target = await freshDir('errors');
  for (const uri of ['ftp://example.com/m.gguf', 'C:\\models\\m.gguf', 'models/m.gguf']) {
    await assert.rejects(downloadModel({ uri, directory: target }), (error: unknown) => error instanceof UserError && error.code === 'badUri' && /hf:/.test((describeNext(error, 'en') ?? '')));
  }
  await assert.rejects(downloadModel({ uri: server.url('absent.gguf'), directory: target }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.code, 'http');
    assert.match(error.message, /not found \(HTTP 404\)/);
    return true;
  });
  const port = await closedPort();
  const started = Date.now();
  await assert.rejects(downloadModel({ uri: `http://127.0.0.1:${port}/m.gguf`, directory: target }), (error: unknown) => error instanceof UserError && error.code === 'unreachable' && /Cannot reach 127\.0\.0\.1/.test(error.message));
  assert.ok(Date.now() - started < 5000, 'no long retry loop for a refused connection');
});

test('curated models: unique ids, one default, hf: URIs, licence text to show', () => {
  assert.equal(new Set(CURATED_MODELS.map((m) => m.id)).size, CURATED_MODELS.length);
  assert.equal(CURATED_MODELS.filter((m) => m.default).length, 1);
  const general = CURATED_MODELS.find((m) => m.default);
  assert.match(general?.uri ?? '', /Qwen2\.5-7B-Instruct.*Q4_K_M/);
  for (const model of CURATED_MODELS) {
    assert.deepEqual(parseModelSource(model.uri), { kind: 'hf' });
    assert.ok(model.licence.text.length > 50 && model.licence.url.startsWith('https://'), model.id);
    assert.ok(model.approxSizeBytes > 1e9);
  }
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}
