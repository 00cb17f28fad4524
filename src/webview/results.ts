// Results of one run: facts, summary cards, accuracy by category and by block (bars with 95%
// whiskers), model vs examinees, the question table with its filters, and the drill-down of one
// question (prompt, model output, per-choice probabilities, gold, examinees' choices). Partial runs
// (cancelled, failed, running) show what they answered so far.
import {
  shuffleSeedOf,
  cardsText,
  categoriesOf,
  dateText,
  filterQuestionRows,
  groupRows,
  humanRows,
  percent,
  questionDetailView,
  questionRows,
  runFacts,
  runSummary,
  statusLabel,
  summaryCards,
  type GroupRow,
  type QuestionRow,
} from '../view/benchViewModel';
import type { StoredRunInfo } from '../protocol/benchProtocol';
import type { ExportFormat, QuestionFilters } from '../protocol/webviewMessages';
import type { App, View } from './app';
import { BarChart } from './charts';
import { button, field, h, option, replaceChildren } from './dom';
import { format } from '../view/strings';
import { post } from './vscodeApi';

export class ResultsView implements View {
  readonly element = h('div', { className: 'results', attrs: { 'data-testid': 'results' } });
  private readonly drill = h('section', { className: 'drilldown', attrs: { 'aria-labelledby': 'drill-title', 'data-testid': 'drilldown' } });
  private renderedRun: StoredRunInfo | undefined;
  private rows: QuestionRow[] = [];
  private tbody: HTMLTableSectionElement | undefined;
  private shownCount: HTMLElement | undefined;

  constructor(private readonly app: App) {
    this.drill.hidden = true;
    this.drill.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.closeDetail();
    });
  }

  render(): void {
    const { t, data, state } = this.app;
    if (data.runLoading !== undefined) return this.message(t.loading);
    if (data.runError && data.runError.runDir === state.runDir) {
      const followed = data.followed?.finished;
      const failure = followed && followed.runDir === data.runError.runDir && followed.error ? format(t.finishedFailed, followed.error) : undefined;
      return this.message(failure ?? data.runError.error, 'error');
    }
    const run = data.run;
    if (!run) return this.message(t.resultsEmpty);
    if (run !== this.renderedRun) this.build(run);
    this.renderDetail();
  }

  private message(text: string, className = 'muted'): void {
    this.renderedRun = undefined;
    this.app.charts.clear();
    replaceChildren(this.element, h('p', { className, text, attrs: { 'data-testid': 'results-message' } }));
  }

  private build(run: StoredRunInfo): void {
    const { t } = this.app;
    this.renderedRun = run;
    this.app.charts.clear();
    const facts = runFacts(run);
    const summary = runSummary(run);
    const notes: HTMLElement[] = [];
    if (facts.status === 'failed' || facts.status === 'interrupted') notes.push(h('p', { className: 'error', text: format(t.runFailedKept, facts.error ?? '') }));
    if (facts.partial && facts.total !== undefined) notes.push(h('p', { className: 'warning', text: format(t.partialResults, facts.answered, facts.total) }));
    const header = h(
      'header',
      { className: 'run-header' },
      h('h2', { text: facts.name, attrs: { title: facts.runDir } }),
      h('p', {
        className: 'muted',
        text: [facts.model + (facts.quantization ? ` (${facts.quantization})` : ''), facts.dataset, facts.mode, facts.format, dateText(facts.startedAt), statusLabel(facts.status, t)].join(' · '),
      }),
      ...notes,
      this.actions(run.runDir),
    );
    const cards = summaryCards(summary, t, shuffleSeedOf(run));
    const cardSection = h(
      'section',
      { className: 'cards', attrs: { 'aria-label': t.cardsLabel, 'data-testid': 'summary-cards', 'data-run-dir': run.runDir } },
      ...cards.map((card) =>
        h(
          'div',
          { className: `card tone-${card.tone}`, attrs: { role: 'group', 'aria-label': card.label, 'data-testid': `card-${card.id}`, 'data-card': card.id } },
          h('span', { className: 'card-label', text: card.label }),
          h('span', { className: 'card-value', text: card.value }),
          h('span', { className: 'card-detail', text: card.detail }),
        ),
      ),
    );
    replaceChildren(this.element, header, cardSection, ...this.charts(run), this.questionSection(run), this.drill);
    this.reportRendered(run.runDir, cardSection);
    this.app.announce(`${facts.name}: ${t.cardAccuracy} ${percent(summary.accuracy)}`);
  }

  /** Tells the extension what the cards show (read back from the DOM): the integration test's hook. */
  private reportRendered(runDir: string, cardSection: HTMLElement): void {
    const shown = Array.from(cardSection.querySelectorAll('.card')).map((card) => ({
      label: card.querySelector('.card-label')?.textContent ?? '',
      value: card.querySelector('.card-value')?.textContent ?? '',
      detail: card.querySelector('.card-detail')?.textContent ?? '',
    }));
    post({ type: 'rendered', runDir, summaryText: cardsText(shown) });
  }

  private actions(runDir: string): HTMLElement {
    const { t } = this.app;
    const exportButton = (label: string, kind: ExportFormat) => button(label, () => post({ type: 'export', format: kind, target: { kind: 'run', runDir } }), { className: 'secondary', attrs: { 'data-testid': `export-${kind}` } });
    return h(
      'div',
      { className: 'button-row' },
      exportButton(t.exportCsv, 'csv'),
      exportButton(t.exportJson, 'json'),
      exportButton(t.exportMarkdown, 'markdown'),
      button(t.openFolder, () => post({ type: 'openFolder', runDir }), { className: 'secondary', attrs: { 'data-testid': 'open-folder' } }),
    );
  }

  // ---- charts -------------------------------------------------------------------------------

  private charts(run: StoredRunInfo): HTMLElement[] {
    const { t } = this.app;
    const summary = runSummary(run);
    const sections: HTMLElement[] = [];
    const meaningful = (rows: GroupRow[]) => rows.filter((row) => row.key !== '(none)');
    const categories = meaningful(groupRows(summary.byCategory));
    if (categories.length > 0) sections.push(this.groupChart(t.chartByCategory, t.colCategory, categories, 'chart-category'));
    const blocks = meaningful(groupRows(summary.byBlock));
    if (blocks.length > 0) sections.push(this.groupChart(t.chartByBlock, t.colBlock, blocks, 'chart-block'));
    let human = humanRows(run.answers, 'block').filter((row) => row.key !== '(none)');
    let humanKey = t.colBlock;
    if (human.length === 0) {
      human = humanRows(run.answers, 'category');
      humanKey = t.colCategory;
    }
    if (human.length > 0) {
      const chart = this.app.charts.add(
        new BarChart(
          human.map((row) => row.key),
          [
            { label: t.seriesModel, values: human.map((row) => row.model), colour: 'primary' },
            { label: t.seriesHuman, values: human.map((row) => row.human), colour: 'secondary' },
          ],
          `${t.chartHuman}: ${human.map((row) => `${row.key} ${row.modelText} / ${row.humanText}`).join(', ')}`,
        ),
      );
      sections.push(
        h(
          'section',
          { className: 'chart-section', attrs: { 'data-testid': 'chart-human' } },
          h('h3', { text: t.chartHuman }),
          chart.element,
          dataTable(t.chartDataTable, [humanKey, t.colN, t.seriesModel, t.seriesHuman, t.colDifference], human.map((row) => [row.key, String(row.n), row.modelText, row.humanText, row.differenceText])),
        ),
      );
    }
    return sections;
  }

  private groupChart(title: string, keyLabel: string, rows: GroupRow[], testId: string): HTMLElement {
    const { t } = this.app;
    const chart = this.app.charts.add(
      new BarChart(
        rows.map((row) => row.key),
        [{ label: t.seriesModel, values: rows.map((row) => row.accuracy), intervals: rows.map((row) => row.ci95), colour: 'primary' }],
        `${title}: ${rows.map((row) => `${row.key} ${row.accuracyText}`).join(', ')}`,
      ),
    );
    return h(
      'section',
      { className: 'chart-section', attrs: { 'data-testid': testId } },
      h('h3', { text: title }),
      chart.element,
      dataTable(t.chartDataTable, [keyLabel, t.colN, t.colCorrect, t.colAccuracy, t.colCi, t.colPoints, t.colHuman], rows.map((row) => [row.key, String(row.n), String(row.correct), row.accuracyText, row.ciText, row.pointsText, row.humanText])),
    );
  }

  // ---- question table -----------------------------------------------------------------------

  private questionSection(run: StoredRunInfo): HTMLElement {
    const { t } = this.app;
    this.rows = questionRows(run.answers);
    const filters = this.app.state.filters;
    const categories = categoriesOf(this.rows);
    const setFilter = (change: Partial<QuestionFilters>) => {
      this.app.update({ filters: { ...this.app.state.filters, ...change } });
      this.renderRows();
    };
    const wrongOnly = h('input', { id: 'filter-wrong', attrs: { type: 'checkbox', 'data-testid': 'filter-wrong' }, on: { change: () => setFilter({ wrongOnly: wrongOnly.checked }) } });
    wrongOnly.checked = filters.wrongOnly;
    const category = h('select', { id: 'filter-category', on: { change: () => setFilter({ category: category.value }) } });
    category.append(option('', t.filterAllCategories, filters.category === ''), ...categories.map((c) => option(c, c, c === filters.category)));
    const answers = h('select', { id: 'filter-answers', on: { change: () => setFilter({ answers: answers.value === 'multi' ? 'multi' : answers.value === 'single' ? 'single' : 'any' }) } });
    answers.append(option('any', t.filterAnyAnswers, filters.answers === 'any'), option('multi', t.filterMultiOnly, filters.answers === 'multi'), option('single', t.filterSingleOnly, filters.answers === 'single'));
    const search = h('input', { id: 'filter-search', attrs: { type: 'search', placeholder: t.filterSearchPlaceholder, value: filters.search, 'data-testid': 'filter-search' }, on: { input: () => setFilter({ search: search.value }) } });
    const filterBar = h(
      'div',
      { className: 'filters', attrs: { role: 'group', 'aria-label': t.questionsTitle } },
      h('div', { className: 'checkbox' }, wrongOnly, h('label', { attrs: { for: wrongOnly.id }, text: t.filterWrongOnly })),
      categories.length > 0 ? field(t.filterCategory, category) : undefined,
      field(t.filterAnswers, answers),
      field(t.filterSearch, search),
    );
    this.shownCount = h('p', { className: 'muted', attrs: { 'aria-live': 'polite', 'data-testid': 'rows-shown' } });
    this.tbody = h('tbody');
    const headers = [t.colQuestion, t.colBlock, t.colCategory, t.colGold, t.colPredicted, t.colResult, t.colConfidence, t.colHuman];
    const table = h(
      'table',
      { className: 'questions', attrs: { 'data-testid': 'question-table', 'aria-describedby': 'row-hint' } },
      h('caption', { className: 'visually-hidden', text: t.questionsTitle }),
      h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
      this.tbody,
    );
    this.renderRows();
    return h('section', { className: 'question-section' }, h('h3', { text: t.questionsTitle }), filterBar, this.shownCount, h('p', { id: 'row-hint', className: 'muted', text: t.rowHint }), h('div', { className: 'table-scroll' }, table));
  }

  private renderRows(): void {
    const { t } = this.app;
    if (!this.tbody || !this.shownCount) return;
    const shown = filterQuestionRows(this.rows, this.app.state.filters);
    this.shownCount.textContent = format(t.rowsShown, shown.length, this.rows.length);
    replaceChildren(
      this.tbody,
      ...shown.map((row) => {
        const result = row.error ? t.resultError : row.correct ? t.resultCorrect : t.resultWrong;
        const tr = h(
          'tr',
          {
            className: row.correct ? 'right' : 'wrong',
            attrs: { tabindex: 0, 'data-id': row.id, 'aria-label': `${row.id}: ${result}` },
            on: {
              click: () => this.openDetail(row.id),
              keydown: (event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  this.openDetail(row.id);
                }
              },
            },
          },
          h('th', { attrs: { scope: 'row' }, text: row.id }),
          h('td', { text: row.block ?? '' }),
          h('td', { text: row.category ?? '' }),
          h('td', { text: row.gold + (row.multiAnswer ? ` (${t.multiAnswerMark})` : '') }),
          h('td', { text: row.predicted + (row.kinkiPicked ? ` ⚠${t.drillKinkiMark} ${row.kinkiPicked}` : '') }),
          h('td', { className: 'result', text: result }),
          h('td', { className: 'number', text: row.confidence !== undefined ? percent(row.confidence) : '' }),
          h('td', { className: 'number', text: row.humanAccuracy !== undefined ? percent(row.humanAccuracy) : '' }),
        );
        return tr;
      }),
    );
  }

  // ---- drill-down ---------------------------------------------------------------------------

  private openDetail(id: string): void {
    const runDir = this.renderedRun?.runDir;
    if (!runDir) return;
    this.app.data.detail = { runDir, id };
    post({ type: 'question', runDir, id });
    this.renderDetail();
  }

  private closeDetail(): void {
    const id = this.app.data.detail?.id;
    delete this.app.data.detail;
    this.renderDetail();
    if (id) this.tbody?.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  /** Renders the drill-down; moves focus to it when its content has just arrived. */
  renderDetail(): void {
    const { t } = this.app;
    const detail = this.app.data.detail;
    const visible = detail !== undefined && detail.runDir === this.renderedRun?.runDir;
    this.drill.hidden = !visible;
    if (!visible || !detail) return;
    const title = h('h3', { id: 'drill-title', text: format(t.drillTitle, detail.id), attrs: { tabindex: -1 } });
    const close = button(t.close, () => this.closeDetail(), { className: 'secondary', attrs: { 'data-testid': 'drill-close' } });
    if (detail.error) return replaceChildren(this.drill, title, h('p', { className: 'error', text: format(t.drillError, detail.error) }), close);
    if (!detail.detail) return replaceChildren(this.drill, title, h('p', { className: 'muted', text: t.drillLoading }), close);
    const view = questionDetailView(detail.detail);
    const outcome = view.error ? t.resultError : view.correct === undefined ? '' : view.correct ? t.resultCorrect : t.resultWrong;
    const choices = h(
      'table',
      { className: 'choices' },
      h('caption', { text: t.drillChoices }),
      h('thead', {}, h('tr', {}, ...['', t.drillChoices, '', t.drillProbability, t.drillGestalt, t.drillExaminees].map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
      h(
        'tbody',
        {},
        ...view.choices.map((choice) =>
          h(
            'tr',
            { className: [choice.gold ? 'gold' : '', choice.predicted ? 'predicted' : '', choice.kinki ? 'kinki' : ''].filter(Boolean).join(' ') },
            h('th', { attrs: { scope: 'row' }, text: choice.letter }),
            h('td', { text: choice.text }),
            h('td', { className: 'marks', text: [choice.gold ? t.drillGoldMark : '', choice.predicted ? t.drillPredictedMark : '', choice.kinki ? t.drillKinkiMark : ''].filter(Boolean).join(' · ') }),
            h('td', { className: 'number', text: choice.probability !== undefined ? percent(choice.probability) : '' }),
            h('td', { className: 'number', text: choice.gestalt !== undefined ? choice.gestalt.toFixed(3) : '' }),
            h('td', { className: 'number', text: choice.examinees !== undefined ? percent(choice.examinees) : '' }),
          ),
        ),
      ),
    );
    const wasShowing = this.drill.querySelector('.stem') !== null && this.drill.dataset.id === detail.id;
    this.drill.dataset.id = detail.id;
    replaceChildren(
      this.drill,
      h('div', { className: 'drill-header' }, title, close),
      h('p', { text: format(t.drillSummary, view.gold, view.predicted, outcome) }),
      view.humanAccuracy !== undefined ? h('p', { className: 'muted', text: format(t.drillHuman, percent(view.humanAccuracy)) }) : undefined,
      view.error ? h('p', { className: 'error', text: view.error }) : undefined,
      h('h4', { text: t.drillStem }),
      h('p', { className: 'stem', text: view.stem }),
      h('div', { className: 'table-scroll' }, choices),
      h('h4', { text: t.drillOutput }),
      h('pre', { className: 'output', text: view.output ?? t.drillNoOutput }),
      view.answerLine !== undefined ? h('p', {}, `${t.drillAnswerLine}: `, h('code', { text: view.answerLine })) : undefined,
      h('details', {}, h('summary', { text: t.drillPrompt }), h('pre', { className: 'prompt', text: view.prompt })),
    );
    if (!wasShowing) {
      this.drill.scrollIntoView({ block: 'nearest' });
      title.focus();
    }
  }
}

/** A chart's numbers as a table, folded under a <details> (the chart's text alternative). */
function dataTable(summary: string, headers: string[], rows: string[][]): HTMLElement {
  return h(
    'details',
    { className: 'chart-data' },
    h('summary', { text: summary }),
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { attrs: { scope: 'col' }, text: label })))),
        h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell, index) => (index === 0 ? h('th', { attrs: { scope: 'row' }, text: cell }) : h('td', { className: 'number', text: cell })))))),
      ),
    ),
  );
}
