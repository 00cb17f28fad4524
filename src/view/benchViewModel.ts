// What the benchmark panel shows, computed from plain run data: summary cards, per-block and
// per-category rows, model vs examinees, the question table and its filters, a question's
// drill-down, progress, history rows, the comparison of two runs, and the exports (CSV, JSON,
// Markdown). Pure: used by the webview (rendering) and the extension (exports), tested without
// either. The metrics themselves are the evaluation engine's (src/eval/metrics.ts), so the
// panel, the CLI and the run files agree to the digit.
import { summariseAnswers, wilsonInterval, type GroupStats, type RunSummary } from '../eval/metrics';
import { format, STRINGS, type Strings } from './strings';
import { markdownTableCell } from '../shared/foreignText';
import type {
  AnswerRecord,
  BenchProgressEvent,
  BenchQuestionDetail,
  BenchRunListing,
  RunComparison,
  RunManifest,
  StoredRunInfo,
} from '../protocol/benchProtocol';
import type { QuestionFilters } from '../protocol/webviewMessages';

export type { RunSummary };
const EN = STRINGS.en;

// ---- formatting -------------------------------------------------------------------------------

export const DASH = '—';

/** 0.7222 → "72.2%". */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** [0.559, 0.842] → "55.9–84.2%". */
export function intervalText(interval: readonly [number, number]): string {
  return `${(interval[0] * 100).toFixed(1)}–${(interval[1] * 100).toFixed(1)}%`;
}

/** A difference of proportions in percentage points: 0.056 → "+5.6 pt", -0.03 → "−3.0 pt". */
export function pointsText(difference: number): string {
  const rounded = Math.round(difference * 1000) / 10;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${Math.abs(rounded).toFixed(1)} pt`;
}

/** A signed interval in percentage points: "−2.1 to +13.4 pt". */
export function pointsIntervalText(interval: readonly [number, number]): string {
  return `${pointsText(interval[0]).replace(' pt', '')} to ${pointsText(interval[1])}`;
}

export function pValueText(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** 42 → "42s", 185 → "3m 05s", 3720 → "1h 02m". */
export function durationText(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(secs).padStart(2, '0')}s`;
  return `${secs}s`;
}

/** Zero-based choice indices → "a,c"; none → "—". */
export function choiceLetters(indices: readonly number[]): string {
  if (indices.length === 0) return DASH;
  return indices.map((index) => (index >= 0 && index < 26 ? String.fromCharCode(97 + index) : `#${index}`)).join(',');
}

/** ISO time → "2026-01-31 14:05" (local time, or UTC when asked: tests). */
export function dateText(iso: string | undefined, utc = false): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = utc
    ? [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()]
    : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes()];
  const [year, month, day, hour, minute] = parts.map((n) => String(n).padStart(2, '0'));
  return `${year}-${month}-${day} ${hour}:${minute}`;
}

/** The last part of a path, either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** `igakuqa:/data/IgakuQA/2018` → "igakuqa: 2018"; `sample` stays. */
export function datasetLabel(dataset: string | undefined): string {
  if (!dataset) return DASH;
  const colon = dataset.indexOf(':');
  if (colon === -1) return dataset;
  return `${dataset.slice(0, colon)}: ${baseName(dataset.slice(colon + 1))}`;
}

// ---- one run ------------------------------------------------------------------------------

export interface RunFacts {
  runDir: string;
  name: string;
  status: string;
  error?: string;
  model: string;
  quantization?: string;
  dataset: string;
  mode: string;
  format: string;
  formatHash?: string;
  startedAt?: string;
  version?: string;
  answered: number;
  /** Questions the run was meant to answer. */
  total?: number;
  /** Not every question is answered (cancelled, failed or still running). */
  partial: boolean;
}

interface BenchChoicesInManifest {
  dataset?: string;
}

interface ModelInManifest {
  name?: string;
  path?: string;
  quantization?: string;
}

export function runFacts(run: StoredRunInfo): RunFacts {
  const manifest: RunManifest | undefined = run.manifest;
  const model = (manifest?.model ?? {}) as ModelInManifest;
  const bench = (manifest?.bench ?? manifest?.cli ?? {}) as BenchChoicesInManifest;
  const total = manifest?.dataset.questions;
  const answered = run.answers.length;
  return {
    runDir: run.runDir,
    name: baseName(run.runDir),
    status: manifest?.status ?? (run.summary ? 'completed' : 'unknown'),
    ...(manifest?.error ? { error: manifest.error } : {}),
    model: model.name ?? (model.path ? baseName(model.path) : DASH),
    ...(model.quantization ? { quantization: model.quantization } : {}),
    dataset: bench.dataset ?? (manifest?.dataset.files.map((file) => file.path).join(', ') || DASH),
    mode: manifest?.scoring.mode ?? run.answers[0]?.mode ?? DASH,
    format: manifest?.format.id ?? DASH,
    ...(manifest?.format.hash ? { formatHash: manifest.format.hash } : {}),
    ...(manifest?.startedAt ? { startedAt: manifest.startedAt } : {}),
    ...(manifest?.medlocalVersion ? { version: manifest.medlocalVersion } : {}),
    answered,
    ...(total !== undefined ? { total } : {}),
    partial: total !== undefined ? answered < total : !run.summary,
  };
}

/** The stored summary of a completed run, else one computed from the answers so far. */
export function runSummary(run: StoredRunInfo): RunSummary {
  return run.summary ?? summariseAnswers(run.answers);
}

// ---- summary cards ------------------------------------------------------------------------

export type CardId = 'accuracy' | 'exactMatch' | 'gestalt' | 'points' | 'kinki' | 'multiAnswer' | 'human' | 'errors';

export interface SummaryCard {
  id: CardId;
  label: string;
  value: string;
  detail: string;
  tone: 'neutral' | 'warning' | 'bad';
}

export function summaryCards(summary: RunSummary, t: Strings = EN): SummaryCard[] {
  const cards: SummaryCard[] = [
    {
      id: 'accuracy',
      label: t.cardAccuracy,
      value: percent(summary.accuracy),
      detail: format(t.cardAccuracyDetail, summary.correct, summary.total, intervalText(summary.ci95)),
      tone: 'neutral',
    },
  ];
  if (summary.exactMatch) {
    cards.push({ id: 'exactMatch', label: t.cardExactMatch, value: percent(summary.exactMatch.rate), detail: format(t.cardCountDetail, summary.exactMatch.count, summary.total), tone: 'neutral' });
  }
  if (summary.gestalt) {
    cards.push({ id: 'gestalt', label: t.cardGestalt, value: percent(summary.gestalt.rate), detail: format(t.cardCountDetail, summary.gestalt.count, summary.total), tone: 'neutral' });
  }
  cards.push({
    id: 'points',
    label: t.cardPoints,
    value: `${summary.points.earned}/${summary.points.possible}`,
    detail: format(t.cardPointsDetail, percent(summary.points.rate)),
    tone: 'neutral',
  });
  cards.push({
    id: 'kinki',
    label: t.cardKinki,
    value: String(summary.kinki.picks),
    detail: format(t.cardKinkiDetail, summary.kinki.questionsWithPick, summary.kinki.questionsWithKinki),
    tone: summary.kinki.picks > 0 ? 'bad' : 'neutral',
  });
  if (summary.multiAnswer.n > 0) {
    cards.push({ id: 'multiAnswer', label: t.cardMultiAnswer, value: percent(summary.multiAnswer.accuracy), detail: format(t.cardCountDetail, summary.multiAnswer.correct, summary.multiAnswer.n), tone: 'neutral' });
  }
  if (summary.human) {
    cards.push({ id: 'human', label: t.cardHuman, value: percent(summary.human.humanAccuracy), detail: format(t.cardHumanDetail, percent(summary.human.modelAccuracy), summary.human.n), tone: 'neutral' });
  }
  if (summary.errors > 0) {
    cards.push({ id: 'errors', label: t.cardErrors, value: String(summary.errors), detail: t.cardErrorsDetail, tone: 'warning' });
  }
  return cards;
}

/** The cards as plain lines ("Accuracy: 72.2% (26/36 · 95% CI …)"): what the panel reports it shows. */
export function cardsText(cards: readonly Pick<SummaryCard, 'label' | 'value' | 'detail'>[]): string {
  return cards.map((card) => `${card.label}: ${card.value} (${card.detail})`).join('\n');
}

// ---- per block / category, model vs examinees ---------------------------------------------

export interface GroupRow {
  key: string;
  n: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  accuracyText: string;
  ciText: string;
  pointsText: string;
  humanAccuracy?: number;
  humanText: string;
}

export function groupRows(groups: Record<string, GroupStats>): GroupRow[] {
  return Object.entries(groups).map(([key, stats]) => ({
    key,
    n: stats.n,
    correct: stats.correct,
    accuracy: stats.accuracy,
    ci95: stats.ci95,
    accuracyText: percent(stats.accuracy),
    ciText: intervalText(stats.ci95),
    pointsText: `${stats.pointsEarned}/${stats.pointsPossible}`,
    ...(stats.humanAccuracy !== undefined ? { humanAccuracy: stats.humanAccuracy } : {}),
    humanText: stats.humanAccuracy !== undefined ? percent(stats.humanAccuracy) : DASH,
  }));
}

export interface HumanRow {
  key: string;
  /** Questions in the group that report examinee accuracy. */
  n: number;
  model: number;
  human: number;
  difference: number;
  modelText: string;
  humanText: string;
  differenceText: string;
}

/**
 * Model vs examinees (IgakuQA human_accuracy) per block or category, each on the questions that
 * report it, so both numbers cover the same questions. Groups without examinee data are left out.
 */
export function humanRows(answers: readonly AnswerRecord[], by: 'block' | 'category'): HumanRow[] {
  const groups = new Map<string, AnswerRecord[]>();
  for (const record of answers) {
    if (record.humanAccuracy === undefined) continue;
    const key = record[by] ?? '(none)';
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups.keys()].sort().map((key) => {
    const group = groups.get(key) ?? [];
    const model = group.filter((record) => record.correct).length / group.length;
    const human = group.reduce((sum, record) => sum + (record.humanAccuracy ?? 0), 0) / group.length / 100;
    return { key, n: group.length, model, human, difference: model - human, modelText: percent(model), humanText: percent(human), differenceText: pointsText(model - human) };
  });
}

// ---- the question table -------------------------------------------------------------------

export interface QuestionRow {
  id: string;
  block?: string;
  category?: string;
  gold: string;
  predicted: string;
  correct: boolean;
  multiAnswer: boolean;
  points: number;
  kinkiPicked: string;
  /** Examinees who answered correctly (0-1). */
  humanAccuracy?: number;
  /** Probability of the model's top choice (letter and likelihood modes). */
  confidence?: number;
  answerLine?: string;
  error?: string;
  /** Lower-cased, NFKC-normalised text the search box matches. */
  searchText: string;
}

function normaliseForSearch(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

export function questionRows(answers: readonly AnswerRecord[]): QuestionRow[] {
  return answers.map((record) => {
    const gold = choiceLetters(record.gold);
    const predicted = choiceLetters(record.predicted);
    const confidence = record.choiceProbs && record.choiceProbs.length > 0 ? Math.max(...record.choiceProbs) : undefined;
    const answerLine = record.answerLine ?? undefined;
    return {
      id: record.id,
      ...(record.block !== undefined ? { block: record.block } : {}),
      ...(record.category !== undefined ? { category: record.category } : {}),
      gold,
      predicted,
      correct: record.correct,
      multiAnswer: record.gold.length > 1,
      points: record.points,
      kinkiPicked: record.kinkiPicked.length > 0 ? choiceLetters(record.kinkiPicked) : '',
      ...(record.humanAccuracy !== undefined ? { humanAccuracy: record.humanAccuracy / 100 } : {}),
      ...(confidence !== undefined ? { confidence } : {}),
      ...(answerLine !== undefined ? { answerLine } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      searchText: normaliseForSearch([record.id, record.block, record.category, gold, predicted, answerLine, record.error].filter(Boolean).join(' ')),
    };
  });
}

export function filterQuestionRows(rows: readonly QuestionRow[], filters: QuestionFilters): QuestionRow[] {
  const terms = normaliseForSearch(filters.search).split(/\s+/).filter(Boolean);
  return rows.filter(
    (row) =>
      (!filters.wrongOnly || !row.correct) &&
      (filters.category === '' || (row.category ?? '') === filters.category) &&
      (filters.answers === 'any' || (filters.answers === 'multi') === row.multiAnswer) &&
      terms.every((term) => row.searchText.includes(term)),
  );
}

/** Categories for the filter, sorted. */
export function categoriesOf(rows: readonly QuestionRow[]): string[] {
  return [...new Set(rows.map((row) => row.category).filter((category): category is string => category !== undefined))].sort();
}

// ---- drill-down ---------------------------------------------------------------------------

export interface ChoiceView {
  letter: string;
  text: string;
  gold: boolean;
  predicted: boolean;
  kinki: boolean;
  probability?: number;
  gestalt?: number;
  /** Examinees choosing it (0-1). */
  examinees?: number;
}

export interface QuestionDetailView {
  id: string;
  stem: string;
  prompt: string;
  choices: ChoiceView[];
  gold: string;
  predicted: string;
  correct?: boolean;
  output?: string;
  answerLine?: string;
  error?: string;
  humanAccuracy?: number;
}

export function questionDetailView(detail: BenchQuestionDetail): QuestionDetailView {
  const record = detail.record;
  const gold = record?.gold ?? [];
  return {
    id: detail.id,
    stem: detail.stem,
    prompt: detail.prompt,
    choices: detail.choices.map((text, index) => {
      const probability = record?.choiceProbs?.[index];
      const gestalt = record?.gestaltScores?.[index];
      const examinees = detail.choiceBreakdown?.[index];
      return {
        letter: choiceLetters([index]),
        text,
        gold: gold.includes(index),
        predicted: record?.predicted.includes(index) ?? false,
        kinki: record?.kinki.includes(index) ?? false,
        ...(probability !== undefined ? { probability } : {}),
        ...(gestalt !== undefined ? { gestalt } : {}),
        ...(examinees !== undefined ? { examinees: examinees / 100 } : {}),
      };
    }),
    gold: choiceLetters(gold),
    predicted: record ? choiceLetters(record.predicted) : DASH,
    ...(record ? { correct: record.correct } : {}),
    ...(record?.response !== undefined ? { output: record.response } : {}),
    ...(record?.answerLine !== undefined ? { answerLine: record.answerLine } : {}),
    ...(record?.error !== undefined ? { error: record.error } : {}),
    ...(record?.humanAccuracy !== undefined ? { humanAccuracy: record.humanAccuracy / 100 } : {}),
  };
}

// ---- progress -----------------------------------------------------------------------------

export interface ProgressView {
  done: number;
  total: number;
  fraction: number;
  countText: string;
  accuracyText: string;
  tokensText?: string;
  etaText?: string;
  currentText?: string;
}

export function progressView(event: BenchProgressEvent, t: Strings = EN): ProgressView {
  return {
    done: event.done,
    total: event.total,
    fraction: event.total > 0 ? Math.min(1, event.done / event.total) : 0,
    countText: format(t.progressCount, event.done, event.total),
    accuracyText: format(t.progressAccuracy, percent(event.accuracy), intervalText(event.ci95)),
    ...(event.tokensPerSecond !== null ? { tokensText: format(t.tokensPerSecond, event.tokensPerSecond.toFixed(1)) } : {}),
    ...(event.etaSeconds !== null ? { etaText: format(t.eta, durationText(event.etaSeconds)) } : {}),
    ...(event.current ? { currentText: format(t.currentQuestion, event.current) } : {}),
  };
}

// ---- history ------------------------------------------------------------------------------

export interface HistoryRow {
  runDir: string;
  name: string;
  status: BenchRunListing['status'];
  model: string;
  dataset: string;
  datasetLabel: string;
  mode: string;
  format: string;
  date: string;
  score: string;
  answered: string;
  /** Cancelled or failed (interrupted runs are listed as cancelled): Resume continues it. */
  resumable: boolean;
  damaged: boolean;
  problem?: string;
  /** Has answers that can be read and compared. */
  comparable: boolean;
}

export function historyRows(runs: readonly BenchRunListing[], utc = false): HistoryRow[] {
  return runs.map((run) => ({
    runDir: run.runDir,
    name: baseName(run.runDir),
    status: run.status,
    model: run.model ? baseName(run.model) : DASH,
    dataset: run.dataset ?? DASH,
    datasetLabel: datasetLabel(run.dataset),
    mode: run.mode ?? DASH,
    format: run.format ?? DASH,
    date: dateText(run.startedAt, utc),
    score: run.accuracy !== undefined ? `${percent(run.accuracy)}${run.ci95 ? ` (${intervalText(run.ci95)})` : ''}` : DASH,
    answered: run.answered !== undefined ? `${run.answered}/${run.total ?? '?'}` : DASH,
    resumable: run.status === 'cancelled' || run.status === 'failed',
    damaged: run.status === 'damaged',
    ...(run.problem ? { problem: run.problem } : {}),
    comparable: run.status !== 'damaged' && (run.answered ?? 0) > 0,
  }));
}

export function statusLabel(status: string, t: Strings = EN): string {
  switch (status) {
    case 'completed':
      return t.statusCompleted;
    case 'cancelled':
      return t.statusCancelled;
    case 'failed':
      return t.statusFailed;
    case 'running':
      return t.statusRunning;
    case 'damaged':
      return t.statusDamaged;
    default:
      return status;
  }
}

// ---- comparing two runs -------------------------------------------------------------------

/**
 * 95% interval for the difference of two paired proportions, p_B − p_A, from the 2×2 table of the
 * questions both runs answered (Newcombe 1998, method 10: Wilson intervals of each proportion
 * combined with the pairs' phi correlation). Unlike the Wald interval it stays inside [−1, 1] and
 * does not collapse to a point when no question changed.
 *
 * @param both   right in A and B      @param aOnly right in A only (right → wrong)
 * @param bOnly  right in B only       @param neither wrong in both
 */
export function pairedDifferenceInterval(both: number, aOnly: number, bOnly: number, neither: number): [number, number] {
  const n = both + aOnly + bOnly + neither;
  if (n === 0) return [-1, 1];
  const pB = (both + bOnly) / n;
  const pA = (both + aOnly) / n;
  const [lowB, highB] = wilsonInterval(both + bOnly, n);
  const [lowA, highA] = wilsonInterval(both + aOnly, n);
  const marginals = (both + aOnly) * (bOnly + neither) * (both + bOnly) * (aOnly + neither);
  // Newcombe's phi: the numerator ad − bc shrunk by n/2 when positive (a continuity correction), 0 in between.
  const cross = both * neither - aOnly * bOnly;
  const corrected = cross > n / 2 ? cross - n / 2 : cross < 0 ? cross : 0;
  const phi = marginals === 0 ? 0 : corrected / Math.sqrt(marginals);
  const difference = pB - pA;
  const below = Math.sqrt(Math.max(0, (pB - lowB) ** 2 - 2 * phi * (pB - lowB) * (highA - pA) + (highA - pA) ** 2));
  const above = Math.sqrt(Math.max(0, (highB - pB) ** 2 - 2 * phi * (highB - pB) * (pA - lowA) + (pA - lowA) ** 2));
  return [Math.max(-1, difference - below), Math.min(1, difference + above)];
}

export interface CompareGroupRow {
  key: string;
  n: number;
  accuracyA: number;
  accuracyB: number;
  difference: number;
  differenceCi: [number, number];
  accuracyAText: string;
  accuracyBText: string;
  differenceText: string;
  differenceCiText: string;
}

export interface CompareView {
  common: number;
  onlyInA: string[];
  onlyInB: string[];
  accuracyA: number;
  accuracyB: number;
  ciA: [number, number];
  ciB: [number, number];
  difference: number;
  differenceCi: [number, number];
  bothCorrect: number;
  bothWrong: number;
  rightToWrong: string[];
  wrongToRight: string[];
  mcnemarP: number;
  significant: boolean;
  /** Per category, on the questions both runs answered. */
  categories: CompareGroupRow[];
}

function compareGroup(key: string, pairs: ReadonlyArray<[AnswerRecord, AnswerRecord]>): CompareGroupRow {
  let both = 0;
  let aOnly = 0;
  let bOnly = 0;
  let neither = 0;
  for (const [a, b] of pairs) {
    if (a.correct && b.correct) both += 1;
    else if (a.correct) aOnly += 1;
    else if (b.correct) bOnly += 1;
    else neither += 1;
  }
  const n = pairs.length;
  const accuracyA = n === 0 ? 0 : (both + aOnly) / n;
  const accuracyB = n === 0 ? 0 : (both + bOnly) / n;
  const differenceCi = pairedDifferenceInterval(both, aOnly, bOnly, neither);
  return {
    key,
    n,
    accuracyA,
    accuracyB,
    difference: accuracyB - accuracyA,
    differenceCi,
    accuracyAText: percent(accuracyA),
    accuracyBText: percent(accuracyB),
    differenceText: pointsText(accuracyB - accuracyA),
    differenceCiText: pointsIntervalText(differenceCi),
  };
}

export function compareView(comparison: RunComparison, answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): CompareView {
  const byIdB = new Map(answersB.map((record) => [record.id, record]));
  const pairs: Array<[AnswerRecord, AnswerRecord]> = [];
  for (const a of answersA) {
    const b = byIdB.get(a.id);
    if (b) pairs.push([a, b]);
  }
  const byCategory = new Map<string, Array<[AnswerRecord, AnswerRecord]>>();
  for (const pair of pairs) {
    const key = pair[0].category ?? '(none)';
    const group = byCategory.get(key);
    if (group) group.push(pair);
    else byCategory.set(key, [pair]);
  }
  const n = comparison.common;
  const correctA = comparison.bothCorrect + comparison.rightToWrong.length;
  const correctB = comparison.bothCorrect + comparison.wrongToRight.length;
  return {
    common: n,
    onlyInA: comparison.onlyInA,
    onlyInB: comparison.onlyInB,
    accuracyA: comparison.accuracyA,
    accuracyB: comparison.accuracyB,
    ciA: wilsonInterval(correctA, n),
    ciB: wilsonInterval(correctB, n),
    difference: comparison.accuracyB - comparison.accuracyA,
    differenceCi: pairedDifferenceInterval(comparison.bothCorrect, comparison.rightToWrong.length, comparison.wrongToRight.length, comparison.bothWrong),
    bothCorrect: comparison.bothCorrect,
    bothWrong: comparison.bothWrong,
    rightToWrong: comparison.rightToWrong,
    wrongToRight: comparison.wrongToRight,
    mcnemarP: comparison.mcnemarP,
    significant: comparison.mcnemarP < 0.05,
    categories: [...byCategory.keys()].sort().map((key) => compareGroup(key, byCategory.get(key) ?? [])),
  };
}

// ---- exports: CSV -------------------------------------------------------------------------

/** Excel reads UTF-8 (Japanese categories, model output) correctly only with a byte order mark. */
export const CSV_BOM = '\uFEFF';

/**
 * One CSV field. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: model output is untrusted text (CSV injection).
 */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toFixed(6))) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvLines(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | undefined>>): string {
  return [header.join(','), ...rows.map((row) => row.map(csvField).join(','))].join('\r\n') + '\r\n';
}

export const ANSWERS_CSV_HEADER = [
  'id',
  'block',
  'category',
  'source',
  'language',
  'mode',
  'points',
  'gold',
  'predicted',
  'correct',
  'multi_answer',
  'kinki_picked',
  'human_accuracy',
  'confidence',
  'exact_match',
  'answer_line',
  'tokens',
  'elapsed_ms',
  'error',
] as const;

/** One row per question (latest answer), machine-readable headers whatever the display language. */
export function answersToCsv(answers: readonly AnswerRecord[]): string {
  return csvLines(
    ANSWERS_CSV_HEADER,
    answers.map((record) => [
      record.id,
      record.block,
      record.category,
      record.source,
      record.language,
      record.mode,
      record.points,
      choiceLetters(record.gold).replace(DASH, ''),
      choiceLetters(record.predicted).replace(DASH, ''),
      record.correct,
      record.gold.length > 1,
      record.kinkiPicked.length > 0 ? choiceLetters(record.kinkiPicked) : '',
      record.humanAccuracy !== undefined ? record.humanAccuracy / 100 : undefined,
      record.choiceProbs && record.choiceProbs.length > 0 ? Math.max(...record.choiceProbs) : undefined,
      record.exactMatch,
      record.answerLine,
      record.tokens,
      record.elapsedMs,
      record.error,
    ]),
  );
}

export const COMPARISON_CSV_HEADER = ['id', 'category', 'a_predicted', 'a_correct', 'b_predicted', 'b_correct', 'change'] as const;

/** One row per question both runs answered: what each predicted and whether it flipped. */
export function comparisonToCsv(answersA: readonly AnswerRecord[], answersB: readonly AnswerRecord[]): string {
  const byIdB = new Map(answersB.map((record) => [record.id, record]));
  const rows: Array<Array<string | boolean | undefined>> = [];
  for (const a of answersA) {
    const b = byIdB.get(a.id);
    if (!b) continue;
    const change = a.correct === b.correct ? (a.correct ? 'both_right' : 'both_wrong') : a.correct ? 'right_to_wrong' : 'wrong_to_right';
    rows.push([a.id, a.category, choiceLetters(a.predicted).replace(DASH, ''), a.correct, choiceLetters(b.predicted).replace(DASH, ''), b.correct, change]);
  }
  return csvLines(COMPARISON_CSV_HEADER, rows);
}

// ---- exports: JSON ------------------------------------------------------------------------

export function runToJson(run: StoredRunInfo): string {
  const facts = runFacts(run);
  return JSON.stringify({ kind: 'medlocal-benchmark-run', runDir: run.runDir, status: facts.status, manifest: run.manifest ?? null, summary: runSummary(run), answers: run.answers }, null, 2) + '\n';
}

export function comparisonToJson(runA: StoredRunInfo, runB: StoredRunInfo, comparison: RunComparison): string {
  const view = compareView(comparison, runA.answers, runB.answers);
  const { categories, ...overall } = view;
  return JSON.stringify({ kind: 'medlocal-benchmark-comparison', runA: runA.runDir, runB: runB.runDir, ...overall, categories }, null, 2) + '\n';
}

// ---- exports: Markdown --------------------------------------------------------------------

/**
 * A table cell: pipes escaped, line breaks folded, so one value stays one cell; HTML, links and
 * emphasis escaped, since model names, dataset paths and errors are foreign text.
 */
export function markdownCell(value: string | number): string {
  return markdownTableCell(String(value)) || ' ';
}

/** A GitHub-flavoured Markdown table; numeric columns (align 'r') right-aligned. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, align: string = ''): string {
  const rule = header.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

function groupTable(title: string, groups: Record<string, GroupStats>, t: Strings): string {
  const rows = groupRows(groups);
  if (rows.length === 0 || (rows.length === 1 && rows[0]?.key === '(none)')) return '';
  const withHuman = rows.some((row) => row.humanAccuracy !== undefined);
  const header = [title, t.colN, t.colCorrect, t.colAccuracy, t.colCi, t.colPoints, ...(withHuman ? [t.colHuman] : [])];
  const body = rows.map((row) => [row.key, row.n, row.correct, row.accuracyText, row.ciText, row.pointsText, ...(withHuman ? [row.humanText] : [])]);
  return markdownTable(header, body, 'lrrrrrr');
}

export function runToMarkdown(run: StoredRunInfo, t: Strings = EN): string {
  const facts = runFacts(run);
  const summary = runSummary(run);
  const sections: string[] = [`# ${t.mdTitle}`];
  sections.push(
    markdownTable(
      [t.mdField, t.mdValue],
      [
        [t.colModel, facts.quantization ? `${facts.model} (${facts.quantization})` : facts.model],
        [t.colDataset, facts.dataset],
        [t.colMode, facts.mode],
        [t.mdFormat, facts.formatHash ? `${facts.format} (${facts.formatHash.slice(0, 12)})` : facts.format],
        [t.mdQuestions, facts.total !== undefined ? `${facts.answered}/${facts.total}` : facts.answered],
        [t.mdStatus, statusLabel(facts.status, t) + (facts.error ? `: ${facts.error}` : '')],
        [t.mdStarted, dateText(facts.startedAt)],
        [t.mdRunFolder, facts.runDir],
        ...(facts.version ? [[t.mdVersion, facts.version]] : []),
      ],
    ),
  );
  sections.push(`## ${t.mdSummary}`, markdownTable([t.mdMetric, t.mdValue], summaryCards(summary, t).map((card) => [card.label, `${card.value} (${card.detail})`]), 'lr'));
  const blocks = groupTable(t.colBlock, summary.byBlock, t);
  if (blocks) sections.push(`## ${t.mdByBlock}`, blocks);
  const categories = groupTable(t.colCategory, summary.byCategory, t);
  if (categories) sections.push(`## ${t.mdByCategory}`, categories);
  const human = humanRows(run.answers, 'block');
  if (human.length > 0) {
    sections.push(
      `## ${t.mdModelVsHuman}`,
      markdownTable(
        [t.colBlock, t.colN, t.seriesModel, t.seriesHuman, t.colDifference],
        human.map((row) => [row.key, row.n, row.modelText, row.humanText, row.differenceText]),
        'lrrrr',
      ),
    );
  }
  sections.push(`> ${t.mdNote}`);
  return sections.join('\n\n') + '\n';
}

export function comparisonToMarkdown(runA: StoredRunInfo, runB: StoredRunInfo, comparison: RunComparison, t: Strings = EN): string {
  const view = compareView(comparison, runA.answers, runB.answers);
  const factsA = runFacts(runA);
  const factsB = runFacts(runB);
  const sections: string[] = [`# ${t.mdCompareTitle}`];
  sections.push(
    markdownTable(
      ['', t.colModel, t.colDataset, t.colMode, t.mdFormat, t.mdStarted, t.mdRunFolder],
      [
        [t.runA, factsA.model, factsA.dataset, factsA.mode, factsA.format, dateText(factsA.startedAt), factsA.name],
        [t.runB, factsB.model, factsB.dataset, factsB.mode, factsB.format, dateText(factsB.startedAt), factsB.name],
      ],
    ),
  );
  sections.push(
    `## ${t.mdSummary}`,
    markdownTable(
      [t.mdMetric, t.mdValue],
      [
        [format(t.compareCommon, view.common), ''],
        [`${t.colAccuracy} ${t.runA}`, `${percent(view.accuracyA)} (${intervalText(view.ciA)})`],
        [`${t.colAccuracy} ${t.runB}`, `${percent(view.accuracyB)} (${intervalText(view.ciB)})`],
        [t.compareDelta, `${pointsText(view.difference)} (95% CI ${pointsIntervalText(view.differenceCi)})`],
        [t.compareBothRight, view.bothCorrect],
        [t.compareBothWrong, view.bothWrong],
        [format(t.flipsRightToWrong, view.rightToWrong.length), view.rightToWrong.length],
        [format(t.flipsWrongToRight, view.wrongToRight.length), view.wrongToRight.length],
        [format(t.compareMcnemar, pValueText(view.mcnemarP)), view.significant ? t.compareSignificant : t.compareNotSignificant],
        ...(view.onlyInA.length + view.onlyInB.length > 0 ? [[format(t.compareOnly, view.onlyInA.length, view.onlyInB.length), '']] : []),
      ],
      'lr',
    ),
  );
  if (view.categories.length > 1 || (view.categories[0] && view.categories[0].key !== '(none)')) {
    sections.push(
      `## ${t.mdByCategory}`,
      markdownTable(
        [t.colCategory, t.colN, t.runA, t.runB, t.compareDelta, t.colCi],
        view.categories.map((row) => [row.key, row.n, row.accuracyAText, row.accuracyBText, row.differenceText, row.differenceCiText]),
        'lrrrrr',
      ),
    );
  }
  if (view.rightToWrong.length + view.wrongToRight.length > 0) {
    sections.push(
      `## ${t.mdFlips}`,
      markdownTable(
        [t.colQuestion, t.colCategory, t.runA, t.runB],
        [...view.rightToWrong, ...view.wrongToRight].map((id) => {
          const a = runA.answers.find((record) => record.id === id);
          const b = runB.answers.find((record) => record.id === id);
          const mark = (record: AnswerRecord | undefined) => (record ? `${choiceLetters(record.predicted)} ${record.correct ? '✓' : '✗'}` : DASH);
          return [id, a?.category ?? DASH, mark(a), mark(b)];
        }),
      ),
    );
  }
  sections.push(`> ${t.mdCompareNote}`);
  return sections.join('\n\n') + '\n';
}
