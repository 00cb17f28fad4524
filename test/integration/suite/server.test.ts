// The language server lifecycle against the tiny test model: it reaches `ready`, comes back after
// MedLocal: Restart Server, and is restarted automatically after it is killed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateMedLocal, describe, type MedLocalApi, openNote, processAlive, StatusRecorder, waitForPid } from './helpers';

suite('MedLocal server', () => {
  let api: MedLocalApi;
  let recorder: StatusRecorder;

  suiteSetup(async () => {
    await openNote('notes/cardiology-ja.md');
    api = await activateMedLocal();
  });

  setup(() => {
    recorder = new StatusRecorder(api);
  });

  teardown(() => {
    recorder.dispose();
  });

  test('reaches ready with the tiny model', async () => {
    const ready = await recorder.waitFor('the first ready', (s) => s.state === 'ready', {
      includeCurrent: true,
      failOn: ['error', 'noModel'],
    });
    assert.ok(ready.model, `ready without model facts: ${describe(ready)}`);
    assert.equal(ready.model.path, vscode.workspace.getConfiguration('medlocal').get('model.path'));
    const pid = await waitForPid(api, undefined);
    assert.ok(processAlive(pid), `serverPid() ${pid} is not a live process`);
  });

  test('MedLocal: Restart Server goes back to ready', async () => {
    await recorder.waitFor('ready before restarting', (s) => s.state === 'ready', { includeCurrent: true, failOn: ['error', 'noModel'] });
    const oldPid = await waitForPid(api, undefined);
    const from = recorder.seen.length;
    await vscode.commands.executeCommand('medlocal.restartServer');
    // A `ready` that the new server sent (events after the command), from a new process.
    // (A transient noModel is tolerated here; the last test is about that.)
    await recorder.waitFor('ready after the restart', (s) => s.state === 'ready', { from, failOn: ['error'] });
    const newPid = await waitForPid(api, oldPid);
    assert.notEqual(newPid, oldPid);
    assert.ok(processAlive(newPid), `new server ${newPid} is not alive`);
    assert.ok(!processAlive(oldPid), `old server ${oldPid} is still alive after the restart`);
  });

  test('a killed server is restarted automatically and gets back to ready', async () => {
    await recorder.waitFor('ready before the kill', (s) => s.state === 'ready', { includeCurrent: true, failOn: ['error', 'noModel'] });
    const oldPid = await waitForPid(api, undefined);
    const from = recorder.seen.length;
    process.kill(oldPid, 'SIGKILL');
    await recorder.waitFor('ready after the crash', (s) => s.state === 'ready', { from, failOn: ['error'] });
    const newPid = await waitForPid(api, oldPid);
    assert.notEqual(newPid, oldPid);
    assert.ok(!processAlive(oldPid), `killed server ${oldPid} is still alive`);
  });

  test('a restart never reports noModel while medlocal.model.path is set', async () => {
    await recorder.waitFor('ready before restarting', (s) => s.state === 'ready', { includeCurrent: true, failOn: ['error'] });
    const from = recorder.seen.length;
    await vscode.commands.executeCommand('medlocal.restartServer');
    await recorder.waitFor('ready after the restart', (s) => s.state === 'ready', { from, failOn: ['error'] });
    const flicker = recorder.seen.slice(from).filter((s) => s.state === 'noModel');
    assert.equal(
      flicker.length,
      0,
      `the restarted server announced ${describe(flicker[0])} before reading the settings (history: ${recorder.history()}); ` +
        'the status bar flashes "MedLocal: no model" on every (re)start',
    );
  });
});
