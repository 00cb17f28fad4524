// Fault 8: logs carry no note text. Markers (one ASCII, one Japanese) go into a note (didOpen and
// didChange), a hover at them, lookupTerm, an ask (finished, cancelled, and failing for want of a
// model), an explainTerm of them, continueNote, scoreChoices; then a benchmark runs. Everything
// the server logged (window/logMessage + stderr) and every file it wrote (the benchmark run
// folder, and its HOME / TMPDIR, pointed at empty folders) must not contain either marker, raw or
// JSON-escaped.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { CancellationTokenSource, DidChangeTextDocumentNotification, ResponseError } from 'vscode-languageserver-protocol';
import { BenchStartRequest } from '../../src/protocol/benchProtocol';
import { AskRequest, ContinueNoteRequest, ExplainTermRequest, LookupTermRequest, ScoreChoicesRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { hover, openNote, settingsFor, startFaultServer, within, scratchDir } from './support/faultServer';

const MARKERS = ['PATIENT-MARKER-7f3a', '患者山田太郎マーカー'];
let modelPath: string;
before(async () => {
  modelPath = await ensureTinyModel();
});

/** The marker as text, and as a JSON \u escape would write it (for non-ASCII ones). */
function forms(marker: string): string[] {
  const escaped = [...marker].map((c) => (c.charCodeAt(0) > 0x7e ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
  return [...new Set([marker, escaped, escaped.toUpperCase().replace(/\\U/g, '\\u'), encodeURIComponent(marker)])];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const info = statSync(full);
    if (info.isDirectory()) out.push(...filesUnder(full));
    else if (info.isFile()) out.push(full);
  }
  return out;
}

test('no marker from a note reaches the server log, its stderr, or any file it writes', async () => {
  const root = scratchDir('medlocal-privacy-');
  const home = join(root, 'home');
  const tmp = join(root, 'tmp');
  const resultsDir = join(root, 'runs');
  for (const dir of [home, tmp, resultsDir]) mkdirSync(dir);
  const [ascii = '', japanese = ''] = MARKERS;
  const server = await startFaultServer({
    settings: settingsFor(modelPath, { hover: { explain: 'auto' } }),
    env: { HOME: home, TMPDIR: tmp, XDG_CACHE_HOME: join(home, '.cache') },
  });
  const done: string[] = [];
  try {
    await server.waitForStatus((s) => s.state === 'ready');
    const text = `# 経過\n\n${ascii} 既往歴: 急性心筋梗塞。${japanese}は心不全の増悪あり。\n今後の方針は${ascii}`;
    const uri = await openNote(server, text);
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: `追記 ${japanese} ${ascii}\n` }],
    });
    for (const needle of [ascii, japanese, '急性心筋梗塞', '心不全']) await hover(server, uri, text, needle, 2);
    done.push('didOpen/didChange', 'hover ×4 (explain: auto)');
    await server.connection.sendRequest(LookupTermRequest.type, { text, offset: text.indexOf(ascii) + 3 });
    done.push('lookupTerm');
    await server.connection.sendRequest(AskRequest.type, { uri, question: `${ascii} ${japanese}の治療は？`, maxTokens: 24 });
    const source = new CancellationTokenSource();
    const cancelled = server.connection.sendRequest(AskRequest.type, { uri, question: `Explain ${ascii} in detail`, maxTokens: 400 }, source.token);
    source.cancel();
    await cancelled.catch((error: unknown) => assert.ok(error instanceof ResponseError));
    done.push('ask (finished, cancelled)');
    await server.connection.sendRequest(ExplainTermRequest.type, { term: ascii });
    await server.connection.sendRequest(ExplainTermRequest.type, { term: japanese, language: 'ja' });
    done.push('explainTerm ×2');
    await server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, maxTokens: 8 });
    done.push('continueNote');
    await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt: `${ascii}: answer`, candidates: [' A', ` ${japanese}`] });
    done.push('scoreChoices');
    const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'generate', format: 'medpalm_five_choice_cot', limit: 4, parallel: 1, resultsDir });
    const finished = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === started.runId), 60000, 'the benchmark');
    assert.equal(finished.value.status, 'completed', finished.value.error);
    done.push('benchmark (sample, 4 questions)');
    // An ask that fails (the model is gone): error paths log too.
    const from = server.statuses.length;
    await server.configure(settingsFor(join(root, 'no-such-model.gguf'), { hover: { explain: 'auto' } }));
    await server.waitForStatus((s) => s.state === 'error', 30000, from);
    await within(server.connection.sendRequest(AskRequest.type, { uri, question: `${ascii} again` }).catch(() => undefined), 10000, 'a failing ask');
    await server.connection.sendRequest(ExplainTermRequest.type, { term: ascii }).catch(() => undefined);
    done.push('ask/explainTerm with no model');
  } finally {
    await server.stop();
  }

  const logged = [...server.logs, ...server.stderr].join('\n');
  const files = [...filesUnder(resultsDir), ...filesUnder(home), ...filesUnder(tmp)];
  const leaks: string[] = [];
  for (const marker of MARKERS) {
    for (const form of forms(marker)) {
      if (logged.includes(form)) leaks.push(`log/stderr contains ${form}: …${logged.slice(Math.max(0, logged.indexOf(form) - 80), logged.indexOf(form) + 40)}…`);
      for (const file of files) {
        const content = readFileSync(file).toString('utf8');
        if (content.includes(form)) leaks.push(`${file} contains ${form}`);
      }
    }
  }
  const shown = server.messages.filter((m) => MARKERS.some((marker) => m.includes(marker)));
  console.log(
    `[privacy] flow: ${done.join(', ')}; scanned ${server.logs.length} log messages (${server.logs.join('\n').length} chars), ` +
      `${server.stderr.join('').length} chars of stderr, ${files.length} files (${files.map((f) => f.slice(root.length + 1)).join(', ')}); ` +
      `marker hits: ${leaks.length}; markers in messages shown to the user: ${shown.length}`,
  );
  assert.ok(server.logs.length > 5, 'the server logged something (else the check proves nothing)');
  assert.deepEqual(leaks, []);
});
