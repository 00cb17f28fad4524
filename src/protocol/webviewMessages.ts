// Messages between the extension (src/extension/panel.ts) and the benchmark panel's webview
// (src/webview), typed once. The webview is a browser page showing model output and file
// contents, so everything it sends is checked here (parseWebviewMessage) before the extension acts
// on it: a malformed message is dropped and logged, and a valid one is rebuilt field by field so
// nothing unchecked rides along.
import type {
  BenchFinishedEvent,
  BenchProgressEvent,
  BenchQuestionDetail,
  BenchRunListing,
  DatasetFacts,
  RunComparison,
  ScoringMode,
  StoredRunInfo,
} from './benchProtocol';
import type { Language } from '../shared/language';

// The evaluation core's lists (plain constants in a Node-free module), for the form and the checks.
import { DATASET_KINDS, PROTOCOL_IDS, SCORING_MODES, type ProtocolId } from '../shared/benchmarkKinds';
export { DATASET_KINDS, PROTOCOL_IDS, SCORING_MODES };
export type { ProtocolId };
export const EXPORT_FORMATS = ['csv', 'json', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The language the exam is shown in. */
export type ExamLanguage = Language;

/** What the Configure form produces; BenchController.start adds the results folder. */
export interface BenchChoices {
  dataset: string;
  language: ExamLanguage;
  format: string;
  scoring: ScoringMode;
  /** The evaluation protocol; absent = medlocal (MedLocal's own scoring). */
  protocol?: ProtocolId;
  /** The first N questions, or a random N when `seed` is set. */
  limit?: number;
  seed?: number;
  /** Ask each question under `k` seeded orders of its choices (the CLI's --shuffle K --seed S). */
  shuffle?: { k: number; seed: number };
  parallel?: number;
}

export const LIMITS = {
  limit: { min: 1, max: 100_000 },
  seed: { min: 0, max: 0xffff_ffff },
  /** As MAX_SHUFFLE_PERMUTATIONS in the evaluation core. */
  shuffle: { min: 1, max: 50 },
  shuffleSeed: { min: 0, max: 0xffff_ffff },
  parallel: { min: 1, max: 64 },
} as const;

export interface ModelView {
  state: 'noServer' | 'noModel' | 'loading' | 'ready' | 'error';
  name?: string;
  quantization?: string;
  message?: string;
}

export interface FormatInfo {
  id: string;
  description: string;
  hash: string;
}

/** The run the panel follows (started from it, or seen running): its progress and its end. */
export interface FollowedRun {
  runId: string;
  runDir: string;
  total?: number;
  dataset?: DatasetFacts;
  progress?: BenchProgressEvent;
  finished?: BenchFinishedEvent;
  cancelling?: boolean;
}

/** The most runs one category chart takes (as MAX_CATEGORY_RUNS in the evaluation core's report). */
export const MAX_CHART_RUNS = 8;

export type ExportTarget =
  | { kind: 'run'; runDir: string }
  | { kind: 'compare'; runA: string; runB: string }
  /** The per-category table of 2 to MAX_CHART_RUNS runs. */
  | { kind: 'categories'; runDirs: string[] };

// ---- extension → webview ----------------------------------------------------------------------

export interface InitMessage {
  type: 'init';
  /** vscode.env.language: picks the string table. */
  locale: string;
  model: ModelView;
  formats: FormatInfo[];
  recentDatasets: string[];
  lastChoices: Partial<BenchChoices>;
  resultsDir: string;
  followed?: FollowedRun;
  /** A run to show now (medlocal.openBenchmark with a run folder). */
  showRun?: string;
}

/** A failed request as the panel shows it: the server's message and, when it sent one, the next step. */
export interface FailureText {
  error: string;
  next?: string;
}

export type ExtensionToWebview =
  | InitMessage
  | { type: 'model'; model: ModelView }
  | { type: 'formats'; formats: FormatInfo[] }
  | { type: 'runs'; resultsDir: string; runs: BenchRunListing[]; error?: string; next?: string }
  | { type: 'datasetFacts'; dataset: string; language: ExamLanguage; facts?: DatasetFacts; error?: string; next?: string }
  | { type: 'datasetChosen'; dataset: string }
  | { type: 'followed'; run: FollowedRun }
  | ({ type: 'startFailed'; facts?: DatasetFacts } & FailureText)
  | { type: 'run'; run: StoredRunInfo }
  | ({ type: 'runError'; runDir: string } & FailureText)
  | { type: 'question'; runDir: string; detail: BenchQuestionDetail }
  | ({ type: 'questionError'; runDir: string; id: string } & FailureText)
  | { type: 'comparison'; runA: StoredRunInfo; runB: StoredRunInfo; comparison: RunComparison }
  | ({ type: 'compareError'; runA: string; runB: string } & FailureText)
  /** The runs of a category chart, in the order asked. */
  | { type: 'categoryRuns'; runs: StoredRunInfo[] }
  | ({ type: 'categoryRunsError'; runDirs: string[] } & FailureText)
  | { type: 'showRun'; runDir: string };

// ---- webview → extension ----------------------------------------------------------------------

export type WebviewToExtension =
  | { type: 'ready' }
  | { type: 'refreshRuns' }
  | { type: 'loadRun'; runDir: string }
  | { type: 'question'; runDir: string; id: string }
  | { type: 'compare'; runA: string; runB: string }
  /** Per-category accuracy of 2 to MAX_CHART_RUNS distinct runs in one chart. */
  | { type: 'compareCategories'; runDirs: string[] }
  | { type: 'datasetFacts'; dataset: string; language: ExamLanguage }
  | { type: 'start'; choices: BenchChoices }
  | { type: 'cancel'; runId: string }
  | { type: 'resume'; runDir: string }
  | { type: 'export'; format: ExportFormat; target: ExportTarget }
  | { type: 'openFolder'; runDir: string }
  | { type: 'browse'; kind: 'folder' | 'file' }
  /** Import predictions made elsewhere (a file or a folder); `dataset` is the panel's current dataset choice. */
  | { type: 'importPredictions'; kind: 'folder' | 'file'; dataset?: string }
  | { type: 'changeModel' }
  /** What the results view shows after rendering a run's summary cards (the integration test reads it). */
  | { type: 'rendered'; runDir: string; summaryText: string }
  /** An error inside the webview script, for the extension's log. */
  | { type: 'webviewError'; message: string };

export type WebviewMessageType = WebviewToExtension['type'];

// ---- validation -------------------------------------------------------------------------------

const MAX_PATH = 4096;
const MAX_ID = 256;
const MAX_TEXT = 20_000;
/** Dataset arguments the server understands (see BenchStartParams.dataset). */
const DATASET = /^(?:sample|(?:igakuqa|medqa|medmcqa|jmedbench|jsonl|csv):.+)$/s;
// C0 controls (newline, NUL...) never occur in a path or id the panel can produce.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

class Invalid extends Error {}

type Fields = Record<string, unknown>;

function text(value: unknown, name: string, max: number, { allowControl = false } = {}): string {
  if (typeof value !== 'string') throw new Invalid(`${name} is not a string`);
  if (value.length === 0) throw new Invalid(`${name} is empty`);
  if (value.length > max) throw new Invalid(`${name} is longer than ${max} characters`);
  if (!allowControl && CONTROL.test(value)) throw new Invalid(`${name} contains control characters`);
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new Invalid(`${name} is not one of ${allowed.join(', ')}`);
  return value as T;
}

function wholeNumber(value: unknown, name: keyof typeof LIMITS): number | undefined {
  if (value === undefined) return undefined;
  const { min, max } = LIMITS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Invalid(`${name} is not a whole number from ${min} to ${max}`);
  return value;
}

function record(value: unknown, name: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Invalid(`${name} is not an object`);
  return value as Fields;
}

function dataset(value: unknown): string {
  const spec = text(value, 'dataset', MAX_PATH);
  if (!DATASET.test(spec)) throw new Invalid('dataset is not "sample" or KIND:PATH');
  return spec;
}

function choices(value: unknown): BenchChoices {
  const fields = record(value, 'choices');
  const limit = wholeNumber(fields.limit, 'limit');
  const seed = wholeNumber(fields.seed, 'seed');
  const parallel = wholeNumber(fields.parallel, 'parallel');
  if (seed !== undefined && limit === undefined) throw new Invalid('seed without limit');
  const shuffle = shuffleChoice(fields.shuffle);
  const protocol = fields.protocol === undefined ? undefined : oneOf(fields.protocol, 'protocol', PROTOCOL_IDS);
  return {
    dataset: dataset(fields.dataset),
    language: oneOf(fields.language, 'language', ['ja', 'en'] as const),
    format: text(fields.format, 'format', MAX_ID),
    scoring: oneOf(fields.scoring, 'scoring', SCORING_MODES),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(shuffle !== undefined ? { shuffle } : {}),
    ...(parallel !== undefined ? { parallel } : {}),
  };
}

function shuffleChoice(value: unknown): BenchChoices['shuffle'] {
  if (value === undefined) return undefined;
  const fields = record(value, 'shuffle');
  const k = wholeNumber(fields.k, 'shuffle');
  const seed = wholeNumber(fields.seed, 'shuffleSeed');
  if (k === undefined || seed === undefined) throw new Invalid('shuffle needs k and seed');
  return { k, seed };
}

/** 2 to MAX_CHART_RUNS distinct run folders. */
function chartRuns(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Invalid('runDirs is not a list');
  if (value.length < 2 || value.length > MAX_CHART_RUNS) throw new Invalid(`runDirs does not hold 2 to ${MAX_CHART_RUNS} runs`);
  const runDirs = value.map((item: unknown, index) => text(item, `runDirs[${index}]`, MAX_PATH));
  if (new Set(runDirs).size !== runDirs.length) throw new Invalid('runDirs names a run twice');
  return runDirs;
}

function exportTarget(value: unknown): ExportTarget {
  const fields = record(value, 'target');
  if (fields.kind === 'categories') return { kind: 'categories', runDirs: chartRuns(fields.runDirs) };
  if (fields.kind === 'run') return { kind: 'run', runDir: text(fields.runDir, 'runDir', MAX_PATH) };
  if (fields.kind === 'compare') return { kind: 'compare', runA: text(fields.runA, 'runA', MAX_PATH), runB: text(fields.runB, 'runB', MAX_PATH) };
  throw new Invalid('target.kind is not run, compare or categories');
}

function parseFields(fields: Fields): WebviewToExtension {
  const runDir = () => text(fields.runDir, 'runDir', MAX_PATH);
  switch (fields.type) {
    case 'ready':
    case 'refreshRuns':
    case 'changeModel':
      return { type: fields.type };
    case 'loadRun':
      return { type: 'loadRun', runDir: runDir() };
    case 'openFolder':
      return { type: 'openFolder', runDir: runDir() };
    case 'resume':
      return { type: 'resume', runDir: runDir() };
    case 'question':
      return { type: 'question', runDir: runDir(), id: text(fields.id, 'id', MAX_ID) };
    case 'compare': {
      const runA = text(fields.runA, 'runA', MAX_PATH);
      const runB = text(fields.runB, 'runB', MAX_PATH);
      if (runA === runB) throw new Invalid('runA and runB are the same run');
      return { type: 'compare', runA, runB };
    }
    case 'compareCategories':
      return { type: 'compareCategories', runDirs: chartRuns(fields.runDirs) };
    case 'datasetFacts':
      return { type: 'datasetFacts', dataset: dataset(fields.dataset), language: oneOf(fields.language, 'language', ['ja', 'en'] as const) };
    case 'start':
      return { type: 'start', choices: choices(fields.choices) };
    case 'cancel':
      return { type: 'cancel', runId: text(fields.runId, 'runId', MAX_ID) };
    case 'export':
      return { type: 'export', format: oneOf(fields.format, 'format', EXPORT_FORMATS), target: exportTarget(fields.target) };
    case 'browse':
      return { type: 'browse', kind: oneOf(fields.kind, 'kind', ['folder', 'file'] as const) };
    case 'importPredictions':
      return { type: 'importPredictions', kind: oneOf(fields.kind, 'kind', ['folder', 'file'] as const), ...(fields.dataset !== undefined ? { dataset: dataset(fields.dataset) } : {}) };
    case 'rendered':
      return { type: 'rendered', runDir: runDir(), summaryText: text(fields.summaryText, 'summaryText', MAX_TEXT, { allowControl: true }) };
    case 'webviewError':
      return { type: 'webviewError', message: text(fields.message, 'message', MAX_TEXT, { allowControl: true }) };
    default:
      throw new Invalid(`unknown message type ${JSON.stringify(String(fields.type)).slice(0, 80)}`);
  }
}

/**
 * Checks a message from the webview. Returns a fresh, well-typed copy, or undefined (and calls
 * `onInvalid` with the reason) when anything about it is wrong.
 */
export function parseWebviewMessage(value: unknown, onInvalid?: (reason: string) => void): WebviewToExtension | undefined {
  try {
    return parseFields(record(value, 'message'));
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const type = value !== null && typeof value === 'object' && typeof (value as Fields).type === 'string' ? ` (${String((value as Fields).type).slice(0, 40)})` : '';
    onInvalid?.(`dropped a malformed webview message${type}: ${error.message}`);
    return undefined;
  }
}

// ---- webview state (getState/setState, and what the serializer gets back after a reload) -----

export type PanelTab = 'configure' | 'results' | 'history' | 'compare';
export const PANEL_TABS: readonly PanelTab[] = ['configure', 'results', 'history', 'compare'];
export type CountMode = 'all' | 'first' | 'random';

export interface QuestionFilters {
  wrongOnly: boolean;
  /** '' = every category. */
  category: string;
  answers: 'any' | 'multi' | 'single';
  search: string;
}

export const NO_FILTERS: QuestionFilters = { wrongOnly: false, category: '', answers: 'any', search: '' };

export interface PanelState {
  version: 1;
  tab: PanelTab;
  choices: Partial<BenchChoices>;
  countMode: CountMode;
  /** The run shown under Results. */
  runDir?: string;
  /** The two runs shown under Compare. */
  compare?: [string, string];
  /** The runs of the category chart shown under Compare (instead of the two runs). */
  chartRuns?: string[];
  filters: QuestionFilters;
  /** Finished runs whose end the webview has already shown (so a reload does not jump again). */
  seenFinished?: string;
}

export const INITIAL_STATE: PanelState = { version: 1, tab: 'configure', choices: {}, countMode: 'all', filters: NO_FILTERS };

function optional<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof Invalid) return undefined;
    throw error;
  }
}

/**
 * State restored by VS Code (the serializer, getState) is stored data from an earlier session:
 * keep what still checks out, fall back to defaults for the rest.
 */
export function parsePanelState(value: unknown): PanelState {
  const fields = optional(() => record(value, 'state'));
  if (!fields || fields.version !== 1) return { ...INITIAL_STATE };
  const saved = optional(() => record(fields.choices, 'choices')) ?? {};
  const savedChoices: Partial<BenchChoices> = {};
  const ds = optional(() => dataset(saved.dataset));
  if (ds !== undefined) savedChoices.dataset = ds;
  const language = optional(() => oneOf(saved.language, 'language', ['ja', 'en'] as const));
  if (language) savedChoices.language = language;
  const fmt = optional(() => text(saved.format, 'format', MAX_ID));
  if (fmt) savedChoices.format = fmt;
  const scoring = optional(() => oneOf(saved.scoring, 'scoring', SCORING_MODES));
  if (scoring) savedChoices.scoring = scoring;
  const protocol = optional(() => oneOf(saved.protocol, 'protocol', PROTOCOL_IDS));
  if (protocol) savedChoices.protocol = protocol;
  for (const key of ['limit', 'seed', 'parallel'] as const) {
    const number = optional(() => wholeNumber(saved[key], key));
    if (number !== undefined) savedChoices[key] = number;
  }
  const shuffle = optional(() => shuffleChoice(saved.shuffle));
  if (shuffle) savedChoices.shuffle = shuffle;
  const filters = optional(() => record(fields.filters, 'filters')) ?? {};
  const compareA = optional(() => text((fields.compare as unknown[] | undefined)?.[0], 'runA', MAX_PATH));
  const compareB = optional(() => text((fields.compare as unknown[] | undefined)?.[1], 'runB', MAX_PATH));
  const runDir = optional(() => text(fields.runDir, 'runDir', MAX_PATH));
  const savedChartRuns = optional(() => chartRuns(fields.chartRuns));
  const seenFinished = optional(() => text(fields.seenFinished, 'seenFinished', MAX_ID));
  return {
    version: 1,
    tab: optional(() => oneOf(fields.tab, 'tab', PANEL_TABS)) ?? 'configure',
    choices: savedChoices,
    countMode: optional(() => oneOf(fields.countMode, 'countMode', ['all', 'first', 'random'] as const)) ?? 'all',
    ...(runDir ? { runDir } : {}),
    ...(compareA && compareB && compareA !== compareB ? { compare: [compareA, compareB] as [string, string] } : {}),
    ...(savedChartRuns ? { chartRuns: savedChartRuns } : {}),
    filters: {
      wrongOnly: filters.wrongOnly === true,
      category: typeof filters.category === 'string' ? filters.category.slice(0, MAX_ID) : '',
      answers: optional(() => oneOf(filters.answers, 'answers', ['any', 'multi', 'single'] as const)) ?? 'any',
      search: typeof filters.search === 'string' ? filters.search.slice(0, MAX_ID) : '',
    },
    ...(seenFinished ? { seenFinished } : {}),
  };
}
