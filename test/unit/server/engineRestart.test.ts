// The model host when its engine dies (an engine process that exited or was killed): pending
// requests wait for the restarted engine, the status says the engine stopped and is restarting,
// the back-off doubles, and after MAX_FAST_CRASHES fast deaths in a row the host gives up with a
// "restart MedLocal" next step, in English and Japanese.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostedEngine } from '../../../src/engine/hosted';
import { MAX_FAST_CRASHES, ModelHost, type HostStatus } from '../../../src/server/modelHost';
import { format } from '../../../src/shared/messages';
import { UserError } from '../../../src/shared/userError';
import { msg } from '../../../src/shared/messages';

const MODEL = { path: '/models/fake.gguf', gpu: 'auto' as const, gpuLayers: 'auto' as const, contextSize: 2048, threads: 1, loraAdapters: [] };

/** An engine that answers `generate` with its serial number and dies when `kill` is called. */
class DyingEngine {
  private readonly listeners = new Set<(error: UserError, how: string) => void>();
  readonly info = { model: { name: 'fake', path: MODEL.path, sizeBytes: 1, architecture: 'llama', quantization: 'Q8_0', contextSize: 2048, fingerprint: 'f' }, backend: 'cpu' as const, gpuLayers: 0, threads: 1, sequences: 1, loraAdapters: [] };
  readonly tokensGenerated = 0;
  constructor(readonly serial: number) {}
  schedulerStats() {
    return { total: 1, free: 1, queued: { interactive: 0, background: 0 } };
  }
  async scoreNextTokens() {
    return [];
  }
  async scoreContinuations() {
    return [];
  }
  async generate() {
    return { text: `engine ${this.serial}`, tokens: 1, stopReason: 'eos' as const };
  }
  async dispose() {}
  onStopped(listener: (error: UserError, how: string) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  kill(how = 'signal SIGKILL') {
    for (const listener of this.listeners) listener(new UserError(msg('engineProcessStopped', how)), how);
  }
}

function waitFor<T>(find: () => T | undefined, statuses: HostStatus[], what: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const found = find();
      if (found !== undefined) return resolve(found);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}; statuses: ${statuses.map((s) => s.state).join(' → ')}`));
      setImmediate(check);
    };
    check();
  });
}

test('a dead engine is restarted after a back-off that doubles; requests meanwhile get the new engine', async () => {
  const statuses: HostStatus[] = [];
  const engines: DyingEngine[] = [];
  const host = new ModelHost({
    cores: 1,
    sequences: 1,
    restartDelayMs: 20,
    log: () => undefined,
    onStatus: (status) => statuses.push(status),
    createEngine: async () => {
      const engine = new DyingEngine(engines.length + 1);
      engines.push(engine);
      return engine as unknown as HostedEngine;
    },
  });
  host.configure({ kind: 'local', model: MODEL });
  assert.equal(((await (await host.getEngine()).generate('x', { maxTokens: 1 })).text), 'engine 1');

  engines[0]!.kill();
  const restarting = statuses.at(-1)!;
  assert.equal(restarting.state, 'loading');
  assert.match(format('en', restarting.message!), /engine process stopped \(signal SIGKILL\); restarting it in 0\.02 s \(attempt 1\)/);
  assert.match(format('ja', restarting.message!), /エンジンプロセスが停止しました/);
  assert.match(format('en', restarting.next!), /restarts the engine by itself/);
  // A request during the back-off waits for the restarted engine.
  const engine = await host.getEngine();
  assert.equal((await engine.generate('x', { maxTokens: 1 })).text, 'engine 2');
  assert.equal(statuses.at(-1)?.state, 'ready');

  engines[1]!.kill('exit code 134');
  assert.match(format('en', statuses.at(-1)!.message!), /\(exit code 134\); restarting it in 0\.04 s \(attempt 2\)/);
  await waitFor(() => (engines.length === 3 && statuses.at(-1)?.state === 'ready' ? true : undefined), statuses, 'the third engine');
  await host.dispose();
});

test(`after ${MAX_FAST_CRASHES} fast deaths in a row the host stops restarting and says to restart MedLocal`, async () => {
  const statuses: HostStatus[] = [];
  const engines: DyingEngine[] = [];
  const host = new ModelHost({
    cores: 1,
    sequences: 1,
    restartDelayMs: 1,
    log: () => undefined,
    onStatus: (status) => statuses.push(status),
    createEngine: async () => {
      const engine = new DyingEngine(engines.length + 1);
      engines.push(engine);
      return engine as unknown as HostedEngine;
    },
  });
  host.configure({ kind: 'local', model: MODEL });
  await host.getEngine();
  for (let crash = 1; crash <= MAX_FAST_CRASHES + 1; crash++) {
    await waitFor(() => (engines.length === crash && statuses.at(-1)?.state === 'ready' ? true : undefined), statuses, `engine ${crash}`);
    engines[crash - 1]!.kill();
  }
  const last = statuses.at(-1)!;
  assert.equal(last.state, 'error');
  assert.match(format('en', last.message!), new RegExp(`stopped ${MAX_FAST_CRASHES} times in a row .*\\(last: signal SIGKILL\\)`));
  assert.match(format('ja', last.message!), /再起動を中止しました/);
  assert.match(format('en', last.next!), /Restart Server/);
  assert.equal(engines.length, MAX_FAST_CRASHES + 1, 'no further start');
  const error = await host.getEngine().then(() => undefined, (reason: unknown) => reason);
  assert.ok(error instanceof UserError && /times in a row/.test(format('en', error.text)), String(error));
  await host.dispose();
});
