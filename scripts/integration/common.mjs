// Shared pieces of the code-server harness: paths, the tiny test model, starting code-server in
// its own process group, opening the workbench in headless Chromium, and making sure nothing of a
// run is left behind. Used by run.mjs, ui.mjs and try.mjs.

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, node24Env, InstallError } from './install-code-server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');
export const resultsDir = path.join(repoRoot, 'test-results');
export const suiteEntry = path.join(repoRoot, 'dist', 'test', 'suite', 'index.js');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const t0 = Date.now();
export const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
export function say(msg) {
  console.log(`[integration +${elapsed()}] ${msg}`);
}

export { ensureCodeServer, InstallError };

// ---------------------------------------------------------------------------------------------
// Small CLI parser: --name value / --flag

export function parseArgs(argv, spec) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (!(name in spec)) throw new Error(`unknown option --${name} (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    if (spec[name] === 'flag') out[name] = true;
    else out[name] = inline ?? argv[++i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The model the extension should load.

/**
 * $MEDLOCAL_TEST_MODEL, else the tiny GGUF from test/fixtures/gguf/tinyModel.ts (written on
 * demand, cached in $TMPDIR). Returns undefined (with a reason) when neither is available.
 */
export function resolveTestModel() {
  const fromEnv = process.env.MEDLOCAL_TEST_MODEL;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) return { error: `MEDLOCAL_TEST_MODEL=${fromEnv} does not exist` };
    return { path: path.resolve(fromEnv), source: 'MEDLOCAL_TEST_MODEL' };
  }
  const tiny = path.join(repoRoot, 'test', 'fixtures', 'gguf', 'tinyModel.ts');
  if (!fs.existsSync(tiny)) {
    return { error: `no test model: set MEDLOCAL_TEST_MODEL to a .gguf file (${path.relative(repoRoot, tiny)} does not exist yet)` };
  }
  const script =
    `import(${JSON.stringify(tiny)}).then(async (m) => {` +
    ` const f = m.ensureTinyModel ?? m.default?.ensureTinyModel; const p = await f();` +
    ` process.stdout.write('\\n@@MODEL@@' + (typeof p === 'string' ? p : p.path) + '\\n'); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('@@MODEL@@'));
  if (r.status !== 0 || !line) {
    return { error: `ensureTinyModel() failed (exit ${r.status}):\n${r.stderr || r.stdout}` };
  }
  return { path: line.slice('@@MODEL@@'.length).trim(), source: 'tinyModel.ts ensureTinyModel()' };
}

// ---------------------------------------------------------------------------------------------
// code-server

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** User settings: VS Code quiet and offline, MedLocal on the test model with one thread. */
export function userSettings({ modelPath, extra = {}, trust = false }) {
  const s = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': trust,
    'security.workspace.trust.startupPrompt': 'never',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'github.gitAuthentication': false,
    'files.watcherExclude': { '**/node_modules/**': true, '**/dist/**': true },
    'window.restoreWindows': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'medlocal.model.threads': 1,
    ...extra,
  };
  if (modelPath) s['medlocal.model.path'] = modelPath;
  return s;
}

/**
 * Starts code-server on 127.0.0.1:<free port> with throw-away user-data and extensions dirs,
 * in its own process group. Everything it (and Chromium) starts carries MEDLOCAL_IT_RUN=<id> in
 * its environment, which is how stop() proves nothing of this run survives.
 */
export async function startCodeServer({ cs, settings, runId = randomUUID(), env: extraEnv = {}, echo = false, port: fixedPort, trust = false }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medlocal-it-'));
  const userDir = path.join(tmp, 'user');
  const extDir = path.join(tmp, 'ext');
  // Settings go to both User (the workbench's user settings) and Machine (what a remote
  // extension host reads for machine-scoped settings such as medlocal.model.threads).
  for (const sub of ['User', 'Machine']) {
    fs.mkdirSync(path.join(userDir, sub), { recursive: true });
    fs.writeFileSync(path.join(userDir, sub, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
  }
  fs.mkdirSync(extDir, { recursive: true });
  const port = fixedPort ?? (await freePort());
  const logFile = path.join(tmp, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  const env = node24Env(cs.nodeDir, {
    ...extraEnv,
    MEDLOCAL_IT_RUN: runId,
    // code-server / VS Code: no browser opening, no ambient config (code-server writes a default
    // config.yaml and coder-logs under the XDG dirs: keep them in the run's temp dir).
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    BROWSER: 'none',
    VSCODE_PROXY_URI: '',
  });
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI;
  const args = [
    cs.entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--vscode-option', 'enable-smoke-test-driver',
    '--user-data-dir', userDir,
    '--extensions-dir', extDir,
    '--config', path.join(tmp, 'config.yaml'),
    '--ignore-last-opened',
  ];
  fs.writeFileSync(path.join(tmp, 'config.yaml'), '# everything else is on the command line\nauth: none\n');
  const child = spawn(cs.nodeBin, args, {
    cwd: tmp,
    env,
    detached: true, // own process group: stop() ends the whole group
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  let resolveReady;
  const ready = new Promise((r) => (resolveReady = r));
  const onData = (buf) => {
    fs.writeSync(logFd, buf);
    const text = buf.toString();
    if (echo) process.stdout.write(text.replace(/^/gm, '[code-server] '));
    if (/HTTP server listening on/i.test(text)) resolveReady();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Either the log line or a successful /healthz answers "up".
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); log:\n${tail(logFile, 60)}`);
    const ok = await Promise.race([
      ready.then(() => true),
      fetch(`${base}/healthz`).then((r) => r.ok, () => false),
      new Promise((r) => setTimeout(() => r(false), 500)),
    ]);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`code-server did not come up within 60 s; log:\n${tail(logFile, 60)}`);
  }

  const handle = {
    runId,
    port,
    base,
    tmp,
    userDir,
    extDir,
    logFile,
    pid: child.pid,
    pgid,
    child,
    get exited() {
      return exited;
    },
    remoteUri(p) {
      return `vscode-remote://127.0.0.1:${port}${encodePath(p)}`;
    },
    workbenchUrl({ folder, extensionDevelopmentPath, extensionTestsPath }) {
      const payload = [];
      if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', handle.remoteUri(extensionDevelopmentPath)]);
      if (extensionTestsPath) payload.push(['extensionTestsPath', handle.remoteUri(extensionTestsPath)]);
      const q = new URLSearchParams();
      if (folder) q.set('folder', folder);
      if (payload.length) q.set('payload', JSON.stringify(payload));
      return `${base}/?${q.toString()}`;
    },
    async stop({ keepTmp = false } = {}) {
      const left = await stopGroup(pgid, runId);
      try {
        fs.closeSync(logFd);
      } catch {}
      if (!keepTmp) fs.rmSync(tmp, { recursive: true, force: true });
      return left;
    },
  };
  return handle;
}

function encodePath(p) {
  return p.split('/').map(encodeURIComponent).join('/');
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping through /proc (Linux).

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Processes (not zombies) in one of the process groups `pgids` or whose environment carries
 * MEDLOCAL_IT_RUN=<runId>. (Chromium's zygote children scrub their environment but stay in the
 * browser's group; its crashpad handlers leave the group but keep the environment.)
 */
export function processesOfRun(pgids, runId) {
  const groups = new Set((Array.isArray(pgids) ? pgids : [pgids]).filter(Boolean));
  const found = [];
  const needle = runId ? `MEDLOCAL_IT_RUN=${runId}` : null;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    // pid (comm) state ppid pgrp ...; comm may contain spaces/parens: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (state === 'Z' || state === 'X') continue;
    let mine = groups.has(pgrp);
    if (!mine && needle) {
      const environ = readProc(pid, 'environ');
      mine = environ ? environ.split('\0').includes(needle) : false;
    }
    if (mine) {
      const cmd = (readProc(pid, 'cmdline') || '').split('\0').join(' ').trim().slice(0, 160);
      found.push({ pid, pgrp, cmd });
    }
  }
  return found;
}

function killQuiet(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {}
}

/**
 * SIGTERM the process group(s), then SIGKILL them, then SIGKILL anything else of this run (found
 * by the environment marker: a child that left the group). Returns what was still alive at the end.
 */
export async function stopGroup(pgids, runId, { graceMs = 3000, what = 'process(es)' } = {}) {
  const list = (Array.isArray(pgids) ? pgids : [pgids]).filter(Boolean);
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  for (const g of list) killQuiet(-g, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && processesOfRun(list, runId).length) await wait(100);
  for (const g of list) killQuiet(-g, 'SIGKILL');
  const strays = processesOfRun(list, runId);
  for (const p of strays) killQuiet(p.pid, 'SIGKILL');
  if (strays.length) {
    say(`killed ${strays.length} ${what} of this run that survived SIGTERM:\n` + strays.map((p) => `    ${p.pid} (pgid ${p.pgrp}) ${p.cmd}`).join('\n'));
  }
  const until2 = Date.now() + 3000;
  let left = processesOfRun(list, runId);
  while (left.length && Date.now() < until2) {
    await wait(100);
    left = processesOfRun(list, runId);
  }
  return left;
}

// ---------------------------------------------------------------------------------------------
// Chromium through playwright-core

export async function launchChromium({ executablePath, runId }) {
  // Its own marker, so stopping the browser never touches code-server and vice versa.
  const marker = `${runId}:browser`;
  if (!fs.existsSync(executablePath)) {
    throw new InstallError(
      `Chromium not found at ${executablePath}.\nInstall it (Debian): sudo apt-get install -y chromium\nor point MEDLOCAL_CHROMIUM at a Chromium binary.`,
    );
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new InstallError(`playwright-core is not installed in ${repoRoot} (npm install): ${e.message}`);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, MEDLOCAL_IT_RUN: marker },
    timeout: 60_000,
    // Our scripts stop things in order (browser, then code-server) on Ctrl+C themselves.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  // Playwright starts Chromium in its own process group; remember it (and any other group a
  // marked chromium process leads) so closeChromium() can prove all of it is gone.
  const groups = new Set(processesOfRun([], marker).filter((p) => p.pgrp === p.pid).map((p) => p.pgrp));
  return Object.assign(browser, { medlocalGroups: [...groups], medlocalRunId: marker });
}

/** Closes the browser, then ends whatever of it is left (the group, escaped crashpad handlers). */
export async function closeChromium(browser) {
  if (!browser) return [];
  await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  return stopGroup(browser.medlocalGroups ?? [], browser.medlocalRunId, { graceMs: 1000, what: 'Chromium process(es)' });
}

/** A page whose extension-host log and exit code are wired to the given callbacks. */
export async function newWorkbenchPage(browser, { onLog, onExit, onConsole } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.exposeFunction('codeAutomationLog', (type, args) => onLog?.(type, args));
  await page.exposeFunction('codeAutomationExit', (code) => onExit?.(code));
  if (onConsole) page.on('console', onConsole);
  return page;
}

export function formatHostLog(type, args) {
  const list = Array.isArray(args) ? args : [args];
  // Mocha's reporters log console.log-style ('  %d passing (%s)', 2, '40ms').
  const text =
    typeof list[0] === 'string' && /%[sdifjoOc%]/.test(list[0])
      ? util.format(...list)
      : list.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
  return type === 'error' || type === 'warn' ? `[${type}] ${text}` : text;
}

// Workbench plumbing that codeAutomationLog also carries; harmless offline (the doc's point 12).
const HOST_LOG_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[reconnection-grace-time\]/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^\[(AgentHost|RemoteAgentHostProtocol|AccountPolicyGate|ChatModelSelection)[\]:]/,
  /ENOTFOUND|EAI_AGAIN|getaddrinfo/,
  /^Canceled|\(Canceled: Canceled\)|Canceled: Canceled|"name":"Canceled"/,
  /No default agent contributed|chatSessionInput:|MCP migration|\[lifecycle\] Long running operations|^Creation of workbench contribution/,
  /github\.com|open-vsx|marketplace|telemetry/i,
];

/**
 * A codeAutomationLog handler: every line goes to `file` verbatim; the terminal gets the lines
 * that matter (the suite's reporter, the extension's console output, real errors) with workbench
 * stack frames cut, unless `verbose`.
 */
export function createHostLogger({ file, verbose = false, prefix = '[exthost] ' } = {}) {
  if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = file ? fs.createWriteStream(file, { flags: 'w' }) : undefined;
  let filtered = 0;
  let muted = false;
  const onLog = (type, args) => {
    const text = formatHostLog(type, args);
    out?.write(text + '\n');
    if (muted) return;
    const body = text.replace(/^\[(error|warn)\] /, '');
    if (!verbose && HOST_LOG_NOISE.some((re) => re.test(body))) {
      filtered++;
      return;
    }
    const shown = verbose ? text : text.split('\n').filter((l) => !/^\s+at .*(workbench\.js|<anonymous>)/.test(l)).join('\n');
    console.log(shown.replace(/^/gm, prefix));
  };
  onLog.summary = () => (filtered ? `${filtered} workbench log line(s) not shown${file ? `; all in ${path.relative(repoRoot, file)}` : ''}` : '');
  /** From now on only the file gets lines (e.g. the workbench's shutdown chatter after the suite). */
  onLog.mute = () => (muted = true);
  onLog.close = () => out?.end();
  return onLog;
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Removes what an earlier run of this harness left in test-results/ (and nothing else). */
export function cleanResults() {
  let names = [];
  try {
    names = fs.readdirSync(resultsDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (/^(suite-failure|failure|timeout|final|editor|ui-failure-\d+|ui-.*)\.png$|^exthost-.*\.log$/.test(n)) fs.rmSync(path.join(resultsDir, n), { force: true });
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  try {
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  } catch (e) {
    say(`screenshot ${name} failed: ${e.message}`);
    return undefined;
  }
}

/** Output channel logs the extension host wrote (e.g. the MedLocal channel), for failure reports. */
export function findLogs(userDir, pattern) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (pattern.test(e.name)) out.push(p);
    }
  };
  walk(path.join(userDir, 'logs'));
  return out;
}
