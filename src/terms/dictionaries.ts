// The dictionaries the server matches against: the built-in set plus the user's files
// (`medlocal.dictionaries`), rebuilt into one matcher when the list changes. A file that fails to
// load is reported and skipped; the others keep working.
import { basename } from 'node:path';
import { appendAll } from '../shared/arrays';
import { msg, type Message } from '../shared/messages/index';
import { buildMatcher, loadBuiltinDictionary, loadDictionaryFile, type LoadResult, type Matcher, type SkippedLine, type TermEntry } from './index.js';

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
      let result: LoadResult;
      try {
        result = await loadDictionaryFile(file);
      } catch (error) {
        // Not silently unused: the report reaches the client, which warns with file and reason.
        reports.push(failedReport(file, msg('dictCannotLoad', reasonOf(error))));
        continue;
      }
      appendAll(entries, result.entries);
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
    try {
      this.matcherValue = buildMatcher(entries);
    } catch (error) {
      // The user's entries together cannot be indexed: the built-in ones keep working, and every
      // user file is reported as unused, with the reason.
      const reason = msg('dictCannotLoad', reasonOf(error));
      this.matcherValue = buildMatcher(loadBuiltinDictionary());
      const failed = files.map((file) => failedReport(file, reason));
      this.reports = failed;
      return failed;
    }
    this.reports = reports;
    return reports;
  }
}

function failedReport(file: string, reason: Message): DictionaryReport {
  return { file, name: basename(file), entries: 0, skipped: 1, messages: [{ file, line: 0, reason }] };
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}
