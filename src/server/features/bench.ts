// Benchmark runs inside the language server, for the command and the panel: start (progress and
// the end come as notifications; a run goes on while the panel is closed), cancel, list the run
// folders, read one, drill into a question, compare two. The engine, runner and files are the same
// as the CLI's (src/eval).
import { join } from 'node:path';
import type { Connection, Disposable } from 'vscode-languageserver';
import {
  BenchCancelRequest,
  BenchCompareRequest,
  BenchDatasetRequest,
  BenchFinishedNotification,
  BenchFormatsRequest,
  BenchImportRequest,
  BenchPredictionsInfoRequest,
  BenchListRequest,
  BenchProgressNotification,
  BenchQuestionRequest,
  BenchRunRequest,
  BenchStartRequest,
  type BenchStartParams,
} from '../../protocol/benchProtocol';
import {
  compareRuns,
  type getPromptFormat,
  listPromptFormats,
  loadDataset,
  parseDatasetArgument,
  readRunAsync,
  runBenchmark,
  summariseDataset,
  wilsonInterval,
  datasetFactsIn,
  noUsableQuestions,
  RunInterruptedError,
  keptSentence,
  type AnswerRecord,
  type DatasetSummary,
  type Question,
  type RunManifest,
} from '../../eval/index';
import { format, isMessage, msg, type Locale, type Message } from '../../shared/messages/index';
import { errorMessage, UserError } from '../../shared/userError';
import { checkRunnable, planRun, recipeDifferences, recipeFromManifest, RECIPE_KEY, runFolderName, type RunRecipe } from '../../eval/plan';
import { listRuns } from '../../eval/runListing';
import { describePredictions, scoreImportedPredictions } from '../../eval/protocols/scoreImport';
import type { ModelHost } from '../modelHost';
import { toResponseError } from './cancellation';

interface ActiveRun {
  controller: AbortController;
  runDir: string;
}

export function loadQuestions(dataset: string, language: 'ja' | 'en' | undefined): { questions: Question[]; facts: DatasetSummary; files: string[] } {
  const spec = { ...parseDatasetArgument(dataset), ...(language ? { language } : {}) };
  const loaded = loadDataset(spec);
  return { questions: loaded.questions, facts: summariseDataset(loaded), files: loaded.files };
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

/** A run stopped by a failed write (disk full): what happened, what is kept, and the panel's way on. */
export function interruptedMessage(error: RunInterruptedError): Message {
  return msg('benchInterrupted', error.reason, keptSentence(error.kept));
}

/** The recipe of a new run started from the panel or the command (the CLI builds the same shape from its flags). */
export function recipeFromStartParams(params: BenchStartParams): RunRecipe {
  return {
    dataset: params.dataset,
    ...(params.language ? { language: params.language } : {}),
    ...(params.format ? { format: params.format } : {}),
    scoring: params.scoring,
    ...(params.protocol ? { protocol: params.protocol } : {}),
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    ...(params.shuffle !== undefined ? { shuffle: { k: params.shuffle.k, seed: params.shuffle.seed } } : {}),
  };
}

export function registerBench(connection: Connection, host: ModelHost, log: (message: string) => void, locale: () => Locale): Disposable {
  const active = new Map<string, ActiveRun>();
  let counter = 0;

  const start = connection.onRequest(BenchStartRequest.type, async (params) => {
    try {
      // A run started anywhere (the panel, the command, the CLI) resumes with the recipe it stored.
      const stored = params.resumeDir ? recipeFromManifest((await readRunAsync(params.resumeDir)).manifest) : undefined;
      if (params.resumeDir && !stored) throw new UserError(msg('benchNoRecipe', params.resumeDir));
      // Asked to resume with other numbers-changing options (protocol, shuffle, scoring, dataset...): refused, naming both.
      const [differs] = stored && params.resumeDir ? recipeDifferences(stored, recipeFromStartParams(params)) : [];
      if (differs && params.resumeDir) throw new UserError(msg('resumeRecipeDiffers', params.resumeDir, `${differs.field} ${differs.stored}`, `${differs.field} ${differs.given}`), msg('nextResumeSameRecipePanel'));
      const recipe: RunRecipe = stored ?? recipeFromStartParams(params);
      const plan = planRun(recipe);
      const { questions, format: promptFormat, files } = plan;
      const facts = plan.available;
      if (questions.length === 0) throw new UserError(noUsableQuestions(recipe.dataset, facts));
      checkRunnable(plan);
      const engine = await host.getEngine();
      const info = host.info;
      const runId = `run-${process.pid}-${++counter}`;
      const runDir = params.resumeDir ?? join(params.resultsDir, `${runFolderName(recipe, info?.model.name ?? 'model', new Date())}-${counter}`);
      const controller = new AbortController();
      active.set(runId, { controller, runDir });
      // The engine process died: the run stops as a cancel does (no answer recorded for the
      // questions in flight, the manifest says 'cancelled'), so a resume loses nothing.
      let engineStopped: string | undefined;
      const unsubscribe = engine.onStopped?.((error, how) => {
        engineStopped = how;
        controller.abort(error);
      });
      // Answers kept so far (resumed ones included): what a failed run still holds.
      let kept = 0;
      log(`benchmark ${runId}: ${questions.length} questions, ${recipe.scoring}, parallel ${params.parallel ?? 1} → ${runDir}`);
      void runBenchmark({
        engine,
        questions,
        format: promptFormat,
        scoring: recipe.scoring,
        ...(recipe.protocol ? { protocol: recipe.protocol } : {}),
        parallel: Math.max(1, Math.min(params.parallel ?? 1, info?.sequences ?? 1)),
        outDir: runDir,
        ...(params.resumeDir ? { resumeDir: params.resumeDir } : {}),
        signal: controller.signal,
        datasetFiles: files,
        ...(recipe.shuffle ? { shuffle: recipe.shuffle } : {}),
        manifestExtras: { model: info ? { ...info.model, backend: info.backend, gpuLayers: info.gpuLayers, threads: info.threads, loraAdapters: info.loraAdapters } : undefined, [RECIPE_KEY]: recipe },
        onProgress: (progress) => {
          kept = progress.done;
          const correct = Math.round(progress.accuracy * progress.done);
          void connection.sendNotification(BenchProgressNotification.type, { ...progress, runId, runDir, ci95: wilsonInterval(correct, progress.done) });
        },
      })
        .then((result) => {
          if (engineStopped !== undefined && result.status !== 'completed') {
            const message = msg('benchEngineStopped', engineStopped, result.answers.length, result.runDir, result.runDir);
            log(`benchmark ${runId} stopped: ${format('en', message)}`);
            return connection.sendNotification(BenchFinishedNotification.type, { runId, runDir: result.runDir, status: 'failed', error: format(locale(), message), answered: result.answers.length });
          }
          return connection.sendNotification(BenchFinishedNotification.type, { runId, runDir: result.runDir, status: result.status, answered: result.answers.length, ...(result.summary ? { summary: result.summary } : {}) });
        })
        .catch((error: unknown) => {
          const message = error instanceof RunInterruptedError ? interruptedMessage(error) : errorMessage(error);
          const answered = error instanceof RunInterruptedError ? error.kept : kept;
          log(`benchmark ${runId} failed: ${format('en', message)}`);
          return connection.sendNotification(BenchFinishedNotification.type, { runId, runDir, status: 'failed', error: format(locale(), message), answered });
        })
        .finally(() => {
          unsubscribe?.();
          active.delete(runId);
        });
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
  const list = connection.onRequest(BenchListRequest.type, async ({ resultsDir }) => ({
    runs: await listRuns(resultsDir, new Set([...active.values()].map((run) => run.runDir)), locale()),
  }));
  const read = connection.onRequest(BenchRunRequest.type, async ({ runDir }) => {
    try {
      const run = await readRunAsync(runDir);
      const manifest = run.manifest && localizeManifest(run.manifest, locale());
      return { runDir, answers: run.answers.map((answer) => localizeAnswer(answer, locale())), ...(manifest ? { manifest } : {}), ...(run.summary ? { summary: run.summary } : {}) };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const question = connection.onRequest(BenchQuestionRequest.type, async ({ runDir, id }) => {
    try {
      const run = await readRunAsync(runDir);
      const recipe = recipeFromManifest(run.manifest);
      if (!recipe) throw new UserError(msg('runNoDataset', runDir));
      // Every question of the dataset (not just the run's sample), in the run's own prompt format.
      const { limit: _limit, seed: _seed, ...wholeDataset } = recipe;
      const plan = planRun(wholeDataset);
      const questions = plan.questions;
      const found = questions.find((q) => q.id === id);
      if (!found) throw new UserError(msg('questionGone', id, recipe.dataset));
      // A shuffled run holds one answer per permutation: the drill-down shows permutation 0's.
      const record = run.answers.find((a) => a.id === id && (a.permutation ?? 0) === 0);
      return {
        id,
        stem: found.stem,
        choices: found.choices,
        prompt: promptText(plan.format.render(found)),
        ...(record ? { record: localizeAnswer(record, locale()) } : {}),
        ...(found.choiceBreakdown ? { choiceBreakdown: found.choiceBreakdown } : {}),
      };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const compare = connection.onRequest(BenchCompareRequest.type, async ({ runA, runB }) => {
    try {
      return compareRuns((await readRunAsync(runA)).answers, (await readRunAsync(runB)).answers);
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
  const importRun = connection.onRequest(BenchImportRequest.type, (params) => {
    try {
      const result = scoreImportedPredictions({ ...params, now: new Date() });
      log(`imported predictions under ${result.protocol}: ${result.summary.total} questions, ${result.issues.length} issues → ${result.runDir}`);
      const issues = result.issues.map((issue) => `${issue.where}: ${issue.id !== undefined ? `${issue.id}: ` : ''}${format(locale(), issue.problem)}`);
      return { runDir: result.runDir, protocol: result.protocol, summary: result.summary, issues };
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const predictionsInfo = connection.onRequest(BenchPredictionsInfoRequest.type, ({ predictions }) => {
    try {
      return describePredictions(predictions);
    } catch (error) {
      throw toResponseError(error, locale());
    }
  });
  const formats = connection.onRequest(BenchFormatsRequest.type, () => listPromptFormats().map((f) => ({ id: f.id, description: f.description, hash: f.hash })));

  return {
    dispose: () => {
      for (const run of active.values()) run.controller.abort();
      for (const d of [start, cancel, list, read, question, compare, dataset, formats, importRun, predictionsInfo]) d.dispose();
    },
  };
}
