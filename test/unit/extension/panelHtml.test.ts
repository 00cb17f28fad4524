import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { buildPanelHtml, contentSecurityPolicy } from '../../../src/extension/panelHtml';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const MEDIA = `${CSP_SOURCE}/home/me/.vscode/extensions/medlocal.medlocal-0.1.0/media`;

function page(nonce = randomBytes(18).toString('base64')) {
  return { nonce, html: buildPanelHtml({ cspSource: CSP_SOURCE, nonce, scriptUri: `${MEDIA}/panel.js`, styleUri: `${MEDIA}/panel.css`, lang: 'ja', title: 'MedLocal <Benchmark>', loadingText: '読み込み中…' }) };
}

function cspOf(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'the page has a CSP meta element');
  return (match[1] ?? '').replaceAll('&#39;', "'");
}

test('the CSP: default-src none, nonce scripts, theme styles only, no unsafe-*', () => {
  const { html, nonce } = page();
  const csp = cspOf(html);
  assert.equal(csp, contentSecurityPolicy(CSP_SOURCE, nonce));
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [CSP_SOURCE]);
  assert.deepEqual(directives.get('img-src'), [CSP_SOURCE, 'data:']);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe|\*|https?:\/\/(?!file\+)/);
});

test('every <script> carries the nonce and a src from the media root; no inline code or styles', () => {
  const { html, nonce } = page();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  for (const [, attributes, body] of scripts) {
    assert.ok((attributes ?? '').includes(` nonce="${nonce}"`), `nonce on ${attributes}`);
    assert.ok((attributes ?? '').includes(` src="${MEDIA}/panel.js"`), `src of ${attributes}`);
    assert.equal((body ?? '').trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /<style\b/i, 'no <style> element');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style= attribute');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
  assert.doesNotMatch(html, /javascript:/i);
});

test('every resource comes from the media root', () => {
  const { html } = page();
  const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
  assert.deepEqual(urls.sort(), [`${MEDIA}/panel.css`, `${MEDIA}/panel.js`]);
  assert.match(html, /<link rel="stylesheet" href="[^"]+\/media\/panel\.css">/);
});

test('a fresh nonce per load; bad nonces are refused; text is escaped', () => {
  assert.notEqual(page().nonce, page().nonce);
  assert.throws(() => page('short'), /nonce/);
  assert.throws(() => page(`"><script>alert(1)</script>${'a'.repeat(20)}`), /nonce/);
  const { html } = page();
  assert.match(html, /<title>MedLocal &#60;Benchmark&#62;<\/title>/);
  assert.match(html, /<html lang="ja">/);
});
