// Dictionary file loaders: MANBYO CSV (both forms), MeSH descriptor XML (streamed), and plain
// TSV/CSV tables with a header. Every loader returns { entries, skipped, source } and never throws
// on bad content: a missing or unreadable file is one message naming it, a bad line is a
// `file:line: reason` message, and the rest of the file still loads.

import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { SaxesParser } from 'saxes';

import { hasJapanese } from '../shared/language.js';
import { parseDelimited } from './csv.js';
import { decodeBytes } from './encoding.js';
import type { LoadResult, SkippedLine, TermEntry, TermKind, TermSource } from './types.js';
import { TERM_KINDS } from './types.js';
import { msg, type Message } from '../shared/messages/index';

export const MANBYO_LICENCE = 'CC BY 4.0 (MANBYO, NAIST social computing lab)';

/** At most this many messages per file; the last one says how many more there were. */
export const MAX_MESSAGES_PER_FILE = 200;

/** Collects skip messages, capped so a broken 300k-line file cannot flood the caller. */
class Messages {
  readonly list: SkippedLine[] = [];
  private extra = 0;
  constructor(private readonly file: string) {}
  add(line: number, reason: Message): void {
    if (this.list.length < MAX_MESSAGES_PER_FILE) this.list.push({ file: this.file, line, reason });
    else this.extra++;
  }
  done(): SkippedLine[] {
    if (this.extra > 0) {
      this.list.push({ file: this.file, line: 0, reason: msg('dictMoreProblems', this.extra) });
      this.extra = 0;
    }
    return this.list;
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const ICD10_PATTERN = /^[A-Z]\d{2}(\.\d{1,2})?$/;

/**
 * Normalises an ICD-10 code to the dotted form: "I219" → "I21.9", "M2559" → "M25.59",
 * "ｉ２１．９" → "I21.9"; dagger/asterisk marks are dropped. Empty or "-" → ''. Invalid → undefined.
 */
export function normalizeIcd10(raw: string): string | undefined {
  const code = raw.normalize('NFKC').trim().toUpperCase().replace(/[†‡*+]+$/u, '').replace(/\s+/g, '');
  if (code === '' || code === '-' || code === '--') return '';
  const m = /^([A-Z]\d{2})\.?(\d{0,2})$/.exec(code);
  if (!m) return undefined;
  const formatted = m[2] ? `${m[1]}.${m[2]}` : m[1]!;
  return ICD10_PATTERN.test(formatted) ? formatted : undefined;
}

function splitList(s: string | undefined): string[] {
  if (!s) return [];
  return [...new Set(s.split(/[|;]/).map((x) => x.trim()).filter((x) => x.length > 0))];
}

/** Why a file cannot be read: 'cannot read the file: file not found' and the like. */
function cannotRead(err: unknown): Message {
  const e = err as NodeJS.ErrnoException;
  const why = e && e.code === 'ENOENT' ? msg('dictFileNotFound') : e && e.code === 'EACCES' ? msg('dictPermissionDenied') : e && e.code === 'EISDIR' ? msg('dictIsDirectory') : e && e.message ? e.message : String(err);
  return msg('dictCannotRead', why);
}

type TextRead = { ok: true; text: string } | { ok: false; skipped: SkippedLine[] };

/** Reads and decodes a whole text file; any failure is one message naming the file. */
async function readText(file: string): Promise<TextRead> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, skipped: [{ file, line: 0, reason: cannotRead(err) }] };
  }
  const decoded = decodeBytes(bytes);
  if (!decoded.ok) return { ok: false, skipped: [{ file, line: 0, reason: decoded.reason }] };
  return { ok: true, text: decoded.text };
}

/** Leading `# key: value` lines (name, version, licence/license) and how many lines they took. */
function readPreamble(text: string): { meta: Record<string, string>; lines: number; rest: string } {
  const meta: Record<string, string> = {};
  let offset = 0;
  let lines = 0;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(offset, lineEnd).replace(/\r$/, '');
    if (!line.startsWith('#') && line.trim() !== '') break;
    const m = /^#\s*([A-Za-z]+)\s*:\s*(.+?)\s*$/.exec(line);
    if (m) meta[m[1]!.toLowerCase()] = m[2]!;
    lines++;
    offset = nl < 0 ? text.length : nl + 1;
  }
  return { meta, lines, rest: text.slice(offset) };
}

function versionFromName(file: string): string | undefined {
  const m = /(?:^|[^0-9])((?:19|20)\d{2}(?:[01]\d)?(?:[0-3]\d)?)(?=[^0-9]|$)/.exec(basename(file));
  return m ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// MANBYO

const MANBYO_HEADER_SURFACE = '出現形';

interface ManbyoColumns {
  surface: number;
  reading: number;
  icd: number;
  standard: number;
}

function manbyoColumns(header: string[]): ManbyoColumns | undefined {
  const find = (pred: (h: string) => boolean): number => header.findIndex((h) => pred(h.normalize('NFKC').trim()));
  const surface = find((h) => h === MANBYO_HEADER_SURFACE);
  if (surface < 0) return undefined;
  return {
    surface,
    reading: find((h) => h.startsWith(MANBYO_HEADER_SURFACE) && h.includes('よみ')),
    icd: find((h) => h.toUpperCase().includes('ICD')),
    standard: find((h) => h.includes('標準病名')),
  };
}

/**
 * Parses MANBYO text: the original form with a header (出現形, 出現形よみ, ICD10コード, 標準病名,
 * 信頼度LEVEL, 頻度LEVEL) or the header-less derived form `出現形,ICD10,標準病名,信頼度`.
 * Rows with the same 標準病名 and code become one entry whose other 出現形 are synonyms.
 */
export function parseManbyo(text: string, file: string, source?: Partial<TermSource>): LoadResult {
  const messages = new Messages(file);
  const src: TermSource = {
    name: 'MANBYO',
    file,
    licence: MANBYO_LICENCE,
    ...(versionFromName(file) ? { version: versionFromName(file)! } : {}),
    ...source,
  };
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const delimiter = body.slice(0, 4096).split('\n')[0]!.includes('\t') ? '\t' : ',';
  const { records, problems } = parseDelimited(body, delimiter);
  for (const p of problems) messages.add(p.line, p.reason);

  let columns: ManbyoColumns | undefined;
  let firstRecord = true;
  const groups = new Map<string, { entry: TermEntry; surfaces: Set<string> }>();
  const entries: TermEntry[] = [];
  for (const { fields, line } of records) {
    if (firstRecord) {
      firstRecord = false;
      columns = manbyoColumns(fields);
      if (columns) continue; // header form
    }
    let surface: string;
    let reading = '';
    let icdRaw: string;
    let standard: string;
    if (columns) {
      const needed = Math.max(columns.surface, columns.standard) + 1;
      if (fields.length < needed) {
        messages.add(line, msg('dictTooFewFields', needed, fields.length));
        continue;
      }
      surface = (fields[columns.surface] ?? '').trim();
      reading = columns.reading >= 0 ? (fields[columns.reading] ?? '').trim() : '';
      icdRaw = columns.icd >= 0 ? (fields[columns.icd] ?? '') : '';
      standard = columns.standard >= 0 ? (fields[columns.standard] ?? '').trim() : '';
    } else {
      if (fields.length < 3) {
        messages.add(line, msg('dictManbyoFields', fields.length));
        continue;
      }
      surface = (fields[0] ?? '').trim();
      icdRaw = fields[1] ?? '';
      standard = (fields[2] ?? '').trim();
    }
    if (surface === '') {
      messages.add(line, msg('dictEmptyTerm'));
      continue;
    }
    if (standard === '') standard = surface;
    let icd = normalizeIcd10(icdRaw);
    if (icd === undefined) {
      messages.add(line, msg('dictBadIcd10', icdRaw.trim()));
      icd = '';
    }
    const key = `${standard}\u0000${icd}`;
    let group = groups.get(key);
    if (!group) {
      const entry: TermEntry = {
        id: `manbyo:${standard}${icd ? `:${icd}` : ''}`,
        ja: standard,
        reading: '',
        en: '',
        synonyms: [],
        abbreviations: [],
        kind: icd.startsWith('R') ? 'symptom' : 'disease',
        definitionJa: '',
        definitionEn: '',
        source: src,
      };
      if (icd) entry.icd10 = icd;
      group = { entry, surfaces: new Set([standard]) };
      groups.set(key, group);
      entries.push(entry);
    }
    if (surface === standard) {
      if (reading && !group.entry.reading) group.entry.reading = reading;
    } else if (!group.surfaces.has(surface)) {
      group.surfaces.add(surface);
      group.entry.synonyms.push(surface);
    }
  }
  return { entries, skipped: messages.done(), source: src };
}

// ---------------------------------------------------------------------------------------------
// Plain tables with a header

const TABLE_COLUMNS: Record<string, string> = {
  id: 'id',
  term: 'term',
  en: 'en', english: 'en', name_en: 'en',
  ja: 'ja', japanese: 'ja', jp: 'ja', name_ja: 'ja',
  reading: 'reading', yomi: 'reading', kana: 'reading', よみ: 'reading', 読み: 'reading',
  icd10: 'icd10', icd: 'icd10', 'icd-10': 'icd10', icd_10: 'icd10',
  mesh: 'mesh', meshui: 'mesh', mesh_id: 'mesh', mesh_ui: 'mesh',
  definition: 'definition', def: 'definition', description: 'definition',
  definitionja: 'definitionJa', definition_ja: 'definitionJa',
  definitionen: 'definitionEn', definition_en: 'definitionEn',
  synonyms: 'synonyms', synonym: 'synonyms',
  abbreviations: 'abbreviations', abbreviation: 'abbreviations', abbr: 'abbreviations',
  kind: 'kind', type: 'kind', category: 'kind',
};

/**
 * Parses a table with a header naming some of: term, en, ja, reading, icd10, mesh, definition,
 * synonyms (separated by `|` or `;`), plus optionally abbreviations, kind, definitionJa,
 * definitionEn, id. Leading `# name: …`, `# version: …`, `# licence: …` lines set the source.
 */
export function parseTermTable(text: string, file: string, delimiter?: string): LoadResult {
  const messages = new Messages(file);
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const { meta, lines: preambleLines, rest } = readPreamble(body);
  const src: TermSource = { name: meta.name ?? basename(file), file };
  const version = meta.version ?? versionFromName(file);
  if (version) src.version = version;
  const licence = meta.licence ?? meta.license;
  if (licence) src.licence = licence;

  const headerLine = rest.split('\n', 1)[0] ?? '';
  const delim = delimiter ?? (extname(file).toLowerCase() === '.tsv' || headerLine.includes('\t') ? '\t' : ',');
  const { records, problems } = parseDelimited(rest, delim, preambleLines + 1);
  for (const p of problems) messages.add(p.line, p.reason);
  const header = records[0];
  if (!header) {
    messages.add(0, msg('dictNoHeader'));
    return { entries: [], skipped: messages.done(), source: src };
  }
  const columnOf = new Map<string, number>();
  header.fields.forEach((name, i) => {
    const key = TABLE_COLUMNS[name.normalize('NFKC').trim().toLowerCase()];
    if (key && !columnOf.has(key)) columnOf.set(key, i);
  });
  if (!columnOf.has('term') && !columnOf.has('ja') && !columnOf.has('en')) {
    messages.add(header.line, msg('dictHeaderNoTermColumn', header.fields.join(', ')));
    return { entries: [], skipped: messages.done(), source: src };
  }
  const get = (fields: string[], key: string): string => {
    const i = columnOf.get(key);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };

  const entries: TermEntry[] = [];
  const ids = new Set<string>();
  for (const { fields, line } of records.slice(1)) {
    if (fields.length > header.fields.length) {
      messages.add(line, msg('dictTooManyFields', header.fields.length, fields.length));
      continue;
    }
    const term = get(fields, 'term');
    let ja = get(fields, 'ja');
    let en = get(fields, 'en');
    if (!term && !ja && !en) {
      messages.add(line, msg('dictNoTerm'));
      continue;
    }
    const synonyms = splitList(get(fields, 'synonyms'));
    if (term) {
      if (hasJapanese(term)) {
        if (!ja) ja = term;
        else if (term !== ja) synonyms.unshift(term);
      } else if (!en) en = term;
      else if (term !== en) synonyms.unshift(term);
    }
    let kind: TermKind = 'other';
    const kindText = get(fields, 'kind').toLowerCase();
    const icdRaw = get(fields, 'icd10');
    let icd10: string | undefined;
    if (icdRaw) {
      icd10 = normalizeIcd10(icdRaw);
      if (icd10 === undefined) messages.add(line, msg('dictBadIcd10', icdRaw));
    }
    if (kindText) {
      if ((TERM_KINDS as readonly string[]).includes(kindText)) kind = kindText as TermKind;
      else messages.add(line, msg('dictUnknownKind', kindText, TERM_KINDS.join(', ')));
    } else if (icd10) {
      kind = icd10.startsWith('R') ? 'symptom' : 'disease';
    }
    const mesh = get(fields, 'mesh');
    if (mesh && !/^[CD]\d{6,9}$/.test(mesh)) {
      messages.add(line, msg('dictBadMesh', mesh));
    }
    const definition = get(fields, 'definition');
    let definitionJa = get(fields, 'definitionJa');
    let definitionEn = get(fields, 'definitionEn');
    if (definition) {
      if (hasJapanese(definition)) definitionJa ||= definition;
      else definitionEn ||= definition;
    }
    let id = get(fields, 'id') || `${src.name}:${ja || en}`;
    if (ids.has(id)) id = `${id}#${line}`;
    ids.add(id);
    const entry: TermEntry = {
      id,
      ja,
      reading: get(fields, 'reading'),
      en,
      synonyms: synonyms.filter((s) => s !== ja && s !== en),
      abbreviations: splitList(get(fields, 'abbreviations')),
      kind,
      definitionJa,
      definitionEn,
      source: src,
    };
    if (icd10) entry.icd10 = icd10;
    if (mesh && /^[CD]\d{6,9}$/.test(mesh)) entry.mesh = mesh;
    entries.push(entry);
  }
  return { entries, skipped: messages.done(), source: src };
}

// ---------------------------------------------------------------------------------------------
// MeSH descriptor XML (desc20xx.xml), streamed

interface MeshRecord {
  line: number;
  ui: string;
  name: string;
  scope: string;
  trees: string[];
  terms: string[];
  abbreviations: string[];
}

/** MeSH lexical tags of terms that are abbreviations or acronyms themselves. */
const MESH_ABBREVIATION_TAGS = new Set(['ABB', 'ACR']);

function meshKind(trees: string[]): TermKind {
  const has = (prefix: string): boolean => trees.some((t) => t.startsWith(prefix));
  if (has('C23.888')) return 'symptom'; // Signs and Symptoms
  if (has('C')) return 'disease';
  if (has('E')) return 'procedure';
  if (has('D')) return 'drug';
  if (has('A')) return 'anatomy';
  return 'other';
}

/**
 * Parses MeSH descriptor XML from a stream of text chunks (so the 300 MB file never sits in memory).
 * Uses the DescriptorUI, DescriptorName, the preferred concept's ScopeNote, every concept's terms
 * (permuted variants skipped; ABB/ACR terms become abbreviations) and the tree numbers (for `kind`).
 */
export async function parseMeshXml(
  chunks: AsyncIterable<string> | Iterable<string>,
  file: string,
  year?: string,
): Promise<LoadResult> {
  const messages = new Messages(file);
  const entries: TermEntry[] = [];
  const source: TermSource = { name: 'NLM MeSH', file };
  let detectedYear = year ?? /desc(\d{4})/i.exec(basename(file))?.[1];

  const parser = new SaxesParser({ position: true });
  const stack: string[] = [];
  let text = '';
  let capturing = false;
  let record: MeshRecord | undefined;
  let conceptPreferred = false;
  let termTag = '';
  let termPermuted = false;
  let sawRoot = false;
  let xmlErrors = 0;

  const parentIs = (name: string, up = 1): boolean => stack[stack.length - 1 - up] === name;
  const inRecordAt = (depthFromRecord: number): boolean =>
    record !== undefined && stack[stack.length - 1 - depthFromRecord] === 'DescriptorRecord';

  parser.on('doctype', (doctype) => {
    const m = /(?:desc|_)((?:19|20)\d{2})/.exec(doctype);
    if (!detectedYear && m) detectedYear = m[1];
  });
  parser.on('opentag', (tag) => {
    const name = tag.name;
    stack.push(name);
    if (name === 'DescriptorRecordSet') sawRoot = true;
    if (name === 'DescriptorRecord' && stack.length <= 2) {
      record = { line: parser.line, ui: '', name: '', scope: '', trees: [], terms: [], abbreviations: [] };
      return;
    }
    if (!record) return;
    if (name === 'Concept' && parentIs('ConceptList')) {
      conceptPreferred = tag.attributes['PreferredConceptYN'] === 'Y';
    } else if (name === 'Term' && parentIs('TermList')) {
      termTag = String(tag.attributes['LexicalTag'] ?? '');
      termPermuted = tag.attributes['IsPermutedTermYN'] === 'Y';
    }
    capturing =
      (name === 'DescriptorUI' && inRecordAt(1)) ||
      (name === 'String' && parentIs('DescriptorName') && inRecordAt(2)) ||
      (name === 'ScopeNote' && ((parentIs('Concept') && conceptPreferred) || inRecordAt(1))) ||
      (name === 'String' && parentIs('Term') && parentIs('TermList', 2) && parentIs('Concept', 3)) ||
      (name === 'TreeNumber' && parentIs('TreeNumberList') && inRecordAt(2));
    if (capturing) text = '';
  });
  parser.on('text', (t) => {
    if (capturing) text += t;
  });
  parser.on('cdata', (t) => {
    if (capturing) text += t;
  });
  parser.on('closetag', (tag) => {
    const name = tag.name;
    if (record && capturing) {
      const value = text.replace(/\s+/g, ' ').trim();
      if (name === 'DescriptorUI') record.ui = value;
      else if (name === 'String' && parentIs('DescriptorName')) record.name = value;
      else if (name === 'ScopeNote') record.scope = value;
      else if (name === 'TreeNumber') record.trees.push(value);
      else if (name === 'String' && value && !termPermuted) {
        if (MESH_ABBREVIATION_TAGS.has(termTag)) record.abbreviations.push(value);
        else record.terms.push(value);
      }
      capturing = false;
    }
    stack.pop();
    if (name === 'DescriptorRecord' && record && stack.length <= 1) {
      const r = record;
      record = undefined;
      if (!/^D\d{6,9}$/.test(r.ui) || !r.name) {
        messages.add(r.line, msg('dictMeshRecordInvalid', r.ui));
        return;
      }
      const synonyms = [...new Set(r.terms)].filter((t) => t !== r.name);
      entries.push({
        id: `mesh:${r.ui}`,
        ja: '',
        reading: '',
        en: r.name,
        synonyms,
        abbreviations: [...new Set(r.abbreviations)],
        mesh: r.ui,
        kind: meshKind(r.trees),
        definitionJa: '',
        definitionEn: r.scope,
        source,
      });
    }
  });
  parser.on('error', (err) => {
    xmlErrors++;
    messages.add(parser.line, msg('dictXmlError', err.message.replace(/^[^:]*:\d+:\d+: /, '')));
  });

  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      if (xmlErrors > 1000) {
        messages.add(parser.line, msg('dictTooManyXmlErrors'));
        break;
      }
    }
    parser.close();
  } catch (err) {
    messages.add(parser.line, cannotRead(err));
  }
  if (!sawRoot) messages.add(0, msg('dictNotMesh'));
  if (detectedYear) {
    source.version = detectedYear;
    source.name = `NLM MeSH ${detectedYear}`;
  }
  source.licence = `${source.name}: courtesy of the U.S. National Library of Medicine`;
  return { entries, skipped: messages.done(), source };
}

/** Text chunks of a file, decoded as UTF-8 or UTF-16 (by byte-order mark). */
async function* fileChunks(file: string): AsyncGenerator<string> {
  const head = Buffer.alloc(4);
  const fh = await open(file, 'r');
  let headLength: number;
  try {
    headLength = (await fh.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  let label = 'utf-8';
  if (headLength >= 2 && head[0] === 0xff && head[1] === 0xfe) label = 'utf-16le';
  else if (headLength >= 2 && head[0] === 0xfe && head[1] === 0xff) label = 'utf-16be';
  const decoder = new TextDecoder(label); // strips the BOM
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    yield decoder.decode(chunk as Buffer, { stream: true });
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

export async function loadMeshXmlFile(file: string): Promise<LoadResult> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (err) {
    return {
      entries: [],
      skipped: [{ file, line: 0, reason: cannotRead(err) }],
      source: { name: 'NLM MeSH', file },
    };
  }
  return parseMeshXml(fileChunks(file), file);
}

// ---------------------------------------------------------------------------------------------
// Any dictionary file

export type DictionaryFormat = 'manbyo' | 'mesh' | 'table';

/** Guesses the format of decoded text: MANBYO header, MANBYO derived rows, or a table with a header. */
export function sniffFormat(text: string): DictionaryFormat | undefined {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (/^\s*(<\?xml|<!DOCTYPE DescriptorRecordSet|<DescriptorRecordSet)/.test(body)) return 'mesh';
  const { rest } = readPreamble(body);
  const first = (rest.split('\n', 1)[0] ?? '').replace(/\r$/, '');
  const cells = first.split(first.includes('\t') ? '\t' : ',').map((c) => c.replace(/^"|"$/g, '').trim());
  if (cells.some((c) => c.normalize('NFKC') === MANBYO_HEADER_SURFACE)) return 'manbyo';
  if (cells.some((c) => TABLE_COLUMNS[c.toLowerCase()] !== undefined)) return 'table';
  if (cells.length >= 3 && normalizeIcd10(cells[1] ?? '') !== undefined && hasJapanese(cells[0] ?? '')) return 'manbyo';
  return undefined;
}

/**
 * Loads any supported dictionary file: `.xml` is read as MeSH (streamed); other files are decoded
 * (encoding detected) and recognised by their header. Never throws.
 */
export async function loadDictionaryFile(file: string): Promise<LoadResult> {
  if (extname(file).toLowerCase() === '.xml') return loadMeshXmlFile(file);
  const read = await readText(file);
  if (!read.ok) return { entries: [], skipped: read.skipped, source: { name: basename(file), file } };
  const format = sniffFormat(read.text);
  if (format === 'manbyo') return parseManbyo(read.text, file);
  if (format === 'table') return parseTermTable(read.text, file);
  if (format === 'mesh') return parseMeshXml([read.text], file);
  return {
    entries: [],
    skipped: [
      {
        file,
        line: 1,
        reason: msg('dictUnknownFormat'),
      },
    ],
    source: { name: basename(file), file },
  };
}
