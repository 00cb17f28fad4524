// The benchmark panel's script (bundled by esbuild into media/panel.js with chart.js). It restores
// its state (getState), says `ready`, builds the page from the extension's `init`, then routes the
// extension's messages to the views. Everything it asks for goes through postMessage: it never
// reads files or talks to the language server itself.
import { parsePanelState, type ExtensionToWebview, type FollowedRun } from '../protocol/webviewMessages';
import { App } from './app';
import { ConfigureView } from './configure';
import { CompareView, HistoryView } from './history';
import { ProgressView } from './progress';
import { ResultsView } from './results';
import { format } from '../view/strings';
import { loadState, post } from './vscodeApi';
import { withNextStep } from '../shared/nextStep';

const root = document.getElementById('app');
if (!root) throw new Error('the panel HTML has no #app element');

const app = new App(root, parsePanelState(loadState()));
const results = new ResultsView(app);
app.register('progress', new ProgressView(app));
app.register('configure', new ConfigureView(app));
app.register('results', results);
app.register('history', new HistoryView(app));
app.register('compare', new CompareView(app));

function isMessage(value: unknown): value is ExtensionToWebview {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

/** A run that just ended: say so once, then show its results (also after a reload, only once). */
function followRun(run: FollowedRun): void {
  const previous = app.data.followed;
  app.data.followed = run;
  app.render('progress', 'configure', 'history');
  if (previous?.runId !== run.runId) post({ type: 'refreshRuns' });
  const finished = run.finished;
  if (!finished || app.state.seenFinished === run.runId) return;
  app.update({ seenFinished: run.runId });
  const { t } = app;
  app.announce(finished.status === 'completed' ? t.finishedCompleted : finished.status === 'cancelled' ? format(t.finishedCancelled, finished.answered) : format(t.finishedFailed, finished.error ?? ''));
  app.openRun(finished.runDir);
  post({ type: 'refreshRuns' });
}

/** The answer is for the chart the panel is waiting for (the same runs, in the same order). */
function sameRuns(waiting: readonly string[] | undefined, runDirs: readonly string[]): boolean {
  return waiting !== undefined && waiting.length === runDirs.length && waiting.every((dir, index) => dir === runDirs[index]);
}

function handle(message: ExtensionToWebview): void {
  const { data, state } = app;
  switch (message.type) {
    case 'init': {
      app.mount(message);
      post({ type: 'refreshRuns' });
      const followed = message.followed;
      if (message.showRun) app.openRun(message.showRun);
      else if (followed?.finished && state.seenFinished !== followed.runId) followRun(followed);
      else if (state.runDir) app.openRun(state.runDir, { switchTab: false });
      if (state.compare) {
        data.compareLoading = state.compare;
        post({ type: 'compare', runA: state.compare[0], runB: state.compare[1] });
      }
      if (state.chartRuns) {
        data.categoryLoading = state.chartRuns;
        post({ type: 'compareCategories', runDirs: state.chartRuns });
      }
      app.requestFacts();
      app.render();
      return;
    }
    case 'model':
      data.model = message.model;
      return app.render('configure');
    case 'formats':
      data.formats = message.formats;
      return app.render('configure');
    case 'runs':
      data.runs = message.runs;
      data.resultsDir = message.resultsDir;
      if (message.error) data.runsError = withNextStep(message.error, message.next);
      else delete data.runsError;
      data.selected = data.selected.filter((dir) => message.runs.some((run) => run.runDir === dir));
      return app.render('history', 'configure');
    case 'datasetFacts': {
      if (data.facts?.dataset !== message.dataset || data.facts.language !== message.language) return;
      data.facts = { dataset: message.dataset, language: message.language, loading: false, ...(message.facts ? { facts: message.facts } : {}), ...(message.error ? { error: withNextStep(message.error, message.next) } : {}) };
      return app.render('configure');
    }
    case 'datasetChosen':
      data.browsedDataset = message.dataset;
      app.update({ choices: { ...state.choices, dataset: message.dataset } });
      app.requestFacts();
      return app.render('configure');
    case 'followed':
      return followRun(message.run);
    case 'startFailed':
      data.startError = { error: withNextStep(message.error, message.next), ...(message.facts ? { facts: message.facts } : {}) };
      app.selectTab('configure');
      return app.render('configure');
    case 'run':
      if (message.run.runDir !== state.runDir) return;
      data.run = message.run;
      delete data.runLoading;
      delete data.runError;
      return app.render('results');
    case 'runError':
      if (message.runDir !== state.runDir) return;
      delete data.run;
      delete data.runLoading;
      data.runError = { runDir: message.runDir, error: withNextStep(message.error, message.next) };
      return app.render('results');
    case 'question':
    case 'questionError': {
      const detail = data.detail;
      const id = message.type === 'question' ? message.detail.id : message.id;
      if (!detail || detail.runDir !== message.runDir || detail.id !== id) return;
      if (message.type === 'question') detail.detail = message.detail;
      else detail.error = withNextStep(message.error, message.next);
      return results.renderDetail();
    }
    case 'comparison':
      if (!data.compareLoading || data.compareLoading[0] !== message.runA.runDir || data.compareLoading[1] !== message.runB.runDir) return;
      delete data.compareLoading;
      data.comparison = { runA: message.runA, runB: message.runB, comparison: message.comparison };
      return app.render('compare');
    case 'compareError':
      if (!data.compareLoading || data.compareLoading[0] !== message.runA || data.compareLoading[1] !== message.runB) return;
      delete data.compareLoading;
      delete data.comparison;
      data.compareError = withNextStep(message.error, message.next);
      return app.render('compare');
    case 'categoryRuns':
      if (!sameRuns(data.categoryLoading, message.runs.map((run) => run.runDir))) return;
      delete data.categoryLoading;
      data.categoryRuns = message.runs;
      return app.render('compare');
    case 'categoryRunsError':
      if (!sameRuns(data.categoryLoading, message.runDirs)) return;
      delete data.categoryLoading;
      delete data.categoryRuns;
      data.categoryError = withNextStep(message.error, message.next);
      return app.render('compare');
    case 'showRun':
      return app.openRun(message.runDir);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isMessage(event.data)) return;
  try {
    handle(event.data);
  } catch (error) {
    post({ type: 'webviewError', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  }
});
window.addEventListener('error', (event) => post({ type: 'webviewError', message: `${event.message} (${event.filename}:${event.lineno})` }));
window.addEventListener('unhandledrejection', (event) => post({ type: 'webviewError', message: String(event.reason) }));

post({ type: 'ready' });
