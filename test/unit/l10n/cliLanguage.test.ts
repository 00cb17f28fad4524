// The CLI speaks the user's language: --lang, else LC_ALL / LC_MESSAGES / LANG (ja* → Japanese),
// else English; its errors carry the next step where the core gave one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliLocale, EXIT, runCli } from '../../../src/cli/main';

async function stderrOf(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await runCli(argv, { env, stdout: () => undefined, stderr: (text) => (stderr += text) });
  return { code, stderr };
}

test('the language comes from --lang, else LC_ALL, LC_MESSAGES, LANG in that order; English by default', () => {
  assert.equal(cliLocale([], {}), 'en');
  assert.equal(cliLocale([], { LANG: 'ja_JP.UTF-8' }), 'ja');
  assert.equal(cliLocale([], { LANG: 'ja_JP.UTF-8', LC_ALL: 'C' }), 'en');
  assert.equal(cliLocale([], { LANG: 'en_US.UTF-8', LC_MESSAGES: 'ja_JP' }), 'ja');
  assert.equal(cliLocale(['bench', '--lang', 'en'], { LANG: 'ja_JP.UTF-8' }), 'en');
  assert.equal(cliLocale(['bench', '--lang=ja'], {}), 'ja');
});

test('an unknown dataset: Japanese with LANG=ja, English with --lang en', async () => {
  const ja = await stderrOf(['bench', '--dataset', 'nope', '--dry-run'], { LANG: 'ja_JP.UTF-8' });
  assert.notEqual(ja.code, EXIT.ok);
  assert.match(ja.stderr, /^medlocal: データセット「nope」は不明です。igakuqa:DIR、/);
  const en = await stderrOf(['bench', '--dataset', 'nope', '--dry-run', '--lang', 'en'], { LANG: 'ja_JP.UTF-8' });
  assert.match(en.stderr, /^medlocal: unknown dataset "nope": use igakuqa:DIR/);
});

test('a bad --lang is a usage error; a refused model URL prints the next step', async () => {
  const bad = await stderrOf(['bench', '--dataset', 'sample', '--lang', 'fr'], {});
  assert.equal(bad.code, EXIT.usage);
  assert.match(bad.stderr, /--lang must be ja or en, not "fr"/);
  const remote = await stderrOf(['bench', '--dataset', 'sample', '--limit', '1', '--backend', 'openai', '--base-url', 'ftp://x/v1'], { LANG: 'ja_JP' });
  assert.equal(remote.code, EXIT.failed, remote.stderr);
  assert.match(remote.stderr, /^medlocal: サーバーには「ftp:」の URL を使えません。\n次の手順: サーバーの URL には OpenAI API のルートを設定してください/);
});
