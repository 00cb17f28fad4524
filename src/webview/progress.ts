// Live progress of the run the panel follows, above the tabs: done/total, running accuracy with
// its interval, tokens/s, ETA, the question just answered, and Cancel. When the run ends it says
// how (completed, cancelled: resumable, failed: the error, finished answers kept).
// The elements are built once and updated in place, so a focused Cancel button keeps its focus
// while progress streams in.
import { percent, progressView } from '../view/benchViewModel';
import type { App, View } from './app';
import { button, h, replaceChildren } from './dom';
import { format } from '../view/strings';
import { post } from './vscodeApi';

export class ProgressView implements View {
  readonly element = h('section', { id: 'progress', className: 'progress-section', attrs: { 'aria-labelledby': 'progress-title', 'data-testid': 'progress' } });
  private readonly title = h('h2', { id: 'progress-title' });
  private readonly bar = h('progress', { attrs: { 'aria-labelledby': 'progress-title' } });
  private readonly facts = h('div', { className: 'progress-facts' });
  private readonly outcome = h('p', { attrs: { 'data-testid': 'progress-finished' } });
  private readonly cancel: HTMLButtonElement;
  private readonly live: HTMLDivElement;

  constructor(private readonly app: App) {
    this.cancel = button('', () => this.requestCancel(), { attrs: { 'data-testid': 'cancel' } });
    this.live = h('div', {}, this.bar, this.facts, h('div', { className: 'button-row' }, this.cancel));
    this.element.append(this.title, this.live, this.outcome);
    this.element.hidden = true;
  }

  private requestCancel(): void {
    const run = this.app.data.followed;
    if (!run || run.finished) return;
    post({ type: 'cancel', runId: run.runId });
    run.cancelling = true;
    this.render();
  }

  render(): void {
    const { t } = this.app;
    const run = this.app.data.followed;
    this.element.hidden = run === undefined;
    if (!run) return;
    const finished = run.finished;
    this.title.textContent = finished ? t.progressEndedTitle : t.progressTitle;
    this.live.hidden = finished !== undefined;
    this.outcome.hidden = finished === undefined;
    if (finished) {
      this.outcome.className = finished.status === 'failed' ? 'error' : 'muted';
      this.outcome.textContent =
        finished.status === 'completed'
          ? `${t.finishedCompleted}${finished.summary ? ` ${t.cardAccuracy} ${percent(finished.summary.accuracy)}` : ''}`
          : finished.status === 'cancelled'
            ? format(t.finishedCancelled, finished.answered)
            : format(t.finishedFailed, finished.error ?? '');
      return;
    }
    const event = run.progress;
    this.bar.max = event?.total ?? run.total ?? 1;
    if (event) this.bar.value = event.done;
    else this.bar.removeAttribute('value');
    const lines: HTMLElement[] = [];
    if (event) {
      const view = progressView(event, t);
      lines.push(
        h('span', { text: view.countText, attrs: { 'data-testid': 'progress-count' } }),
        h('span', { text: view.accuracyText }),
        ...(view.tokensText ? [h('span', { text: view.tokensText })] : []),
        ...(view.etaText ? [h('span', { text: view.etaText })] : []),
        ...(view.currentText ? [h('span', { className: 'muted', text: view.currentText })] : []),
      );
    } else {
      lines.push(h('span', { text: run.total !== undefined ? `${t.progressStarting} ${format(t.progressCount, 0, run.total)}` : t.progressStarting }));
    }
    replaceChildren(this.facts, ...lines);
    this.cancel.textContent = run.cancelling ? t.cancelling : t.cancel;
    this.cancel.disabled = run.cancelling === true;
  }
}
