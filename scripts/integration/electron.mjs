#!/usr/bin/env node
// `npm run test:electron`: the same compiled suite (dist/test/suite/index.js) in desktop VS Code
// through @vscode/test-electron, for machines that can download VS Code (developer laptops, CI
// with internet). Offline machines: use `npm run test:integration` (code-server) instead.
//
// Expects `npm run build` and scripts/integration/build-suite.mjs to have run.
// Env: MEDLOCAL_VSCODE_VERSION (default: the version code-server 4.139.1 ships, 1.139.1; or
//      'stable'), MEDLOCAL_TEST_MODEL, MEDLOCAL_CACHE (VS Code is cached in <cache>/vscode-test).
// Linux without a display needs a virtual one: `xvfb-run -a npm run test:electron`
// (Debian: apt-get install -y xvfb).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from './install-code-server.mjs';
import { fixtureWorkspace, repoRoot, resolveTestModel, suiteEntry, userSettings } from './common.mjs';

const version = process.env.MEDLOCAL_VSCODE_VERSION || '1.139.1';
const log = (m) => console.log(`[test:electron] ${m}`);

function die(msg) {
  console.error(`[test:electron] ${msg}`);
  process.exit(1);
}

for (const [file, how] of [
  [path.join(repoRoot, 'dist', 'extension.js'), 'npm run build'],
  [path.join(repoRoot, 'dist', 'server.js'), 'npm run build'],
  [suiteEntry, 'node scripts/integration/build-suite.mjs'],
]) {
  if (!fs.existsSync(file)) die(`${path.relative(repoRoot, file)} is missing: run \`${how}\` first`);
}

const model = resolveTestModel();
if (model.error) die(model.error);

let electron;
try {
  electron = await import('@vscode/test-electron');
} catch (e) {
  die(`@vscode/test-electron is not installed (npm install): ${e.message}`);
}

// 1. VS Code itself: downloaded once into the cache, outside the checkout.
const cachePath = path.join(cacheDir(), 'vscode-test');
let vscodeExecutablePath;
try {
  log(`VS Code ${version} (cache ${cachePath})`);
  vscodeExecutablePath = await electron.download({ version, cachePath, timeout: 30_000 });
} catch (e) {
  die(
    `could not download VS Code ${version}: ${e.message || e}\n` +
      'This machine probably cannot reach update.code.visualstudio.com (offline, or only the npm registry is reachable).\n' +
      'Run the same suite offline in code-server instead:  npm run test:integration',
  );
}

// 2. A throw-away profile with MedLocal's test settings (the same as run.mjs writes for code-server).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medlocal-electron-'));
const userDir = path.join(tmp, 'user');
fs.mkdirSync(path.join(userDir, 'User'), { recursive: true });
fs.writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(userSettings({ modelPath: model.path }), null, 2) + '\n');

let code = 1;
try {
  code = await electron.runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: suiteEntry,
    launchArgs: [fixtureWorkspace, '--disable-extensions', `--user-data-dir=${userDir}`, `--extensions-dir=${path.join(tmp, 'ext')}`, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { MEDLOCAL_IT_MODEL_PATH: model.path, MEDLOCAL_IT_WORKSPACE: fixtureWorkspace, MEDLOCAL_TEST_COMMANDS: '1' },
  });
} catch (e) {
  console.error(`[test:electron] the suite failed: ${e.message || e}`);
  code = typeof e?.code === 'number' && e.code !== 0 ? e.code : 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
log(code === 0 ? 'PASSED' : `FAILED (exit ${code})`);
process.exit(code);
