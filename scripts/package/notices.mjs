// Keeps the generated parts of THIRD_PARTY_NOTICES.md true to what ships:
//   * "bundled" block: the npm packages esbuild puts into dist/*.js and media/panel.js (from an
//     in-memory build with a metafile, same entry points as esbuild.mjs), with their licence texts;
//   * "shipped-packages" block: the packages a vsix carries in node_modules (node-llama-cpp and
//     its run-time dependencies, each with its own licence file), with versions and licences.
//
//   node scripts/package/notices.mjs [file.vsix …]   (default: medlocal-<version>.vsix and every
//                                                    vsix in dist-vsix/, so the table covers the
//                                                    node-llama-cpp 3.21.1 of the Windows/macOS files)
//
// Run it after a dependency update; test/package/vsix.test.ts fails when a shipped package is
// missing from the table.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listZip, readZipEntry } from './vsix.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKERS = {
  bundled: ['<!-- bundled:start -->', '<!-- bundled:end -->'],
  shipped: ['<!-- shipped-packages:start -->', '<!-- shipped-packages:end -->'],
};

function licenceOf(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  return (manifest.licenses ?? []).map((l) => l.type).join(' OR ') || 'see the package';
}

/** name, version and licence of each package a vsix has under node_modules. */
export function shippedPackages(vsix) {
  const packages = new Map();
  for (const entry of listZip(vsix)) {
    if (!/^extension\/node_modules\/(?:.*\/node_modules\/)?(?:@[^/]+\/)?[^/]+\/package\.json$/.test(entry.name)) continue;
    const manifest = JSON.parse(readZipEntry(vsix, entry).toString('utf8'));
    if (!manifest.name || !manifest.version) continue; // e.g. node-llama-cpp/llama/package.json
    packages.set(`${manifest.name}@${manifest.version}`, { name: manifest.name, version: manifest.version, licence: licenceOf(manifest) });
  }
  return [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }));
}

/** The npm packages inside each bundle, with their folders (for the licence files). */
async function bundledPackages() {
  const esbuild = await import('esbuild');
  const entries = [
    ['dist/extension.js', 'src/extension/main.ts', 'node', ['vscode']],
    ['dist/server.js', 'src/server/main.ts', 'node', []],
    ['dist/engine.js', 'src/engine/process/main.ts', 'node', []],
    ['dist/cli.js', 'src/cli/bin.ts', 'node', []],
    ['media/panel.js', 'src/webview/main.ts', 'browser', []],
  ].filter(([, entry]) => existsSync(join(root, entry)));
  const packages = new Map();
  for (const [output, entry, platform, external] of entries) {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform,
      format: platform === 'browser' ? 'iife' : 'cjs',
      outfile: join(root, output),
      external: platform === 'browser' ? [] : ['node-llama-cpp', '@node-llama-cpp/*', ...external],
      logLevel: 'silent',
    });
    for (const input of Object.keys(result.metafile.inputs)) {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (!match) continue;
      const folder = join(root, match[1]);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      const key = `${manifest.name}@${manifest.version}`;
      const known = packages.get(key) ?? { name: manifest.name, version: manifest.version, licence: licenceOf(manifest), folder, outputs: new Set() };
      known.outputs.add(output);
      packages.set(key, known);
    }
  }
  return [...packages.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function licenceText(folder) {
  const file = readdirSync(folder).find((name) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(name));
  return file ? readFileSync(join(folder, file), 'utf8').trim() : undefined;
}

function bundledBlock(packages) {
  const lines = ['| Package | Version | Licence | In |', '| --- | --- | --- | --- |'];
  for (const p of packages) lines.push(`| ${p.name} | ${p.version} | ${p.licence} | ${[...p.outputs].map((o) => `\`${o}\``).join(', ')} |`);
  for (const p of packages) {
    const text = licenceText(p.folder);
    lines.push('', `#### ${p.name} ${p.version}`, '');
    lines.push(text ? ['```text', text, '```'].join('\n') : `${p.licence} (the package ships no licence file; see ${relative(root, p.folder)}/package.json).`);
  }
  return lines.join('\n');
}

function shippedBlock(packages) {
  const rows = packages.filter((p) => !p.name.startsWith('@node-llama-cpp/')).map((p) => `| ${p.name} | ${p.version} | ${p.licence} |`);
  return ['| Package | Version | Licence |', '| --- | --- | --- |', ...rows].join('\n');
}

function replaceBlock(text, [start, end], body) {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`THIRD_PARTY_NOTICES.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

async function main() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const distVsix = join(root, 'dist-vsix');
  const vsixFiles = process.argv.length > 2
    ? process.argv.slice(2).map((f) => resolve(f))
    : [join(root, `${manifest.name}-${manifest.version}.vsix`), ...(existsSync(distVsix) ? readdirSync(distVsix).filter((f) => f.endsWith('.vsix')).map((f) => join(distVsix, f)) : [])].filter((f) => existsSync(f));
  if (vsixFiles.length === 0) throw new Error('no vsix to read: run `npm run package` first');
  const file = join(root, 'THIRD_PARTY_NOTICES.md');
  const bundled = await bundledPackages();
  const merged = new Map(vsixFiles.flatMap((vsix) => shippedPackages(vsix)).map((p) => [`${p.name}@${p.version}`, p]));
  const shipped = [...merged.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true }));
  const vsix = vsixFiles.map((f) => relative(root, f)).join(', ');
  let text = readFileSync(file, 'utf8');
  text = replaceBlock(text, MARKERS.bundled, bundledBlock(bundled));
  text = replaceBlock(text, MARKERS.shipped, shippedBlock(shipped));
  writeFileSync(file, text);
  console.log(`THIRD_PARTY_NOTICES.md: ${bundled.length} bundled packages, ${shipped.length} shipped packages (${vsix})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
