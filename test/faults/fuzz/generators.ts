// Generated inputs for the loader fuzzing (test/faults/loaderFuzz.test.ts): term dictionaries and
// benchmark datasets, each input fully determined by (loader, seed, index) so a failing one can be
// replayed. Every input is written to disk as the loader reads it (a file, or an IgakuQA folder).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Encoding from 'encoding-japanese';
import { prng } from '../support/faultServer';

export type DatasetLoader = 'igakuqa' | 'medqa' | 'medmcqa' | 'jmedbench' | 'jsonl' | 'csv';
export type FuzzLoader = 'dictionary' | DatasetLoader;
export const FUZZ_LOADERS: readonly FuzzLoader[] = ['dictionary', 'igakuqa', 'medqa', 'medmcqa', 'jmedbench', 'jsonl', 'csv'];

export interface FuzzInput {
  /** What kind of input this is (for counts and for replaying the slowest / a failing one). */
  kind: string;
  /** The path the loader is given (file, or IgakuQA folder). */
  path: string;
  /** Every file written, with its number of lines ('\n' count + 1), for checking reported lines. */
  files: Array<{ path: string; lines: number }>;
  /** IgakuQA: which text the loader is asked for. */
  language?: 'ja' | 'en';
}

const ONE_MB = 1 << 20;

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
  /** Text from a mix of ASCII, kana, kanji, full-width, controls and lone surrogates. */
  text(n: number): string {
    const pools = [
      'abcdefghijklmnopqrstuvwxyz ABCDE0123456789',
      'あいうえおかきくけこアイウエオｱｲｳｴｵ',
      '急性心筋梗塞糖尿病肺炎腎不全高血圧症',
      ',;|\t"\'\\{}[]<>&=:#',
      '\r\n\u0000\u0007\u001b\u00a0\u200b\ufeff\ufffd',
      '\ud800\udc00\ud83d\ude00\udfff',
    ];
    let s = '';
    for (let i = 0; i < n; i++) {
      const pool = this.pick(pools);
      s += pool[this.int(0, pool.length - 1)] ?? '';
    }
    return s;
  }
}

/**
 * An upper bound of the line numbers a loader may report: every \r and every \n counted (editors
 * and XML end lines on lone \r too; csv-parse counts both bytes of some \r\n in files with mixed
 * endings). Counted on bytes, so it also bounds UTF-16 and Shift_JIS files.
 */
function lineCount(data: Buffer | string): number {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data;
  let n = 1;
  for (let i = 0; i < buffer.length; i++) if (buffer[i] === 0x0a || buffer[i] === 0x0d) n++;
  return n;
}

function write(path: string, data: Buffer | string): { path: string; lines: number } {
  writeFileSync(path, data);
  return { path, lines: lineCount(data) };
}

/** Randomly damages bytes: flips, truncation, duplicated or deleted spans, inserted NULs or quotes. */
function mutateBytes(rng: Rng, input: Buffer): Buffer {
  let data = Buffer.from(input);
  const edits = rng.int(1, 6);
  for (let e = 0; e < edits && data.length > 0; e++) {
    const at = rng.int(0, data.length - 1);
    switch (rng.int(0, 5)) {
      case 0:
        data[at] = rng.int(0, 255);
        break;
      case 1:
        data = data.subarray(0, at);
        break;
      case 2:
        data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + rng.int(1, 200)), data.subarray(at)]);
        break;
      case 3:
        data = Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + rng.int(1, 50)))]);
        break;
      case 4:
        data = Buffer.concat([data.subarray(0, at), Buffer.from(rng.pick(['\u0000', '"', '\r', '\n', ',', '\t', '\ufeff', '{', '}'])), data.subarray(at)]);
        break;
      default:
        data = Buffer.concat([data.subarray(0, at), rng.bytes(rng.int(1, 16)), data.subarray(at)]);
    }
  }
  return data;
}

// ---- dictionaries ------------------------------------------------------------------------------

const TERMS = ['急性心筋梗塞', '糖尿病', '肺炎', '心不全', '高血圧症', 'ｶﾞｽﾄﾛ', 'ＡＭＩ', '慢性腎臓病', '気管支喘息', '脳梗塞'];
const ICDS = ['I21.9', 'I219', 'E14', 'J18.9', 'I50', 'I10', 'N18', 'J45', 'I63', 'R509', 'bad', '', '-', 'Z', 'ＩＲ２１', 'I21.999'];

function manbyoText(rng: Rng, rows: number, broken: boolean): string {
  const header = rng.bool(0.5);
  const lines: string[] = [];
  if (header) lines.push(rng.pick(['出現形,出現形よみ,ICD10コード,標準病名,信頼度LEVEL,頻度LEVEL', '出現形\t出現形よみ\tICD10コード\t標準病名', '"出現形","ICD10コード"']));
  const sep = header && (lines[0] ?? '').includes('\t') ? '\t' : ',';
  for (let i = 0; i < rows; i++) {
    const term = rng.pick(TERMS);
    let fields = header ? [term, 'よみ', rng.pick(ICDS), rng.pick(TERMS), 'S', 'A'] : [term, rng.pick(ICDS), rng.pick(TERMS), 'S'];
    if (broken) {
      const what = rng.int(0, 5);
      if (what === 0) fields = fields.slice(0, rng.int(0, fields.length - 1));
      else if (what === 1) fields.push(...Array.from({ length: rng.int(1, 20) }, () => rng.text(3)));
      else if (what === 2) fields[rng.int(0, fields.length - 1)] = '';
      else if (what === 3) fields[rng.int(0, fields.length - 1)] = `"${rng.text(5)}`;
      else if (what === 4) fields[rng.int(0, fields.length - 1)] = rng.text(rng.int(0, 40));
      else fields = [rng.text(rng.int(0, 30))];
    }
    lines.push(fields.join(rng.bool(0.9) ? sep : rng.pick([',', '\t', ';'])));
  }
  return lines.join(rng.bool(0.8) ? '\n' : '\r\n') + (rng.bool() ? '\n' : '');
}

function tableText(rng: Rng, rows: number, broken: boolean): string {
  const columns = ['term', 'ja', 'en', 'reading', 'icd10', 'mesh', 'definition', 'synonyms', 'abbreviations', 'kind', 'id', 'nonsense'];
  const header = Array.from({ length: rng.int(1, 8) }, () => rng.pick(columns));
  const sep = rng.bool(0.7) ? ',' : '\t';
  const lines: string[] = [];
  if (rng.bool(0.3)) lines.push('# name: Fuzz dict', `# version: ${rng.int(1990, 2030)}`, '# licence: none');
  lines.push(header.join(sep));
  for (let i = 0; i < rows; i++) {
    const n = broken && rng.bool(0.4) ? rng.int(0, header.length + 5) : header.length;
    const fields = Array.from({ length: n }, (_, c) => {
      const column = header[c] ?? 'x';
      if (column === 'icd10') return rng.pick(ICDS);
      if (column === 'mesh') return rng.pick(['D009203', 'D1', 'C000123456', 'x']);
      if (column === 'kind') return rng.pick(['disease', 'drug', 'lab', 'weird', '']);
      if (column === 'synonyms' || column === 'abbreviations') return `${rng.pick(TERMS)}|${rng.text(3)};${rng.pick(TERMS)}`;
      return rng.bool(0.7) ? rng.pick(TERMS) : rng.text(rng.int(0, 20));
    });
    let line = fields.join(sep);
    if (broken && rng.bool(0.3)) {
      const at = rng.int(0, line.length);
      line = `${line.slice(0, at)}"${line.slice(at)}`; // a stray quote
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

function meshXml(rng: Rng, records: number, broken: boolean): string {
  const parts = ['<?xml version="1.0"?>', '<!DOCTYPE DescriptorRecordSet SYSTEM "desc2006.dtd">', '<DescriptorRecordSet LanguageCode = "eng">'];
  for (let i = 0; i < records; i++) {
    parts.push(
      `<DescriptorRecord><DescriptorUI>${rng.pick(['D009203', 'D00', 'X1', ''])}</DescriptorUI>` +
        `<DescriptorName><String>${rng.pick(['Myocardial Infarction', 'Asthma', '', rng.text(8)])}</String></DescriptorName>` +
        `<TreeNumberList><TreeNumber>${rng.pick(['C14.280', 'D27', 'E01', 'A07'])}</TreeNumber></TreeNumberList>` +
        `<ConceptList><Concept PreferredConceptYN="Y"><ScopeNote>${rng.text(20).replace(/[<&]/g, '')}</ScopeNote>` +
        `<TermList><Term LexicalTag="${rng.pick(['ABB', 'NON', 'ACR'])}" IsPermutedTermYN="N"><String>${rng.pick(['MI', 'AMI', 'x'])}</String></Term></TermList></Concept></ConceptList></DescriptorRecord>`,
    );
  }
  parts.push('</DescriptorRecordSet>');
  let xml = parts.join('\n');
  if (broken) {
    const what = rng.int(0, 4);
    if (what === 0) xml = xml.slice(0, rng.int(0, xml.length));
    else if (what === 1) xml = xml.replace(/<\/String>/g, () => (rng.bool(0.3) ? '' : '</String>'));
    else if (what === 2) xml = `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<DescriptorRecordSet>&b;&b;&b;&undefined;</DescriptorRecordSet>`;
    else if (what === 3) xml = `<DescriptorRecord>${rng.text(200)}</DescriptorRecord><<<>>>&&&`;
    else xml = xml.replace(/</g, () => (rng.bool(0.05) ? '' : '<'));
  }
  return xml;
}

export function dictionaryInput(rng: Rng, dir: string, index: number): FuzzInput {
  const ext = rng.pick(['.csv', '.tsv', '.txt', '.dic']);
  const kinds = ['randomBytes', 'shiftJis', 'utf16Bom', 'utf16NoBom', 'unbalancedQuotes', 'manbyoBroken', 'xmlFragment', 'xmlInCsv', 'tableBroken', 'mutated', 'eucJp', 'empty'];
  // 1 MB lines cost ~0.1-1 s each to load: 3% of the inputs, so a campaign stays quick.
  const kind = rng.bool(0.03) ? 'hugeLine' : rng.pick(kinds);
  const file = join(dir, `dict-${index}${kind === 'xmlFragment' ? '.xml' : ext}`);
  let data: Buffer;
  switch (kind) {
    case 'randomBytes':
      data = rng.bytes(rng.int(0, 4096));
      break;
    case 'shiftJis':
    case 'eucJp': {
      const text = rng.bool() ? manbyoText(rng, rng.int(1, 100), rng.bool()) : tableText(rng, rng.int(1, 60), rng.bool());
      const encoded = Buffer.from(Encoding.convert(Encoding.stringToCode(text), { to: kind === 'shiftJis' ? 'SJIS' : 'EUCJP', from: 'UNICODE' }));
      data = rng.bool(0.3) ? mutateBytes(rng, encoded) : encoded;
      break;
    }
    case 'utf16Bom':
    case 'utf16NoBom': {
      const text = rng.bool() ? manbyoText(rng, rng.int(1, 100), rng.bool()) : tableText(rng, rng.int(1, 60), rng.bool());
      const le = rng.bool(0.7);
      let body = Buffer.from(text, 'utf16le');
      if (!le) body = Buffer.from(body).swap16();
      const bom = kind === 'utf16Bom' ? Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0);
      data = Buffer.concat([bom, body]);
      if (rng.bool(0.2)) data = data.subarray(0, data.length - 1); // odd length
      break;
    }
    case 'hugeLine': {
      const field = rng.pick(['a', '急', '"', ',', 'ｱ']).repeat(rng.pick([ONE_MB, ONE_MB / 3]));
      const head = rng.pick(['term,ja,en\n', '出現形,出現形よみ,ICD10コード,標準病名\n', '', '糖尿病,E14,']);
      data = Buffer.from(`${head}${field}${rng.bool() ? '\n糖尿病,E14,糖尿病,S\n' : ''}`);
      break;
    }
    case 'unbalancedQuotes': {
      const rows = rng.int(1, 150);
      const lines = [rng.pick(['term,ja,en', '出現形,出現形よみ,ICD10コード,標準病名'])];
      for (let i = 0; i < rows; i++) {
        const quote = rng.pick(['"', '""', '"""', 'a"b', '"a""', '']);
        lines.push(rng.pick([`${quote}${rng.pick(TERMS)},${rng.pick(TERMS)},x`, `${rng.pick(TERMS)},"${rng.text(4)},${quote}`, `"${rng.pick(TERMS)}"x,"y`]));
      }
      data = Buffer.from(lines.join('\n'));
      break;
    }
    case 'manbyoBroken':
      data = Buffer.from(manbyoText(rng, rng.int(1, 300), true));
      break;
    case 'xmlFragment':
      data = Buffer.from(meshXml(rng, rng.int(0, 30), rng.bool(0.8)));
      break;
    case 'xmlInCsv':
      data = Buffer.from(meshXml(rng, rng.int(0, 10), rng.bool(0.6)));
      break;
    case 'tableBroken':
      data = Buffer.from(tableText(rng, rng.int(0, 200), true));
      break;
    case 'mutated':
      data = mutateBytes(rng, Buffer.from(rng.bool() ? manbyoText(rng, rng.int(1, 80), false) : tableText(rng, rng.int(1, 80), false)));
      break;
    default:
      data = Buffer.from(rng.pick(['', '\ufeff', '\n\n\n', '# name: x\n', '\ufeff\ufeff']));
  }
  return { kind, path: file, files: [write(file, data)] };
}

// ---- benchmark datasets ------------------------------------------------------------------------

/** A random JSON value of any type (the wrong type for most fields). */
function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick([0, -1, 1, 2, 4, 5, 99, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1]);
    case 3:
      return rng.pick(['', ' ', 'a', 'A', 'e', 'f', 'z', 'ａ', '0', '1', '-1', '1.5', 'a,c', 'b or d', 'NaN', '__proto__', 'constructor']);
    case 4:
      return rng.text(rng.int(0, 30));
    case 5:
      return rng.pick(TERMS);
    case 6:
      return String(rng.int(-5, 10));
    case 7:
      return Array.from({ length: rng.int(0, 6) }, () => randomValue(rng, depth + 1));
    case 8:
      return Object.fromEntries(Array.from({ length: rng.int(0, 5) }, () => [rng.pick(['A', 'B', 'C', 'a', '0', 'x', '__proto__', 'toString']), randomValue(rng, depth + 1)]));
    default:
      return { nested: [randomValue(rng, depth + 1)] };
  }
}

function validRecord(rng: Rng, loader: DatasetLoader | 'harness'): Record<string, unknown> {
  const choices = ['心筋梗塞', '狭心症', '大動脈解離', '肺塞栓症', '気胸'].slice(0, rng.int(2, 5));
  const id = rng.bool(0.8) ? `q${rng.int(0, 50)}` : rng.int(0, 50);
  switch (loader) {
    case 'medqa':
      return { question: 'Which is most likely?', options: Object.fromEntries(choices.map((c, i) => [String.fromCharCode(65 + i), c])), answer_idx: String.fromCharCode(65 + rng.int(0, choices.length - 1)), meta_info: 'step1', realidx: id };
    case 'medmcqa':
      return rng.bool(0.8)
        ? { id, question: 'Q?', opa: 'a', opb: 'b', opc: 'c', opd: 'd', cop: rng.int(0, 3), subject_name: 'Medicine' }
        : { id, question: 'Q?', options: { A: 'a', B: 'b', C: 'c', D: 'd' }, answer_idx: 'B', subject_name: 'Medicine' };
    case 'jmedbench':
      return { sample_id: id, question: '最も考えられるのはどれか。', options: choices, answer_idx: rng.int(0, choices.length - 1) };
    case 'harness':
      return { problem_id: id, problem_text: '正しいのはどれか。', choices, answer: choices[0] };
    case 'igakuqa':
    case 'jsonl':
    case 'csv':
      return { problem_id: `900A${rng.int(1, 60)}`, problem_text: '正しいのはどれか。', choices, text_only: rng.bool(0.9), answer: [rng.pick(['a', 'b', 'ab', 'a or d', 'ｃ', 'z', ''])], points: rng.pick(['1', '3', '0', 1, '-1', 'x']) };
  }
}

/** A valid record with wrong-typed, missing or extra fields. */
function mutateRecord(rng: Rng, record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  const keys = Object.keys(copy);
  const edits = rng.int(0, 4);
  for (let e = 0; e < edits; e++) {
    const key = rng.pick(keys.length > 0 ? keys : ['question']);
    const what = rng.int(0, 3);
    if (what === 0) delete copy[key];
    else if (what === 1) copy[key] = randomValue(rng);
    else if (what === 2) copy[rng.pick(['extra', 'answer', 'options', 'choices', 'cop', 'answer_idx'])] = randomValue(rng);
    else copy[key] = rng.pick(['', ' ', null, [], {}]);
  }
  return copy;
}

function jsonlLine(rng: Rng, loader: DatasetLoader): string {
  const r = rng.next();
  if (r < 0.55) return JSON.stringify(mutateRecord(rng, validRecord(rng, loader === 'jsonl' ? rng.pick(['medqa', 'medmcqa', 'jmedbench', 'harness', 'igakuqa'] as const) : loader)));
  if (r < 0.65) return JSON.stringify(validRecord(rng, loader === 'jsonl' ? 'harness' : loader));
  if (r < 0.75) return JSON.stringify(randomValue(rng));
  if (r < 0.85) {
    const line = JSON.stringify(validRecord(rng, loader === 'jsonl' ? 'medqa' : loader));
    return line.slice(0, rng.int(0, line.length - 1)); // truncated JSON
  }
  if (r < 0.9) return rng.text(rng.int(0, 40));
  if (r < 0.95) return '';
  return JSON.stringify({ ...validRecord(rng, loader === 'jsonl' ? 'jmedbench' : loader), question: rng.text(5), problem_text: rng.text(5) });
}

function jsonlFile(rng: Rng, loader: DatasetLoader, maxLines: number): Buffer {
  const r = rng.next();
  if (r < 0.08) return rng.bytes(rng.int(0, 4096));
  if (r < 0.12) {
    // a huge line: one record with a 1 MB field, or 1 MB of garbage
    const huge = rng.pick(['x', '急', '"', '\\']).repeat(ONE_MB);
    const record = validRecord(rng, loader === 'jsonl' ? 'medqa' : loader);
    const line = rng.bool() ? JSON.stringify({ ...record, question: huge, problem_text: huge }) : huge;
    return Buffer.from(`${JSON.stringify(validRecord(rng, loader === 'jsonl' ? 'medqa' : loader))}\n${line}\n`);
  }
  const lines = Array.from({ length: rng.int(0, maxLines) }, () => jsonlLine(rng, loader));
  let text = (rng.bool(0.1) ? '\ufeff' : '') + lines.join(rng.bool(0.85) ? '\n' : '\r\n') + (rng.bool() ? '\n' : '');
  if (rng.bool(0.05)) text = text.replace(/\n/g, '\u2028');
  const data = Buffer.from(text);
  return rng.bool(0.15) ? mutateBytes(rng, data) : data;
}

function csvFile(rng: Rng, maxRows: number): Buffer {
  const r = rng.next();
  if (r < 0.08) return rng.bytes(rng.int(0, 4096));
  const headers = [
    ['id', 'question', 'A', 'B', 'C', 'D', 'answer'],
    ['id', 'question', 'opa', 'opb', 'opc', 'opd', 'cop', 'subject_name'],
    ['問題', 'option_a', 'option_b', 'option_c', '正解'],
    ['stem', 'a', 'b', 'label'],
    ['foo', 'bar'],
    [],
  ];
  const header = [...(rng.bool(0.85) ? rng.pick(headers.slice(0, 4)) : rng.pick(headers.slice(4)))];
  if (rng.bool(0.1) && header.length > 0) header.splice(rng.int(0, header.length - 1), 1);
  const quote = (s: string) => (rng.bool(0.3) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = [header.join(',')];
  const count = rng.int(0, maxRows);
  for (let i = 0; i < count; i++) {
    const n = rng.bool(0.8) ? header.length : rng.int(0, header.length + 4);
    const fields = Array.from({ length: n }, (_, c) => {
      const column = header[c] ?? '';
      if (/^(answer|cop|label|正解)$/.test(column)) {
        const value = randomValue(rng);
        return quote(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
      }
      if (column === 'id') return quote(String(rng.int(0, 30)));
      return quote(rng.bool(0.7) ? rng.pick(TERMS) : rng.text(rng.int(0, 20)));
    });
    let line = fields.join(',');
    if (rng.bool(0.1)) {
      const at = rng.int(0, line.length);
      line = `${line.slice(0, at)}"${line.slice(at)}`;
    }
    if (i === 0 && rng.bool(0.03)) line += `,${'y'.repeat(ONE_MB)}`;
    rows.push(line);
  }
  const data = Buffer.from((rng.bool(0.1) ? '\ufeff' : '') + rows.join(rng.bool(0.8) ? '\n' : '\r\n') + (rng.bool() ? '\n' : ''));
  return rng.bool(0.15) ? mutateBytes(rng, data) : data;
}

export function datasetInput(rng: Rng, loader: DatasetLoader, dir: string, index: number): FuzzInput {
  if (loader === 'igakuqa') {
    const folder = join(dir, `igakuqa-${index}`);
    mkdirSync(folder, { recursive: true });
    const block = rng.pick(['A', 'B', 'E']);
    const files = [write(join(folder, `900-${block}.jsonl`), jsonlFile(rng, 'igakuqa', 30))];
    if (rng.bool(0.6)) files.push(write(join(folder, `900-${block}_metadata.jsonl`), jsonlFile(rng, 'igakuqa', 30)));
    const language = rng.bool(0.3) ? 'en' : 'ja';
    if (rng.bool(0.6)) files.push(write(join(folder, `900-${block}_translate.jsonl`), jsonlFile(rng, 'igakuqa', 30)));
    if (rng.bool(0.1)) files.push(write(join(folder, `901-${block}.jsonl`), jsonlFile(rng, 'igakuqa', 10)));
    const path = rng.bool(0.2) ? (files[0]?.path ?? folder) : folder;
    return { kind: `folder(${files.length} files, ${language})`, path, files, language };
  }
  const file = join(dir, `${loader}-${index}.${loader === 'csv' ? 'csv' : 'jsonl'}`);
  const data = loader === 'csv' ? csvFile(rng, 60) : jsonlFile(rng, loader, 60);
  return { kind: data.length > ONE_MB / 2 ? 'hugeLine' : 'generated', path: file, files: [write(file, data)] };
}

/** Input `index` of a campaign: the same (loader, seed, index) always gives the same input. */
export function fuzzInput(loader: FuzzLoader, seed: number, index: number, dir: string): FuzzInput {
  const rng = new Rng((seed ^ hashString(loader)) + index * 0x9e3779b1);
  return loader === 'dictionary' ? dictionaryInput(rng, dir, index) : datasetInput(rng, loader, dir, index);
}
