// History: every run folder in the results folder (damaged ones listed as damaged, with why),
// open / resume / reveal each, and tick two to compare (or up to eight for the category chart). Compare: accuracies with intervals, the
// difference B − A with its paired interval, McNemar's p, the questions that flipped, and the
// per-category differences.
import {
  categoryChartData,
  compareView,
  pairingNote,
  intervalText,
  percent,
  pointsIntervalText,
  pointsText,
  pValueText,
  runFacts,
  statusLabel,
  historyRows,
  type CompareView as CompareModel,
} from '../view/benchViewModel';
import { MAX_CHART_RUNS, type ExportFormat } from '../protocol/webviewMessages';
import { CategoryChartView } from './categoryChart';
import type { StoredRunInfo } from '../protocol/benchProtocol';
import type { App, View } from './app';
import { BarChart } from './charts';
import { button, h, replaceChildren } from './dom';
import { format } from '../view/strings';
import { post } from './vscodeApi';

export class HistoryView implements View {
  readonly element = h('div', { className: 'history', attrs: { 'data-testid': 'history' } });

  constructor(private readonly app: App) {}

  render(): void {
    const { t, data } = this.app;
    const focusedId = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.id : undefined;
    const refresh = button(t.refresh, () => post({ type: 'refreshRuns' }), { id: 'history-refresh', className: 'secondary' });
    const compare = button(t.compareSelected, () => {
      const [a, b] = data.selected;
      if (a && b) this.app.openComparison(a, b);
    }, { id: 'history-compare', className: 'primary', attrs: { 'data-testid': 'compare-selected' } });
    compare.disabled = data.selected.length !== 2;
    const chart = button(format(t.compareCategoriesSelected, data.selected.length), () => this.app.openCategoryChart([...data.selected]), {
      id: 'history-compare-categories',
      className: 'secondary',
      attrs: { 'data-testid': 'compare-categories-selected' },
    });
    chart.disabled = data.selected.length < 2 || data.selected.length > MAX_CHART_RUNS;
    // Predictions are scored against the dataset chosen under Configure (harness results need none).
    const importFrom = (kind: 'folder' | 'file') => {
      const dataset = this.app.state.choices.dataset;
      post({ type: 'importPredictions', kind, ...(dataset !== undefined && dataset !== 'sample' ? { dataset } : {}) });
    };
    const importFolder = button(t.importFolder, () => importFrom('folder'), { id: 'history-import-folder', className: 'secondary', attrs: { title: t.importHint } });
    const importFile = button(t.importFile, () => importFrom('file'), { id: 'history-import-file', className: 'secondary', attrs: { title: t.importHint } });
    const header = h('div', { className: 'history-header' }, h('h2', { text: format(t.historyTitle, data.resultsDir) }), h('div', { className: 'button-row' }, refresh, importFolder, importFile, compare, chart));
    const content: Array<HTMLElement | undefined> = [header, h('p', { className: 'muted', text: format(t.pickRuns, MAX_CHART_RUNS) })];
    if (data.runsError) content.push(h('p', { className: 'error', text: data.runsError }));
    const rows = historyRows(data.runs ?? []);
    if (data.runs === undefined) content.push(h('p', { className: 'muted', text: t.loading }));
    else if (rows.length === 0) content.push(h('p', { className: 'muted', text: t.historyEmpty }));
    else content.push(h('div', { className: 'table-scroll' }, this.table(rows)));
    replaceChildren(this.element, ...content);
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  private table(rows: ReturnType<typeof historyRows>): HTMLTableElement {
    const { t, data } = this.app;
    const running = data.followed !== undefined && data.followed.finished === undefined;
    const headers = [t.colSelect, t.colDate, t.colModel, t.colDataset, t.colMode, t.colScore, t.mdQuestions, t.colStatus, t.colActions];
    return h(
      'table',
      { className: 'runs', attrs: { 'data-testid': 'history-table' } },
      h('caption', { className: 'visually-hidden', text: format(t.historyTitle, data.resultsDir) }),
      h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
      h(
        'tbody',
        {},
        ...rows.map((row, index) => {
          const select = h('input', {
            id: `select-${index}`,
            attrs: { type: 'checkbox', 'aria-label': format(t.selectForCompare, row.name) },
            on: { change: () => this.toggle(row.runDir, select.checked) },
          });
          select.checked = data.selected.includes(row.runDir);
          // A full chart takes no more runs: untick one first (said on the box).
          const full = !select.checked && data.selected.length >= MAX_CHART_RUNS;
          select.disabled = !row.comparable || full;
          if (full) select.title = format(t.chartRunsFull, MAX_CHART_RUNS);
          const actions = h('div', { className: 'button-row compact' });
          if (!row.damaged) actions.append(button(t.open, () => this.app.openRun(row.runDir), { id: `open-${index}`, className: 'secondary', attrs: { 'aria-label': `${t.open}: ${row.name}` } }));
          if (row.resumable) {
            const resume = button(t.resume, () => post({ type: 'resume', runDir: row.runDir }), { id: `history-resume-${index}`, attrs: { 'aria-label': `${t.resume}: ${row.name}` } });
            resume.disabled = running;
            actions.append(resume);
          }
          actions.append(button(t.openFolder, () => post({ type: 'openFolder', runDir: row.runDir }), { id: `folder-${index}`, className: 'secondary', attrs: { 'aria-label': `${t.openFolder}: ${row.name}` } }));
          const status = h('td', {}, h('span', { className: `status status-${row.status}`, text: statusLabel(row.status, t) }));
          if (row.problem) status.append(h('div', { className: 'muted problem', text: row.problem }));
          return h(
            'tr',
            { className: row.damaged ? 'damaged' : '', attrs: { 'data-run-dir': row.runDir, 'data-status': row.status } },
            h('td', {}, select),
            h('th', { attrs: { scope: 'row', title: row.runDir }, text: row.date === '—' ? row.name : row.date }),
            h('td', { text: row.model }),
            h('td', { text: row.datasetLabel, attrs: { title: row.dataset } }),
            h('td', { text: row.mode }),
            h('td', { className: 'number', text: row.score }),
            h('td', { className: 'number', text: row.answered }),
            status,
            h('td', {}, actions),
          );
        }),
      ),
    );
  }

  private toggle(runDir: string, checked: boolean): void {
    const selected = this.app.data.selected.filter((dir) => dir !== runDir);
    if (checked) selected.push(runDir);
    // Two for the A/B comparison, up to MAX_CHART_RUNS for the category chart (a full table disables the other boxes).
    this.app.data.selected = selected.slice(-MAX_CHART_RUNS);
    this.render();
  }
}

export class CompareView implements View {
  readonly element = h('div', { className: 'compare', attrs: { 'data-testid': 'compare' } });

  constructor(private readonly app: App) {
    this.chartView = new CategoryChartView(app);
  }

  private readonly chartView: CategoryChartView;

  render(): void {
    const { t, data } = this.app;
    this.app.compareCharts.clear();
    // Several runs' category chart, when one was asked for (the A/B comparison stays behind it).
    if (data.categoryLoading || data.categoryRuns || data.categoryError) return replaceChildren(this.element, this.chartView.render());
    if (data.compareLoading) return replaceChildren(this.element, h('p', { className: 'muted', text: t.loading }));
    if (data.compareError) return replaceChildren(this.element, h('p', { className: 'error', text: data.compareError }));
    const compared = data.comparison;
    if (!compared) return replaceChildren(this.element, h('p', { className: 'muted', text: t.compareEmpty }));
    const view = compareView(compared.comparison, compared.runA.answers, compared.runB.answers);
    const factsA = runFacts(compared.runA);
    const factsB = runFacts(compared.runB);
    const label = (facts: ReturnType<typeof runFacts>) => `${facts.model} · ${facts.mode} · ${facts.name}`;
    const exportButton = (text: string, kind: ExportFormat) =>
      button(text, () => post({ type: 'export', format: kind, target: { kind: 'compare', runA: compared.runA.runDir, runB: compared.runB.runDir } }), { className: 'secondary', attrs: { 'data-testid': `compare-export-${kind}` } });
    replaceChildren(
      this.element,
      h('h2', { text: format(t.compareTitle, label(factsA), label(factsB)) }),
      h('div', { className: 'button-row' }, exportButton(t.exportCsv, 'csv'), exportButton(t.exportJson, 'json'), exportButton(t.exportMarkdown, 'markdown')),
      this.cards(view),
      this.flips(view),
      this.categoryChart(compared.runA.answers, compared.runB.answers),
      this.categories(view),
    );
  }

  private cards(view: CompareModel): HTMLElement {
    const { t } = this.app;
    const card = (id: string, label: string, value: string, detail: string) =>
      h('div', { className: 'card', attrs: { role: 'group', 'aria-label': label, 'data-testid': `compare-${id}` } }, h('span', { className: 'card-label', text: label }), h('span', { className: 'card-value', text: value }), h('span', { className: 'card-detail', text: detail }));
    const notes = [format(t.compareCommon, view.common)];
    if (view.onlyInA.length + view.onlyInB.length > 0) notes.push(format(t.compareOnly, view.onlyInA.length, view.onlyInB.length));
    const pairing = pairingNote(view, t);
    return h(
      'section',
      { attrs: { 'aria-label': t.cardsLabel } },
      h('p', { className: 'muted', text: notes.join(' · ') }),
      pairing ? h('p', { className: 'note', attrs: { 'data-testid': 'compare-pairing' }, text: pairing }) : undefined,
      h(
        'div',
        { className: 'cards' },
        card('a', `${t.colAccuracy} ${t.runA}`, percent(view.accuracyA), `95% CI ${intervalText(view.ciA)}`),
        card('b', `${t.colAccuracy} ${t.runB}`, percent(view.accuracyB), `95% CI ${intervalText(view.ciB)}`),
        card('delta', t.compareDelta, pointsText(view.difference), `95% CI ${pointsIntervalText(view.differenceCi)}`),
        card('mcnemar', format(t.compareMcnemar, pValueText(view.mcnemarP)), pValueText(view.mcnemarP), view.significant ? t.compareSignificant : t.compareNotSignificant),
        card('both', `${t.compareBothRight} / ${t.compareBothWrong}`, `${view.bothCorrect} / ${view.bothWrong}`, ''),
      ),
    );
  }

  private flips(view: CompareModel): HTMLElement {
    const { t } = this.app;
    const list = (title: string, ids: string[], testId: string) =>
      h('section', { className: 'flips', attrs: { 'data-testid': testId } }, h('h3', { text: format(title, ids.length) }), ids.length > 0 ? h('ul', { className: 'id-list' }, ...ids.map((id) => h('li', {}, h('code', { text: id })))) : h('p', { className: 'muted', text: '—' }));
    return h('div', { className: 'flip-lists' }, list(t.flipsRightToWrong, view.rightToWrong, 'flips-right-to-wrong'), list(t.flipsWrongToRight, view.wrongToRight, 'flips-wrong-to-right'));
  }

  /** Per-category accuracy of run A and run B, on the questions both answered. */
  private categoryChart(answersA: StoredRunInfo['answers'], answersB: StoredRunInfo['answers']): HTMLElement | undefined {
    const { t } = this.app;
    const chartData = categoryChartData([{ label: t.runA, answers: answersA }, { label: t.runB, answers: answersB }]);
    if (chartData.categories.length === 0) return undefined;
    const [a, b] = chartData.series;
    if (!a || !b) return undefined;
    const title = t.chartCompareCategories;
    const chart = this.app.compareCharts.add(
      new BarChart(
        chartData.categories,
        [
          { label: a.label, values: a.values, intervals: a.intervals, colour: 'primary' },
          { label: b.label, values: b.values, intervals: b.intervals, colour: 'secondary' },
        ],
        `${title}: ${chartData.categories.map((category, i) => `${category} ${a.label} ${percent(a.values[i] ?? 0)} / ${b.label} ${percent(b.values[i] ?? 0)}`).join(', ')}`,
      ),
    );
    const rows = chartData.categories.map((category, i) => [category, String(chartData.counts[i] ?? 0), `${percent(a.values[i] ?? 0)} (${intervalText(a.intervals[i] ?? [0, 0])})`, `${percent(b.values[i] ?? 0)} (${intervalText(b.intervals[i] ?? [0, 0])})`]);
    const headers = [t.colCategory, t.colN, t.runA, t.runB];
    return h(
      'section',
      { className: 'chart-section', attrs: { 'data-testid': 'compare-chart-categories' } },
      h('h3', { text: title }),
      chart.element,
      h(
        'details',
        { className: 'chart-data' },
        h('summary', { text: t.chartDataTable }),
        h('table', {}, h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))), h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', { text: cell })))))),
      ),
    );
  }

  private categories(view: CompareModel): HTMLElement | undefined {
    const { t } = this.app;
    const rows = view.categories.filter((row) => row.key !== '(none)');
    if (rows.length === 0) return undefined;
    const headers = [t.colCategory, t.colN, t.runA, t.runB, t.compareDelta, t.colCi];
    return h(
      'section',
      {},
      h('h3', { text: t.mdByCategory }),
      h(
        'div',
        { className: 'table-scroll' },
        h(
          'table',
          { attrs: { 'data-testid': 'compare-categories' } },
          h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
          h(
            'tbody',
            {},
            ...rows.map((row) =>
              h(
                'tr',
                {},
                h('th', { attrs: { scope: 'row' }, text: row.key }),
                h('td', { className: 'number', text: String(row.n) }),
                h('td', { className: 'number', text: row.accuracyAText }),
                h('td', { className: 'number', text: row.accuracyBText }),
                h('td', { className: 'number', text: row.differenceText }),
                h('td', { className: 'number', text: row.differenceCiText }),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
