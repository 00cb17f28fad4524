// DictionarySet merges a user dictionary of any size with the built-in entries (no spread of the
// entries into call arguments), and a file that cannot be loaded is reported, not silently unused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DictionarySet } from '../../../src/terms/dictionaries';
import { loadBuiltinDictionary } from '../../../src/terms/index';

const MILLION = 1_000_000;

test('a million-entry TSV dictionary is merged with the built-in entries and matched', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'medlocal-dict-million-')), 'million.tsv');
  const lines = ['term\ten'];
  for (let i = 0; i < MILLION; i++) lines.push(`百万語${i.toString(36)}\tterm ${i}`);
  writeFileSync(file, lines.join('\n') + '\n');
  const set = new DictionarySet();
  const [report] = await set.configure([file]);
  assert.equal(report?.entries, MILLION, JSON.stringify(report));
  assert.equal(report?.skipped, 0);
  const last = `百万語${(MILLION - 1).toString(36)}`;
  const hits = set.matcher.scan(`所見: ${last}。`);
  assert.ok(hits.some((hit) => hit.entries.some((entry) => entry.en === `term ${MILLION - 1}`)), JSON.stringify(hits.map((h) => h.surface)));
  assert.ok(set.matcher.scan('急性心筋梗塞').length > 0, 'built-in entries still match');
  assert.ok(loadBuiltinDictionary().length > 0);
});
