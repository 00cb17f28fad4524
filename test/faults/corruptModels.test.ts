// Fault 3: corrupt and truncated GGUF files (and an empty file, and a directory) configured one
// after the other as `medlocal.model.path` on ONE running server: each gives an `error` status
// whose message names the file, the process survives (same pid), and hovers keep answering.
// Finally the good model loads on the same process.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EngineStatsRequest, type EngineStats } from '../../src/protocol/protocol';
import { ensureTinyModel, writeCorruptGguf, type CorruptKind } from '../fixtures/gguf/tinyModel';
import { hover, hoverText, openNote, settingsFor, startFaultServer, within, type FaultServer, scratchDir } from './support/faultServer';

const NOTE = '既往歴: 急性心筋梗塞。心不全の増悪あり。\n';
let modelPath: string;
let server: FaultServer | undefined;

before(async () => {
  modelPath = await ensureTinyModel();
});
after(async () => {
  await server?.stop();
});

test('corrupt GGUFs, an empty file and a directory: a clear error naming each, no crash, hovers keep answering', async () => {
  const dir = scratchDir('medlocal-fault-gguf-');
  const cases: Array<{ label: string; path: string }> = [];
  for (const kind of ['truncatedHeader', 'truncatedData', 'wrongMagic', 'absurdCounts'] as CorruptKind[]) {
    cases.push({ label: kind, path: await writeCorruptGguf(join(dir, `${kind}.gguf`), kind) });
  }
  const empty = join(dir, 'empty.gguf');
  writeFileSync(empty, Buffer.alloc(0));
  cases.push({ label: 'zero bytes', path: empty });
  const folder = join(dir, 'a-folder.gguf');
  mkdirSync(folder);
  cases.push({ label: 'directory', path: folder });

  // Start from a loaded model: the first bad path replaces a working engine.
  server = await startFaultServer({ settings: settingsFor(modelPath) });
  await server.waitForStatus((s) => s.state === 'ready');
  const uri = await openNote(server, NOTE);
  const pid = server.pid;
  for (const { label, path } of cases) {
    const from = server.statuses.length;
    const t0 = performance.now();
    await server.configure(settingsFor(path));
    const status = await server.waitForStatus((s) => s.state === 'error' || s.state === 'ready', 30000, from);
    const ms = performance.now() - t0;
    assert.equal(status.value.state, 'error', `${label}: ${JSON.stringify(status.value)}`);
    const message = status.value.message ?? '';
    console.log(`[corrupt-gguf] ${label.padEnd(15)} error in ${ms.toFixed(0).padStart(4)} ms: ${message} | hint: ${status.value.hint ?? ''}`);
    assert.ok(message.includes(path), `${label}: the message does not name ${path}: ${message}`);
    assert.ok((status.value.hint ?? '').length > 0, `${label}: no hint`);
    assert.equal(server.child.exitCode, null, `${label}: the server exited`);
    assert.equal(server.child.signalCode, null, `${label}: the server was killed by a signal`);
    const stats: EngineStats = await within(server.connection.sendRequest(EngineStatsRequest.type), 5000, 'engineStats');
    assert.equal(stats.pid, pid, `${label}: another process answers`);
    const h = await within(hover(server, uri, NOTE, '急性心筋梗塞', 2), 3000, `${label}: hover`);
    assert.match(hoverText(h), /[Aa]cute myocardial infarction/, `${label}: hover`);
  }
  const from = server.statuses.length;
  await server.configure(settingsFor(modelPath));
  await server.waitForStatus((s) => s.state === 'ready', 30000, from);
  assert.equal((await server.connection.sendRequest(EngineStatsRequest.type)).pid, pid);
  console.log(`[corrupt-gguf] ${cases.length} bad model files on one server (pid ${pid}): all reported, no crash; the good model then loaded`);
});
