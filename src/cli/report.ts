// Text output of the CLI: the progress line, the end-of-run summary table, the dataset dry-run
// and the comparison of two runs. Plain strings, so tests can read them; numbers print through the
// evaluation core's formats (src/eval/report/numbers.ts), as in the panel.

import type { BenchmarkProgress } from '../eval/runner';
import type { GroupStats, RunComparison, RunSummary } from '../eval/metrics';
import type { DatasetFactsText } from '../eval/question';
import { letterOf } from '../eval/question';
import type { ShuffleSummary } from '../eval/shuffleStats';
import { durationText, intervalText, percent, pValueText } from '../eval/report/numbers';

/** Columns a string takes in a terminal: East Asian wide characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    const wide = (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) || code >= 0x1f300;
    width += wide ? 2 : 1;
  }
  return width;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

const BAR_WIDTH = 24;

/** "[#######-----] 142/284 50% | acc 55.6% | 12.3 tok/s | ETA 3m 12s | 112C45" */
export function progressLine(progress: BenchmarkProgress): string {
  const fraction = progress.total === 0 ? 1 : progress.done / progress.total;
  const filled = Math.round(fraction * BAR_WIDTH);
  const parts = [
    `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${progress.done}/${progress.total} ${percent(fraction, 0)}`,
    `acc ${percent(progress.accuracy)}`,
    ...(progress.tokensPerSecond !== null ? [`${progress.tokensPerSecond.toFixed(1)} tok/s`] : []),
    `ETA ${progress.etaSeconds === null ? '?' : durationText(progress.etaSeconds)}`,
    progress.current,
  ];
  return parts.join(' | ');
}

function ci(stats: { ci95: [number, number] }): string {
  return `95% CI ${intervalText(stats.ci95)}`;
}

function groupTable(title: string, groups: Record<string, GroupStats>): string[] {
  const names = Object.keys(groups);
  if (names.length === 0) return [];
  let nameWidth = 6;
  for (const name of names) nameWidth = Math.max(nameWidth, displayWidth(name));
  const lines = [`  ${title}`];
  for (const name of names) {
    const stats = groups[name];
    if (!stats) continue;
    const human = stats.humanAccuracy !== undefined ? `  examinees ${percent(stats.humanAccuracy)}` : '';
    const points = `${stats.pointsEarned}/${stats.pointsPossible} pts`;
    lines.push(`    ${pad(name, nameWidth)}  ${String(stats.n).padStart(4)}  ${percent(stats.accuracy).padStart(6)}  (${ci(stats)})  ${points}${human}`);
  }
  return lines;
}

export function summaryTable(summary: RunSummary, runDir: string, status: string): string {
  const lines = [
    `MedLocal benchmark: ${status}`,
    `  run folder    ${runDir}`,
    `  protocol      ${summary.protocol ?? 'medlocal'}`,
    `  questions     ${summary.total}${summary.errors > 0 ? ` (${summary.errors} failed in the engine, counted wrong; --resume retries them)` : ''}`,
    `  accuracy      ${percent(summary.accuracy)}  ${summary.correct}/${summary.total}  (${ci(summary)})${summary.shuffle ? '  [permutation 0; all orders below]' : ''}`,
    `  points        ${summary.points.earned}/${summary.points.possible}  ${percent(summary.points.rate)}`,
  ];
  if (summary.exactMatch) lines.push(`  exact match   ${percent(summary.exactMatch.rate)}  ${summary.exactMatch.count}/${summary.total}`);
  if (summary.gestalt) lines.push(`  gestalt       ${percent(summary.gestalt.rate)}  ${summary.gestalt.count}/${summary.total}`);
  lines.push(`  multi-answer  ${percent(summary.multiAnswer.accuracy)}  ${summary.multiAnswer.correct}/${summary.multiAnswer.n}`);
  const kinki = summary.kinki;
  lines.push(`  禁忌肢 picks   ${kinki.picks} (on ${kinki.questionsWithPick} of the ${kinki.questionsWithKinki} questions that have 禁忌肢)${kinki.ids.length > 0 ? `: ${kinki.ids.join(', ')}` : ''}`);
  if (summary.human) {
    lines.push(`  examinees     ${percent(summary.human.humanAccuracy)} vs model ${percent(summary.human.modelAccuracy)} on ${summary.human.n} questions`);
  }
  for (const line of officialLines(summary)) lines.push(line);
  if (summary.shuffle) for (const line of shuffleLines(summary.shuffle)) lines.push(line);
  for (const line of groupTable('by block', summary.byBlock)) lines.push(line);
  for (const line of groupTable('by category', summary.byCategory)) lines.push(line);
  return lines.join('\n') + '\n';
}

/** The reference protocols' own lines: per exam required/general/禁忌肢 and pass or fail, empty predictions, quirks. */
export function officialLines(summary: RunSummary): string[] {
  const lines: string[] = [];
  for (const exam of Object.values(summary.official?.byExam ?? {})) {
    lines.push(`  exam ${exam.exam}     required ${exam.required.score}/${exam.required.total}, general ${exam.general.score}/${exam.general.total}, 禁忌肢 picks ${exam.kinkiPicked}: ${exam.verdict}` +
      (exam.criteria ? ` (needs required ≥ ${exam.criteria.required.threshold}, general ≥ ${exam.criteria.general.threshold}, 禁忌肢 ≤ ${exam.criteria.maxKinki})` : ''));
  }
  if (summary.official && summary.official.emptyPredictions > 0) {
    lines.push(`  empty         ${summary.official.emptyPredictions} questions had an empty prediction (wrong): ${summary.official.emptyPredictionIds.slice(0, 10).join(', ')}${summary.official.emptyPredictions > 10 ? ', ...' : ''}`);
  }
  for (const quirk of summary.quirks ?? []) lines.push(`  quirk         ${quirk}`);
  return lines;
}

/** Questions named as the least consistent across orders. */
const NAMED_INCONSISTENT = 10;

/** The figures across K shuffled orders: accuracy spread, answer-text consistency, picks per shown position. */
export function shuffleLines(shuffle: ShuffleSummary): string[] {
  const total = shuffle.positionPicks.reduce((sum, count) => sum + count, 0);
  const positions = shuffle.positionPicks.map((count, position) => `${letterOf(position)} ${percent(total === 0 ? 0 : count / total, 0)}`).join('  ');
  const moved = Object.entries(shuffle.perQuestion)
    .filter(([, share]) => share < 1)
    .sort((left, right) => left[1] - right[1] || left[0].localeCompare(right[0]))
    .slice(0, NAMED_INCONSISTENT)
    .map(([id, share]) => `${id} ${percent(share, 0)}`);
  return [
    `  shuffled      ${shuffle.permutations} order${shuffle.permutations === 1 ? '' : 's'} per question: accuracy mean ${percent(shuffle.accuracy.mean)}  min ${percent(shuffle.accuracy.min)}  max ${percent(shuffle.accuracy.max)}`,
    `  consistency   ${percent(shuffle.consistency)}  (${shuffle.consistentQuestions} of ${shuffle.questions} questions gave the same choice text under every order)`,
    `  picked shown  ${positions}  (position bias: share of picks per shown position)`,
    ...(moved.length > 0 ? [`  least consistent  ${moved.join(', ')}`] : []),
  ];
}

/** The dataset facts, their skip reasons and issues already in the reader's language. */
export function datasetTable(summary: DatasetFactsText, label: string): string {
  const entries = (record: Record<string, number>): string =>
    Object.entries(record).map(([key, count]) => `${key}: ${count}`).join(', ') || 'none';
  const lines = [
    `Dataset ${label}`,
    `  loaded        ${summary.loaded}`,
    `  multi-answer  ${summary.multiAnswer}`,
    `  choices       ${entries(summary.choiceCounts)}`,
    `  points        ${entries(summary.points)}`,
    `  skipped       ${entries(summary.skipped)}`,
    ...summary.issues.map((issue) => `  ${issue}`),
  ];
  return lines.join('\n') + '\n';
}

/** How a comparison with shuffled runs paired its answers, and what that means for McNemar's p. */
export function pairingLines(comparison: Pick<RunComparison, 'pairing' | 'common'>): string[] {
  if (comparison.pairing === 'questionAndOrder') {
    return [`  pairing            both runs are shuffled: answers paired by (question, order); the ${comparison.common} (question, order) pairs are not independent (a question's orders share it), so McNemar's p is indicative only`];
  }
  if (comparison.pairing === 'firstOrder') return ['  pairing            a shuffled run is compared by its first order only (permutation 0): one answer per question'];
  return [];
}

export function comparisonTable(comparison: RunComparison, dirA: string, dirB: string): string {
  const list = (ids: string[]): string => (ids.length === 0 ? '' : `: ${ids.join(', ')}`);
  const lines = [
    `A  ${dirA}`,
    `B  ${dirB}`,
    `  common questions   ${comparison.common}${comparison.onlyInA.length + comparison.onlyInB.length > 0 ? ` (only in A: ${comparison.onlyInA.length}, only in B: ${comparison.onlyInB.length})` : ''}`,
    `  accuracy           A ${percent(comparison.accuracyA)}  B ${percent(comparison.accuracyB)}`,
    `  both right / wrong ${comparison.bothCorrect} / ${comparison.bothWrong}`,
    `  right -> wrong     ${comparison.rightToWrong.length}${list(comparison.rightToWrong)}`,
    `  wrong -> right     ${comparison.wrongToRight.length}${list(comparison.wrongToRight)}`,
    `  McNemar exact p    ${pValueText(comparison.mcnemarP)}${comparison.mcnemarP < 0.05 ? ' (significant at 0.05)' : ' (not significant at 0.05)'}`,
    ...pairingLines(comparison),
  ];
  return lines.join('\n') + '\n';
}
