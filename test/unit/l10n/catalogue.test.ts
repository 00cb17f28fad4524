// Every user-visible string has an English source and a Japanese translation, and no translation
// is left over: the manifest's %keys% (package.nls*.json) and the extension's vscode.l10n.t
// messages (l10n/bundle.l10n.ja.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, string>;

function manifestKeys(): Set<string> {
  const text = readFileSync(join(root, 'package.json'), 'utf8');
  return new Set([...text.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1] as string));
}

test('package.nls.json and package.nls.ja.json have the same keys, each used by the manifest', () => {
  const en = readJson('package.nls.json');
  const ja = readJson('package.nls.ja.json');
  const used = manifestKeys();
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  assert.deepEqual([...used].filter((k) => !(k in en)), [], 'keys the manifest uses but package.nls.json lacks');
  assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'unused keys in package.nls.json');
  for (const [key, value] of Object.entries(ja)) assert.ok(value.trim() && value !== en[key], `${key} is not translated`);
});

test('every vscode.l10n.t message has a Japanese translation and none is unused', async () => {
  const { collectL10nMessages } = (await import(join(root, 'scripts', 'l10n-strings.mjs'))) as { collectL10nMessages(rootDir: string): string[] };
  const messages = collectL10nMessages(join(root, 'src', 'extension'));
  assert.ok(messages.length > 30, `only ${messages.length} messages found: is the extractor broken?`);
  const ja = readJson('l10n/bundle.l10n.ja.json');
  assert.deepEqual(messages.filter((m) => !(m in ja)), [], 'messages without a Japanese translation');
  assert.deepEqual(Object.keys(ja).filter((k) => !messages.includes(k)), [], 'translations of messages the code no longer uses');
  for (const [message, translation] of Object.entries(ja)) {
    const placeholders = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
    assert.equal(placeholders(translation), placeholders(message), `placeholders differ in ${message}`);
  }
});
