// Bundles: the extension (CommonJS, `vscode` external), the language server, its engine process and the CLI (Node,
// node-llama-cpp external: it is native and ESM, shipped as a package and loaded with import()).
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'info',
  // Native / ESM-only packages stay outside the bundle.
  external: ['node-llama-cpp', '@node-llama-cpp/*'],
  define: { 'process.env.MEDLOCAL_PRODUCTION': JSON.stringify(production ? '1' : '') },
};

const builds = [
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: [...common.external, 'vscode'] },
  { ...common, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  // The engine process the server (and the CLI with --engine-process) forks: node-llama-cpp only.
  { ...common, entryPoints: ['src/engine/process/main.ts'], outfile: 'dist/engine.js' },
];
if (existsSync('src/webview/main.ts')) {
  // The benchmark panel's script: browser code, bundled with its chart library into media/ (no CDN).
  builds.push({
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'media/panel.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
    sourcemap: production ? false : 'inline',
  });
}
if (existsSync('src/cli/bin.ts')) {
  builds.push({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } });
}

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('[esbuild] watching for changes');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
