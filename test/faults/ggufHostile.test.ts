// Hostile GGUF headers (security report "Hostile inputs"): a 78-byte file whose metadata string
// claims 2^31 bytes, a 98-byte file whose array claims 2^40 elements, a 69-byte file claiming 2^40
// tensors and 2^40 metadata entries. Each is configured as `medlocal.model.path` and inspected
// through `medlocal/inspectModel` on ONE running server: each gives an error quickly, the process
// survives (same pid, no signal) and keeps answering hovers. Before the bounded reader these
// aborted the server (SIGABRT in fs.read) or ran it out of memory.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InspectModelRequest } from '../../src/protocol/modelsProtocol';
import { EngineStatsRequest } from '../../src/protocol/protocol';
import { HOSTILE_SIZES, writeHostileGguf, type HostileKind } from '../fixtures/gguf/hostile';
import { hover, hoverText, openNote, rssKb, scratchDir, settingsFor, startFaultServer, within, type FaultServer } from './support/faultServer';

const NOTE = '既往歴: 急性心筋梗塞。心不全の増悪あり。\n';
/** Generous: the reader answers in milliseconds; the old code took minutes or died. */
const ANSWER_MS = 10_000;
let server: FaultServer | undefined;

after(async () => {
  await server?.stop();
});

function assertAlive(s: FaultServer, what: string): void {
  assert.equal(s.child.exitCode, null, `${what}: the server exited\n${s.stderr.join('').slice(-2000)}`);
  assert.equal(s.child.signalCode, null, `${what}: the server was killed by ${s.child.signalCode}\n${s.stderr.join('').slice(-2000)}`);
}

/** The refusal: the message, and the next step the server sends in the ResponseError's data. */
type Inspected = { ok: true } | { ok: false; message: string; next?: string };

/** medlocal/inspectModel's answer, or a rejection as soon as the server process dies. */
function inspectOrDeath(s: FaultServer, path: string, kind: string): Promise<Inspected> {
  return new Promise<Inspected>((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`${kind}: the server died during inspectModel (code ${code}, signal ${signal})`));
    s.child.once('exit', onExit);
    s.connection.sendRequest(InspectModelRequest.type, { path }).then(
      () => resolve({ ok: true }),
      (error: unknown) => {
        const data = (error as { data?: { next?: unknown } }).data;
        resolve({ ok: false, message: error instanceof Error ? error.message : String(error), ...(typeof data?.next === 'string' ? { next: data.next } : {}) });
      },
    ).finally(() => s.child.off('exit', onExit));
  });
}

test('hostile GGUF headers: load and inspect fail fast with a clear error; the same server stays alive and answers hovers', async () => {
  const dir = scratchDir('medlocal-fault-hostile-');
  // HOSTILE_KINDS=hugeArray (comma-separated) runs a subset, e.g. to watch one against older code.
  const kinds = (process.env.HOSTILE_KINDS?.split(',') ?? ['hugeString', 'hugeArray', 'hugeCounts']) as HostileKind[];
  const files = await Promise.all(kinds.map((kind) => writeHostileGguf(join(dir, `${kind}.gguf`), kind)));
  kinds.forEach((kind, i) => assert.equal(statSync(files[i] ?? '').size, HOSTILE_SIZES[kind], `${kind} file size`));

  server = await startFaultServer({ settings: settingsFor('') });
  await server.waitForStatus((s) => s.state === 'noModel');
  const uri = await openNote(server, NOTE);
  const pid = server.pid;
  const rssBefore = rssKb(pid);

  for (const [i, kind] of kinds.entries()) {
    const path = files[i] ?? '';
    // Select Model's inspect first: it used to abort the server just like a load.
    const t0 = performance.now();
    const inspected: Inspected = await within(inspectOrDeath(server, path, kind), ANSWER_MS, `${kind}: inspectModel`);
    const inspectMs = performance.now() - t0;
    assert.equal(inspected.ok, false, `${kind}: inspect accepted the file: ${JSON.stringify(inspected)}`);
    if (!inspected.ok) {
      assert.match(inspected.message, /is not a valid GGUF file \(.+ at byte \d+.*\); it may be truncated or corrupt/, `${kind}: ${inspected.message}`);
      assert.ok(inspected.message.includes(path), `${kind}: the message does not name the file: ${inspected.message}`);
      assert.match(inspected.next ?? '', /Download the model again, or pick another \.gguf file\./, `${kind}: no next step: ${JSON.stringify(inspected)}`);
      console.log(`[hostile-gguf] ${kind.padEnd(10)} inspect refused in ${inspectMs.toFixed(0)} ms: ${inspected.message}`);
    }
    assertAlive(server, `${kind} inspect`);

    const from = server.statuses.length;
    const t1 = performance.now();
    await server.configure(settingsFor(path));
    const status = await server.waitForStatus((s) => s.state === 'error' || s.state === 'ready', ANSWER_MS, from);
    const loadMs = performance.now() - t1;
    assert.equal(status.value.state, 'error', `${kind}: ${JSON.stringify(status.value)}`);
    const message = status.value.message ?? '';
    assert.match(message, /is not a valid GGUF file \(.+ at byte \d+.*\)/, `${kind}: ${message}`);
    assert.ok(message.includes(path), `${kind}: the status does not name the file: ${message}`);
    assert.ok((status.value.hint ?? '').length > 0, `${kind}: no hint`);
    console.log(`[hostile-gguf] ${kind.padEnd(10)} load refused in ${loadMs.toFixed(0)} ms`);
    assertAlive(server, `${kind} load`);

    const stats: { pid: number } = await within(server.connection.sendRequest(EngineStatsRequest.type), 5000, `${kind}: engineStats`);
    assert.equal(stats.pid, pid, `${kind}: another process answers`);
    const h = await within(hover(server, uri, NOTE, '急性心筋梗塞', 2), 5000, `${kind}: hover`);
    assert.match(hoverText(h), /[Aa]cute myocardial infarction/, `${kind}: hover`);
  }
  const grownMb = (rssKb(pid) - rssBefore) / 1024;
  console.log(`[hostile-gguf] server RSS grew by ${grownMb.toFixed(1)} MB over the three files`);
  assert.ok(grownMb < 200, `the server's memory grew by ${grownMb.toFixed(0)} MB`);
});
