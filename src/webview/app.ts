// The panel's state and layout: what the extension told us (init, runs, the followed run...),
// what the user chose (PanelState, saved with setState so a reload or a VS Code restart comes back
// to the same view), the tab strip, and the routing of extension messages to the views.
import type { BenchRunListing, DatasetFacts, RunComparison, StoredRunInfo, BenchQuestionDetail } from '../protocol/benchProtocol';
import {
  PANEL_TABS,
  type ExtensionToWebview,
  type FollowedRun,
  type FormatInfo,
  type InitMessage,
  type ModelView,
  type PanelState,
  type PanelTab,
} from '../protocol/webviewMessages';
import { ChartSet } from './charts';
import { h, replaceChildren } from './dom';
import { stringsFor, STRINGS, type Strings } from '../view/strings';
import { post, saveState } from './vscodeApi';

export interface DatasetFactsState {
  dataset: string;
  language: string;
  loading: boolean;
  facts?: DatasetFacts;
  error?: string;
}

export interface AppData {
  locale: string;
  model: ModelView;
  formats: FormatInfo[];
  recentDatasets: string[];
  resultsDir: string;
  /** A dataset picked with Browse… that is not (yet) among the recent ones. */
  browsedDataset?: string;
  facts?: DatasetFactsState;
  startError?: { error: string; facts?: DatasetFacts };
  followed?: FollowedRun;
  runs?: BenchRunListing[];
  runsError?: string;
  run?: StoredRunInfo;
  runLoading?: string;
  runError?: { runDir: string; error: string };
  detail?: { runDir: string; id: string; detail?: BenchQuestionDetail; error?: string };
  comparison?: { runA: StoredRunInfo; runB: StoredRunInfo; comparison: RunComparison };
  compareLoading?: [string, string];
  compareError?: string;
  /** The runs of the category chart (several runs under Compare, instead of two). */
  categoryRuns?: StoredRunInfo[];
  categoryLoading?: string[];
  categoryError?: string;
  /** Runs ticked in History: two to compare, or up to MAX_CHART_RUNS for the category chart. */
  selected: string[];
}

/** One view of the panel (Configure, Results, ...): renders into its own container. */
export interface View {
  readonly element: HTMLElement;
  render(): void;
}

export class App {
  t: Strings = STRINGS.en;
  state: PanelState;
  readonly data: AppData = { locale: 'en', model: { state: 'noServer' }, formats: [], recentDatasets: [], resultsDir: '', selected: [] };
  readonly charts = new ChartSet();
  /** The comparison's charts, kept apart from the results view's (each view clears its own). */
  readonly compareCharts = new ChartSet();
  private readonly views = new Map<PanelTab | 'progress', View>();
  private tabButtons = new Map<PanelTab, HTMLButtonElement>();
  private tabPanels = new Map<PanelTab, HTMLElement>();
  private announcer: HTMLElement | undefined;
  private handlers: Array<(message: ExtensionToWebview) => void> = [];

  constructor(
    private readonly root: HTMLElement,
    state: PanelState,
  ) {
    this.state = state;
    // The theme changes the body's class (vscode-light / vscode-dark / vscode-high-contrast).
    new MutationObserver(() => {
      this.charts.retheme();
      this.compareCharts.retheme();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Saves the user's choices and view (getState/setState survives reloads and restarts). */
  save(): void {
    saveState(this.state);
  }

  update(change: Partial<PanelState>): void {
    this.state = { ...this.state, ...change };
    this.save();
  }

  register(tab: PanelTab | 'progress', view: View): void {
    this.views.set(tab, view);
  }

  onMessage(handler: (message: ExtensionToWebview) => void): void {
    this.handlers.push(handler);
  }

  render(...which: Array<PanelTab | 'progress'>): void {
    for (const key of which.length > 0 ? which : [...this.views.keys()]) this.views.get(key)?.render();
  }

  /** Polite screen-reader announcement (run finished, results loaded). */
  announce(text: string): void {
    if (!this.announcer) return;
    this.announcer.textContent = '';
    // A fresh text node after clearing makes screen readers read it even when it repeats.
    requestAnimationFrame(() => {
      if (this.announcer) this.announcer.textContent = text;
    });
  }

  /** Builds the page once the extension's init arrived. */
  mount(init: InitMessage): void {
    this.t = stringsFor(init.locale);
    document.documentElement.lang = init.locale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
    document.title = this.t.title;
    Object.assign(this.data, {
      locale: init.locale,
      model: init.model,
      formats: init.formats,
      recentDatasets: init.recentDatasets,
      resultsDir: init.resultsDir,
      followed: init.followed,
    });
    if (Object.keys(this.state.choices).length === 0) this.state.choices = { ...init.lastChoices };
    this.announcer = h('div', { className: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });
    const progress = this.views.get('progress')?.element;
    const tabList = h('div', { className: 'tabs', attrs: { role: 'tablist', 'aria-label': this.t.tabsLabel } });
    const labels: Record<PanelTab, string> = { configure: this.t.tabConfigure, results: this.t.tabResults, history: this.t.tabHistory, compare: this.t.tabCompare };
    for (const tab of PANEL_TABS) {
      const button = h('button', {
        id: `tab-${tab}`,
        className: 'tab',
        text: labels[tab],
        attrs: { type: 'button', role: 'tab', 'aria-controls': `panel-${tab}`, 'data-testid': `tab-${tab}` },
        on: { click: () => this.selectTab(tab), keydown: (event) => this.tabKey(event, tab) },
      });
      this.tabButtons.set(tab, button);
      tabList.append(button);
      const panel = h('section', { id: `panel-${tab}`, className: 'tab-panel', attrs: { role: 'tabpanel', 'aria-labelledby': `tab-${tab}`, tabindex: 0 } });
      const view = this.views.get(tab);
      if (view) panel.append(view.element);
      this.tabPanels.set(tab, panel);
    }
    replaceChildren(this.root, h('h1', { className: 'visually-hidden', text: this.t.title }), progress, tabList, ...this.tabPanels.values(), this.announcer);
    this.root.removeAttribute('aria-busy');
    this.selectTab(this.state.tab, false);
    this.render();
  }

  selectTab(tab: PanelTab, focus = false): void {
    this.update({ tab });
    for (const [name, button] of this.tabButtons) {
      const selected = name === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    for (const [name, panel] of this.tabPanels) panel.hidden = name !== tab;
  }

  /** Arrow keys, Home and End move along the tabs (WAI-ARIA tabs pattern). */
  private tabKey(event: KeyboardEvent, tab: PanelTab): void {
    const index = PANEL_TABS.indexOf(tab);
    const last = PANEL_TABS.length - 1;
    const next = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : undefined;
    if (next === undefined) return;
    event.preventDefault();
    this.selectTab(PANEL_TABS[next] ?? tab, true);
  }

  dispatch(message: ExtensionToWebview): void {
    for (const handler of this.handlers) handler(message);
  }

  // ---- requests the views share -------------------------------------------------------------

  openRun(runDir: string, { switchTab = true } = {}): void {
    this.update({ runDir, ...(switchTab ? { tab: 'results' as const } : {}) });
    this.data.runLoading = runDir;
    delete this.data.runError;
    delete this.data.detail;
    if (switchTab) this.selectTab('results');
    post({ type: 'loadRun', runDir });
    this.render('results');
  }

  openComparison(runA: string, runB: string): void {
    const { chartRuns: _chart, ...state } = this.state;
    this.state = state;
    this.update({ compare: [runA, runB], tab: 'compare' });
    delete this.data.categoryRuns;
    delete this.data.categoryLoading;
    delete this.data.categoryError;
    this.data.compareLoading = [runA, runB];
    delete this.data.compareError;
    this.selectTab('compare');
    post({ type: 'compare', runA, runB });
    this.render('compare');
  }

  /** Several runs' accuracy by category in one chart, under Compare. */
  openCategoryChart(runDirs: string[]): void {
    this.update({ chartRuns: runDirs, tab: 'compare' });
    this.data.categoryLoading = runDirs;
    delete this.data.categoryRuns;
    delete this.data.categoryError;
    this.selectTab('compare');
    post({ type: 'compareCategories', runDirs });
    this.render('compare');
  }

  /** Leaves the category chart for the A/B comparison (when there is one). */
  closeCategoryChart(): void {
    const { chartRuns: _chart, ...state } = this.state;
    this.state = state;
    this.save();
    delete this.data.categoryRuns;
    delete this.data.categoryLoading;
    delete this.data.categoryError;
    this.render('compare');
  }

  requestFacts(): void {
    const dataset = this.state.choices.dataset ?? 'sample';
    const language = this.state.choices.language ?? 'ja';
    if (this.data.facts?.dataset === dataset && this.data.facts.language === language) return;
    this.data.facts = { dataset, language, loading: true };
    post({ type: 'datasetFacts', dataset, language });
  }
}
