import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulerDisposedError, SequenceScheduler } from '../../../src/engine/scheduler';
import { msg } from '../../../src/shared/messages/index';

test('grants free sequences at once and queues the rest', async () => {
  const scheduler = new SequenceScheduler(['s1', 's2']);
  const a = await scheduler.acquire('interactive');
  const b = await scheduler.acquire('interactive');
  assert.deepEqual(new Set([a.sequence, b.sequence]), new Set(['s1', 's2']));
  let granted = false;
  const c = scheduler.acquire('interactive').then((lease) => ((granted = true), lease));
  await Promise.resolve();
  assert.equal(granted, false);
  assert.deepEqual(scheduler.stats(), { total: 2, free: 0, queued: { interactive: 1, background: 0 } });
  a.release();
  const lease = await c;
  assert.equal(lease.sequence, a.sequence);
});

test('interactive work is served before background work queued earlier', async () => {
  const scheduler = new SequenceScheduler(['only'], 0);
  const running = await scheduler.acquire('background');
  const order: string[] = [];
  const bg1 = scheduler.acquire('background').then((l) => (order.push('bg1'), l));
  const bg2 = scheduler.acquire('background').then((l) => (order.push('bg2'), l));
  const ask = scheduler.acquire('interactive').then((l) => (order.push('ask'), l));
  running.release();
  (await ask).release();
  (await bg1).release();
  (await bg2).release();
  assert.deepEqual(order, ['ask', 'bg1', 'bg2']);
  assert.deepEqual(scheduler.grantLog, ['background', 'interactive', 'background', 'background']);
});

test('background work never takes the last free sequence while several exist', async () => {
  const scheduler = new SequenceScheduler(['s1', 's2', 's3']);
  const b1 = await scheduler.acquire('background');
  const b2 = await scheduler.acquire('background');
  let third = false;
  void scheduler.acquire('background').then(() => (third = true));
  await Promise.resolve();
  assert.equal(third, false, 'the last sequence is kept for interactive work');
  const ask = await scheduler.acquire('interactive');
  assert.ok(ask.sequence);
  assert.equal(scheduler.stats().free, 0);
  ask.release();
  await Promise.resolve();
  assert.equal(third, false, 'still reserved after the ask gives it back');
  b1.release();
  await new Promise((r) => setImmediate(r));
  assert.equal(third, true);
  b2.release();
});

test('an aborted waiter leaves the queue and is rejected; release is idempotent', async () => {
  const scheduler = new SequenceScheduler(['only'], 0);
  const held = await scheduler.acquire('interactive');
  const controller = new AbortController();
  const waiting = scheduler.acquire('interactive', controller.signal);
  controller.abort();
  await assert.rejects(waiting, (e: Error) => e.name === 'AbortError');
  assert.equal(scheduler.stats().queued.interactive, 0);
  held.release();
  held.release();
  assert.equal(scheduler.stats().free, 1);
  await assert.rejects(scheduler.acquire('interactive', AbortSignal.abort()), (e: Error) => e.name === 'AbortError');
});

test('dispose rejects waiters and later acquires', async () => {
  const scheduler = new SequenceScheduler(['only'], 0);
  await scheduler.acquire('interactive');
  const waiting = scheduler.acquire('background');
  scheduler.dispose(msg('modelUnloaded'));
  await assert.rejects(waiting, SchedulerDisposedError);
  await assert.rejects(scheduler.acquire('interactive'), /unloaded/);
});
