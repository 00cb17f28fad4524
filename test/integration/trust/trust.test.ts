// Runs in a workbench with Workspace Trust ON and a workspace that is NOT trusted, whose
// .vscode/settings.json points MedLocal at a model and a dictionary of its own choosing
// (scripts/integration/trust.mjs writes it). MedLocal must use the user's settings instead.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateMedLocal, openNote, StatusRecorder } from '../suite/helpers';

suite('Workspace Trust', () => {
  test('an untrusted workspace cannot choose the model or dictionaries: the user settings apply', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace should be untrusted in this run');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const written = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'))).toString('utf8');
    assert.match(written, /workspace-chosen-model\.gguf/, 'the workspace asks for its own model');

    await openNote('notes/cardiology-ja.md');
    const api = await activateMedLocal();
    const recorder = new StatusRecorder(api);
    try {
      const status = await recorder.waitFor('ready or error', (s) => s.state === 'ready' || s.state === 'error', { includeCurrent: true });
      assert.equal(status.state, 'ready', `status: ${JSON.stringify(status)}`);
      assert.equal(status.model?.path, process.env.MEDLOCAL_IT_MODEL_PATH, 'the model from the user settings, not the workspace');
      assert.ok(!JSON.stringify(api.getStatus()).includes('workspace-chosen'));
    } finally {
      recorder.dispose();
    }
  });
});
