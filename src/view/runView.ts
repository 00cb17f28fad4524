// One run as the panel shows it: its facts (model, data, format, status), the summary cards, the
// per-block and per-category rows, model vs examinees, live progress, and the rows of the history.
import type { GroupStats, RunSummary } from '../eval/metrics';
import { runStatus, runSummary } from '../eval/report/json';
import { format, STRINGS, type Strings } from './strings';
import { baseName, dateText, datasetLabel, DASH, durationText, intervalText, percent, pointsText } from './format';
import type { AnswerRecord, BenchProgressEvent, BenchRunListing, RunManifest, StoredRunInfo } from '../protocol/benchProtocol';

export type { RunSummary };
export { runSummary };
const EN = STRINGS.en;

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
    status: runStatus(run),
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


// ---- summary cards ------------------------------------------------------------------------

export type CardId = 'accuracy' | 'exactMatch' | 'gestalt' | 'points' | 'kinki' | 'multiAnswer' | 'human' | 'errors' | 'protocol' | 'shuffle';

export interface SummaryCard {
  id: CardId;
  label: string;
  value: string;
  detail: string;
  tone: 'neutral' | 'warning' | 'bad';
}

/** The seed a shuffled run drew its orders from (the manifest's recipe), when it says. */
export function shuffleSeedOf(run: Pick<StoredRunInfo, 'manifest'>): number | undefined {
  const recipe = run.manifest?.['recipe'] as { shuffle?: { seed?: unknown } } | undefined;
  const seed = recipe?.shuffle?.seed;
  return typeof seed === 'number' ? seed : undefined;
}

/** `seed`: the shuffled run's seed (shuffleSeedOf), shown on its shuffle card. */
export function summaryCards(summary: RunSummary, t: Strings = EN, seed?: number): SummaryCard[] {
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
  if (summary.shuffle) {
    const shuffle = summary.shuffle;
    cards.push({
      id: 'shuffle',
      label: t.cardShuffle,
      value: format(t.cardShuffleValue, shuffle.permutations, seed ?? DASH),
      detail: format(t.cardShuffleDetail, percent(shuffle.accuracy.mean), percent(shuffle.accuracy.min), percent(shuffle.accuracy.max), percent(shuffle.consistency), shuffle.consistentQuestions, shuffle.questions),
      tone: shuffle.consistency < 1 ? 'warning' : 'neutral',
    });
  }
  cards.push(protocolCard(summary, t));
  return cards;
}

/** Which protocol produced the numbers; for igakuqa-official, each exam's pass or fail. */
function protocolCard(summary: RunSummary, t: Strings): SummaryCard {
  const protocol = summary.protocol ?? 'medlocal';
  const exams = Object.values(summary.official?.byExam ?? {});
  const detail = protocol === 'igakuqa-official'
    ? format(t.cardProtocolOfficial, exams.map((exam) => `${exam.exam}: ${exam.verdict}`).join('; '))
    : protocol === 'harness'
      ? format(t.cardProtocolHarness, String(summary.quirks?.length ?? 0))
      : t.cardProtocolMedlocal;
  return { id: 'protocol', label: t.cardProtocol, value: protocol, detail, tone: exams.some((exam) => exam.pass === false) ? 'bad' : 'neutral' };
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
