// `medlocal bench categories RUN_A RUN_B [RUN...] [--csv | --json]`: per-category accuracy of
// several runs (a local run next to imported GPT-4, ChatGPT, student-majority runs...) in one table,
// each run counted on the questions all of them answered — the panel's category chart, as text.
// Markdown by default (readable in a terminal, pastes into a report), CSV or JSON on request.
import { basename } from 'node:path';
import { categoriesToCsv, categoriesToJson, categoriesToMarkdown, categoryChartData, distinctLabels, MAX_CATEGORY_RUNS } from '../eval/report/categories';
import type { StoredRun } from '../eval/runFiles';
import { msg, type Message } from '../shared/messages/index';
import { EXIT, UsageError, type Io } from './cliShared';

export interface CategoriesOptions {
  csv: boolean;
  json: boolean;
}

export function runCategories(dirs: readonly string[], options: CategoriesOptions, io: Io, read: (dir: string) => StoredRun, warn: (message: Message) => void): number {
  if (dirs.length < 2 || dirs.length > MAX_CATEGORY_RUNS) throw new UsageError(msg('cliCategoriesNeedRuns', MAX_CATEGORY_RUNS));
  if (options.csv && options.json) throw new UsageError(msg('cliCategoriesOneFormat'));
  const runs = dirs.map((dir) => read(dir));
  // Damaged records were dropped and verdicts recomputed: said, never silently left out.
  for (const run of runs) if (run.dropped) warn(run.dropped);
  const labels = distinctLabels(dirs.map((dir) => basename(dir.replace(/[\\/]+$/, '')) || dir));
  const data = categoryChartData(runs.map((run, index) => ({ label: labels[index] ?? String(index + 1), answers: run.answers })));
  if (options.json) io.out(categoriesToJson(data, dirs));
  else if (options.csv) io.out(categoriesToCsv(data));
  else io.out(categoriesToMarkdown(data));
  return EXIT.ok;
}
