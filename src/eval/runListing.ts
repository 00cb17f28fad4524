// The run folders under a results folder, as the panel's history lists them: status, model,
// dataset, accuracy. Each folder's files are opened so that a FIFO or a device cannot block
// (runFileAccess): a hostile folder is listed as damaged with the reason.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { wilsonInterval } from './metrics';
import { recipeFromManifest } from './plan';
import type { RunListing, RunManifest } from './records';
import { readRunAsync } from './runFiles';
import { format, msg, type Locale } from '../shared/messages/index';
import { describeError } from '../shared/userError';

/**
 * The run folders under resultsDir. Asynchronous, and each folder's files are opened so that a FIFO
 * or a device cannot block (runFileAccess): a hostile folder is listed as damaged with the reason,
 * and hovers go on being answered meanwhile.
 */
export async function listRuns(resultsDir: string, running: ReadonlySet<string> = new Set(), locale: Locale = 'en'): Promise<RunListing[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(resultsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  // The folder's entry types come with the listing; only a link (or a file system that does not
  // say) costs a stat. Runs are then read a few at a time rather than one after another.
  const folders: string[] = [];
  await eachLimited(entries, LISTING_CONCURRENCY, async (entry) => {
    const runDir = join(resultsDir, entry.name);
    if (entry.isDirectory()) folders.push(runDir);
    else if (entry.isSymbolicLink() || isUnknown(entry)) {
      try {
        if ((await stat(runDir)).isDirectory()) folders.push(runDir);
      } catch {
        // gone, or a dangling link: not a run
      }
    }
  });
  const listings: RunListing[] = [];
  await eachLimited(folders, LISTING_CONCURRENCY, async (runDir) => {
    listings.push(await describeRun(runDir, running.has(runDir), locale));
  });
  return listings.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.runDir.localeCompare(b.runDir));
}

/** Runs read at once while listing: enough to overlap the opens, few enough not to flood the pool. */
const LISTING_CONCURRENCY = 4;

function isUnknown(entry: Dirent): boolean {
  return !entry.isFile() && !entry.isDirectory() && !entry.isSymbolicLink() && !entry.isFIFO() && !entry.isSocket() && !entry.isCharacterDevice() && !entry.isBlockDevice();
}

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The listing's status of a manifest status: an interrupted run (disk full) is resumable like a failed one. */
function listingStatus(status: RunManifest['status']): RunListing['status'] {
  if (status === 'running') return 'cancelled';
  if (status === 'interrupted') return 'failed';
  return status;
}

async function describeRun(runDir: string, running: boolean, locale: Locale): Promise<RunListing> {
  try {
    const run = await readRunAsync(runDir);
    const manifest = run.manifest;
    if (!manifest) return { runDir, status: 'damaged', problem: format(locale, msg('runManifestMissing')), answered: run.answers.length };
    const recipe = recipeFromManifest(manifest);
    const model = manifest.model as { name?: string; path?: string } | undefined;
    let correct = 0;
    for (const answer of run.answers) if (answer.correct) correct += 1;
    return {
      runDir,
      status: running ? 'running' : listingStatus(manifest.status),
      model: model?.name ?? model?.path,
      dataset: recipe?.dataset,
      mode: manifest.scoring.mode,
      format: manifest.format.id,
      startedAt: manifest.startedAt,
      answered: run.answers.length,
      total: manifest.dataset.questions,
      accuracy: run.summary?.accuracy ?? (run.answers.length > 0 ? correct / run.answers.length : undefined),
      ci95: run.summary?.ci95 ?? wilsonInterval(correct, run.answers.length),
    };
  } catch (error) {
    return { runDir, status: 'damaged', problem: describeError(error, locale) };
  }
}
