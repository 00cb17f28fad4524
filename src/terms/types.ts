// Plain data shared by the term dictionary, the matcher and the loaders.
// Nothing here depends on VS Code or the LSP: the hover feature maps these onto its own types.
import { format, type Locale, type Message } from '../shared/messages/index';

export type TermKind = 'disease' | 'symptom' | 'lab' | 'drug' | 'procedure' | 'anatomy' | 'other';

export const TERM_KINDS: readonly TermKind[] = ['disease', 'symptom', 'lab', 'drug', 'procedure', 'anatomy', 'other'];

/** Where a dictionary came from; shown next to every hover that uses one of its entries. */
export interface TermSource {
  /** Short display name, e.g. "MANBYO", "NLM MeSH 2024", "MedLocal built-in". */
  name: string;
  /** Absolute or relative path the entries were read from (absent for the built-in set). */
  file?: string;
  version?: string;
  /** Licence / attribution line to display, e.g. "CC BY 4.0 (MANBYO, NAIST social computing lab)". */
  licence?: string;
}

/** One concept. Strings a loader does not have (e.g. English in MANBYO) are empty, never undefined. */
export interface TermEntry {
  /** Unique within its source, e.g. "disease.acute-myocardial-infarction", "mesh:D009203". */
  id: string;
  /** Japanese name as written in the source (may be empty for English-only sources). */
  ja: string;
  /** Reading of `ja` in katakana or hiragana (may be empty). */
  reading: string;
  /** English name (may be empty for Japanese-only sources). */
  en: string;
  synonyms: string[];
  abbreviations: string[];
  /** ICD-10 code with a dot, e.g. "I21.9". */
  icd10?: string;
  /** MeSH descriptor UI, e.g. "D009203". */
  mesh?: string;
  kind: TermKind;
  definitionJa: string;
  definitionEn: string;
  /** Attribution: the same object for every entry of one dictionary. */
  source: TermSource;
}

/** An entry as stored in the built-in JSON files (the loader adds `source`). */
export type TermEntryData = Omit<TermEntry, 'source'>;

/** A line or file a loader could not use; `line` is 1-based, 0 when the message is about the whole file. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: Message;
}

export interface LoadResult {
  entries: TermEntry[];
  skipped: SkippedLine[];
  source: TermSource;
}

/** One hit of `Matcher.lookup`: offsets are UTF-16 offsets into the text passed in, end-exclusive. */
export interface TermMatch {
  start: number;
  end: number;
  /** `text.slice(start, end)`: the term as written. */
  surface: string;
  /** Every entry with this surface form (several when the surface is ambiguous), best first. */
  entries: TermEntry[];
}

/** Formats a skipped line the way the issue asks, `file:line: reason`, in `locale` (logs: English). */
export function formatSkipped(s: SkippedLine, locale: Locale = 'en'): string {
  const reason = format(locale, s.reason);
  return s.line > 0 ? `${s.file}:${s.line}: ${reason}` : `${s.file}: ${reason}`;
}
