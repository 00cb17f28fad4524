// The panel's exports. CSV and the run's JSON are the evaluation core's renderers (the same as the
// run files'); the comparison's JSON and the Markdown reports add the panel's own views and
// labels (in the display language), drawn with the core's Markdown tables.
import type { GroupStats } from '../eval/metrics';
import { jsonDocument } from '../eval/report/json';
import { markdownTable } from '../eval/report/markdown';
import { compareView, pairingNote } from './compare';
import { pairAnswers } from '../eval/metrics';
import { choiceLetters, dateText, DASH, intervalText, percent, pointsIntervalText, pointsText, pValueText, statusLabel } from './format';
import { groupRows, humanRows, runFacts, runSummary, shuffleSeedOf, summaryCards } from './runView';
import { format, STRINGS, type Strings } from './strings';
import type { AnswerRecord, RunComparison, StoredRunInfo } from '../protocol/benchProtocol';

export { ANSWERS_CSV_HEADER, answersToCsv, COMPARISON_CSV_HEADER, comparisonToCsv, CSV_BOM, csvField } from '../eval/report/csv';
export { runToJson } from '../eval/report/json';
export { markdownCell, markdownTable } from '../eval/report/markdown';

const EN = STRINGS.en;

export function comparisonToJson(runA: StoredRunInfo, runB: StoredRunInfo, comparison: RunComparison): string {
  const view = compareView(comparison, runA.answers, runB.answers);
  const { categories, ...overall } = view;
  const pairing = pairingNote(view, EN);
  return jsonDocument('medlocal-benchmark-comparison', { runA: runA.runDir, runB: runB.runDir, ...overall, ...(pairing ? { pairingNote: pairing } : {}), categories });
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
  sections.push(`## ${t.mdSummary}`, markdownTable([t.mdMetric, t.mdValue], summaryCards(summary, t, shuffleSeedOf(run)).map((card) => [card.label, `${card.value} (${card.detail})`]), 'lr'));
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
  const pairing = pairingNote(view, t);
  if (pairing) sections.push(`> ${pairing}`);
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
  const paired = pairAnswers(runA.answers, runB.answers);
  const pairsByKey = new Map(paired.pairs.map((pair) => [paired.key(pair[0]), pair]));
  if (view.rightToWrong.length + view.wrongToRight.length > 0) {
    sections.push(
      `## ${t.mdFlips}`,
      markdownTable(
        [t.colQuestion, t.colCategory, t.runA, t.runB],
        [...view.rightToWrong, ...view.wrongToRight].map((id) => {
          // Keys as the comparison's pairs: `id` (a shuffled run's first order) or `id#k` (both shuffled).
          const a = pairsByKey.get(id)?.[0];
          const b = pairsByKey.get(id)?.[1];
          const mark = (record: AnswerRecord | undefined) => (record ? `${choiceLetters(record.predicted)} ${record.correct ? '✓' : '✗'}` : DASH);
          return [id, a?.category ?? DASH, mark(a), mark(b)];
        }),
      ),
    );
  }
  sections.push(`> ${t.mdCompareNote}`);
  return sections.join('\n\n') + '\n';
}
