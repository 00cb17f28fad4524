// The extension loads in the real extension host: it activates on a markdown note, contributes
// its commands, and sees the settings the harness wrote.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateMedLocal, EXTENSION_ID, openNote } from './helpers';

suite('MedLocal activation', () => {
  test('activates when a markdown note is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded (is extensionDevelopmentPath the repo root?)`);
    const editor = await openNote('notes/cardiology-ja.md');
    assert.equal(editor.document.languageId, 'markdown');
    // onLanguage:markdown activates it on its own; activate() then hands back the API.
    const api = await activateMedLocal();
    assert.ok(ext.isActive, 'extension is not active after activate()');
    for (const fn of ['getStatus', 'onDidChangeStatus', 'restartServer', 'serverPid'] as const) {
      assert.equal(typeof api[fn], 'function', `API member ${fn} is ${typeof api[fn]}`);
    }
  });

  test('registers its commands', async () => {
    await activateMedLocal();
    const commands = new Set(await vscode.commands.getCommands(true));
    const missing = ['medlocal.restartServer', 'medlocal.showLogs', 'medlocal.showStatus'].filter((c) => !commands.has(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });

  test('MedLocal: Show Logs runs', async () => {
    await activateMedLocal();
    await vscode.commands.executeCommand('medlocal.showLogs');
  });

  test('sees the model settings the harness wrote', () => {
    const config = vscode.workspace.getConfiguration('medlocal');
    const modelPath = config.get<string>('model.path');
    assert.ok(modelPath, 'medlocal.model.path is empty: the harness settings did not reach the extension host');
    const expected = process.env.MEDLOCAL_IT_MODEL_PATH;
    if (expected) assert.equal(modelPath, expected);
    assert.equal(String(config.get('model.threads')), '1');
  });
});
