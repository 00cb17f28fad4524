// Benchmark runs inside the language server, for the command and the panel: start (progress and
// the end come as notifications; a run goes on while the panel is closed), cancel, list the run
// folders, read one, drill into a question, compare two. The engine, runner and files are the same
// as the CLI's (src/eval).
import { existsSync, readdirSync, statSync } from 'node:fs';
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
} from '../../protocol/benchProtocol';
import {
  compareRuns,
  getPromptFormat,
  listPromptFormats,
  loadDataset,
  parseDatasetArgument,
  readRun,
  runBenchmark,
  summariseDataset,
  wilsonInterval,
  datasetFactsIn,
  noUsableQuestions,
  type AnswerRecord,
  type DatasetSummary,
  type Question,
  type RunManifest,
} from '../../eval/index';
import { format, isMessage, msg, type Locale } from '../../shared/messages/index';
import { describeError, UserError } from '../../shared/userError';
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

export function loadQuestions(dataset: string, language: 'ja' | 'en' | undefined): { questions: Question[]; facts: DatasetSummary; files: string[] } {
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

export function listRuns(resultsDir: string, active: ReadonlyMap<string, ActiveRun>, locale: Locale): BenchRunListing[] {
  if (!existsSync(resultsDir)) return [];
  const running = new Set([...active.values()].map((run) => run.runDir));
  const listings: BenchRunListing[] = [];
  for (const name of readdirSync(resultsDir)) {
    const runDir = join(resultsDir, name);
    try {
      if (!statSync(runDir).isDirectory()) continue;
    } catch {
      continue;
    }
    listings.push(describeRun(runDir, running.has(runDir), locale));
  }
  return listings.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}

function describeRun(runDir: string, running: boolean, locale: Locale): BenchRunListing {
  try {
    const run = readRun(runDir);
    const manifest = run.manifest;
    if (!manifest) return { runDir, status: 'damaged', problem: format(locale, msg('runManifestMissing')), answered: run.answers.length };
    const bench = (manifest.bench ?? manifest.cli ?? {}) as Partial<BenchChoices>;
    const model = manifest.model as { name?: string; path?: string } | undefined;
    const correct = run.answers.filter((a) => a.correct).length;
    return {
      runDir,
      status: running ? 'running' : manifest.status === 'running' ? 'cancelled' : manifest.status,
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
    return { runDir, status: 'damaged', problem: describeError(error, locale) };
  }
}

// What the server says in words reaches the client in its language; the run files stay in English.

/** A stored manifest for the client: why the run failed, in the client's locale. */
function localizeManifest(manifest: RunManifest, locale: Locale): RunManifest {
  const { errorMessage, ...rest } = manifest;
  return errorMessage && isMessage(errorMessage) ? { ...rest, error: format(locale, errorMessage) } : rest;
}

/** A stored record for the client: its error in the client's locale (run files hold English and the message). */
function localizeAnswer(record: AnswerRecord, locale: Locale): AnswerRecord {
  const { errorMessage, ...rest } = record;
  return errorMessage && isMessage(errorMessage) ? { ...rest, error: format(locale, errorMessage) } : rest;
}

function promptText(prompt: ReturnType<ReturnType<typeof getPromptFormat>['render']>): string {
  if (typeof prompt === 'string') return prompt;
  return [prompt.system ? `[system]\n${prompt.system}` : '', `[user]\n${prompt.user}`, prompt.assistantPrefix ? `[assistant]\n${prompt.assistantPrefix}` : ''].filter(Boolean).join('\n\n');
}

export function registerBench(connection: Connection, host: ModelHost, log: (message: string) => void, locale: () => Locale): Disposable {
  const active = new Map<string, ActiveRun>();
  let counter = 0;

  const start = connection.onRequest(BenchStartRequest.type, async (params) => {
    try {
      const stored = params.resumeDir ? (readRun(params.resumeDir).manifest?.bench as BenchChoices | undefined) : undefined;
      if (params.resumeDir && !stored) throw new UserError(msg('benchNotFromVsCode', params.resumeDir, params.resumeDir));
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
      if (questions.length === 0) throw new UserError(noUsableQuestions(choices.dataset, facts));
      const format = getPromptFormat(choices.format);
      if (choices.scoring === 'letter' && !format.labelsChoices) throw new UserError(msg('formatNoLetters', format.id));
      const engine = await host.getEngine();
      const info = host.info;
      const runId = `run-${process.pid}-${++counter}`;
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const runDir = params.resumeDir ?? join(params.resultsDir, `${stamp}-${choices.dataset.split(':')[0]}-${choices.scoring}-${counter}`);
      const controller = new AbortController();
      active.set(runId, { controller, runDir });
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
          const correct = Math.round(progress.accuracy * progress.done);
          void connection.sendNotification(BenchProgressNotification.type, { ...progress, runId, runDir, ci95: wilsonInterval(correct, progress.done) });
        },
      })
        .then((result) => connection.sendNotification(BenchFinishedNotification.type, { runId, runDir: result.runDir, status: result.status, answered: result.answers.length, ...(result.summary ? { summary: result.summary } : {}) }))
        .catch((error: unknown) => {
          log(`benchmark ${runId} failed: ${describeError(error, 'en')}`);
          return connection.sendNotification(BenchFinishedNotification.type, { runId, runDir, status: 'failed', error: describeError(error, locale()), answered: 0 });
        })
        .finally(() => active.delete(runId));
      return { runId, runDir, total: questions.length, dataset: datasetFactsIn(facts, locale()) };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });

  const cancel = connection.onRequest(BenchCancelRequest.type, ({ runId }) => {
    const run = active.get(runId);
    run?.controller.abort();
    return run !== undefined;
  });
  const list = connection.onRequest(BenchListRequest.type, ({ resultsDir }) => ({
    runs: listRuns(resultsDir, active, locale()),
  }));
  const read = connection.onRequest(BenchRunRequest.type, ({ runDir }) => {
    try {
      const run = readRun(runDir);
      const manifest = run.manifest && localizeManifest(run.manifest, locale());
      return { runDir, answers: run.answers.map((answer) => localizeAnswer(answer, locale())), ...(manifest ? { manifest } : {}), ...(run.summary ? { summary: run.summary } : {}) };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const question = connection.onRequest(BenchQuestionRequest.type, ({ runDir, id }) => {
    try {
      const run = readRun(runDir);
      const choices = run.manifest?.bench as BenchChoices | undefined;
      if (!choices) throw new UserError(msg('runNoDataset', runDir));
      const { questions } = loadQuestions(choices.dataset, choices.language);
      const found = questions.find((q) => q.id === id);
      if (!found) throw new UserError(msg('questionGone', id, choices.dataset));
      const record = run.answers.find((a) => a.id === id);
      return {
        id,
        stem: found.stem,
        choices: found.choices,
        prompt: promptText(getPromptFormat(choices.format).render(found)),
        ...(record ? { record: localizeAnswer(record, locale()) } : {}),
        ...(found.choiceBreakdown ? { choiceBreakdown: found.choiceBreakdown } : {}),
      };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const compare = connection.onRequest(BenchCompareRequest.type, ({ runA, runB }) => {
    try {
      return compareRuns(readRun(runA).answers, readRun(runB).answers);
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const dataset = connection.onRequest(BenchDatasetRequest.type, ({ dataset: spec, language }) => {
    try {
      return datasetFactsIn(loadQuestions(spec, language).facts, locale());
    } catch (error) {
      throw toResponseError(error, locale());
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
