// Term hovers and dictionaries through the built server: textDocument/hover, medlocal/lookupTerm,
// user dictionaries (MANBYO, MeSH, TSV, Shift_JIS, malformed) and model explanations.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Encoding from 'encoding-japanese';
import { DidOpenTextDocumentNotification, HoverRequest, type Hover, type MarkupContent } from 'vscode-languageserver-protocol';
import { ExplainTermRequest, LookupTermRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from './harness';

const SHARED = join(__dirname, '..', '..', '..', 'shared', 'data', 'terms');
const MANBYO = join(SHARED, 'manbyo_derived_sample_dict.csv');
const MESH = join(SHARED, 'mesh_desc2006_sample.xml');
let uriCounter = 0;

async function openNote(server: TestServer, text: string, languageId = 'markdown'): Promise<string> {
  const uri = `file:///tmp/medlocal-note-${++uriCounter}.md`;
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  return uri;
}

async function hoverAt(server: TestServer, uri: string, text: string, needle: string, into = 1): Promise<Hover | null> {
  const offset = text.indexOf(needle) + into;
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const character = offset - (before.lastIndexOf('\n') + 1);
  return server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
}

function markdown(hover: Hover | null): string {
  assert.ok(hover, 'no hover');
  return (hover.contents as MarkupContent).value;
}

describe('hover with the built-in dictionary', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({});
    await server.waitForDictionaries(() => true);
  });
  after(() => server.stop());

  test('hovering 急性心筋梗塞 shows names, ICD-10, definition and source, with the matched range', async () => {
    const text = '# 経過\n\n既往歴: 急性心筋梗塞（2019年 PCI後）。';
    const uri = await openNote(server, text);
    const hover = await hoverAt(server, uri, text, '急性心筋梗塞', 3);
    const value = markdown(hover);
    assert.match(value, /急性心筋梗塞/);
    assert.match(value, /[Aa]cute myocardial infarction/);
    assert.match(value, /ICD-10: `I21(\.\d)?`/);
    assert.match(value, /AMI/);
    assert.match(value, /MedLocal built\\?-in/);
    assert.match(value, /command:medlocal\.explainTerm\?/);
    assert.deepEqual(hover?.range, { start: { line: 2, character: 5 }, end: { line: 2, character: 11 } });
  });

  test('full-width ＡＭＩ, half-width ｶﾞｽﾄﾛ and ＣＲＰ hover with their entries', async () => {
    const text = 'ＡＭＩ疑い。ｶﾞｽﾄﾛ予定、ＣＲＰ 3.4';
    const uri = await openNote(server, text, 'plaintext');
    assert.match(markdown(await hoverAt(server, uri, text, 'ＡＭＩ')), /[Aa]cute myocardial infarction/);
    const gastro = await hoverAt(server, uri, text, 'ｶﾞｽﾄﾛ', 2);
    assert.match(markdown(gastro), /内視鏡/);
    assert.deepEqual(gastro?.range, { start: { line: 0, character: 6 }, end: { line: 0, character: 11 } });
    assert.match(markdown(await hoverAt(server, uri, text, 'ＣＲＰ')), /C-reactive protein/);
  });

  test('no hover on ordinary text', async () => {
    const text = '本日は晴れ。';
    const uri = await openNote(server, text);
    assert.equal(await hoverAt(server, uri, text, '晴れ', 0), null);
  });

  test('medlocal/lookupTerm answers without an editor: ambiguous abbreviations list every candidate', async () => {
    const { matches } = await server.connection.sendRequest(LookupTermRequest.type, { text: 'MSの既往あり', offset: 1 });
    assert.equal(matches[0]?.surface, 'MS');
    const names = matches[0]?.entries.map((e) => e.en.toLowerCase()).join('|') ?? '';
    assert.match(names, /multiple sclerosis/);
    assert.match(names, /mitral stenosis/);
    const none = await server.connection.sendRequest(LookupTermRequest.type, { text: 'AMI', offset: 2 });
    assert.ok(none.matches.every((m) => m.surface === 'AMI'), 'MI never matches inside AMI');
  });
});

describe('user dictionaries', () => {
  test('MANBYO and MeSH samples load from ../shared/data and take part in hovers', { skip: !existsSync(MANBYO) || !existsSync(MESH) ? 'shared/data/terms is not present' : false }, async () => {
    const server = await startTestServer({ dictionaries: [MANBYO, MESH] });
    try {
      const event = await server.waitForDictionaries((e) => e.reports.length === 2);
      const [manbyo, mesh] = event.reports;
      const rows = readFileSync(MANBYO, 'utf8').split(/\r?\n/).filter((line) => line.trim()).length;
      assert.equal(manbyo?.entries, rows);
      assert.equal(manbyo?.skipped, 0);
      assert.match(manbyo?.licence ?? '', /CC BY 4\.0/);
      assert.equal(mesh?.entries, 1);
      assert.ok(event.builtinEntries >= 500, `built-in entries: ${event.builtinEntries}`);
      const text = '両側下腿浮腫あり。Calcimycin投与歴なし。';
      const uri = await openNote(server, text);
      const swelling = markdown(await hoverAt(server, uri, text, '下腿浮腫', 1));
      assert.match(swelling, /下腿浮腫/);
      assert.match(swelling, /MANBYO|manbyo/);
      const calcimycin = markdown(await hoverAt(server, uri, text, 'Calcimycin', 2));
      assert.match(calcimycin, /D000001/);
      assert.match(calcimycin, /MeSH/);
    } finally {
      await server.stop();
    }
  });

  test('a Shift_JIS table loads; a malformed and a missing file are reported by file and line while the rest keep working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-dict-'));
    const sjis = join(dir, 'local-terms.tsv');
    const table = 'term\ten\ticd10\tdefinition\n院内独自略語テスト\tin-house test abbreviation\t\t当院で使う略語の例。\n';
    writeFileSync(sjis, Buffer.from(Encoding.convert(Encoding.stringToCode(table), { to: 'SJIS', from: 'UNICODE' })));
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, '出現形,ICD10,標準病名,信頼度\n急性腎盂炎テスト,N10,急性腎盂炎,S\n"壊れた行,N10\nもう一つ,ZZZ9999,標準,S\n');
    const missing = join(dir, 'missing.csv');
    const server = await startTestServer({ dictionaries: [sjis, broken, missing] });
    try {
      const event = await server.waitForDictionaries((e) => e.reports.length === 3);
      const [local, bad, gone] = event.reports;
      assert.equal(local?.entries, 1, JSON.stringify(local));
      assert.ok((bad?.skipped ?? 0) >= 1, JSON.stringify(bad));
      assert.ok(bad?.messages.every((m) => m.file === broken && m.line >= 1), JSON.stringify(bad?.messages));
      assert.equal(gone?.entries, 0);
      assert.match(gone?.messages[0]?.reason ?? '', /not found|does not exist|no such file|cannot be read/i);
      const text = '院内独自略語テストと急性心筋梗塞';
      const uri = await openNote(server, text);
      assert.match(markdown(await hoverAt(server, uri, text, '院内独自略語テスト', 2)), /in-house test abbreviation/);
      assert.match(markdown(await hoverAt(server, uri, text, '急性心筋梗塞', 2)), /I21/);
    } finally {
      await server.stop();
    }
  });
});

describe('explanations', () => {
  test('medlocal/explainTerm streams with the tiny model; the next hover shows it, labelled as model-generated', async () => {
    const modelPath = await ensureTinyModel();
    const server = await startTestServer({ model: { path: modelPath, threads: 1, contextSize: 2048 } });
    try {
      await server.waitForStatus((s) => s.state === 'ready');
      const chunks: string[] = [];
      const token = 'explain-1';
      const subscription = server.connection.onProgress(ExplainTermRequest.partialResult, token, (value) => {
        chunks.push(value.text);
      });
      const first = await server.connection.sendRequest(ExplainTermRequest.type, { term: '急性心筋梗塞', language: 'ja', partialResultToken: token });
      subscription.dispose();
      assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
      assert.equal(chunks.join(''), first.text);
      assert.equal(first.cached, false);
      assert.equal(first.model, 'MedLocal Tiny Test Model');
      const second = await server.connection.sendRequest(ExplainTermRequest.type, { term: '急性心筋梗塞', language: 'ja' });
      assert.equal(second.cached, true);
      assert.equal(second.text, first.text);
      const text = '急性心筋梗塞の既往';
      const uri = await openNote(server, text);
      const value = markdown(await hoverAt(server, uri, text, '急性心筋梗塞', 2));
      assert.match(value, /モデル生成 \(MedLocal Tiny Test Model\)/);
      assert.ok(!value.includes('command:medlocal.explainTerm'), 'the link is replaced by the explanation');
    } finally {
      await server.stop();
    }
  });
});

describe('dictionary messages in the client language', () => {
  test('a Japanese client gets file:line reasons in Japanese', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medlocal-dict-ja-'));
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, '急性腎盂炎テスト,N10,急性腎盂炎,S\n,N10,空,S\n列が足りない,N10\n');
    const missing = join(dir, 'missing.csv');
    const server = await startTestServer({ dictionaries: [broken, missing] }, { locale: 'ja' });
    try {
      const event = await server.waitForDictionaries((e) => e.reports.length === 2);
      const [bad, gone] = event.reports;
      const reasons = bad?.messages.map((m) => `${m.line}: ${m.reason}`) ?? [];
      assert.ok(reasons.includes('2: 出現形（用語）が空です'), reasons.join(' | '));
      assert.ok(reasons.some((r) => r.startsWith('3: 4 列（出現形,ICD10,標準病名,信頼度）が必要ですが')), reasons.join(' | '));
      assert.equal(gone?.messages[0]?.reason, 'ファイルを読み取れません: ファイルが見つかりません');
    } finally {
      await server.stop();
    }
  });
});
