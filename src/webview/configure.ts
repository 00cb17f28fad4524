// Configure: dataset (built-in sample, recent, Browse…), exam language, prompt format, scoring,
// how many questions (all, first N, random N with a seed), parallel sequences, the current model
// with a link to change it, Run, and the runs that can be resumed. The choices are remembered
// (webview state, and the extension's last choices for a new panel).
import { historyRows, statusLabel } from '../view/benchViewModel';
import { LIMITS, PROTOCOL_IDS, SCORING_MODES, type BenchChoices, type CountMode } from '../protocol/webviewMessages';
import type { App, View } from './app';
import { append, button, field, h, option, replaceChildren, uid } from './dom';
import { format } from '../view/strings';
import { post } from './vscodeApi';

/** The seed shown (and used) for a random sample until the user types another. */
const DEFAULT_SEED = 1;

export class ConfigureView implements View {
  readonly element = h('div', { className: 'configure', attrs: { 'data-testid': 'configure' } });

  constructor(private readonly app: App) {}

  render(): void {
    const { t } = this.app;
    const focusedId = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.id : undefined;
    replaceChildren(
      this.element,
      h('h2', { text: t.configureTitle }),
      this.datasetSection(),
      this.optionsSection(),
      this.countSection(),
      this.modelSection(),
      this.runSection(),
      this.resumableSection(),
    );
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  private get choices(): Partial<BenchChoices> {
    return this.app.state.choices;
  }

  private choose(change: Partial<BenchChoices>, { refetchFacts = false, rerender = false } = {}): void {
    this.app.update({ choices: { ...this.choices, ...change } });
    delete this.app.data.startError;
    if (refetchFacts) this.app.requestFacts();
    if (refetchFacts || rerender) this.render();
  }

  private datasetSection(): HTMLElement {
    const { t, data } = this.app;
    const current = this.choices.dataset ?? 'sample';
    const select = h('select', { id: 'dataset', attrs: { 'data-testid': 'dataset' }, on: { change: () => this.choose({ dataset: select.value }, { refetchFacts: true }) } });
    select.append(option('sample', t.datasetSample, current === 'sample'));
    const recent = data.recentDatasets.filter((d) => d !== 'sample');
    const extra = [current, data.browsedDataset].filter((d): d is string => d !== undefined && d !== 'sample' && !recent.includes(d));
    if (extra.length > 0) {
      const group = h('optgroup', { attrs: { label: t.datasetChosen } });
      for (const d of new Set(extra)) group.append(option(d, d, d === current));
      select.append(group);
    }
    if (recent.length > 0) {
      const group = h('optgroup', { attrs: { label: t.datasetRecent } });
      for (const d of recent) group.append(option(d, d, d === current));
      select.append(group);
    }
    const browse = h(
      'div',
      { className: 'button-row' },
      button(t.browseFolder, () => post({ type: 'browse', kind: 'folder' }), { id: 'browse-folder', className: 'secondary' }),
      button(t.browseFile, () => post({ type: 'browse', kind: 'file' }), { id: 'browse-file', className: 'secondary' }),
    );
    return h('div', { className: 'group' }, field(t.dataset, select), browse, this.factsBlock());
  }

  /** What the loader found in the dataset: counts, skips and the file:line problems. */
  private factsBlock(): HTMLElement {
    const { t, data } = this.app;
    const block = h('div', { id: 'dataset-facts', className: 'facts', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'dataset-facts' } });
    const facts = data.facts;
    if (!facts) return block;
    if (facts.loading) block.append(h('p', { text: t.datasetChecking }));
    else if (facts.error) block.append(h('p', { className: 'error', text: format(t.datasetError, facts.error) }));
    else if (facts.facts) {
      const f = facts.facts;
      block.append(h('p', { text: format(t.datasetFacts, f.loaded, f.multiAnswer) }));
      const skipped = Object.entries(f.skipped).filter(([, n]) => n > 0);
      if (skipped.length > 0) block.append(h('p', { className: 'muted', text: format(t.datasetSkipped, skipped.map(([why, n]) => `${n} ${why}`).join(', ')) }));
      append(block, issueList(t.datasetIssues, f.issues));
    }
    return block;
  }

  private optionsSection(): HTMLElement {
    const { t, data } = this.app;
    const language = h('select', { id: 'language', on: { change: () => this.choose({ language: language.value === 'en' ? 'en' : 'ja' }, { refetchFacts: true }) } });
    const lang = this.choices.language ?? 'ja';
    language.append(option('ja', t.languageJa, lang === 'ja'), option('en', t.languageEn, lang === 'en'));
    const currentFormat = this.choices.format ?? 'igakuqa';
    const formats = data.formats.length > 0 ? data.formats : [{ id: currentFormat, description: '', hash: '' }];
    const formatSelect = h('select', { id: 'format', on: { change: () => this.choose({ format: formatSelect.value }) } });
    for (const f of formats) formatSelect.append(option(f.id, f.description ? `${f.id} — ${f.description}` : f.id, f.id === currentFormat));
    if (!formats.some((f) => f.id === currentFormat)) formatSelect.append(option(currentFormat, currentFormat, true));
    const scoring = h('select', { id: 'scoring', on: { change: () => this.choose({ scoring: SCORING_MODES.find((m) => m === scoring.value) ?? 'letter' }) } });
    const mode = this.choices.scoring ?? 'letter';
    const labels = { letter: t.scoringLetter, likelihood: t.scoringLikelihood, generate: t.scoringGenerate };
    for (const m of SCORING_MODES) scoring.append(option(m, labels[m], m === mode));
    const protocol = h('select', { id: 'protocol', attrs: { title: t.protocolHint }, on: { change: () => this.choose({ protocol: PROTOCOL_IDS.find((p) => p === protocol.value) ?? 'medlocal' }) } });
    const chosenProtocol = this.choices.protocol ?? 'medlocal';
    for (const p of PROTOCOL_IDS) protocol.append(option(p, p, p === chosenProtocol));
    return h('div', { className: 'group grid' }, field(t.language, language), field(t.format, formatSelect), field(t.scoring, scoring), field(t.protocol, protocol));
  }

  private countSection(): HTMLElement {
    const { t } = this.app;
    const mode = this.app.state.countMode;
    const name = uid('count');
    const radios = (['all', 'first', 'random'] as const).map((value) => {
      const input = h('input', {
        id: `count-${value}`,
        attrs: { type: 'radio', name, value },
        on: { change: () => this.setCountMode(value) },
      });
      input.checked = mode === value;
      const label = { all: t.countAll, first: t.countFirst, random: t.countRandom }[value];
      return h('div', { className: 'radio' }, input, h('label', { attrs: { for: input.id }, text: label }));
    });
    const limit = numberInput('limit', this.choices.limit, (value) => this.choose(value === undefined ? { limit: undefined } : { limit: value }), mode === 'all');
    const seed = numberInput('seed', this.choices.seed ?? (mode === 'random' ? DEFAULT_SEED : undefined), (value) => this.choose({ seed: value }), mode !== 'random');
    const parallel = numberInput('parallel', this.choices.parallel ?? 1, (value) => this.choose({ parallel: value }), false);
    // Shuffle: K orders per question from a seed (0 until the user types another), as --shuffle K --seed S.
    const current = this.choices.shuffle;
    const shuffle = numberInput('shuffle', current?.k, (value) => this.choose({ shuffle: value === undefined ? undefined : { k: value, seed: current?.seed ?? 0 } }, { rerender: true }), false);
    const shuffleSeed = numberInput('shuffleSeed', current?.seed, (value) => this.choose({ shuffle: current ? { k: current.k, seed: value ?? 0 } : undefined }), current === undefined);
    return h(
      'div',
      { className: 'group' },
      h(
        'fieldset',
        {},
        h('legend', { text: t.questions }),
        ...radios,
        h('div', { className: 'grid' }, field(t.limit, limit), field(t.seed, seed), field(t.parallel, parallel), field(t.shuffle, shuffle), field(t.shuffleSeed, shuffleSeed)),
      ),
    );
  }

  private setCountMode(mode: CountMode): void {
    this.app.update({ countMode: mode });
    this.render();
  }

  private modelSection(): HTMLElement {
    const { t, data } = this.app;
    const model = data.model;
    const text =
      model.state === 'ready'
        ? `${model.name ?? ''}${model.quantization ? ` (${model.quantization})` : ''}`
        : model.state === 'loading'
          ? t.modelLoading
          : model.state === 'error'
            ? format(t.modelError, model.message ?? '')
            : model.state === 'noModel'
              ? t.modelNone
              : t.modelNoServer;
    return h(
      'div',
      { className: 'group model-line' },
      h('span', { className: 'label', text: `${t.model}: ` }),
      h('span', { className: model.state === 'error' ? 'error' : '', text, attrs: { 'data-testid': 'model-name' } }),
      ' ',
      button(t.changeModel, () => post({ type: 'changeModel' }), { id: 'change-model', className: 'link', attrs: { 'data-testid': 'change-model' } }),
    );
  }

  private runSection(): HTMLElement {
    const { t, data } = this.app;
    const running = data.followed !== undefined && data.followed.finished === undefined;
    const problem = h('p', { id: 'run-problem', className: 'error', attrs: { role: 'alert' } });
    const run = button(t.run, () => this.run(problem), { id: 'run', className: 'primary', attrs: { 'data-testid': 'run', 'aria-describedby': 'run-problem' } });
    run.disabled = running;
    const children: Array<HTMLElement | undefined> = [h('div', { className: 'button-row' }, run), problem];
    if (data.startError) {
      problem.textContent = format(t.startFailed, data.startError.error);
      if (data.startError.facts) children.push(issueList(t.datasetIssues, data.startError.facts.issues));
    }
    return h('div', { className: 'group' }, ...children);
  }

  /** Checks the numbers, then asks the extension to start. */
  private run(problem: HTMLElement): void {
    const { t } = this.app;
    const mode = this.app.state.countMode;
    const c = { ...this.choices, ...(mode === 'random' && this.choices.seed === undefined ? { seed: DEFAULT_SEED } : {}) };
    const checks: Array<[keyof typeof LIMITS, number | undefined, boolean, string]> = [
      ['limit', c.limit, mode !== 'all', t.limit],
      ['seed', c.seed, mode === 'random', t.seed],
      ['parallel', c.parallel ?? 1, true, t.parallel],
      ['shuffle', c.shuffle?.k, c.shuffle !== undefined, t.shuffle],
      ['shuffleSeed', c.shuffle?.seed, c.shuffle !== undefined, t.shuffleSeed],
    ];
    for (const [key, value, needed, label] of checks) {
      const { min, max } = LIMITS[key];
      if (needed && (value === undefined || !Number.isInteger(value) || value < min || value > max)) {
        problem.textContent = format(t.invalidNumber, label, min, max);
        document.getElementById(key)?.focus();
        return;
      }
    }
    problem.textContent = '';
    const choices: BenchChoices = {
      dataset: c.dataset ?? 'sample',
      language: c.language ?? 'ja',
      format: c.format ?? 'igakuqa',
      scoring: c.scoring ?? 'letter',
      ...(c.protocol !== undefined && c.protocol !== 'medlocal' ? { protocol: c.protocol } : {}),
      ...(mode !== 'all' && c.limit !== undefined ? { limit: c.limit } : {}),
      ...(mode === 'random' && c.limit !== undefined && c.seed !== undefined ? { seed: c.seed } : {}),
      ...(c.shuffle !== undefined ? { shuffle: { k: c.shuffle.k, seed: c.shuffle.seed } } : {}),
      parallel: c.parallel ?? 1,
    };
    post({ type: 'start', choices });
  }

  private resumableSection(): HTMLElement | undefined {
    const { t, data } = this.app;
    const rows = historyRows(data.runs ?? []).filter((row) => row.resumable);
    if (rows.length === 0) return undefined;
    const running = data.followed !== undefined && data.followed.finished === undefined;
    const list = h('ul', { className: 'resumable', attrs: { 'data-testid': 'resumable' } });
    for (const [index, row] of rows.entries()) {
      const resume = button(t.resume, () => post({ type: 'resume', runDir: row.runDir }), { id: `resume-${index}`, attrs: { 'aria-label': `${t.resume}: ${row.name}` } });
      resume.disabled = running;
      list.append(h('li', {}, h('span', { text: `${row.date} · ${row.model} · ${row.datasetLabel} · ${row.mode} · ${row.answered} · ` }), h('span', { className: `status status-${row.status}`, text: statusLabel(row.status, t) }), ' ', resume));
    }
    return h('div', { className: 'group' }, h('h3', { text: t.resumableTitle }), list);
  }
}

function numberInput(id: keyof typeof LIMITS, value: number | undefined, onChange: (value: number | undefined) => void, disabled: boolean): HTMLInputElement {
  const { min, max } = LIMITS[id];
  const input = h('input', {
    id,
    attrs: { type: 'number', min, max, step: 1, inputmode: 'numeric', value: value === undefined ? '' : String(value) },
    on: {
      change: () => {
        const text = input.value.trim();
        onChange(text === '' ? undefined : Number(text));
      },
    },
  });
  input.disabled = disabled;
  return input;
}

/** The loader's `file:line: reason` messages, as a list. */
export function issueList(title: string, issues: readonly string[]): HTMLElement | undefined {
  if (issues.length === 0) return undefined;
  return h('div', { className: 'issues', attrs: { 'data-testid': 'dataset-issues' } }, h('p', { text: title }), h('ul', {}, ...issues.map((issue) => h('li', {}, h('code', { text: issue })))));
}
