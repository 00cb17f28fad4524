// A large user dictionary (200,000 entries) loads through the built server and its terms hover:
// merging it with the built-in entries once spread every entry as a call argument and died of
// "Maximum call stack size exceeded", leaving the dictionary silently unused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DidOpenTextDocumentNotification, HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { startTestServer } from '../process/harness';

const ENTRIES = 200_000;
const termOf = (i: number) => `大規模辞書語${String(i).padStart(6, '0')}`;

test(`a ${ENTRIES.toLocaleString('en')}-entry TSV dictionary loads and its terms hover`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-bigdict-'));
  const file = join(dir, 'big-terms.tsv');
  const lines = ['term\ten\tdefinition'];
  for (let i = 0; i < ENTRIES; i++) lines.push(`${termOf(i)}\tlarge test term ${i}\tEntry number ${i} of a large dictionary.`);
  writeFileSync(file, lines.join('\n') + '\n');
  const server = await startTestServer({ dictionaries: [file] });
  try {
    const event = await server.waitForDictionaries((e) => e.reports.length === 1, 120_000);
    const report = event.reports[0];
    assert.equal(report?.entries, ENTRIES, JSON.stringify(report));
    assert.equal(report?.skipped, 0, JSON.stringify(report?.messages));
    const text = `検査: ${termOf(154_321)}の疑い。急性心筋梗塞の既往。`;
    const uri = 'file:///tmp/medlocal-bigdict-note.md';
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
    const hoverAt = async (needle: string) => {
      const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: text.indexOf(needle) + 2 } });
      assert.ok(hover, `no hover on ${needle}`);
      return (hover.contents as MarkupContent).value;
    };
    assert.match(await hoverAt(termOf(154_321)), /large test term 154321\b/);
    assert.match(await hoverAt('急性心筋梗塞'), /I21/, 'the built-in entries still hover');
  } finally {
    await server.stop();
  }
});
