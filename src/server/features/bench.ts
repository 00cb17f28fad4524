// Benchmark runs inside the language server, for the command and the panel: start (progress and
// the end come as notifications; a run goes on while the panel is closed), cancel, list the run
// folders, read one, drill into a question, compare two. The engine, runner and files are the same
// as the CLI's (src/eval).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, Disposable } from 'vscode-languageserver';
import {
  BenchCancelRequest,
  BenchCompareRequest,
  BenchDatasetRequest,
  BenchFinishedNotification,
  BenchFormatsRequest,
  BenchListRequest,
  BenchProgressNotification,
  BenchQuestionRequest,
  BenchRunRequest,
  BenchStartRequest,
  type BenchRunListing,
  type BenchStartParams,
  type DatasetFacts,
} from '../../protocol/benchProtocol';
import {
  compareRuns,
  getPromptFormat,
  listPromptFormats,
  loadDataset,
  parseDatasetArgument,
  readRunAsync,
  runBenchmark,
  summariseDataset,
  wilsonInterval,
  RunInterruptedError,
  keptSentence,
  type AnswerRecord,
  type Question,
  type RunManifest,
} from '../../eval/index';
import { joinSentences, localize } from '../i18n';
import type { ModelHost } from '../modelHost';
import { toResponseError } from './cancellation';

interface ActiveRun {
  controller: AbortController;
  runDir: string;
}

/** What a run stores about how it was started, so it can be listed and resumed. */
interface BenchChoices {
  dataset: string;
  language?: 'ja' | 'en';
  format: string;
  scoring: BenchStartParams['scoring'];
  limit?: number;
  seed?: number;
}

export function loadQuestions(dataset: string, language: 'ja' | 'en' | undefined): { questions: Question[]; facts: DatasetFacts; files: string[] } {
  const spec = { ...parseDatasetArgument(dataset), ...(language ? { language } : {}) };
  const loaded = loadDataset(spec);
  return { questions: loaded.questions, facts: summariseDataset(loaded), files: loaded.files };
}

/** The first `limit` questions, or a seeded random sample of that size (same seed, same sample). */
export function pickQuestions(questions: readonly Question[], limit: number | undefined, seed: number | undefined): Question[] {
  if (limit === undefined || limit >= questions.length) return [...questions];
  if (seed === undefined) return questions.slice(0, limit);
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...questions];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as Question, copy[i] as Question];
  }
  return copy.slice(0, limit);
}

/**
 * The run folders under resultsDir. Asynchronous, and each folder's files are opened so that a FIFO
 * or a device cannot block (runFileAccess): a hostile folder is listed as damaged with the reason,
 * and hovers go on being answered meanwhile.
 */
export async function listRuns(resultsDir: string, active: ReadonlyMap<string, ActiveRun>): Promise<BenchRunListing[]> {
  let names: string[];
  try {
    names = await readdir(resultsDir);
  } catch {
    return [];
  }
  const running = new Set<string>();
  for (const run of active.values()) running.add(run.runDir);
  const listings: BenchRunListing[] = [];
  for (const name of names) {
    const runDir = join(resultsDir, name);
    try {
      if (!(await stat(runDir)).isDirectory()) continue;
    } catch {
      continue;
    }
    listings.push(await describeRun(runDir, running.has(runDir)));
  }
  return listings.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}

/** The listing's status of a manifest status: an interrupted run (disk full) is resumable like a failed one. */
function listingStatus(status: RunManifest['status']): BenchRunListing['status'] {
  if (status === 'running') return 'cancelled';
  if (status === 'interrupted') return 'failed';
  return status;
}

async function describeRun(runDir: string, running: boolean): Promise<BenchRunListing> {
  try {
    const run = await readRunAsync(runDir);
    const manifest = run.manifest;
    if (!manifest) return { runDir, status: 'damaged', problem: 'manifest.json is missing', answered: run.answers.length };
    const bench = (manifest.bench ?? manifest.cli ?? {}) as Partial<BenchChoices>;
    const model = manifest.model as { name?: string; path?: string } | undefined;
    let correct = 0;
    for (const answer of run.answers) if (answer.correct) correct += 1;
    return {
      runDir,
      status: running ? 'running' : listingStatus(manifest.status),
      model: model?.name ?? model?.path,
      dataset: bench.dataset,
      mode: manifest.scoring.mode,
      format: manifest.format.id,
      startedAt: manifest.startedAt,
      answered: run.answers.length,
      total: manifest.dataset.questions,
      accuracy: run.summary?.accuracy ?? (run.answers.length > 0 ? correct / run.answers.length : undefined),
      ci95: run.summary?.ci95 ?? wilsonInterval(correct, run.answers.length),
    };
  } catch (error) {
    return { runDir, status: 'damaged', problem: error instanceof Error ? error.message : String(error) };
  }
}

// What the server says in words reaches the client in its language; the run files stay in English.

/** Dataset facts for the client: skip reasons and `file:line: reason` issues translated. */
export function localizeFacts(facts: DatasetFacts): DatasetFacts {
  const skipped: Record<string, number> = {};
  for (const [why, count] of Object.entries(facts.skipped)) skipped[localize(why)] = (skipped[localize(why)] ?? 0) + count;
  return { ...facts, skipped, issues: facts.issues.map(localize) };
}

function localizeAnswer(record: AnswerRecord): AnswerRecord {
  return record.error === undefined ? record : { ...record, error: localize(record.error) };
}

/** Why a dataset gave no questions: the summary and the first issues, each translated on its own. */
export function noUsableQuestions(dataset: string, facts: DatasetFacts): string {
  const skipped = Object.entries(facts.skipped).map(([why, n]) => `${n} skipped (${why})`).join(', ') || 'the file is empty';
  return joinSentences(...[`No usable questions in ${dataset}: ${skipped}.`, ...facts.issues.slice(0, 3)].map(localize));
}

function promptText(prompt: ReturnType<ReturnType<typeof getPromptFormat>['render']>): string {
  if (typeof prompt === 'string') return prompt;
  return [prompt.system ? `[system]\n${prompt.system}` : '', `[user]\n${prompt.user}`, prompt.assistantPrefix ? `[assistant]\n${prompt.assistantPrefix}` : ''].filter(Boolean).join('\n\n');
}

/** A run stopped by a failed write (disk full): what happened, what is kept, and the panel's way on. */
export function interruptedMessage(error: RunInterruptedError): string {
  return `${error.reason}. ${keptSentence(error.kept)} Free some disk space (or make the folder writable), then press Resume on this run in the benchmark panel's history.`;
}

export function registerBench(connection: Connection, host: ModelHost, log: (message: string) => void): Disposable {
  const active = new Map<string, ActiveRun>();
  let counter = 0;

  const start = connection.onRequest(BenchStartRequest.type, async (params) => {
    try {
      const stored = params.resumeDir ? ((await readRunAsync(params.resumeDir)).manifest?.bench as BenchChoices | undefined) : undefined;
      if (params.resumeDir && !stored) throw new Error(`${params.resumeDir} was not started from VS Code (no benchmark choices in its manifest); resume it with: medlocal bench --resume "${params.resumeDir}"`);
      const choices: BenchChoices = stored ?? {
        dataset: params.dataset,
        ...(params.language ? { language: params.language } : {}),
        format: params.format ?? 'igakuqa',
        scoring: params.scoring,
        ...(params.limit !== undefined ? { limit: params.limit } : {}),
        ...(params.seed !== undefined ? { seed: params.seed } : {}),
      };
      const { questions: all, facts, files } = loadQuestions(choices.dataset, choices.language);
      const questions = pickQuestions(all, choices.limit, choices.seed);
      if (questions.length === 0) throw new Error(noUsableQuestions(choices.dataset, facts));
      const format = getPromptFormat(choices.format);
      if (choices.scoring === 'letter' && !format.labelsChoices) throw new Error(`The ${format.id} format shows no choice letters: use letter scoring with the igakuqa format, or generate scoring.`);
      const engine = await host.getEngine();
      const info = host.info;
      const runId = `run-${process.pid}-${++counter}`;
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const runDir = params.resumeDir ?? join(params.resultsDir, `${stamp}-${choices.dataset.split(':')[0]}-${choices.scoring}-${counter}`);
      const controller = new AbortController();
      active.set(runId, { controller, runDir });
      // Answers kept so far (resumed ones included): what a failed run still holds.
      let kept = 0;
      log(`benchmark ${runId}: ${questions.length} questions, ${choices.scoring}, parallel ${params.parallel ?? 1} → ${runDir}`);
      void runBenchmark({
        engine,
        questions,
        format,
        scoring: choices.scoring,
        parallel: Math.max(1, Math.min(params.parallel ?? 1, info?.sequences ?? 1)),
        outDir: runDir,
        ...(params.resumeDir ? { resumeDir: params.resumeDir } : {}),
        signal: controller.signal,
        datasetFiles: files,
        manifestExtras: { model: info ? { ...info.model, backend: info.backend, gpuLayers: info.gpuLayers, threads: info.threads, loraAdapters: info.loraAdapters } : undefined, bench: choices },
        onProgress: (progress) => {
          kept = progress.done;
          const correct = Math.round(progress.accuracy * progress.done);
          void connection.sendNotification(BenchProgressNotification.type, { ...progress, runId, runDir, ci95: wilsonInterval(correct, progress.done) });
        },
      })
        .then((result) => connection.sendNotification(BenchFinishedNotification.type, { runId, runDir: result.runDir, status: result.status, answered: result.answers.length, ...(result.summary ? { summary: result.summary } : {}) }))
        .catch((error: unknown) => {
          const message = error instanceof RunInterruptedError ? interruptedMessage(error) : error instanceof Error ? error.message : String(error);
          const answered = error instanceof RunInterruptedError ? error.kept : kept;
          log(`benchmark ${runId} failed: ${message}`);
          return connection.sendNotification(BenchFinishedNotification.type, { runId, runDir, status: 'failed', error: localize(message), answered });
        })
        .finally(() => active.delete(runId));
      return { runId, runDir, total: questions.length, dataset: localizeFacts(facts) };
    } catch (error) {
      throw toResponseError(error);
    }
  });

  const cancel = connection.onRequest(BenchCancelRequest.type, ({ runId }) => {
    const run = active.get(runId);
    run?.controller.abort();
    return run !== undefined;
  });
  const list = connection.onRequest(BenchListRequest.type, async ({ resultsDir }) => ({
    runs: (await listRuns(resultsDir, active)).map((run) => (run.problem ? { ...run, problem: localize(run.problem) } : run)),
  }));
  const read = connection.onRequest(BenchRunRequest.type, async ({ runDir }) => {
    try {
      const run = await readRunAsync(runDir);
      const manifest = run.manifest?.error ? { ...run.manifest, error: localize(run.manifest.error) } : run.manifest;
      return { runDir, answers: run.answers.map(localizeAnswer), ...(manifest ? { manifest } : {}), ...(run.summary ? { summary: run.summary } : {}) };
    } catch (error) {
      throw toResponseError(error);
    }
  });
  const question = connection.onRequest(BenchQuestionRequest.type, async ({ runDir, id }) => {
    try {
      const run = await readRunAsync(runDir);
      const choices = run.manifest?.bench as BenchChoices | undefined;
      if (!choices) throw new Error(`${runDir} does not record its dataset; the question cannot be shown.`);
      const { questions } = loadQuestions(choices.dataset, choices.language);
      const found = questions.find((q) => q.id === id);
      if (!found) throw new Error(`Question ${id} is no longer in ${choices.dataset}.`);
      const record = run.answers.find((a) => a.id === id);
      return {
        id,
        stem: found.stem,
        choices: found.choices,
        prompt: promptText(getPromptFormat(choices.format).render(found)),
        ...(record ? { record: localizeAnswer(record) } : {}),
        ...(found.choiceBreakdown ? { choiceBreakdown: found.choiceBreakdown } : {}),
      };
    } catch (error) {
      throw toResponseError(error);
    }
  });
  const compare = connection.onRequest(BenchCompareRequest.type, async ({ runA, runB }) => {
    try {
      return compareRuns((await readRunAsync(runA)).answers, (await readRunAsync(runB)).answers);
    } catch (error) {
      throw toResponseError(error);
    }
  });
  const dataset = connection.onRequest(BenchDatasetRequest.type, ({ dataset: spec, language }) => {
    try {
      return localizeFacts(loadQuestions(spec, language).facts);
    } catch (error) {
      throw toResponseError(error);
    }
  });
  const formats = connection.onRequest(BenchFormatsRequest.type, () => listPromptFormats().map((f) => ({ id: f.id, description: f.description, hash: f.hash })));

  return {
    dispose: () => {
      for (const run of active.values()) run.controller.abort();
      for (const d of [start, cancel, list, read, question, compare, dataset, formats]) d.dispose();
    },
  };
}
