// The panel's real script (src/webview, bundled with chart.js the way esbuild.mjs does) in headless
// Chromium, under the real HTML and CSP from buildPanelHtml, with a stand-in for acquireVsCodeApi.
// Checks what no string test can: that nothing violates the CSP (chart.js included), that the
// summary cards, charts, table, drill-down, history and progress render from the messages the
// extension sends, that the keyboard works, and what the webview posts back.
// Without Chromium (MEDLOCAL_CHROMIUM or /usr/bin/chromium): skipped on a developer's machine, with
// the reason; under CI it is installed first (Debian's package, as the in-editor suite does), and a
// failed install fails the suite rather than skipping it: on a cold CI machine the unit tests run
// before the integration setup, and a skip there would pass unseen.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { ExtensionToWebview, InitMessage } from '../../../src/protocol/webviewMessages';
import { buildPanelHtml } from '../../../src/extension/panelHtml';
import { ANSWERS_A, ANSWERS_B, LISTINGS, storedRun } from '../view/fixtures';

const CHROMIUM = process.env.MEDLOCAL_CHROMIUM ?? '/usr/bin/chromium';
const ORIGIN = 'https://webview.test';
const ROOT = join(__dirname, '..', '..', '..');

interface Harness {
  page: Page;
  errors: string[];
  sent(): Promise<Array<{ type: string; [key: string]: unknown }>>;
  send(message: ExtensionToWebview): Promise<void>;
  waitSent(type: string, predicate?: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  violations(): Promise<string[]>;
}

const INIT: InitMessage = {
  type: 'init',
  locale: 'en',
  model: { state: 'ready', name: 'Tiny-Med', quantization: 'Q4_K_M' },
  formats: [{ id: 'igakuqa', description: 'IgakuQA official prompt', hash: 'abc' }],
  recentDatasets: ['igakuqa:/data/IgakuQA/2022'],
  lastChoices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter' },
  resultsDir: '/runs',
};

const skip = existsSync(CHROMIUM) || process.env.CI ? false : `no Chromium at ${CHROMIUM} (Debian: sudo apt-get install -y chromium, or set MEDLOCAL_CHROMIUM)`;

describe('the panel webview in Chromium, under its CSP', { skip }, () => {
  let browser: Browser;
  let script = '';
  const css = readFileSync(join(ROOT, 'media', 'panel.css'), 'utf8');

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      // The in-editor suite's installer (an untyped .mjs script), reached through a variable.
      const installer: string = join(ROOT, 'scripts', 'integration', 'install-code-server.mjs');
      const { ensureSystemPackages } = (await import(pathToFileURL(installer).href)) as {
        ensureSystemPackages(options: { needBuild: boolean; needChromium: boolean }): void;
      };
      ensureSystemPackages({ needBuild: false, needChromium: true });
    }
    const built = await esbuild.build({ entryPoints: [join(ROOT, 'src/webview/main.ts')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, logLevel: 'silent' });
    script = built.outputFiles[0]?.text ?? '';
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  });

  after(async () => {
    await browser?.close();
  });

  async function open(initialState?: unknown): Promise<Harness> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) errors.push(`console: ${message.text()}`);
    });
    const nonce = randomBytes(18).toString('base64');
    const html = buildPanelHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/media/panel.js`, styleUri: `${ORIGIN}/media/panel.css`, lang: 'en', title: 'MedLocal Benchmark', loadingText: 'Loading…' });
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/index.html') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
      if (path === '/media/panel.js') return route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: script });
      if (path === '/media/panel.css') return route.fulfill({ contentType: 'text/css; charset=utf-8', body: css });
      errors.push(`unexpected request ${route.request().url()}`);
      return route.fulfill({ status: 404, body: '' });
    });
    // Stands in for VS Code's webview host. A string, not a function: tsx would decorate a function
    // with helpers the page does not have. (CDP init scripts are outside the page's CSP.)
    await page.addInitScript({
      content: `
        window.__name = (f) => f;
        const sent = [];
        const violations = [];
        let saved = ${JSON.stringify(initialState ?? null)} ?? undefined;
        window.__sent = sent;
        window.__violations = violations;
        window.__state = () => saved;
        window.acquireVsCodeApi = () => ({ postMessage: (m) => sent.push(JSON.parse(JSON.stringify(m))), getState: () => saved, setState: (s) => { saved = s; } });
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
      `,
    });
    await page.goto(`${ORIGIN}/index.html`);
    const harness: Harness = {
      page,
      errors,
      sent: () => page.evaluate(() => (window as unknown as { __sent: Array<{ type: string }> }).__sent),
      send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
      violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
      async waitSent(type, predicate = () => true) {
        for (let i = 0; i < 200; i++) {
          const found = (await harness.sent()).find((m) => m.type === type && predicate(m));
          if (found) return found;
          await page.waitForTimeout(25);
        }
        throw new Error(`the webview never sent ${type}; it sent ${JSON.stringify(await harness.sent()).slice(0, 800)}`);
      },
    };
    await harness.waitSent('ready');
    return harness;
  }

  async function noViolations(h: Harness): Promise<void> {
    assert.deepEqual(await h.violations(), [], 'CSP violations');
    assert.deepEqual(h.errors, [], 'errors in the page');
    // Only CSSOM-set sizes (chart.js canvases, chart boxes) may carry a style attribute.
    const styled = await h.page.evaluate(() => Array.from(document.querySelectorAll('[style]')).map((e) => `${e.tagName}.${e.className}`));
    for (const element of styled) assert.match(element, /^(CANVAS\.|DIV\.chart)$/, `unexpected style attribute on ${element}`);
  }

  test('results of a run: cards, charts, table, drill-down with the keyboard', async () => {
    const h = await open();
    await h.send({ ...INIT, showRun: '/runs/a' });
    await h.waitSent('loadRun', (m) => m.runDir === '/runs/a');
    await h.waitSent('refreshRuns');
    await h.waitSent('datasetFacts', (m) => m.dataset === 'sample' && m.language === 'ja');
    await h.send({ type: 'run', run: storedRun('/runs/a', ANSWERS_A) });
    const page = h.page;
    const cards = page.locator('[data-testid="summary-cards"]');
    await cards.waitFor();
    assert.equal(await cards.getAttribute('data-run-dir'), '/runs/a');
    assert.equal(await page.locator('[data-testid="card-accuracy"] .card-value').innerText(), '62.5%');
    assert.equal(await page.locator('[data-testid="card-kinki"] .card-value').innerText(), '2');
    const rendered = await h.waitSent('rendered');
    assert.equal(rendered.runDir, '/runs/a');
    assert.match(String(rendered.summaryText), /^Accuracy: 62\.5% \(5\/8 · 95% CI 30\.6–86\.3%\)\nPoints score: 11\/16/);

    for (const chart of ['chart-category', 'chart-block', 'chart-human']) {
      const box = await page.locator(`[data-testid="${chart}"] canvas`).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 50, `${chart} is drawn (${JSON.stringify(box)})`);
    }

    assert.equal(await page.locator('table.questions tbody tr').count(), 8);
    await page.locator('#filter-wrong').check();
    assert.equal(await page.locator('table.questions tbody tr').count(), 3);
    assert.equal(await page.locator('[data-testid="rows-shown"]').innerText(), '3 of 8 questions');
    assert.equal((await h.page.evaluate(() => (window as unknown as { __state: () => { filters: { wrongOnly: boolean } } }).__state().filters.wrongOnly)), true, 'filters saved with setState');

    const row = page.locator('table.questions tbody tr[data-id="116A4"]');
    await row.focus();
    await page.keyboard.press('Enter');
    await h.waitSent('question', (m) => m.id === '116A4');
    await h.send({
      type: 'question',
      runDir: '/runs/a',
      detail: { id: '116A4', stem: '正しいのはどれか。2つ選べ。', choices: ['一', '二', '三', '四', '五'], prompt: '<script>alert(1)</script> prompt text', record: { ...(ANSWERS_A[3] ?? ANSWERS_A[0]!), response: '<b>a,b</b>' }, choiceBreakdown: [70, 5, 5, 60, 0] },
    });
    await page.locator('[data-testid="drilldown"] .stem').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'drill-title', 'focus moves to the drill-down');
    assert.equal(await page.locator('[data-testid="drilldown"] pre.output').innerText(), '<b>a,b</b>', 'model output is text, never markup');
    assert.equal(await page.locator('[data-testid="drilldown"] table.choices tbody tr.kinki').count(), 1);
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), '116A4', 'Escape returns focus to the row');

    await page.evaluate(() => document.body.classList.add('vscode-high-contrast'));
    await noViolations(h);
    // Control: the policy is live, and the harness would have seen a violation.
    await page.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' })));
    await page.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length > 0);
    assert.match((await h.violations())[0] ?? '', /^style-src/);
    if (process.env.MEDLOCAL_PANEL_SCREENSHOT) await page.screenshot({ path: process.env.MEDLOCAL_PANEL_SCREENSHOT, fullPage: true });
    await page.close();
  });

  test('progress, the end of a run, history and compare', async () => {
    const h = await open();
    await h.send(INIT);
    await h.waitSent('refreshRuns');
    const page = h.page;
    await h.send({ type: 'followed', run: { runId: 'run-1', runDir: '/runs/new', total: 36, progress: { runId: 'run-1', runDir: '/runs/new', done: 12, total: 36, accuracy: 0.75, ci95: [0.4677, 0.9111], tokensPerSecond: 20, etaSeconds: 60, current: 'S-A12' } } });
    await page.locator('[data-testid="progress-count"]').waitFor();
    assert.equal(await page.locator('[data-testid="progress-count"]').innerText(), '12 / 36 questions');
    assert.equal(await page.locator('[data-testid="run"]').isDisabled(), true, 'one run at a time from the panel');
    await page.locator('[data-testid="cancel"]').click();
    await h.waitSent('cancel', (m) => m.runId === 'run-1');

    await h.send({ type: 'followed', run: { runId: 'run-1', runDir: '/runs/new', total: 36, finished: { runId: 'run-1', runDir: '/runs/new', status: 'cancelled', answered: 12 } } });
    await h.waitSent('loadRun', (m) => m.runDir === '/runs/new');
    assert.match(await page.locator('[data-testid="progress-finished"]').innerText(), /cancelled after 12 answers/);

    await h.send({ type: 'runs', resultsDir: '/runs', runs: LISTINGS });
    await page.locator('[data-testid="tab-history"]').click();
    const rows = page.locator('[data-testid="history-table"] tbody tr');
    assert.equal(await rows.count(), 4);
    const damaged = page.locator('tr[data-status="damaged"]');
    assert.match(await damaged.innerText(), /damaged[\s\S]*manifest\.json is not valid JSON/);
    assert.equal(await damaged.locator('input[type="checkbox"]').isDisabled(), true);
    await page.locator('#select-0').check();
    await page.locator('#select-1').check();
    await page.locator('[data-testid="compare-selected"]').click();
    await h.waitSent('compare', (m) => m.runA === LISTINGS[0]?.runDir && m.runB === LISTINGS[1]?.runDir);
    const { compareRuns } = await import('../../../src/eval/metrics');
    await h.send({ type: 'comparison', runA: { ...storedRun(LISTINGS[0]?.runDir ?? '', ANSWERS_A) }, runB: storedRun(LISTINGS[1]?.runDir ?? '', ANSWERS_B), comparison: compareRuns(ANSWERS_A, ANSWERS_B) });
    await page.locator('[data-testid="compare-delta"]').waitFor();
    assert.equal(await page.locator('[data-testid="compare-delta"] .card-value').innerText(), '+12.5 pt');
    assert.match(await page.locator('[data-testid="flips-wrong-to-right"]').innerText(), /116A2[\s\S]*116B2/);

    // Keyboard: arrow keys move along the tabs.
    await page.locator('[data-testid="tab-compare"]').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-configure');
    assert.equal(await page.locator('#panel-configure').isVisible(), true);
    await noViolations(h);
    await page.close();
  });

  test('History: tick three runs, chart their accuracy by category together, export the table', async () => {
    const h = await open();
    await h.send(INIT);
    await h.waitSent('refreshRuns');
    const page = h.page;
    const third = { ...LISTINGS[0], runDir: '/runs/20260201-imported-gpt4', model: 'gpt4' } as (typeof LISTINGS)[number];
    await h.send({ type: 'runs', resultsDir: '/runs', runs: [...LISTINGS, third] });
    await page.locator('[data-testid="tab-history"]').click();
    const chartButton = page.locator('[data-testid="compare-categories-selected"]');
    assert.equal(await chartButton.isDisabled(), true, 'no chart of fewer than two runs');
    await page.locator('#select-0').check();
    await page.locator('#select-1').check();
    await page.locator('tr[data-run-dir="/runs/20260201-imported-gpt4"] input[type="checkbox"]').check();
    assert.equal(await page.locator('[data-testid="compare-selected"]').isDisabled(), true, 'the A/B comparison takes exactly two');
    assert.equal(await chartButton.innerText(), 'Compare categories (3 runs)');
    await chartButton.click();
    const runDirs = [LISTINGS[0]?.runDir ?? '', LISTINGS[1]?.runDir ?? '', third.runDir];
    await h.waitSent('compareCategories', (m) => JSON.stringify(m.runDirs) === JSON.stringify(runDirs));
    const answersC = ANSWERS_A.map((record, index) => ({ ...record, correct: index % 2 === 0 })).slice(0, 6);
    await h.send({ type: 'categoryRuns', runs: [storedRun(runDirs[0] ?? '', ANSWERS_A), storedRun(runDirs[1] ?? '', ANSWERS_B), storedRun(runDirs[2] ?? '', answersC)] });
    await page.locator('[data-testid="category-chart-coverage"]').waitFor();
    // The third run answered 6 questions: every bar counts those 6, the others say what they left out.
    assert.match(await page.locator('[data-testid="category-chart-coverage"]').innerText(), /the 6 questions all 3 runs answered/);
    const coverage = await page.locator('[data-testid="category-chart-runs"] tbody tr').allInnerTexts();
    assert.equal(coverage.length, 3);
    assert.match(coverage[0] ?? '', /8\s+2/);
    assert.match(coverage[1] ?? '', /9\s+3/);
    assert.match(coverage[2] ?? '', /6\s+0/);
    assert.equal(await page.locator('[data-testid="category-chart"] canvas').count(), 1);
    const header = await page.locator('[data-testid="category-chart-table"] thead th').allInnerTexts();
    assert.equal(header.length, 5, `category, n and one column per run: ${header.join(' | ')}`);
    await page.locator('[data-testid="categories-export-json"]').click();
    await h.waitSent('export', (m) => (m.target as { kind?: string }).kind === 'categories');
    await noViolations(h);
    await page.close();
  });

  test('Japanese strings, restored state, dataset problems with file:line', async () => {
    const h = await open({ version: 1, tab: 'configure', choices: { dataset: 'jsonl:/d/broken.jsonl', language: 'en', scoring: 'generate' }, countMode: 'random', filters: { wrongOnly: false, category: '', answers: 'any', search: '' } });
    await h.send({ ...INIT, locale: 'ja' });
    const page = h.page;
    await h.waitSent('datasetFacts', (m) => m.dataset === 'jsonl:/d/broken.jsonl' && m.language === 'en');
    assert.equal(await page.locator('[data-testid="tab-configure"]').innerText(), '設定');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    assert.equal(await page.locator('#scoring').inputValue(), 'generate', 'restored from getState');
    assert.equal(await page.locator('#count-random').isChecked(), true);
    await h.send({ type: 'datasetFacts', dataset: 'jsonl:/d/broken.jsonl', language: 'en', facts: { loaded: 2, skipped: { 'malformed record': 1 }, multiAnswer: 0, choiceCounts: {}, points: {}, issues: ['/d/broken.jsonl:3: not valid JSON'] } });
    await page.locator('[data-testid="dataset-issues"] code').waitFor();
    assert.equal(await page.locator('[data-testid="dataset-issues"] code').innerText(), '/d/broken.jsonl:3: not valid JSON');
    await page.locator('#limit').fill('5');
    await page.locator('#limit').dispatchEvent('change');
    await page.locator('[data-testid="run"]').click();
    const start = await h.waitSent('start');
    assert.deepEqual(start.choices, { dataset: 'jsonl:/d/broken.jsonl', language: 'en', format: 'igakuqa', scoring: 'generate', limit: 5, seed: 1, parallel: 1 });
    await h.send({ type: 'startFailed', error: 'No usable questions', facts: { loaded: 0, skipped: {}, multiAnswer: 0, choiceCounts: {}, points: {}, issues: ['/d/broken.jsonl:1: no choices'] } });
    await page.locator('#run-problem').filter({ hasText: 'No usable questions' }).waitFor();
    await noViolations(h);
    await page.close();
  });
});
