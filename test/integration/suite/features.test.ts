// MedLocal's features inside the real editor, on the tiny model: term hovers, MedLocal: Ask
// (streamed block, one undo, cancel), MedLocal: Run Benchmark, and a hover after a server crash.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startRangeServer } from '../../unit/engine/helpers/rangeServer';
import { activateMedLocal, type MedLocalApi, openNote, StatusRecorder, waitForPid } from './helpers';

interface FeatureApi extends MedLocalApi {
  ask(editor?: vscode.TextEditor): Promise<{ text: string; stopReason: string } | undefined>;
}

async function hoverText(editor: vscode.TextEditor, needle: string, into = 1): Promise<string> {
  const offset = editor.document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} is not in ${editor.document.uri.fsPath}`);
  const position = editor.document.positionAt(offset + into);
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position)) ?? [];
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : ''))
    .join('\n');
}

async function ready(api: MedLocalApi): Promise<void> {
  const recorder = new StatusRecorder(api);
  try {
    await recorder.waitFor('ready', (s) => s.state === 'ready', { includeCurrent: true, failOn: ['error'] });
  } finally {
    recorder.dispose();
  }
}

function lineIndex(document: vscode.TextDocument, prefix: string): number {
  for (let i = 0; i < document.lineCount; i++) if (document.lineAt(i).text.startsWith(prefix)) return i;
  throw new Error(`no line starting with ${prefix}`);
}

suite('MedLocal features', () => {
  let api: FeatureApi;

  suiteSetup(async () => {
    await openNote('notes/cardiology-ja.md');
    api = (await activateMedLocal()) as FeatureApi;
    await ready(api);
    await vscode.workspace.getConfiguration('medlocal').update('answer.maxTokens', 24, vscode.ConfigurationTarget.Global);
  });

  test('hovering 急性心筋梗塞 shows the dictionary entry (ICD-10, English name)', async () => {
    const editor = await openNote('notes/cardiology-ja.md');
    const text = await hoverText(editor, '急性心筋梗塞', 2);
    assert.match(text, /I21/);
    assert.match(text, /[Aa]cute myocardial infarction/);
    assert.match(await hoverText(editor, 'ｶﾞｽﾄﾛ', 1), /内視鏡/);
  });

  test('MedLocal: Ask streams a marked answer under the question; one undo removes it', async () => {
    const editor = await openNote('notes/cardiology-ja.md');
    const original = editor.document.getText();
    const line = lineIndex(editor.document, 'Q: 急性膵炎');
    editor.selection = new vscode.Selection(line, 0, line, 0);
    let edits = 0;
    const counting = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === editor.document) edits++;
    });
    const result = await api.ask(editor);
    counting.dispose();
    assert.ok(result, 'ask returned nothing');
    assert.ok(edits >= 3, `the answer arrived in ${edits} edits, not streamed`);
    const after = editor.document.getText();
    const lines = after.split('\n');
    assert.equal(lines[line + 1], '');
    assert.match(lines[line + 2] ?? '', /^> \*\*MedLocal\*\* · MedLocal Tiny Test Model · \d{4}-\d{2}-\d{2} · 回答 \(モデル生成\)$/);
    assert.ok(after.includes(result.text.split('\n')[0] ?? ''), 'the streamed text is in the note');
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), original, 'one undo removes the whole answer');
  });

  test('cancelling an ask leaves a marked partial answer', async () => {
    await vscode.workspace.getConfiguration('medlocal').update('answer.maxTokens', 2000, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openNote('notes/cardiology-ja.md');
      const original = editor.document.getText();
      const line = lineIndex(editor.document, 'Q: 急性膵炎');
      editor.selection = new vscode.Selection(line, 0, line, 0);
      let edits = 0;
      const cancelled = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeTextDocument((event) => {
          if (event.document !== editor.document || ++edits !== 4) return;
          sub.dispose();
          void vscode.commands.executeCommand('medlocal.cancel').then(() => resolve());
        });
      });
      const asking = api.ask(editor);
      await cancelled;
      await asking;
      const after = editor.document.getText();
      assert.match(after, /> \*\(中断されました（部分的な回答）\)\*/);
      assert.ok(after.length < original.length + 2000, 'generation stopped early');
      await vscode.window.showTextDocument(editor.document);
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText(), original);
    } finally {
      await vscode.workspace.getConfiguration('medlocal').update('answer.maxTokens', 24, vscode.ConfigurationTarget.Global);
    }
  });

  test('MedLocal: Run Benchmark on the sample set writes a run folder with a summary', async () => {
    const finished = await vscode.commands.executeCommand<{ status: string; runDir: string; summary?: { total: number } } | undefined>('medlocal.runBenchmark', {
      dataset: 'sample',
      language: 'ja',
      scoring: 'letter',
      format: 'igakuqa',
      limit: 6,
      parallel: 1,
    });
    assert.ok(finished, 'no result');
    assert.equal(finished.status, 'completed');
    for (const file of ['manifest.json', 'answers.jsonl', 'summary.json', 'summary.csv']) assert.ok(existsSync(join(finished.runDir, file)), file);
    const summary = JSON.parse(readFileSync(join(finished.runDir, 'summary.json'), 'utf8')) as { total: number };
    assert.equal(summary.total, 6);
  });

  test('the benchmark panel opens and shows the summary of a sample run', async () => {
    await vscode.commands.executeCommand('medlocal.openBenchmark');
    const finished = await vscode.commands.executeCommand<{ status: string; runDir: string } | undefined>('medlocal.runBenchmark', {
      dataset: 'sample',
      language: 'ja',
      scoring: 'letter',
      format: 'igakuqa',
      limit: 6,
      parallel: 1,
    });
    assert.equal(finished?.status, 'completed');
    const text = await vscode.commands.executeCommand<string>('_medlocal.benchmarkPanel.waitForSummary', { runDir: finished?.runDir, timeoutMs: 30_000 });
    assert.match(text, /^(Accuracy|正答率): \d+\.\d% \(\d+\/6 /);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('MedLocal: Show Status reports the GPU doctor: CPU chosen here, and why', async () => {
    const result = await vscode.commands.executeCommand<{ doctor: { chosen: string; reason?: string; supported: string[] }; diagnostics: string; fit?: { fits: boolean } } | undefined>('medlocal.showStatus');
    assert.ok(result, 'no doctor result');
    assert.equal(result.doctor.chosen, 'cpu');
    assert.ok(result.doctor.reason && result.doctor.reason.length > 10, `no reason: ${result.doctor.reason}`);
    assert.ok(result.fit, 'no memory estimate for the configured model');
    assert.match(result.diagnostics, /node-llama-cpp/);
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'medlocal-status');
    assert.ok(shown, 'the status document is open');
    assert.match(shown.document.getText(), /GPU/);
  });

  test('MedLocal: Select Model switches to another GGUF and the server reloads it', async () => {
    const original = vscode.workspace.getConfiguration('medlocal').get<string>('model.path') ?? '';
    const copy = join(mkdtempSync(join(tmpdir(), 'medlocal-select-')), 'tiny-copy.gguf');
    copyFileSync(original, copy);
    const recorder = new StatusRecorder(api);
    try {
      await vscode.commands.executeCommand('medlocal.selectModel', copy);
      const ready = await recorder.waitFor('ready with the copy', (s) => s.state === 'ready' && s.model?.path === copy, { failOn: ['error'] });
      assert.equal(ready.model?.name, 'MedLocal Tiny Test Model');
    } finally {
      await vscode.workspace.getConfiguration('medlocal').update('model.path', original, vscode.ConfigurationTarget.Global);
      await recorder.waitFor('ready with the original', (s) => s.state === 'ready' && s.model?.path === original, { includeCurrent: true, failOn: ['error'] });
      recorder.dispose();
    }
  });

  test('MedLocal: Download Model fetches a GGUF (from a loopback server), sets it as the model, and it loads', async () => {
    const configuration = () => vscode.workspace.getConfiguration('medlocal');
    const original = configuration().get<string>('model.path') ?? '';
    const bytes = readFileSync(original);
    const files = await startRangeServer({ 'downloaded-tiny.gguf': bytes });
    const directory = mkdtempSync(join(tmpdir(), 'medlocal-models-'));
    await configuration().update('model.directory', directory, vscode.ConfigurationTarget.Global);
    const recorder = new StatusRecorder(api);
    try {
      const path = await vscode.commands.executeCommand<string | undefined>('medlocal.downloadModel', files.url('downloaded-tiny.gguf'));
      assert.ok(path && path.startsWith(directory), `downloaded to ${path}`);
      assert.ok(readFileSync(path).equals(bytes), 'the file arrived intact');
      assert.equal(configuration().get('model.path'), path);
      await recorder.waitFor('ready with the downloaded model', (s) => s.state === 'ready' && s.model?.path === path, { failOn: ['error'] });
    } finally {
      await configuration().update('model.path', original, vscode.ConfigurationTarget.Global);
      await configuration().update('model.directory', undefined, vscode.ConfigurationTarget.Global);
      await recorder.waitFor('ready with the original', (s) => s.state === 'ready' && s.model?.path === original, { includeCurrent: true, failOn: ['error'] });
      recorder.dispose();
      await files.close();
    }
  });

  test('the Get Started walkthrough opens', async () => {
    const extension = vscode.extensions.getExtension('medlocal.medlocal');
    const walkthroughs = (extension?.packageJSON as { contributes?: { walkthroughs?: Array<{ id: string; steps: unknown[] }> } }).contributes?.walkthroughs ?? [];
    assert.equal(walkthroughs[0]?.id, 'medlocal.gettingStarted');
    assert.equal(walkthroughs[0]?.steps.length, 4);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'medlocal.medlocal#medlocal.gettingStarted', false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('after the server is killed it restarts and the next hover answers', async () => {
    const pid = await waitForPid(api, undefined);
    const recorder = new StatusRecorder(api);
    try {
      process.kill(pid, 'SIGKILL');
      await recorder.waitFor('ready after the crash', (s) => s.state === 'ready', { failOn: ['error'] });
    } finally {
      recorder.dispose();
    }
    const editor = await openNote('notes/cardiology-ja.md');
    assert.match(await hoverText(editor, 'ＣＲＰ', 1), /C-reactive protein/);
  });
});
