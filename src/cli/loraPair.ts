// LoRA adapters on the command line (--lora FILE[:SCALE], repeatable) and the base-vs-adapter
// experiment in one command (--compare-base): the same questions on the model alone and with the
// adapters, into OUT/base and OUT/lora (each an ordinary run folder, resumable on its own), then the
// comparison of the two (flips, McNemar's exact test, per category) in OUT/comparison.json.
//
// The adapter half runs first, each half in its own engine (loaded, run, disposed): loading the base
// model and then the base model with an adapter in one engine can hang in node-llama-cpp (under
// investigation), and separate engines in this order avoid that path.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunEngineFactory } from '../engine/factory';
import { compareRuns, type RunComparison } from '../eval/metrics';
import type { RunPlan, RunRecipe } from '../eval/plan';
import type { AnswerRecord } from '../eval/records';
import { readManifest, readRun, writeJsonAtomic } from '../eval/runFiles';
import type { BenchmarkResult } from '../eval/runner';
import type { LoraAdapterSetting } from '../shared/settings';
import { EXIT, UsageError, type Io } from './cliShared';
import { format, msg } from '../shared/messages/index';
import { comparisonTable, summaryTable } from './report';

/** The comparison table's title and column labels (the CLI's tables stay English, like report.ts). */
const TABLE = {
  pairHeader: (dir: string) => `Base model vs base + adapters (${dir}):\n`,
  byCategory: '  by category        n   base  adapter  right->wrong  wrong->right  McNemar p',
} as const;

export type { Io };

/** What a resumed run recorded: its recipe (from any MedLocal: CLI or panel), the model and the adapters it used. */
export interface StoredRunFacts {
  recipe?: RunRecipe;
  modelPath?: string;
  loraAdapters?: string[];
}

/** One run folder to fill: new or resumed, with these adapters. */
export interface RunHalf {
  runDir: string;
  resume: boolean;
  loraAdapters: LoraAdapterSetting[];
}

export interface RunContext {
  plan: RunPlan;
  recipe: RunRecipe;
  modelPath: string;
  parallel: number;
  /** CPU threads for the local engine (--threads); the engine's own choice when absent. */
  threads?: number;
  factory: RunEngineFactory;
  remote?: { baseUrl: string; model?: string; apiKey?: string };
  deps: { isTTY?: boolean; signal?: AbortSignal };
  io: Io;
  json: boolean;
}

const SCALE_SUFFIX = /^(.+):([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i;

/** --lora FILE[:SCALE] flags → adapter settings (scale 1 by default); each file must exist. */
export function parseLoraFlags(flags: readonly string[] | undefined): LoraAdapterSetting[] {
  return (flags ?? []).map((flag) => {
    const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();
    const match = isFile(flag) ? undefined : SCALE_SUFFIX.exec(flag);
    const path = match?.[1] ?? flag;
    const scale = match?.[2] !== undefined ? Number(match[2]) : 1;
    if (!Number.isFinite(scale)) throw new UsageError(msg('cliLoraScale', flag));
    if (!isFile(path)) throw new UsageError(msg('cliLoraMissing', path));
    return { path: resolve(path), scale };
  });
}

/** A resumed run goes on with the adapters it was started with, named again on the command line. */
export function checkSameAdapters(stored: readonly string[] | undefined, given: readonly LoraAdapterSetting[], resumeDir: string | undefined): void {
  if (resumeDir === undefined || stored === undefined) return;
  const same = stored.length === given.length && stored.every((path, index) => resolve(path) === given[index]?.path);
  if (!same) throw new UsageError(msg('cliOtherAdapters', resumeDir, stored.length === 0 ? msg('cliNoAdapters') : stored.join(', ')));
}

/** The half of a pair folder whose manifest tells how the pair was started. */
export function pairStoredDir(pairDir: string): string {
  for (const half of ['lora', 'base']) if (readManifest(join(pairDir, half))) return join(pairDir, half);
  throw new UsageError(msg('cliNotAPair', pairDir, pairDir));
}

export interface CategoryComparison {
  common: number;
  accuracyBase: number;
  accuracyLora: number;
  rightToWrong: number;
  wrongToRight: number;
  mcnemarP: number;
}

/** compareRuns within each category (questions without one under "(none)"). */
export function compareByCategory(base: readonly AnswerRecord[], lora: readonly AnswerRecord[]): Record<string, CategoryComparison> {
  const names = [...new Set(base.map((record) => record.category ?? '(none)'))].sort();
  const inCategory = (records: readonly AnswerRecord[], name: string) => records.filter((record) => (record.category ?? '(none)') === name);
  return Object.fromEntries(
    names.map((name) => {
      const c: RunComparison = compareRuns(inCategory(base, name), inCategory(lora, name));
      return [name, { common: c.common, accuracyBase: c.accuracyA, accuracyLora: c.accuracyB, rightToWrong: c.rightToWrong.length, wrongToRight: c.wrongToRight.length, mcnemarP: c.mcnemarP }];
    }),
  );
}

export const COMPARISON_FILE = 'comparison.json';

/** Runs (or resumes) both halves, then writes and prints their comparison. */
export async function runLoraPair(pairDir: string, lora: LoraAdapterSetting[], context: RunContext, execute: (half: RunHalf) => Promise<BenchmarkResult | number>): Promise<number> {
  const { io } = context;
  mkdirSync(pairDir, { recursive: true });
  const answers: Record<'lora' | 'base', AnswerRecord[]> = { lora: [], base: [] };
  const halves: Array<['lora' | 'base', LoraAdapterSetting[]]> = [['lora', lora], ['base', []]];
  for (const [name, adapters] of halves) {
    const runDir = join(pairDir, name);
    const manifest = readManifest(runDir);
    if (manifest) checkSameAdapters(storedAdapterPaths(manifest.model), adapters, pairDir);
    if (manifest?.status === 'completed') {
      answers[name] = readRun(runDir).answers;
      continue;
    }
    const outcome = await execute({ runDir, resume: manifest !== undefined, loraAdapters: adapters });
    if (typeof outcome === 'number') return outcome;
    if (outcome.status !== 'completed') {
      io.err(`${format(io.locale, msg('cliPairCancelled', `medlocal bench --resume ${pairDir} --compare-base --model ${context.modelPath} --lora …`))}\n`);
      return EXIT.cancelled;
    }
    if (!context.json && outcome.summary) io.out(summaryTable(outcome.summary, outcome.runDir, `${outcome.status} (${name})`));
    answers[name] = outcome.answers;
  }
  const comparison = compareRuns(answers.base, answers.lora);
  const byCategory = compareByCategory(answers.base, answers.lora);
  const loraManifest = readManifest(join(pairDir, 'lora'));
  const adapters = (loraManifest?.model as { loraAdapters?: unknown } | undefined)?.loraAdapters ?? lora;
  const written = { base: join(pairDir, 'base'), lora: join(pairDir, 'lora'), adapters, ...comparison, byCategory };
  writeJsonAtomic(join(pairDir, COMPARISON_FILE), written);
  if (context.json) io.out(JSON.stringify({ status: 'completed', pairDir, ...written }) + '\n');
  else io.out(TABLE.pairHeader(pairDir) + comparisonTable(comparison, written.base, written.lora) + categoryTable(byCategory));
  return EXIT.ok;
}

function storedAdapterPaths(model: unknown): string[] {
  const adapters = (model as { loraAdapters?: unknown } | undefined)?.loraAdapters;
  return Array.isArray(adapters) ? adapters.map((adapter) => String((adapter as { path?: unknown }).path)) : [];
}

function categoryTable(byCategory: Record<string, CategoryComparison>): string {
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const rows = Object.entries(byCategory).map(
    ([name, c]) => `    ${name.padEnd(16)} ${String(c.common).padStart(4)}  ${percent(c.accuracyBase).padStart(6)}  ${percent(c.accuracyLora).padStart(6)}  ${String(c.rightToWrong).padStart(12)}  ${String(c.wrongToRight).padStart(12)}  ${c.mcnemarP.toFixed(3)}`,
  );
  return [TABLE.byCategory, ...rows].join('\n') + '\n';
}
