// `medlocal` command line: headless benchmarks over the same src/eval code the extension
// uses.
//
//   medlocal bench --dataset igakuqa:DIR|medqa:FILE|medmcqa:FILE|jmedbench:FILE|jsonl:FILE|csv:FILE|sample
//                  [--model PATH.gguf] [--format ID | --template FILE] [--scoring letter|likelihood|generate]
//                  [--backend local|openai --base-url URL]
//                  [--language ja|en] [--limit N] [--parallel N] [--out DIR] [--resume DIR]
//                  [--dry-run] [--json] [--lang ja|en]
//   medlocal bench compare RUN_A RUN_B [--json]
//
// Exit codes: 0 done, 1 the run failed, 2 bad usage or input, 130 cancelled (Ctrl-C; resumable).
// The engine comes from a factory (dependency injection), so tests run the CLI with a fake one.
// Messages are in --lang, else the environment's language (LC_ALL, LC_MESSAGES, LANG: ja* → ja),
// else English; run files stay in English.

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, parseDatasetArgument, type DatasetSpec } from '../eval/datasets';
import { getPromptFormat, loadTemplateFormat, PROMPT_FORMAT_IDS, type PromptFormat } from '../eval/formats';
import { compareRuns } from '../eval/metrics';
import { datasetFactsIn, summariseDataset, type Language } from '../eval/question';
import { readManifest, readRun } from '../eval/runFiles';
import { runBenchmark, type BenchmarkResult } from '../eval/runner';
import { SCORING_MODES, type ScoringMode } from '../eval/scoring';
import { comparisonTable, datasetTable, progressLine, summaryTable } from './report';
import { format, msg, toLocale, type Locale, type Message } from '../shared/messages/index';
import { describeError, describeNext, errorMessage, UserError } from '../shared/userError';

import type { RunEngineFactory as CliEngineFactory } from '../engine/factory';
export type { RunEngineFactory as CliEngineFactory, RunEngineHandle as CliEngineHandle } from '../engine/factory';

export interface CliDeps {
  /** Defaults to createRunEngine from src/engine/factory, loaded only when a model is needed. */
  createEngine?: CliEngineFactory;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Draw the progress bar in place (\r); otherwise one line per 10%. */
  isTTY?: boolean;
  /** Cancels the run; defaults to Ctrl-C (SIGINT). */
  signal?: AbortSignal;
  now?: () => Date;
  /** The environment the language is read from (LC_ALL, LC_MESSAGES, LANG); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

/** Bad usage or input: exit 2, with the usage text. */
class UsageError extends UserError {
  constructor(text: Message, next?: Message) {
    super(text, next);
    this.name = 'UsageError';
  }
}

/** The user's input was refused (a dataset, a template, a run folder): exit 2 with its message and next step. */
const asUsage = (error: unknown): UsageError => new UsageError(errorMessage(error), error instanceof UserError ? error.next : undefined);

/** --lang wins; else the first of LC_ALL, LC_MESSAGES, LANG that is set (POSIX order); ja* → ja, else en. */
export function cliLocale(argv: readonly string[], env: NodeJS.ProcessEnv): Locale {
  const index = argv.findIndex((arg) => arg === '--lang' || arg.startsWith('--lang='));
  if (index !== -1) {
    const arg = argv[index] ?? '';
    return toLocale(arg.includes('=') ? arg.slice('--lang='.length) : argv[index + 1]);
  }
  return toLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

const USAGE = `usage:
  medlocal bench --dataset igakuqa:DIR|medqa:FILE|medmcqa:FILE|jmedbench:FILE|jsonl:FILE|csv:FILE|sample
                 [--model PATH.gguf] [--format ID | --template FILE] [--scoring letter|likelihood|generate]
                 [--backend local|openai --base-url URL]   (openai: --model names the server's model;
                                                            API key from MEDLOCAL_OPENAI_API_KEY)
                 [--language ja|en] [--limit N] [--parallel N] [--out DIR] [--resume DIR] [--dry-run] [--json]
                 [--lang ja|en]   (language of messages; default from LC_ALL / LC_MESSAGES / LANG)
  medlocal bench compare RUN_A RUN_B [--json]
formats: ${PROMPT_FORMAT_IDS.join(', ')}
`;

const OPTIONS = {
  dataset: { type: 'string' },
  model: { type: 'string' },
  backend: { type: 'string' },
  'base-url': { type: 'string' },
  format: { type: 'string' },
  template: { type: 'string' },
  scoring: { type: 'string' },
  language: { type: 'string' },
  limit: { type: 'string' },
  parallel: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The language messages are written in. */
  locale: Locale;
}

export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const locale = cliLocale(argv, deps.env ?? process.env);
  const io: Io = { out: deps.stdout ?? ((text) => process.stdout.write(text)), err: deps.stderr ?? ((text) => process.stderr.write(text)), locale };
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) {
      io.out(USAGE);
      return EXIT.ok;
    }
    if (values.lang !== undefined && values.lang !== 'ja' && values.lang !== 'en') throw new UsageError(msg('cliBadLang', values.lang));
    if (positionals[0] !== 'bench') throw new UsageError(positionals[0] === undefined ? msg('cliMissingCommand') : msg('cliUnknownCommand', positionals[0]));
    if (positionals[1] === 'compare') return runCompare(positionals.slice(2), values.json === true, io);
    if (positionals.length > 1) throw new UsageError(msg('cliUnexpectedArgument', positionals[1] ?? ''));
    return await runBench(values, deps, io);
  } catch (error) {
    const usage = error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const next = describeNext(error, locale);
    io.err(`medlocal: ${describeError(error, locale)}\n${next ? `${format(locale, msg('cliNextStep', next))}\n` : ''}${usage ? USAGE : ''}`);
    return usage ? EXIT.usage : EXIT.failed;
  }
}

// ---- bench compare ----------------------------------------------------------------------------

function runCompare(dirs: string[], json: boolean, io: Io): number {
  const [dirA, dirB] = dirs;
  if (dirA === undefined || dirB === undefined || dirs.length > 2) throw new UsageError(msg('cliCompareNeedsTwo'));
  const runA = readRunOrUsage(dirA);
  const runB = readRunOrUsage(dirB);
  const comparison = compareRuns(runA.answers, runB.answers);
  io.out(json ? JSON.stringify({ runA: dirA, runB: dirB, ...comparison }) + '\n' : comparisonTable(comparison, dirA, dirB));
  return EXIT.ok;
}

function readRunOrUsage(dir: string): ReturnType<typeof readRun> {
  try {
    return readRun(dir);
  } catch (error) {
    throw asUsage(error);
  }
}

// ---- bench ------------------------------------------------------------------------------------

/** The choices that define a run, stored in its manifest so `--resume DIR` alone can continue it. */
interface RunChoices {
  dataset: string;
  language?: Language;
  limit?: number;
  format?: string;
  template?: string;
  scoring: ScoringMode;
  model?: string;
}

async function runBench(values: ParsedOptions, deps: CliDeps, io: Io): Promise<number> {
  const choices = resolveChoices(values);
  const spec: DatasetSpec = { ...parseDatasetArgument(choices.dataset), ...(choices.language ? { language: choices.language } : {}) };
  const loaded = loadInput(() => loadDataset(spec));
  const questions = choices.limit !== undefined ? loaded.questions.slice(0, choices.limit) : loaded.questions;
  if (values['dry-run']) {
    const summary = summariseDataset(loaded, questions);
    io.out(values.json ? JSON.stringify(datasetFactsIn(summary, 'en')) + '\n' : datasetTable(datasetFactsIn(summary, io.locale), choices.dataset));
    return EXIT.ok;
  }
  if (questions.length === 0) throw new UsageError(msg('cliNoUsableQuestions', choices.dataset));
  const format = loadInput(() => pickFormat(choices));
  if (choices.scoring === 'letter' && !format.labelsChoices) {
    throw new UsageError(msg('cliLetterNeedsLetters', format.id));
  }
  const remote = remoteBackend(values);
  const modelPath = remote ? remote.baseUrl : requireModel(choices.model);
  const parallel = positiveInteger(values.parallel, '--parallel') ?? 1;
  const runDir = values.resume ?? values.out ?? defaultRunDir(choices, modelPath, deps.now?.() ?? new Date());
  const factory = deps.createEngine ?? (await loadDefaultEngineFactory());
  const cancel = cancellation(deps.signal);
  const handle = await factory({ modelPath, parallel, signal: cancel.signal, ...(remote ? { remote } : {}) });
  try {
    const result = await runBenchmark({
      engine: handle.engine,
      questions,
      format,
      scoring: choices.scoring,
      parallel,
      outDir: runDir,
      ...(values.resume !== undefined ? { resumeDir: values.resume } : {}),
      signal: cancel.signal,
      onProgress: values.json ? undefined : progressPrinter(io, deps.isTTY ?? process.stderr.isTTY === true),
      datasetFiles: loaded.files,
      manifestExtras: { model: { path: modelPath, ...handle.modelFacts }, cli: { ...choices, model: modelPath } },
    });
    return report(result, values.json === true, io);
  } finally {
    cancel.dispose();
    await handle.dispose();
  }
}

/** Options given now, else those stored by the run being resumed, else defaults. */
function resolveChoices(values: ParsedOptions): RunChoices {
  const stored = values.resume !== undefined ? storedChoices(values.resume) : {};
  const dataset = values.dataset ?? stored.dataset;
  if (dataset === undefined) throw new UsageError(msg('cliMissingDataset'));
  if (values.format !== undefined && values.template !== undefined) throw new UsageError(msg('cliFormatAndTemplate'));
  const scoring = values.scoring ?? stored.scoring ?? 'letter';
  if (!(SCORING_MODES as readonly string[]).includes(scoring)) throw new UsageError(msg('cliBadScoring', SCORING_MODES.join(', '), scoring));
  const language = values.language ?? stored.language;
  if (language !== undefined && language !== 'ja' && language !== 'en') throw new UsageError(msg('cliBadLanguage', language));
  const limit = positiveInteger(values.limit, '--limit') ?? stored.limit;
  const fromFlags = values.format !== undefined || values.template !== undefined;
  const format = fromFlags ? values.format : stored.format;
  const template = fromFlags ? values.template : stored.template;
  // A model path read from a run folder is never loaded (the folder may come from anyone): the
  // user names the model again when resuming, and is told which one the run used.
  const model = values.model;
  if (values.resume !== undefined && model === undefined && values.backend === undefined && !values['dry-run']) {
    throw new UsageError(stored.model ? msg('cliResumeNeedsModelUsed', values.resume, stored.model) : msg('cliResumeNeedsModel', values.resume));
  }
  return {
    dataset,
    scoring: scoring as ScoringMode,
    ...(language !== undefined ? { language } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(template !== undefined ? { template } : {}),
    ...(model !== undefined ? { model } : {}),
  };
}

function storedChoices(runDir: string): Partial<RunChoices> {
  if (!existsSync(runDir)) throw new UsageError(msg('cliResumeNoFolder', runDir));
  const manifest = readManifest(runDir);
  if (!manifest) throw new UsageError(msg('cliResumeNoManifest', runDir));
  const cli = manifest['cli'];
  return typeof cli === 'object' && cli !== null ? (cli as Partial<RunChoices>) : {};
}

/** Dataset and template problems are the user's input: exit 2 with the loader's message. */
function loadInput<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw asUsage(error);
  }
}

/** Default format per scoring mode: each is the prompt shape that mode was designed around. */
const DEFAULT_FORMAT: Record<ScoringMode, string> = {
  letter: 'igakuqa',
  likelihood: 'jmedbench_mcqa',
  generate: 'medpalm_five_choice_cot',
};

function pickFormat(choices: RunChoices): PromptFormat {
  if (choices.template !== undefined) return loadTemplateFormat(choices.template);
  return getPromptFormat(choices.format ?? DEFAULT_FORMAT[choices.scoring]);
}

/** --backend openai --base-url URL [--model NAME]; the key comes from the environment, never a flag. */
function remoteBackend(values: ParsedOptions): { baseUrl: string; model?: string; apiKey?: string } | undefined {
  const backend = values.backend ?? 'local';
  if (backend === 'local') return undefined;
  if (backend !== 'openai') throw new UsageError(msg('cliBadBackend', backend));
  const baseUrl = values['base-url'];
  if (!baseUrl) throw new UsageError(msg('cliNeedsBaseUrl', 'http://127.0.0.1:8080/v1'));
  const apiKey = process.env.MEDLOCAL_OPENAI_API_KEY;
  return { baseUrl, ...(values.model ? { model: values.model } : {}), ...(apiKey ? { apiKey } : {}) };
}

function requireModel(model: string | undefined): string {
  if (model === undefined) {
    throw new UsageError(msg('cliNoModel', '~/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf'));
  }
  if (!existsSync(model) || !statSync(model).isFile()) throw new UsageError(msg('cliModelMissing', model));
  return model;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(msg('cliBadInteger', flag, value));
  return number;
}

function defaultRunDir(choices: RunChoices, modelPath: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dataset = choices.dataset.split(':')[0] ?? 'dataset';
  return join('medlocal-runs', `${stamp}-${dataset}-${basename(modelPath).replace(/\.gguf$/i, '')}`);
}

async function loadDefaultEngineFactory(): Promise<CliEngineFactory> {
  try {
    const engineModule = await import('../engine/factory');
    const factory: CliEngineFactory = engineModule.createRunEngine;
    return factory;
  } catch (error) {
    throw new UserError(msg('cliEngineUnavailable', errorMessage(error)));
  }
}

/** First Ctrl-C stops after the answers in flight (resumable); `once` leaves a second one to kill the process. */
function cancellation(external: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  if (external) return { signal: external, dispose: () => undefined };
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) };
}

function progressPrinter(io: Io, isTTY: boolean): (progress: Parameters<typeof progressLine>[0]) => void {
  let lastDecile = -1;
  return (progress) => {
    if (isTTY) {
      io.err(`\r${progressLine(progress)}\x1b[K`);
      return;
    }
    const decile = Math.floor((progress.done / Math.max(1, progress.total)) * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      io.err(progressLine(progress) + '\n');
    }
  };
}

function report(result: BenchmarkResult, json: boolean, io: Io): number {
  if (json) {
    io.out(JSON.stringify({ status: result.status, runDir: result.runDir, answered: result.answers.length, summary: result.summary ?? null }) + '\n');
  } else {
    io.err('\n');
    if (result.summary) io.out(summaryTable(result.summary, result.runDir, result.status));
  }
  if (result.status === 'cancelled') {
    const model = (result.manifest.model as { path?: string } | undefined)?.path;
    io.err(`${format(io.locale, msg('cliCancelled', result.answers.length, `medlocal bench --resume ${result.runDir}${model ? ` --model ${model}` : ''}`))}\n`);
    return EXIT.cancelled;
  }
  return EXIT.ok;
}

/** Entry point when run as a program (bin.ts, built to dist/cli.js), not when imported by tests. */
export function main(): void {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
