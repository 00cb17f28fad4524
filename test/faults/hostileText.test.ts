// Foreign text (a dictionary file, GGUF metadata, a workspace setting, a remote server, model
// output) reaching a notification or a Markdown string: no live link, no escaped structure.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { answerFooter, answerHeader, BlockquoteStream } from '../../src/extension/answerBlock';
import { dictionaryNotice, serverNotice, statusErrorNotice, statusWarningNotice } from '../../src/extension/notices';
import { describeStatus, type Translate } from '../../src/extension/statusView';
import { RESTRICTED_SETTINGS } from '../../src/extension/trust';
import { inspectModelFile } from '../../src/engine/modelFile';
import { format } from '../../src/shared/messages/index';
import { describeNext, UserError } from '../../src/shared/userError';
import { renderTermHover } from '../../src/server/features/hoverContent';
import { parseTermTable } from '../../src/terms/loaders';
import type { TermEntryInfo } from '../../src/protocol/protocol';
import { compareRuns } from '../../src/eval/metrics';
import { comparisonToMarkdown, runToMarkdown } from '../../src/view/benchViewModel';
import { normalizeSettings } from '../../src/shared/settings';
import manifest from '../../package.json';
import { tinyModelFile } from '../fixtures/gguf/tinyModel';
import { writeGguf } from '../fixtures/gguf/writer';
import { ANSWERS_A, ANSWERS_B, storedRun } from '../unit/view/fixtures';
import { liveMarkdownHtml, liveMarkdownLinks, liveNoticeLinks, markdownBlockStarts } from '../unit/extension/markup';

const LINK = '[x](command:workbench.action.terminal.sendSequence?%7B%7D)';
const t: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));

test('a dictionary error quoting an invalid ICD-10 value gives a notification with no live link', () => {
  const csv = `term,en,icd10\n急性膵炎,acute pancreatitis,${LINK}\n`;
  const result = parseTermTable(csv, '/dicts/evil.csv');
  // The server sends each reason rendered in the client's language (server.ts).
  const messages = result.skipped.map((s) => ({ ...s, reason: format('en', s.reason) }));
  assert.ok(messages.some((s) => s.reason.includes(LINK)), 'the loader quotes the value');
  const notice = dictionaryNotice([{ messages }], t);
  assert.match(notice, /invalid ICD-10 code/);
  assert.deepEqual(liveNoticeLinks(notice), []);
});

test('a GGUF general.architecture with a command link gives a model error notification with no live link', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'medlocal-hostile-'));
  try {
    const file = path.join(dir, 'evil.gguf');
    const model = tinyModelFile();
    await writeGguf(file, { ...model, metadata: model.metadata.map((kv) => (kv[0] === 'general.architecture' ? (['general.architecture', LINK] as const) : kv)) });
    const error = await inspectModelFile(file).then(
      () => assert.fail('the architecture is not supported'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(LINK), 'the server message quotes the architecture');
    const notice = statusErrorNotice({ state: 'error', message: error.message, hint: describeNext(error, 'en') });
    assert.deepEqual(liveNoticeLinks(notice), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an invalid medlocal.model.gpu value gives a settings warning with no live link', () => {
  const { problems } = normalizeSettings({ model: { gpu: LINK } });
  const problem = problems.find((p) => p.setting === 'medlocal.model.gpu');
  assert.ok(problem);
  // The text src/server/server.ts sends as window/showMessage.
  const notice = serverNotice(`MedLocal: setting ${problem.setting} ${problem.message}. The default is used.`);
  assert.match(notice, /medlocal\.model\.gpu/);
  assert.deepEqual(liveNoticeLinks(notice), []);
});

test('a remote server error (status error or warning) gives a notification with no live link', () => {
  const remote = `The OpenAI-compatible server answered 500: ${LINK}\n\nsecond line`;
  for (const notice of [statusErrorNotice({ state: 'error', message: remote, hint: LINK }), statusWarningNotice(remote)]) {
    assert.deepEqual(liveNoticeLinks(notice), []);
    assert.ok(!notice.includes('\n'), 'one line');
  }
});

test('a model name with line breaks keeps the header on one line and every answer line inside the blockquote', () => {
  const name = `Evil\n# Heading\nunmarked line ${LINK}`;
  const header = answerHeader('en', name, new Date('2026-11-24T09:00:00Z'));
  const headerLine = header.split('\n')[0] ?? '';
  assert.match(headerLine, /^> \*\*MedLocal\*\* · .* · 2026-11-24 · answer \(model-generated\)$/);
  const stream = new BlockquoteStream();
  const note = `Q: dose?\n\n${header}${stream.push('First\n# not a heading\n')}${stream.push('last')}${answerFooter('en', { kind: 'failed', reason: `remote said ${LINK}\n# x` })}`;
  const answerLines = note.split('\n').slice(2).filter((line) => line !== '');
  assert.ok(answerLines.every((line) => line.startsWith('>')), note);
  assert.deepEqual(liveMarkdownLinks(note), []);
  assert.deepEqual(header.split('\n').length, 2, 'the header line, then the first "> " of the answer');
});

test('the status tooltip shows a hostile model name, path and message without a link or a new block', () => {
  const status = {
    state: 'ready' as const,
    backend: 'remote' as const,
    gpuLayers: 0,
    model: { name: `${LINK}\n# Heading`, path: '/m.gguf', sizeBytes: 1, architecture: `<img src=x onerror=alert(1)>`, quantization: LINK, contextSize: 4096, fingerprint: 'f' },
    loraAdapters: [{ path: LINK, scale: 1, fingerprint: 'f' }],
    message: `plain http ${LINK}`,
  };
  const view = describeStatus(status, 'running', t);
  assert.deepEqual(liveMarkdownLinks(view.tooltip), []);
  assert.deepEqual(liveMarkdownHtml(view.tooltip), []);
  assert.deepEqual(markdownBlockStarts(view.tooltip.split('\n')), []);
  assert.ok(!view.text.includes('\n'));
});

function entry(overrides: Partial<TermEntryInfo>): TermEntryInfo {
  return { id: 'x', ja: '急性膵炎', reading: '', en: 'acute pancreatitis', synonyms: [], abbreviations: [], kind: 'disease', definitionJa: '', definitionEn: 'Inflammation.', source: { name: 'test' }, ...overrides };
}

const HOVER_MATCH = { start: 0, end: 4, surface: '急性膵炎', entries: [entry({ id: 'evil)id(', icd10: 'K85` [y](command:evil) `' })] };

test('a hover keeps the model-generated label intact around an explanation with a heading', () => {
  const match = HOVER_MATCH;
  const explained = renderTermHover(match, { language: 'en', explain: 'onDemand', explanation: { text: `Fine.\n\n# Title\n<img src=x onerror=alert(1)>\n${LINK}`, model: 'M\n# m' } });
  const lines = explained.split('\n');
  const label = lines.findIndex((line) => line.includes('Model-generated'));
  assert.match(lines[label] ?? '', /^\*Model-generated \(M # m\):\*$/, 'the label is one line, its model name escaped');
  const after = lines.slice(label + 1).filter((line) => line.trim() !== '');
  assert.ok(after.length > 0 && after.every((line) => line === '>' || line.startsWith('> ')), explained);
  assert.deepEqual(markdownBlockStarts(lines.map((line) => line.replace(/^>( |$)/, ''))).filter((line) => line !== '---'), []);
  assert.deepEqual(liveMarkdownLinks(explained), []);
  assert.deepEqual(liveMarkdownHtml(explained), []);
});

test('a ) in an entry id or note URI does not cut the Explain link\'s arguments', () => {
  const match = HOVER_MATCH;
  const offered = renderTermHover(match, { language: 'en', explain: 'onDemand', uri: 'file:///note(1).md' });
  const links = liveMarkdownLinks(offered);
  assert.equal(links.length, 1, offered);
  const target = /\]\((command:medlocal\.explainTerm\?[^)\s]*)\)$/.exec(links[0] ?? '')?.[1] ?? '';
  const args: unknown = JSON.parse(decodeURIComponent(target.slice(target.indexOf('?') + 1)));
  assert.deepEqual(args, [{ term: '急性膵炎', entryId: 'evil)id(', uri: 'file:///note(1).md' }]);
});

test('the benchmark Markdown export escapes <script> and <img onerror> from foreign fields', () => {
  const hostile = storedRun('/runs/<script>alert(1)</script>', ANSWERS_A, { model: { name: '<script>alert(1)</script>' }, dataset: { files: ['<img src=x onerror=alert(1)>'], questions: 8 } } as never);
  const md = runToMarkdown(hostile);
  assert.deepEqual(liveMarkdownHtml(md), [], md);
  assert.match(md, /\\<script\\>alert\(1\)\\<\/script\\>/, 'the text is still there, literally');
});

test('the Markdown comparison export escapes HTML in model names and question ids', () => {
  const evil = (answers: typeof ANSWERS_A) => answers.map((a, i) => (i === 1 ? { ...a, id: '<img src=x onerror=alert(1)>' } : a));
  const a = storedRun('/runs/a', evil(ANSWERS_A), { model: { name: '<script>alert(1)</script>' } } as never);
  const b = storedRun('/runs/b', evil(ANSWERS_B));
  const md = comparisonToMarkdown(a, b, compareRuns(a.answers, b.answers));
  assert.deepEqual(liveMarkdownHtml(md), [], md);
});

test('the benchmark panel puts text into the page only through DOM text, never HTML parsing', async () => {
  const dir = path.join(import.meta.dirname, '../../src/webview');
  for (const name of await readdir(dir)) {
    const source = await readFile(path.join(dir, name), 'utf8');
    const code = source.replace(/^\s*\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|srcdoc|DOMParser|createContextualFragment/, name);
  }
});

test('untrusted workspaces cannot set the settings whose values MedLocal shows as text', () => {
  const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of ['model.gpu', 'model.gpuLayers', 'model.threads', 'model.contextSize', 'model.directory', 'openai.model']) {
    assert.ok(restricted.includes(`medlocal.${key}`), `package.json: medlocal.${key}`);
    assert.ok((RESTRICTED_SETTINGS as readonly string[]).includes(key), `trust.ts: ${key}`);
  }
});
