// `medlocal` command line: headless benchmarks over the same src/eval code the extension
// uses.
//
//   medlocal bench --dataset igakuqa:DIR|medqa:FILE|medmcqa:FILE|jmedbench:FILE|jsonl:FILE|csv:FILE|sample
//                  [--model PATH.gguf] [--format ID | --template FILE] [--scoring letter|likelihood|generate]
//                  [--backend local|openai --base-url URL]
//                  [--language ja|en] [--limit N] [--seed S] [--shuffle K] [--parallel N] [--threads N] [--out DIR] [--resume DIR]
//                  [--lora ADAPTER.gguf[:SCALE]]... [--compare-base] [--dry-run] [--json] [--lang ja|en]
//   medlocal bench compare RUN_A RUN_B [--json]
//   medlocal bench categories RUN_A RUN_B [RUN...] [--csv | --json]
//   medlocal bench score [--dataset DATASET] --predictions FILE|DIR [--name MODEL] [--protocol P] [--out DIR] [--json]
//
// Exit codes: 0 done, 1 the run failed, 2 bad usage or input, 130 cancelled (Ctrl-C; resumable).
// The engine comes from a factory (dependency injection), so tests run the CLI with a fake one.
// Messages are in --lang, else the environment's language (LC_ALL, LC_MESSAGES, LANG: ja* → ja),
// else English; run files stay in English.

import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROMPT_FORMAT_IDS } from '../eval/formats';
import { compareRuns } from '../eval/metrics';
import { checkRunnable, planRun, recipeDifferences, recipeFromManifest, RECIPE_KEY, runFolderName, type RunRecipe } from '../eval/plan';
import { datasetFactsIn } from '../eval/question';
import { readManifest, readRun } from '../eval/runFiles';
import { keptSentence, runBenchmark, RunInterruptedError, type BenchmarkResult } from '../eval/runner';
import { SCORING_MODES, type ScoringMode } from '../eval/scoring';
import { checkApiKey, redactSecrets } from '../shared/secrets';
import { checkSameAdapters, pairStoredDir, parseLoraFlags, runLoraPair, type RunContext, type RunHalf, type StoredRunFacts } from './loraPair';
import { comparisonTable, datasetTable, pairingLines, progressLine, summaryTable } from './report';
import { format, msg, toLocale, type Locale, type Message } from '../shared/messages/index';
import { describeError, describeNext, errorMessage, UserError } from '../shared/userError';
import { runScore } from './score';
import { runCategories } from './categories';
import { isProtocolId, PROTOCOL_IDS, type ProtocolId } from '../eval/protocols';

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

export { EXIT } from './cliShared';
import { EXIT, UsageError, type Io } from './cliShared';

/** Bad input that is not about the command line (a damaged run folder): exit 2, without the usage text. */
class InputError extends UserError {
  constructor(text: Message, next?: Message) {
    super(text, next);
    this.name = 'InputError';
  }
}

/** A dataset or template was refused: exit 2 with its message, its next step and the usage text. */
const asUsage = (error: unknown): UsageError => new UsageError(errorMessage(error), error instanceof UserError ? error.next : undefined);

/** The user's input was refused (a run folder): exit 2 with its message and next step. */
const asInput = (error: unknown): InputError => new InputError(errorMessage(error), error instanceof UserError ? error.next : undefined);

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
                 [--language ja|en] [--limit N] [--seed S] [--shuffle K] [--parallel N] [--threads N] [--out DIR] [--resume DIR] [--dry-run] [--json]
                 [--protocol medlocal|igakuqa-official|harness]   (default medlocal: MedLocal's own scoring)
                 [--lora ADAPTER.gguf[:SCALE]]... [--compare-base]
                 (--shuffle K: ask every question under K orders of its choices drawn from --seed;
                  --compare-base: the same questions on the model alone and with the adapters, into
                  OUT/base and OUT/lora, compared in OUT/comparison.json)
                 [--lang ja|en]   (language of messages; default from LC_ALL / LC_MESSAGES / LANG)
  medlocal bench compare RUN_A RUN_B [--json]
  medlocal bench categories RUN_A RUN_B [RUN...] [--csv | --json]
                 (per-category accuracy of up to 8 runs on the questions all of them answered; Markdown by default)
  medlocal bench score [--dataset DATASET] --predictions FILE|DIR [--name MODEL] [--protocol P] [--out DIR] [--json]
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
  seed: { type: 'string' },
  shuffle: { type: 'string' },
  parallel: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  protocol: { type: 'string' },
  predictions: { type: 'string' },
  name: { type: 'string' },
  lora: { type: 'string', multiple: true },
  'compare-base': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];


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
    if (positionals[1] === 'categories') return runCategories(positionals.slice(2), { csv: values.csv === true, json: values.json === true }, io, readRunInput, (message) => warn(io, message));
    if (positionals[1] === 'score') return scoreCommand(values, deps, io);
    if (positionals.length > 1) throw new UsageError(msg('cliUnexpectedArgument', positionals[1] ?? ''));
    return await runBench(values, deps, io);
  } catch (error) {
    const usage = error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    const next = describeNext(error, locale);
    // The program name, then the message and its next step from the catalogue; no key ever shown.
    io.err(redactSecrets(`medlocal: ${describeError(error, locale)}\n${next ? `${format(locale, msg('cliNextStep', next))}\n` : ''}`, [process.env.MEDLOCAL_OPENAI_API_KEY]) + (usage ? USAGE : ''));
    return usage || error instanceof InputError ? EXIT.usage : EXIT.failed;
  }
}

// ---- bench score ------------------------------------------------------------------------------

function scoreCommand(values: ParsedOptions, deps: CliDeps, io: Io): number {
  const options = {
    ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
    ...(values.predictions !== undefined ? { predictions: values.predictions } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.protocol !== undefined ? { protocol: values.protocol } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    json: values.json === true,
    now: deps.now?.() ?? new Date(),
  };
  return loadInput(() => runScore(options, io));
}

/** A warning on stderr: the program name (POSIX style), then the message in the CLI's language. */
function warn(io: Io, message: Message): void {
  io.err(`medlocal: ${format(io.locale, message)}\n`);
}

// ---- bench compare ----------------------------------------------------------------------------

function runCompare(dirs: string[], json: boolean, io: Io): number {
  const [dirA, dirB] = dirs;
  if (dirA === undefined || dirB === undefined || dirs.length > 2) throw new UsageError(msg('cliCompareNeedsTwo'));
  const runA = readRunInput(dirA);
  const runB = readRunInput(dirB);
  // Records were checked and their verdicts recomputed from what each record carries; what was
  // dropped is said, never silently left out.
  for (const run of [runA, runB]) if (run.dropped) warn(io, run.dropped);
  const comparison = compareRuns(runA.answers, runB.answers);
  const english = (note: Message | undefined) => (note ? format('en', note) : null);
  const dropped = { droppedA: english(runA.dropped), droppedB: english(runB.dropped) };
  const pairing = pairingLines(comparison).map((line) => line.replace(/^\s*pairing\s+/, '')).join(' ');
  io.out(json ? JSON.stringify({ runA: dirA, runB: dirB, ...comparison, ...(pairing ? { pairingNote: pairing } : {}), ...dropped }) + '\n' : comparisonTable(comparison, dirA, dirB));
  return EXIT.ok;
}

function readRunInput(dir: string): ReturnType<typeof readRun> {
  try {
    return readRun(dir);
  } catch (error) {
    throw asInput(error);
  }
}

// ---- bench ------------------------------------------------------------------------------------

async function runBench(values: ParsedOptions, deps: CliDeps, io: Io): Promise<number> {
  const lora = parseLoraFlags(values.lora);
  const pair = values['compare-base'] === true;
  if (pair && lora.length === 0) throw new UsageError(msg('cliCompareBaseNeedsLora'));
  // A pair folder keeps its recipe in its halves (lora/, base/): either one tells how it was started.
  const storedDir = values.resume !== undefined && pair ? pairStoredDir(values.resume) : values.resume;
  const { recipe, stored } = resolveRecipe(values, storedDir);
  const plan = loadInput(() => planRun(recipe));
  if (values['dry-run']) {
    io.out(values.json ? JSON.stringify(datasetFactsIn(plan.dataset, 'en')) + '\n' : datasetTable(datasetFactsIn(plan.dataset, io.locale), recipe.dataset));
    return EXIT.ok;
  }
  loadInput(() => checkRunnable(plan));
  const remote = remoteBackend(values);
  if (remote && lora.length > 0) throw new UsageError(msg('cliLoraNeedsLocal'));
  const modelPath = remote ? remote.baseUrl : requireModel(values.model, values.resume, stored);
  if (!pair) checkSameAdapters(stored.loraAdapters, lora, values.resume);
  const parallel = positiveInteger(values.parallel, '--parallel') ?? 1;
  const threads = positiveInteger(values.threads, '--threads');
  const runDir = values.resume ?? values.out ?? join('medlocal-runs', runFolderName(recipe, basename(modelPath), deps.now?.() ?? new Date()) + (pair ? '-lora-vs-base' : ''));
  const factory = deps.createEngine ?? (await loadDefaultEngineFactory());
  const context: RunContext = { plan, recipe, modelPath, parallel, ...(threads !== undefined ? { threads } : {}), factory, deps, io, json: values.json === true, ...(remote ? { remote } : {}) };
  if (pair) return runLoraPair(runDir, lora, context, (half) => executeRun(context, half));
  const outcome = await executeRun(context, { runDir, resume: values.resume !== undefined, loraAdapters: lora });
  return typeof outcome === 'number' ? outcome : report(outcome, values.json === true, io);
}

/** Runs one run folder: new, or resumed in place. An exit code when a write failed (said on stderr). */
async function executeRun(context: RunContext, half: RunHalf): Promise<BenchmarkResult | number> {
  const { plan, recipe, modelPath, parallel, remote, io, deps } = context;
  const cancel = cancellation(deps.signal);
  const handle = await context.factory({ modelPath, parallel, ...(context.threads !== undefined ? { threads: context.threads } : {}), signal: cancel.signal, ...(remote ? { remote } : {}), ...(half.loraAdapters.length > 0 ? { loraAdapters: half.loraAdapters } : {}) });
  try {
    return await runBenchmark({
      engine: handle.engine,
      questions: plan.questions,
      format: plan.format,
      scoring: recipe.scoring,
      parallel,
      outDir: half.runDir,
      ...(half.resume ? { resumeDir: half.runDir } : {}),
      signal: cancel.signal,
      onProgress: context.json ? undefined : progressPrinter(io, deps.isTTY ?? process.stderr.isTTY === true),
      datasetFiles: plan.files,
      ...(recipe.protocol !== undefined ? { protocol: recipe.protocol } : {}),
      ...(recipe.shuffle ? { shuffle: recipe.shuffle } : {}),
      manifestExtras: { model: { path: modelPath, ...handle.modelFacts }, [RECIPE_KEY]: recipe },
    });
  } catch (error) {
    if (!(error instanceof RunInterruptedError)) throw error;
    // Disk full or folder not writable: say what happened, that the answers are kept, and the way on.
    const resume = `medlocal bench --resume ${error.runDir}${remote ? '' : ` --model ${modelPath}`}`;
    io.err(`\nmedlocal: ${format(io.locale, msg('cliInterrupted', error.reason, keptSentence(error.kept), resume))}\n`);
    return EXIT.failed;
  } finally {
    cancel.dispose();
    await handle.dispose();
  }
}

/** Options given now, else those stored by the run being resumed (read from `storedDir`), else defaults. */
function resolveRecipe(values: ParsedOptions, storedDir: string | undefined): { recipe: RunRecipe; stored: StoredRunFacts } {
  const stored = storedDir !== undefined ? storedRun(storedDir) : {};
  const before: Partial<RunRecipe> = stored.recipe ?? {};
  const dataset = values.dataset ?? before.dataset;
  if (dataset === undefined) throw new UsageError(msg('cliMissingDataset'));
  if (values.format !== undefined && values.template !== undefined) throw new UsageError(msg('cliFormatAndTemplate'));
  const scoring = values.scoring ?? before.scoring ?? 'letter';
  if (!(SCORING_MODES as readonly string[]).includes(scoring)) throw new UsageError(msg('cliBadScoring', SCORING_MODES.join(', '), scoring));
  const language = values.language ?? before.language;
  if (language !== undefined && language !== 'ja' && language !== 'en') throw new UsageError(msg('cliBadLanguage', language));
  const limit = positiveInteger(values.limit, '--limit') ?? before.limit;
  const seed = nonNegativeInteger(values.seed, '--seed') ?? before.seed;
  const protocol = values.protocol ?? before.protocol;
  if (protocol !== undefined && !isProtocolId(protocol)) throw new UsageError(msg('cliBadProtocol', PROTOCOL_IDS.join(', '), protocol));
  // --shuffle K draws its K orders from --seed (0 when none is given; stored, so resume keeps it).
  const shuffleK = positiveInteger(values.shuffle, '--shuffle');
  const shuffle = shuffleK !== undefined ? { k: shuffleK, seed: seed ?? 0 } : before.shuffle;
  const fromFlags = values.format !== undefined || values.template !== undefined;
  const format = fromFlags ? values.format : before.format;
  const template = fromFlags ? values.template : before.template;
  const recipe: RunRecipe = {
    dataset,
    scoring: scoring as ScoringMode,
    ...(language !== undefined ? { language } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(shuffle !== undefined ? { shuffle } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(template !== undefined ? { template } : {}),
    ...(protocol !== undefined && protocol !== 'medlocal' ? { protocol } : {}),
  };
  if (stored.recipe && storedDir !== undefined) refuseOtherRecipe(storedDir, stored.recipe, values, shuffleK !== undefined ? recipe.shuffle : undefined);
  return { recipe, stored };
}

/** A resume that asks for other numbers-changing options than the run was started with is refused, naming both. */
function refuseOtherRecipe(storedDir: string, before: RunRecipe, values: ParsedOptions, shuffle: RunRecipe['shuffle']): void {
  const given: Partial<RunRecipe> = {
    ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
    ...(values.scoring !== undefined ? { scoring: values.scoring as ScoringMode } : {}),
    ...(values.protocol !== undefined ? { protocol: values.protocol as ProtocolId } : {}),
    ...(shuffle !== undefined ? { shuffle } : {}),
    ...(values.language === 'ja' || values.language === 'en' ? { language: values.language } : {}),
    ...(values.format !== undefined ? { format: values.format } : {}),
    ...(values.template !== undefined ? { template: values.template } : {}),
  };
  const [first] = recipeDifferences(before, given);
  if (!first) return;
  const flag = `--${first.field}`;
  const storedFlagValue = first.field === 'shuffle' && before.shuffle ? `${before.shuffle.k} --seed ${before.shuffle.seed}` : first.stored;
  throw new InputError(msg('resumeRecipeDiffers', storedDir, `${flag} ${first.stored}`, `${flag} ${first.given}`), msg('nextResumeSameRecipeCli', flag, `${flag} ${storedFlagValue}`));
}

function storedRun(runDir: string): StoredRunFacts {
  if (!existsSync(runDir)) throw new UsageError(msg('cliResumeNoFolder', runDir));
  const manifest = readManifest(runDir);
  if (!manifest) throw new UsageError(msg('cliResumeNoManifest', runDir));
  const recipe = recipeFromManifest(manifest);
  const model = manifest.model as { path?: unknown; loraAdapters?: unknown } | undefined;
  const adapters = Array.isArray(model?.loraAdapters) ? model.loraAdapters.map((adapter) => String((adapter as { path?: unknown }).path)) : undefined;
  return { ...(recipe ? { recipe } : {}), ...(typeof model?.path === 'string' ? { modelPath: model.path } : {}), ...(adapters ? { loraAdapters: adapters } : {}) };
}

/** Dataset and template problems are the user's input: exit 2 with the loader's message. */
function loadInput<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw asUsage(error);
  }
}

/** --backend openai --base-url URL [--model NAME]; the key comes from the environment, never a flag. */
function remoteBackend(values: ParsedOptions): { baseUrl: string; model?: string; apiKey?: string } | undefined {
  const backend = values.backend ?? 'local';
  if (backend === 'local') return undefined;
  if (backend !== 'openai') throw new UsageError(msg('cliBadBackend', backend));
  const baseUrl = values['base-url'];
  if (!baseUrl) throw new UsageError(msg('cliNeedsBaseUrl', 'http://127.0.0.1:8080/v1'));
  const checked = checkApiKey(process.env.MEDLOCAL_OPENAI_API_KEY ?? '');
  if (!checked.ok) throw new UsageError(msg('cliApiKeyInvalid', checked.reason));
  const apiKey = checked.key;
  return { baseUrl, ...(values.model ? { model: values.model } : {}), ...(apiKey ? { apiKey } : {}) };
}

/**
 * The model to load: always the one named on the command line. A model path read from a run folder
 * is never loaded (the folder may come from anyone): when resuming, the user names the model again
 * and is told which one the run used.
 */
function requireModel(model: string | undefined, resumeDir: string | undefined, stored: StoredRunFacts): string {
  if (model === undefined && resumeDir !== undefined) {
    throw new UsageError(stored.modelPath ? msg('cliResumeNeedsModelUsed', resumeDir, stored.modelPath) : msg('cliResumeNeedsModel', resumeDir));
  }
  if (model === undefined) {
    throw new UsageError(msg('cliNoModel', '~/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf'));
  }
  if (!existsSync(model) || !statSync(model).isFile()) throw new UsageError(msg('cliModelMissing', model));
  return model;
}

function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(msg('cliBadNonNegative', flag, value));
  return number;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(msg('cliBadInteger', flag, value));
  return number;
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
  if (result.dropped) warn(io, result.dropped);
  if (json) {
    const shuffle = result.manifest['shuffle'];
    io.out(JSON.stringify({ status: result.status, runDir: result.runDir, answered: result.answers.length, ...(shuffle ? { shuffle } : {}), summary: result.summary ?? null }) + '\n');
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
