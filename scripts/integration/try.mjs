#!/usr/bin/env node
// `npm run try`: MedLocal in a real VS Code (code-server) in your browser, on the fixture notes.
// Loads the built extension from this checkout (run `npm run build` first; rebuild and reload the
// window to pick up changes), on 127.0.0.1 only, until Ctrl+C.
//
//   npm run try [-- --port 8765] [-- --model /path/to/model.gguf] [-- --workspace dir]
// Model: --model, else $MEDLOCAL_TEST_MODEL, else the tiny test model (it loads, its answers are
// gibberish: point --model at a real GGUF to try the features for real).

import fs from 'node:fs';
import path from 'node:path';
import { ensureCodeServer, fixtureWorkspace, InstallError, parseArgs, repoRoot, resolveTestModel, say, startCodeServer, userSettings } from './common.mjs';

let opts;
try {
  opts = parseArgs(process.argv.slice(2), { port: 'value', model: 'value', workspace: 'value', threads: 'value' });
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

for (const f of ['dist/extension.js', 'dist/server.js']) {
  if (!fs.existsSync(path.join(repoRoot, f))) {
    console.error(`${f} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}

let modelPath = opts.model ? path.resolve(opts.model) : undefined;
if (!modelPath) {
  const m = resolveTestModel();
  if (m.error) say(`warning: ${m.error}; starting without a model`);
  modelPath = m.path;
}
const workspace = path.resolve(opts.workspace ?? fixtureWorkspace);

let cs;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (cs) {
    say('stopping code-server and everything it started...');
    const left = await cs.stop();
    if (left.length) say(`still running: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
    else say('stopped; nothing left running');
  }
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));

try {
  const inst = await ensureCodeServer({ needChromium: false });
  const settings = userSettings({ modelPath, extra: opts.threads ? { 'medlocal.model.threads': Number(opts.threads) || opts.threads } : { 'medlocal.model.threads': 'auto' } });
  cs = await startCodeServer({ cs: inst, settings, port: opts.port ? Number(opts.port) : undefined });
  cs.child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`code-server exited (${signal ?? code}); see ${cs.logFile}`);
      stop(1);
    }
  });
  const url = cs.workbenchUrl({ folder: workspace, extensionDevelopmentPath: repoRoot });
  say(`model: ${modelPath ?? '(none)'}`);
  say(`workspace: ${workspace}`);
  console.log(`\n  MedLocal in code-server:\n\n    ${url}\n\n  (127.0.0.1 only; over SSH: ssh -L ${cs.port}:127.0.0.1:${cs.port} <host>)\n  Ctrl+C to stop.\n`);
} catch (e) {
  say(`FAILED: ${e instanceof InstallError ? e.message : e.stack || e}`);
  await stop(1);
}
