#!/usr/bin/env node
// UI checks: drive the real workbench the way a person does (Playwright + headless Chromium) with
// MedLocal loaded as the extension under development (no extensionTestsPath, so the extension
// development host stays open), take screenshots into test-results/.
//
// Run after the suite by run.mjs (phase 2), or alone:
//   node scripts/integration/ui.mjs [--timeout ms] [--keep]
//
// Adding a check = one entry in UI_CHECKS below, e.g. when hovers land:
//   { name: 'hover on 急性心筋梗塞', async run(ui) {
//       await ui.openFile('notes/cardiology-ja.md');
//       const text = await ui.hover('急性心筋梗塞');
//       ui.expect(/心筋梗塞|myocardial/i.test(text), `hover text: ${text}`);
//       await ui.screenshot('hover.png');
//   } },

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closeChromium,
  ensureCodeServer,
  fixtureWorkspace,
  createHostLogger,
  InstallError,
  launchChromium,
  newWorkbenchPage,
  parseArgs,
  repoRoot,
  resultsDir,
  resolveTestModel,
  say,
  screenshot,
  startCodeServer,
  userSettings,
} from './common.mjs';

export const UI_CHECKS = [
  {
    name: 'open notes/cardiology-ja.md with Control+P',
    async run(ui) {
      await ui.openFile('notes/cardiology-ja.md');
      const firstLine = await ui.page.locator('.monaco-editor .view-lines .view-line').first().innerText();
      ui.log(`editor shows: ${JSON.stringify(firstLine.slice(0, 60))}`);
    },
  },
  {
    name: 'status bar shows the MedLocal item',
    async run(ui) {
      const item = await ui.statusBarItem(/MedLocal/);
      ui.log(`status bar item: ${JSON.stringify(item)}`);
      // Give the model a moment to load so the screenshot shows the settled state (not an assertion:
      // the suite checks readiness through the API).
      const settled = await ui.waitStatusBarText(/MedLocal/, (t) => !/starting|loading/i.test(t), 30_000);
      ui.log(`status bar item after load: ${JSON.stringify(settled)}`);
      await ui.screenshot('editor.png');
    },
  },
  {
    name: 'hovering 急性心筋梗塞 with the mouse shows the dictionary entry',
    async run(ui) {
      await ui.openFile('notes/cardiology-ja.md');
      const text = await ui.hover('急性心筋梗塞');
      ui.log(`hover shows: ${JSON.stringify(text.slice(0, 160))}`);
      ui.expect(/I21/.test(text), `the hover has no ICD-10 code: ${text}`);
      ui.expect(/acute myocardial infarction/i.test(text), `the hover has no English name: ${text}`);
      await ui.screenshot('hover.png');
    },
  },
  {
    name: 'the benchmark panel runs the sample set and shows its summary cards',
    async run(ui) {
      await ui.runCommand('MedLocal: Open Benchmark Panel');
      const frame = ui.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await frame.locator('#limit').waitFor({ state: 'visible', timeout: 30_000 });
      await frame.locator('#count-first').check().catch(() => {});
      await frame.locator('#limit').fill('4');
      await frame.locator('[data-testid="run"]').click();
      const accuracy = frame.locator('[data-testid="summary-cards"] [data-testid="card-accuracy"] .card-value');
      await accuracy.waitFor({ state: 'visible', timeout: 90_000 });
      const value = await accuracy.innerText();
      ui.log(`accuracy card: ${JSON.stringify(value)}`);
      ui.expect(/\d+(\.\d)?\s*%/.test(value), `the accuracy card shows no percentage: ${value}`);
      await ui.screenshot('panel.png');
    },
  },
];

export class Ui {
  constructor(page, { workspace = fixtureWorkspace } = {}) {
    this.page = page;
    this.workspace = workspace;
  }

  log(msg) {
    say(`  ui: ${msg}`);
  }

  expect(cond, message) {
    if (!cond) throw new Error(`expectation failed: ${message}`);
  }

  async waitForWorkbench(timeout = 90_000) {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
    // The status bar appears once the workbench is laid out.
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout });
  }

  /** Quick Open (Control+P), type the path, Enter; waits for the editor to show it. */
  async openFile(relPath, timeout = 30_000) {
    const page = this.page;
    const name = path.basename(relPath);
    // Focus the workbench (not a webview or the chat input), then Control+P.
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 }, trial: false }).catch(() => {});
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(relPath);
    // Wait until quick open lists the file, then pick it.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout });
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab[aria-label*="${name}"], .tabs-container .tab:has-text("${name}")`).first().waitFor({ state: 'visible', timeout });
    await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout });
  }

  /** Moves the mouse onto the first occurrence of `word` in the editor; returns the hover's text. */
  async hover(word, timeout = 30_000) {
    const page = this.page;
    const span = page.locator('.monaco-editor .view-line span', { hasText: word }).first();
    await span.waitFor({ state: 'visible', timeout });
    // The span may hold a whole line: measure the word itself with a DOM Range.
    const box = await span.evaluate((element, needle) => {
      const walker = element.ownerDocument.createTreeWalker(element, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const index = (node.textContent ?? '').indexOf(needle);
        if (index < 0) continue;
        const range = element.ownerDocument.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + needle.length);
        const rect = range.getBoundingClientRect();
        return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
      }
      return null;
    }, word);
    if (!box) throw new Error(`no bounding box for ${word}`);
    await page.mouse.move(box.x + box.width / 2 - 4, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
    const hover = page.locator('.monaco-hover-content').first();
    await hover.waitFor({ state: 'visible', timeout });
    return hover.innerText();
  }

  /** Runs a command from the palette by its title, e.g. 'MedLocal: Show Status'. */
  async runCommand(title, timeout = 30_000) {
    const page = this.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout });
    await page.keyboard.press('Enter');
  }

  statusBarLocator(text) {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: text }).first();
  }

  /** Waits for a status bar item whose text matches; returns its text and aria-label. */
  async statusBarItem(text, timeout = 60_000) {
    const item = this.statusBarLocator(text);
    await item.waitFor({ state: 'visible', timeout });
    return { text: (await item.innerText()).trim(), ariaLabel: await item.locator('a, [role="button"]').first().getAttribute('aria-label').catch(() => null) };
  }

  /** Polls the item's text until `done(text)` or the timeout; returns the last text (no throw). */
  async waitStatusBarText(text, done, timeout) {
    const item = this.statusBarLocator(text);
    const until = Date.now() + timeout;
    let last = '';
    while (Date.now() < until) {
      last = (await item.innerText().catch(() => '')).trim();
      if (done(last)) return last;
      await this.page.waitForTimeout(500);
    }
    return last;
  }

  async screenshot(name) {
    const file = await screenshot(this.page, name);
    if (file) this.log(`screenshot ${path.relative(repoRoot, file)}`);
    return file;
  }
}

/** Opens the workbench with MedLocal (no tests) and runs the checks. Returns the number of failures. */
export async function runUiChecks({ browser, cs, extensionDevelopmentPath, workspace, checks = UI_CHECKS, onPage, verbose = false }) {
  const onLog = createHostLogger({ file: path.join(resultsDir, 'exthost-ui.log'), verbose, prefix: '[exthost:ui] ' });
  const page = await newWorkbenchPage(browser, { onLog });
  onPage?.(page);
  const url = cs.workbenchUrl({ folder: workspace, extensionDevelopmentPath });
  say(`ui: opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  const ui = new Ui(page, { workspace });
  await ui.waitForWorkbench();
  say('ui: workbench is up');
  let failures = 0;
  for (const check of checks) {
    const t = Date.now();
    try {
      await check.run(ui);
      say(`ui: ✓ ${check.name} (${Date.now() - t} ms)`);
    } catch (e) {
      failures++;
      say(`ui: ✗ ${check.name}: ${e.message.split('\n')[0]}`);
      await ui.screenshot(`ui-failure-${failures}.png`);
    }
  }
  if (onLog.summary()) say(`ui: ${onLog.summary()}`);
  onLog.close();
  await page.context().close().catch(() => {});
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Standalone

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2), { timeout: 'value', keep: 'flag', extension: 'value', workspace: 'value' });
  const timeoutMs = Number(opts.timeout ?? process.env.MEDLOCAL_IT_TIMEOUT_MS ?? 180_000);
  const extensionDevelopmentPath = path.resolve(opts.extension ?? repoRoot);
  const workspace = path.resolve(opts.workspace ?? fixtureWorkspace);
  let cs;
  let browser;
  let code = 1;
  const timer = setTimeout(() => {
    say(`TIMEOUT: ui checks did not finish within ${timeoutMs / 1000}s`);
    cleanup(1);
  }, timeoutMs);
  let cleaning = false;
  async function cleanup(exitCode) {
    if (cleaning) return;
    cleaning = true;
    clearTimeout(timer);
    setTimeout(() => process.exit(exitCode || 1), 30_000).unref();
    let left = [];
    try {
      left = [...(await closeChromium(browser)), ...(cs ? await cs.stop() : [])];
    } catch (e) {
      say(`cleanup failed: ${e.stack || e}`);
      exitCode = exitCode || 1;
    }
    if (left.length) {
      say(`LEFT RUNNING: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
      exitCode = exitCode || 1;
    } else if (cs) say('cleanup: no process of this run is left');
    process.exit(exitCode);
  }
  // Last resort if anything above throws or exits early: SIGKILL the run's process groups.
  process.on('exit', () => {
    for (const g of [cs?.pgid, ...(browser?.medlocalGroups ?? [])]) {
      if (!g) continue;
      try {
        process.kill(-g, 'SIGKILL');
      } catch {}
    }
  });
  process.on('SIGINT', () => cleanup(130));
  process.on('SIGTERM', () => cleanup(143));
  try {
    const model = resolveTestModel();
    if (model.error) say(`warning: ${model.error}`);
    const inst = await ensureCodeServer({ quiet: true });
    cs = await startCodeServer({ cs: inst, settings: userSettings({ modelPath: model.path }) });
    browser = await launchChromium({ executablePath: inst.chromium, runId: cs.runId });
    const failures = await runUiChecks({ browser, cs, extensionDevelopmentPath, workspace });
    code = failures ? 1 : 0;
    say(failures ? `ui: ${failures} check(s) failed` : 'ui: all checks passed');
  } catch (e) {
    say(`FAILED: ${e instanceof InstallError ? e.message : e.stack || e}`);
    code = 1;
  }
  if (!fs.existsSync(path.join(extensionDevelopmentPath, 'package.json'))) say(`note: no package.json in ${extensionDevelopmentPath}`);
  await cleanup(code);
}
