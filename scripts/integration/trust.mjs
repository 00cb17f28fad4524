#!/usr/bin/env node
// The Workspace Trust check: a copy of the fixture workspace whose .vscode/settings.json points
// MedLocal at a model and a dictionary of its own choosing, opened UNTRUSTED (trust enabled, never
// granted) in code-server; test/integration/trust/ asserts that the user's settings apply.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSuite } from './build-suite.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'medlocal-untrusted-'));
fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
fs.writeFileSync(
  path.join(workspace, '.vscode', 'settings.json'),
  JSON.stringify({ 'medlocal.model.path': path.join(workspace, 'workspace-chosen-model.gguf'), 'medlocal.dictionaries': [path.join(workspace, 'workspace-chosen.csv')] }, null, 2),
);
const outDir = path.join(repoRoot, 'dist', 'test', 'trust');
await buildSuite({ srcDir: path.join(repoRoot, 'test', 'integration', 'trust'), outDir });
const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'integration', 'run.mjs'), '--untrusted', '--no-ui', '--tests', path.join(outDir, 'index.js'), '--workspace', workspace, ...process.argv.slice(2)], { stdio: 'inherit' });
fs.rmSync(workspace, { recursive: true, force: true });
process.exit(result.status ?? 1);
