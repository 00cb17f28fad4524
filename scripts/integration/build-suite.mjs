#!/usr/bin/env node
// Compiles the integration suite for the VS Code extension host:
//   test/integration/suite/index.ts + *.test.ts  →  dist/test/suite/index.js + *.test.js
// CommonJS for Node; each entry is bundled (helpers and type-only imports from src/ included),
// with `vscode` (provided by the extension host) and `mocha` (resolved at run time from the
// repo's node_modules, since dist/ is inside the repo) left external.
//
//   node scripts/integration/build-suite.mjs [--src dir] [--out dir]
// Also importable: `await buildSuite({ srcDir, outDir })` (e.g. from esbuild.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildSuite({
  srcDir = path.join(repoRoot, 'test', 'integration', 'suite'),
  outDir = path.join(repoRoot, 'dist', 'test', 'suite'),
  logLevel = 'warning',
} = {}) {
  const names = fs.readdirSync(srcDir);
  const entries = names
    .filter((n) => /^index\.[cm]?[jt]s$/.test(n) || /\.test\.[cm]?[jt]s$/.test(n))
    .map((n) => path.join(srcDir, n));
  if (!entries.some((e) => /index\.[cm]?[jt]s$/.test(e))) throw new Error(`no index.ts in ${srcDir}`);
  // Stale outputs (a deleted test) must not keep running.
  fs.rmSync(outDir, { recursive: true, force: true });
  const started = Date.now();
  await esbuild.build({
    entryPoints: entries,
    outdir: outDir,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    external: ['vscode', 'mocha', 'node-llama-cpp', '@node-llama-cpp/*'],
    logLevel,
  });
  return { outDir, files: entries.map((e) => path.basename(e).replace(/\.[cm]?ts$/, '.js')), ms: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : path.resolve(args[i + 1]);
  };
  try {
    const r = await buildSuite({ srcDir: opt('--src'), outDir: opt('--out') });
    console.log(`[build-suite] ${path.relative(process.cwd(), r.outDir) || '.'}: ${r.files.join(', ')} (${r.ms} ms)`);
  } catch (e) {
    console.error(`[build-suite] ${e.message}`);
    process.exit(1);
  }
}
