// Compare, several runs: accuracy by category of 2–8 runs (a local run and imported GPT-4,
// ChatGPT, student-majority runs...) in one chart with 95% CI whiskers, each run counted on the
// questions all of them answered (said above the chart, with what each run left out), the
// numbers as a table, and the same table exported as CSV, JSON or Markdown.
import { categoryChartData, categoryWords, chartLabels, coverageRows, coverageText, intervalText, percent } from '../view/benchViewModel';
import type { ExportFormat } from '../protocol/webviewMessages';
import type { App } from './app';
import { BarChart } from './charts';
import { button, h } from './dom';
import { format } from '../view/strings';
import { post } from './vscodeApi';

export class CategoryChartView {
  constructor(private readonly app: App) {}

  render(): HTMLElement {
    const { t, data } = this.app;
    const back = this.app.state.compare || data.comparison ? button(t.catBack, () => this.app.closeCategoryChart(), { className: 'secondary', attrs: { 'data-testid': 'category-chart-back' } }) : undefined;
    const section = (...children: Array<HTMLElement | undefined>) => h('section', { className: 'category-chart', attrs: { 'data-testid': 'category-chart' } }, ...children);
    if (data.categoryLoading) return section(h('p', { className: 'muted', text: t.loading }));
    if (data.categoryError) return section(h('p', { className: 'error', text: data.categoryError }), back);
    const runs = data.categoryRuns ?? [];
    const labels = chartLabels(runs);
    const chartData = categoryChartData(runs.map((run, index) => ({ label: labels[index] ?? run.runDir, answers: run.answers })));
    const words = categoryWords(t);
    const title = format(t.catTitle, runs.length);
    const exportButton = (text: string, kind: ExportFormat) =>
      button(text, () => post({ type: 'export', format: kind, target: { kind: 'categories', runDirs: runs.map((run) => run.runDir) } }), { className: 'secondary', attrs: { 'data-testid': `categories-export-${kind}` } });
    const runTable = h(
      'table',
      { attrs: { 'data-testid': 'category-chart-runs' } },
      h('caption', { text: t.catRunsTitle }),
      h('thead', {}, h('tr', {}, ...[t.catRun, t.catAnswered, t.catLeftOut].map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
      h('tbody', {}, ...coverageRows(chartData, words).map((cells, index) =>
        h('tr', { attrs: { title: runs[index]?.runDir ?? '' } }, h('th', { attrs: { scope: 'row' }, text: cells[0] ?? '' }), ...cells.slice(1).map((cell) => h('td', { className: 'number', text: cell }))),
      )),
    );
    const head = [h('h2', { text: title }), h('div', { className: 'button-row' }, exportButton(t.exportCsv, 'csv'), exportButton(t.exportJson, 'json'), exportButton(t.exportMarkdown, 'markdown'), back)];
    const note = h('p', { className: 'muted', attrs: { 'data-testid': 'category-chart-coverage' }, text: coverageText(chartData, words) });
    if (chartData.categories.length === 0) return section(...head, note, h('div', { className: 'table-scroll' }, runTable), h('p', { className: 'muted', text: t.catEmpty }));
    const chart = this.app.compareCharts.add(
      new BarChart(
        chartData.categories,
        chartData.series.map((series, index) => ({ label: series.label, values: series.values, intervals: series.intervals, colour: index })),
        `${title}: ${chartData.categories.map((category, i) => `${category} ${chartData.series.map((series) => `${series.label} ${percent(series.values[i] ?? 0)}`).join(' / ')}`).join(', ')}`,
      ),
    );
    const headers = [t.colCategory, t.colN, ...chartData.series.map((series) => series.label)];
    const numbers = h(
      'table',
      { attrs: { 'data-testid': 'category-chart-table' } },
      h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
      h('tbody', {}, ...chartData.categories.map((category, i) =>
        h('tr', {}, h('th', { attrs: { scope: 'row' }, text: category }), h('td', { className: 'number', text: String(chartData.counts[i] ?? 0) }),
          ...chartData.series.map((series) => h('td', { className: 'number', text: `${percent(series.values[i] ?? 0)} (${intervalText(series.intervals[i] ?? [0, 0])})` }))),
      )),
    );
    return section(...head, note, h('div', { className: 'table-scroll' }, runTable), chart.element, h('details', { className: 'chart-data' }, h('summary', { text: t.chartDataTable }), h('div', { className: 'table-scroll' }, numbers)));
  }
}
