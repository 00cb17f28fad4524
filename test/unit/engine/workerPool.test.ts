// Sizing libuv's thread pool for the engine (src/engine/workerPool.ts): MedLocal's size
// unless the environment gives a valid one. That the built server and CLI apply it before the pool
// starts is tested on the processes themselves (test/process/workerPool.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENGINE_WORKER_POOL_SIZE, pinWorkerPool } from '../../../src/engine/workerPool';

test('an environment without UV_THREADPOOL_SIZE gets MedLocal\'s size', () => {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
  assert.deepEqual(pinWorkerPool(env), { size: ENGINE_WORKER_POOL_SIZE, source: 'medlocal' });
  assert.equal(env.UV_THREADPOOL_SIZE, String(ENGINE_WORKER_POOL_SIZE));
  assert.equal(ENGINE_WORKER_POOL_SIZE, 1);
});

test('a valid size from the user is kept', () => {
  for (const given of ['1', '4', ' 16 ']) {
    const env: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: given };
    assert.deepEqual(pinWorkerPool(env), { size: Number(given), source: 'environment' });
    assert.equal(env.UV_THREADPOOL_SIZE, given);
  }
});

test('an invalid size is replaced, as libuv would ignore it', () => {
  for (const given of ['', '0', 'four', '-2', '1.5']) {
    const env: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: given };
    assert.deepEqual(pinWorkerPool(env), { size: ENGINE_WORKER_POOL_SIZE, source: 'medlocal' }, given);
    assert.equal(env.UV_THREADPOOL_SIZE, '1');
  }
});

test('libuv caps the pool at 1024 threads; so does the reported size', () => {
  assert.deepEqual(pinWorkerPool({ UV_THREADPOOL_SIZE: '5000' }), { size: 1024, source: 'environment' });
});
