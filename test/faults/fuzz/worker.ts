// Runs one fuzz campaign in its own process, so a hanging loader can be killed by the parent
// (test/faults/loaderFuzz.test.ts) without hanging the suite.
//
//   node --import tsx test/faults/fuzz/worker.ts LOADER SEED FROM COUNT WORKDIR
//
// Before each input it prints `S\t<index>\t<kind>`, after it `D\t<json FuzzOutcome>`.
import { rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadDataset, type DatasetSpec } from '../../../src/eval/datasets';
import { loadDictionaryFile } from '../../../src/terms/loaders';
import { fuzzInput, type FuzzInput, type FuzzLoader } from './generators';
import { format } from '../../../src/shared/messages/index';
import { UserError } from '../../../src/shared/userError';

export interface Violation {
  category: 'escape' | 'unnamedFile' | 'noLine' | 'badQuestion' | 'badResult';
  detail: string;
}

export interface FuzzOutcome {
  index: number;
  kind: string;
  bytes: number;
  ms: number;
  /** `Name: message` of a thrown error (datasets may throw a clean Error for a file-level problem). */
  threw?: string;
  loaded: number;
  problems: number;
  violations: Violation[];
}

/** Reasons a dictionary may report at line 0: about the whole file, not one line. */
const FILE_LEVEL = /cannot read|encoding|no header|more problems not listed|not a MeSH|unrecognised dictionary format|header names none/;

function maxLine(input: FuzzInput, file: string): number | undefined {
  return input.files.find((f) => f.path === file)?.lines;
}

async function runDictionary(input: FuzzInput, outcome: FuzzOutcome): Promise<void> {
  let result: Awaited<ReturnType<typeof loadDictionaryFile>>;
  try {
    result = await loadDictionaryFile(input.path);
  } catch (error) {
    // Documented: "Never throws."
    outcome.threw = `${(error as Error)?.name}: ${(error as Error)?.message}`;
    outcome.violations.push({ category: 'escape', detail: `loadDictionaryFile threw ${outcome.threw}` });
    return;
  }
  if (!Array.isArray(result.entries) || !Array.isArray(result.skipped)) {
    outcome.violations.push({ category: 'badResult', detail: 'no entries/skipped arrays' });
    return;
  }
  outcome.loaded = result.entries.length;
  outcome.problems = result.skipped.length;
  const lines = maxLine(input, input.path) ?? Infinity;
  for (const skipped of result.skipped) {
    const reason = format('en', skipped.reason);
    if (skipped.file !== input.path) outcome.violations.push({ category: 'unnamedFile', detail: `message names ${JSON.stringify(skipped.file)}: ${reason}` });
    const lineOk = Number.isInteger(skipped.line) && skipped.line >= 0 && skipped.line <= lines && (skipped.line > 0 || FILE_LEVEL.test(reason));
    if (!lineOk) outcome.violations.push({ category: 'noLine', detail: `line ${skipped.line} (file has ${lines}): ${reason.slice(0, 160)}` });
  }
  for (const entry of result.entries) {
    if (typeof entry.id !== 'string' || (entry.ja === '' && entry.en === '')) outcome.violations.push({ category: 'badResult', detail: `entry without a name: ${JSON.stringify(entry).slice(0, 160)}` });
  }
}

function runDataset(loader: Exclude<FuzzLoader, 'dictionary'>, input: FuzzInput, outcome: FuzzOutcome): void {
  const spec: DatasetSpec = { kind: loader, path: input.path, ...(input.language ? { language: input.language } : {}) };
  let result: ReturnType<typeof loadDataset>;
  try {
    result = loadDataset(spec);
  } catch (error) {
    const e = error as Error;
    outcome.threw = `${e?.name}: ${e?.message}`;
    // The loaders' contract for a file-level problem: a UserError (the one error type a user acts
    // on; not a subclass such as RecordError) whose message names the file.
    if (!(e instanceof Error) || Object.getPrototypeOf(e) !== UserError.prototype) {
      outcome.violations.push({ category: 'escape', detail: `${e?.constructor?.name ?? typeof e} escaped: ${outcome.threw.slice(0, 200)}` });
    } else {
      const names = [input.path, basename(input.path), dirname(input.path), ...input.files.map((f) => basename(f.path))];
      if (!names.some((name) => e.message.includes(name))) outcome.violations.push({ category: 'unnamedFile', detail: `thrown message names no file: ${e.message.slice(0, 200)}` });
    }
    return;
  }
  outcome.loaded = result.questions.length;
  outcome.problems = result.issues.length;
  for (const issue of result.issues) {
    const lines = maxLine(input, issue.file);
    if (lines === undefined) outcome.violations.push({ category: 'unnamedFile', detail: `issue names ${JSON.stringify(issue.file)}: ${format('en', issue.reason).slice(0, 160)}` });
    if (!Number.isInteger(issue.line) || issue.line < 1 || issue.line > (lines ?? Infinity)) {
      outcome.violations.push({ category: 'noLine', detail: `${basename(issue.file)}:${issue.line} (file has ${lines} lines): ${format('en', issue.reason).slice(0, 160)}` });
    }
  }
  for (const q of result.questions) {
    const ok =
      typeof q.id === 'string' && q.id !== '' && typeof q.stem === 'string' && q.stem.trim() !== '' && Array.isArray(q.choices) && q.choices.length >= 2 &&
      q.choices.every((c) => typeof c === 'string') && q.answers.length > 0 && q.answers.every((a) => Number.isInteger(a) && a >= 0 && a < q.choices.length) &&
      Number.isFinite(q.points);
    if (!ok) outcome.violations.push({ category: 'badQuestion', detail: JSON.stringify(q).slice(0, 200) });
  }
}

async function main(): Promise<void> {
  const [loader, seedText, fromText, countText, workDir] = process.argv.slice(2);
  if (!loader || !seedText || !fromText || !countText || !workDir) throw new Error('usage: worker.ts LOADER SEED FROM COUNT WORKDIR');
  const seed = Number(seedText);
  const from = Number(fromText);
  const count = Number(countText);
  for (let index = from; index < count; index++) {
    const input = fuzzInput(loader as FuzzLoader, seed, index, workDir);
    const bytes = input.files.reduce((sum, f) => sum + statSync(f.path).size, 0);
    process.stdout.write(`S\t${index}\t${input.kind}\n`);
    const outcome: FuzzOutcome = { index, kind: input.kind, bytes, ms: 0, loaded: 0, problems: 0, violations: [] };
    const t0 = performance.now();
    if (loader === 'dictionary') await runDictionary(input, outcome);
    else runDataset(loader as Exclude<FuzzLoader, 'dictionary'>, input, outcome);
    outcome.ms = performance.now() - t0;
    outcome.violations = outcome.violations.slice(0, 5);
    if (outcome.threw !== undefined) outcome.threw = outcome.threw.slice(0, 300);
    process.stdout.write(`D\t${JSON.stringify(outcome)}\n`);
    for (const f of input.files) rmSync(f.path, { force: true });
  }
}

// No process.exit(): stdout to a pipe may still hold unwritten lines.
main().catch((error: unknown) => {
  process.stderr.write(`fuzz worker failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 3;
});
