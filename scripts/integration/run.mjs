#!/usr/bin/env node
// `npm run test:integration`: runs the compiled integration suite (dist/test/suite/index.js)
// inside code-server's real VS Code extension host, driven by headless Chromium, then (phase 2)
// the UI checks of ui.mjs on a fresh workbench with MedLocal loaded. Builds nothing: expects
// `npm run build` (dist/extension.js, dist/server.js) and scripts/integration/build-suite.mjs.
//
// Options:
//   --extension <dir>   extension under development (default: the repo root)
//   --tests <file>      compiled suite entry (default: dist/test/suite/index.js)
//   --workspace <dir>   folder to open (default: test/fixtures/workspace)
//   --timeout <ms>      limit for the run after the install (default $MEDLOCAL_IT_TIMEOUT_MS or 360000)
//   --no-ui             skip phase 2      --ui-only   skip the suite
//   --no-model          do not configure medlocal.model.path (harness probes)
//   --verbose           also echo code-server's own log and browser console errors
// Env: MEDLOCAL_TEST_MODEL (a .gguf instead of the tiny test model), MEDLOCAL_CACHE,
//      MEDLOCAL_CHROMIUM (default /usr/bin/chromium), MEDLOCAL_IT_TIMEOUT_MS.
// Exit code: the suite's (non-zero when a test failed), 1 on a UI failure, timeout or harness
// error, 130/143 when interrupted.

import fs from 'node:fs';
import path from 'node:path';
import {
  closeChromium,
  elapsed,
  ensureCodeServer,
  findLogs,
  fixtureWorkspace,
  cleanResults,
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
  suiteEntry,
  tail,
  userSettings,
} from './common.mjs';
import { runUiChecks } from './ui.mjs';

let opts;
try {
  opts = parseArgs(process.argv.slice(2), {
    extension: 'value',
    tests: 'value',
    workspace: 'value',
    timeout: 'value',
    'no-ui': 'flag',
    'ui-only': 'flag',
    'no-model': 'flag',
    untrusted: 'flag',
    verbose: 'flag',
  });
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

const timeoutMs = Number(opts.timeout ?? process.env.MEDLOCAL_IT_TIMEOUT_MS ?? 360_000);
const extensionDevelopmentPath = path.resolve(opts.extension ?? repoRoot);
const extensionTestsPath = path.resolve(opts.tests ?? suiteEntry);
const workspace = path.resolve(opts.workspace ?? fixtureWorkspace);
const runSuite = !opts['ui-only'];
const runUi = !opts['no-ui'];

class TimeoutError extends Error {}
let timeoutReject;
const timeoutPromise = new Promise((_, reject) => (timeoutReject = reject));
timeoutPromise.catch(() => {});
let timeoutTimer;
/** Starts the run's clock (after the one-time code-server install, which has its own pace). */
function armTimeout() {
  timeoutTimer = setTimeout(
    () => timeoutReject(new TimeoutError(`integration run did not finish within ${timeoutMs / 1000}s (MEDLOCAL_IT_TIMEOUT_MS / --timeout)`)),
    timeoutMs,
  );
}
/** Races a promise against the whole-run deadline. */
const bounded = (p) => Promise.race([p, timeoutPromise]);

let cs;
let browser;
let currentPage;
let finishing = false;

function fail(msg) {
  say(`ERROR: ${msg}`);
  return finish(1);
}

function checkInputs() {
  const problems = [];
  const pkg = path.join(extensionDevelopmentPath, 'package.json');
  if (!fs.existsSync(pkg)) problems.push(`no package.json in ${extensionDevelopmentPath}`);
  else {
    const main = JSON.parse(fs.readFileSync(pkg, 'utf8')).main;
    if (main && !fs.existsSync(path.resolve(extensionDevelopmentPath, main)) && !fs.existsSync(path.resolve(extensionDevelopmentPath, main + '.js'))) {
      problems.push(`${path.relative(repoRoot, path.resolve(extensionDevelopmentPath, main))} is missing: run \`npm run build\` first`);
    }
    if (extensionDevelopmentPath === repoRoot && !fs.existsSync(path.join(repoRoot, 'dist', 'server.js'))) {
      problems.push('dist/server.js is missing: run `npm run build` first');
    }
  }
  if (runSuite && !fs.existsSync(extensionTestsPath)) {
    problems.push(`${path.relative(repoRoot, extensionTestsPath)} is missing: run \`node scripts/integration/build-suite.mjs\` first`);
  }
  if (!fs.existsSync(workspace)) problems.push(`workspace ${workspace} does not exist`);
  return problems;
}

async function runSuitePhase() {
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  const onLog = createHostLogger({ file: path.join(resultsDir, 'exthost-suite.log'), verbose: opts.verbose });
  const page = await newWorkbenchPage(browser, {
    onLog,
    onExit: (code) => {
      onLog.mute();
      resolveExit(code);
    },
    onConsole: opts.verbose ? (m) => m.type() === 'error' && console.log(`[browser] ${m.text()}`) : undefined,
  });
  currentPage = page;
  page.on('crash', () => say('the browser page crashed'));
  const url = cs.workbenchUrl({ folder: workspace, extensionDevelopmentPath, extensionTestsPath });
  say(`suite: opening ${url}`);
  await bounded(page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 }));
  const code = await bounded(exited);
  say(`suite: extension host finished with exit code ${code}`);
  if (onLog.summary()) say(`suite: ${onLog.summary()}`);
  onLog.close();
  if (code !== 0) await screenshot(page, 'suite-failure.png');
  currentPage = undefined;
  await page.context().close().catch(() => {});
  return Number(code) || 0;
}

function dumpDiagnostics() {
  if (!cs) return;
  const medlocal = findLogs(cs.userDir, /MedLocal/i);
  for (const f of medlocal) {
    say(`--- ${path.basename(f)} (last 40 lines) ---`);
    console.log(tail(f, 40));
  }
  // The extension hosts' own logs: errors, warnings and MedLocal's lines only.
  for (const f of findLogs(cs.userDir, /^(remoteexthost|exthost)\.log$/)) {
    const lines = tail(f, 400)
      .split('\n')
      .filter((l) => /\[(error|warning)\]|medlocal\.medlocal/.test(l) && !/Accessing a resource scoped configuration/.test(l));
    if (!lines.length) continue;
    say(`--- ${path.relative(cs.userDir, f)} (errors, warnings, medlocal; last 30) ---`);
    console.log(lines.slice(-30).join('\n'));
  }
  say('--- code-server log (last 15 lines) ---');
  console.log(tail(cs.logFile, 15));
}

/** Last resort, synchronous: SIGKILL every process group of this run (used if cleanup fails). */
function killEverythingNow() {
  for (const g of [cs?.pgid, ...(browser?.medlocalGroups ?? [])]) {
    if (!g) continue;
    try {
      process.kill(-g, 'SIGKILL');
    } catch {}
  }
}
process.on('exit', killEverythingNow);

async function finish(code, { diagnostics = code !== 0 } = {}) {
  if (finishing) return;
  finishing = true;
  clearTimeout(timeoutTimer);
  // Hard stop if cleanup itself hangs.
  setTimeout(() => {
    console.error('[integration] cleanup did not finish within 30 s; killing the run\'s process groups and exiting');
    killEverythingNow();
    process.exit(code || 1);
  }, 30_000).unref();
  const step = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      say(`cleanup: ${what} failed: ${e.stack || e}`);
      code = code || 1;
      return undefined;
    }
  };
  if (currentPage) await step('screenshot', () => screenshot(currentPage, code === 0 ? 'final.png' : 'failure.png'));
  if (diagnostics) await step('diagnostics', () => dumpDiagnostics());
  const leftBrowser = (await step('closing Chromium', () => closeChromium(browser))) ?? [];
  const leftServer = cs ? ((await step('stopping code-server', () => cs.stop({ keepTmp: Boolean(process.env.MEDLOCAL_IT_KEEP) }))) ?? []) : [];
  const left = [...leftBrowser, ...leftServer];
  if (left.length) {
    say(`ERROR: processes of this run are still alive after SIGKILL:\n${left.map((p) => `    ${p.pid} ${p.cmd}`).join('\n')}`);
    code = code || 1;
  } else if (cs || browser) {
    say('cleanup: code-server, its extension hosts, the MedLocal server and Chromium are gone (no process of this run is left)');
  }
  say(code === 0 ? `PASSED in ${elapsed()}` : `FAILED (exit ${code}) after ${elapsed()}`);
  process.exit(code);
}

process.on('SIGINT', () => {
  say('interrupted');
  currentPage = undefined;
  finish(130, { diagnostics: false });
});
process.on('SIGTERM', () => {
  currentPage = undefined;
  finish(143, { diagnostics: false });
});

async function main() {
  cleanResults();
  const problems = checkInputs();
  if (problems.length) return fail(problems.join('\n       '));

  let modelPath;
  if (!opts['no-model']) {
    const model = resolveTestModel();
    if (model.error) return fail(model.error);
    modelPath = model.path;
    say(`model: ${modelPath} (${model.source})`);
  }

  const inst = await ensureCodeServer({ quiet: false });
  armTimeout();
  say(`code-server: ${path.dirname(path.dirname(path.dirname(inst.entry)))} (node ${inst.nodeBin})`);
  cs = await bounded(
    startCodeServer({
      cs: inst,
      settings: userSettings({ modelPath, trust: Boolean(opts.untrusted) }),
      trust: Boolean(opts.untrusted),
      env: { MEDLOCAL_IT_MODEL_PATH: modelPath ?? '', MEDLOCAL_IT_WORKSPACE: workspace, MEDLOCAL_TEST_COMMANDS: '1' },
      echo: Boolean(opts.verbose),
    }),
  );
  say(`code-server: up on ${cs.base} (pid ${cs.pid}, own process group; user data ${cs.userDir})`);
  browser = await bounded(launchChromium({ executablePath: inst.chromium, runId: cs.runId }));
  say(`chromium: ${inst.chromium} ${browser.version()}`);

  let code = 0;
  if (runSuite) {
    code = await runSuitePhase();
    say(code === 0 ? 'suite: PASSED' : `suite: FAILED (exit code ${code})`);
  }
  if (runUi) {
    const failures = await bounded(
      runUiChecks({ browser, cs, extensionDevelopmentPath, workspace, verbose: opts.verbose, onPage: (p) => (currentPage = p) }),
    );
    currentPage = undefined;
    say(failures ? `ui: ${failures} check(s) FAILED` : 'ui: all checks passed');
    if (failures && code === 0) code = 1;
  }
  return finish(code);
}

main().catch(async (e) => {
  if (e instanceof TimeoutError) {
    say(`TIMEOUT: ${e.message}`);
    if (currentPage) {
      const f = await screenshot(currentPage, 'timeout.png');
      if (f) say(`screenshot: ${path.relative(repoRoot, f)}`);
      currentPage = undefined;
    }
  } else if (e instanceof InstallError) {
    say(`SETUP: ${e.message}`);
  } else {
    say(`ERROR: ${e.stack || e}`);
  }
  await finish(1);
});
