// The dictionaries the server matches against: the built-in set plus the user's files
// (`medlocal.dictionaries`), rebuilt into one matcher when the list changes. A file that fails to
// load is reported and skipped; the others keep working.
import { buildMatcher, loadBuiltinDictionary, loadDictionaryFile, type Matcher, type SkippedLine, type TermEntry } from './index.js';

export interface DictionaryReport {
  file: string;
  name: string;
  entries: number;
  skipped: number;
  /** The first problems, as `file:line: reason`. */
  messages: SkippedLine[];
  licence?: string;
}

export class DictionarySet {
  private matcherValue: Matcher;
  private files: readonly string[] = [];
  private loading: Promise<DictionaryReport[]> | undefined;
  reports: DictionaryReport[] = [];

  constructor() {
    this.matcherValue = buildMatcher(loadBuiltinDictionary());
  }

  get matcher(): Matcher {
    return this.matcherValue;
  }

  /** Loads the given files (if the list changed) and rebuilds the matcher; resolves with one report per file. */
  async configure(files: readonly string[]): Promise<DictionaryReport[]> {
    const list = files.map((f) => f.trim()).filter((f) => f.length > 0);
    if (list.length === this.files.length && list.every((f, i) => f === this.files[i])) return this.loading ?? this.reports;
    this.files = list;
    const run = this.load(list);
    this.loading = run;
    return run;
  }

  private async load(files: readonly string[]): Promise<DictionaryReport[]> {
    const entries: TermEntry[] = [...loadBuiltinDictionary()];
    const reports: DictionaryReport[] = [];
    for (const file of files) {
      const result = await loadDictionaryFile(file);
      entries.push(...result.entries);
      reports.push({
        file,
        name: result.source.name,
        entries: result.entries.length,
        skipped: result.skipped.length,
        messages: result.skipped.slice(0, 20),
        ...(result.source.licence ? { licence: result.source.licence } : {}),
      });
    }
    if (this.files !== files) return reports; // superseded by a newer configuration
    this.matcherValue = buildMatcher(entries);
    this.reports = reports;
    return reports;
  }
}
