import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandUri, markdownCode, markdownInline, markdownQuote, MESSAGE_MAX_CHARS, plainForMessage } from '../../../src/shared/foreignText';
import { liveMarkdownHtml, liveMarkdownLinks, liveNoticeLinks, markdownBlockStarts } from './markup';

const COMMAND_LINK = '[Fix the dictionary](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)';

test('plainForMessage: a command link in a notification is no longer a link, and stays readable', () => {
  assert.equal(liveNoticeLinks(COMMAND_LINK).length, 1, 'the checker sees the raw link');
  const text = plainForMessage(`bad value ${COMMAND_LINK}`);
  assert.deepEqual(liveNoticeLinks(text), []);
  assert.match(text, /^bad value ［Fix the dictionary］\(command:workbench\.action\.terminal\.sendSequence/);
  assert.deepEqual(liveNoticeLinks(plainForMessage('[a](https://evil.example) [b](file:///etc/passwd)')), []);
});

test('plainForMessage: one line, no control or direction characters, angle brackets and backslashes harmless, bounded', () => {
  assert.equal(plainForMessage('first\r\nsecond\nthird\u2028fourth\tfifth'), 'first second third fourth fifth');
  assert.equal(plainForMessage('a\u0000b\u001bc\u007fd\u202ee\u2066f'), 'abcdef');
  assert.equal(plainForMessage('<img src=x onerror=alert(1)> \\[x\\]'), '‹img src=x onerror=alert(1)› \\［x\\］');
  const long = plainForMessage('x'.repeat(10_000));
  assert.equal(long.length, MESSAGE_MAX_CHARS);
  assert.ok(long.endsWith('…'));
  assert.equal(plainForMessage('short', 3), 'sh…');
  assert.equal(plainForMessage('MedLocal: 2 dictionary file(s) had problems.'), 'MedLocal: 2 dictionary file(s) had problems.', 'ordinary text is unchanged');
});

test('markdownInline: links, command URIs, HTML, emphasis and code are literal text on one line', () => {
  for (const hostile of [COMMAND_LINK, '![x](https://evil.example/p.png)', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&lt;b&gt;', '**bold** _it_ `code` ~~s~~ $(zap) a|b']) {
    const md = markdownInline(hostile);
    assert.deepEqual(liveMarkdownLinks(md), [], md);
    assert.deepEqual(liveMarkdownHtml(md), [], md);
    assert.doesNotMatch(md.replace(/\\./g, ''), /[*_`~$|]|&lt;/, md);
  }
  assert.equal(markdownInline('Qwen2.5-7B (Q4_K_M) _it_'), 'Qwen2.5-7B (Q4_K_M) \\_it\\_', 'ordinary names stay readable');
});

test('markdownInline: line breaks become spaces, so no heading, quote or list can start', () => {
  const md = markdownInline('name\n# Heading\n\n> quote\r\n- item\n1. one\n<div>');
  assert.ok(!md.includes('\n'));
  assert.equal(md, 'name # Heading \\> quote - item 1. one \\<div\\>', 'mid-line markers are plain text');
  assert.equal(markdownInline('# at the start'), '\\# at the start');
  assert.equal(markdownInline('1) first'), '1\\) first');
  assert.equal(markdownInline('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('markdownCode: backticks inside cannot close the code span', () => {
  assert.equal(markdownCode('A00.0'), '`A00.0`');
  assert.equal(markdownCode('A0` [x](command:evil)'), '``A0` [x](command:evil)``');
  assert.equal(markdownCode('`a``'), '``` `a`` ```');
  assert.equal(markdownCode('a\nb'), '`a b`');
});

test('markdownQuote: every line stays in the quote; headings, HTML and links are escaped', () => {
  const quote = markdownQuote('Fine.\n\n# Title\n<img src=x onerror=alert(1)>\n[x](command:evil)\n---\n');
  const lines = quote.split('\n');
  assert.ok(lines.every((line) => line === '>' || line.startsWith('> ')), quote);
  assert.deepEqual(markdownBlockStarts(lines.map((line) => line.replace(/^> ?/, ''))), []);
  assert.deepEqual(liveMarkdownLinks(quote), []);
  assert.deepEqual(liveMarkdownHtml(quote), []);
  assert.equal(lines.length, 6, 'the trailing blank line is dropped');
});

test('commandUri: arguments with ) ( ! \' * survive whole', () => {
  const args = [{ term: 'a) [b](c', entryId: "id)'!*~(" }];
  const uri = commandUri('medlocal.explainTerm', args);
  assert.match(uri, /^command:medlocal\.explainTerm\?[^()\s!'*~[\]]+$/);
  assert.deepEqual(JSON.parse(decodeURIComponent(uri.slice(uri.indexOf('?') + 1))), args);
});
