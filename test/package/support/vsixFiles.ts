// The platform-specific vsix files the package tests check: built with
// `npm run package -- --target T --out-dir dist-vsix` (tarballs and dependency trees cached, see
// scripts/package/package.mjs), or reused when newer than every packaging input.
//
// MEDLOCAL_VSIX_TARGETS picks the targets: a comma list, or `all` (every target of --all-targets).
// Default: linux-x64 and win32-x64, the Linux vsix the server is started from and one non-Linux
// vsix (the full Windows one: CPU, CUDA and Vulkan).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_TARGETS, targetSpec, vsixFileName } from '../../../scripts/package/targets.mjs';
import { newestInput } from '../../../scripts/package/vsix.mjs';

export const ROOT = join(__dirname, '..', '..', '..');
export const DIST_VSIX = join(ROOT, 'dist-vsix');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export function checkedTargets(): string[] {
  const wanted = process.env.MEDLOCAL_VSIX_TARGETS?.trim();
  if (!wanted) return ['linux-x64', 'win32-x64'];
  if (wanted === 'all') return [...ALL_TARGETS];
  const targets = wanted.split(',').map((t) => t.trim()).filter(Boolean);
  for (const target of targets) targetSpec(target); // throws on an unknown target
  return targets;
}

/** The default vsix file of a target (its default backends). */
export function vsixFor(target: string): string {
  return join(DIST_VSIX, vsixFileName(manifest.name, manifest.version, target, target));
}

/** Builds the target's vsix unless one newer than every packaging input is there; returns its path. */
export function ensureVsix(target: string): string {
  const file = vsixFor(target);
  if (existsSync(file) && statSync(file).mtimeMs > newestInput(ROOT)) {
    console.log(`reused ${file}`);
    return file;
  }
  const started = Date.now();
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package', 'package.mjs'), '--target', target, '--out-dir', DIST_VSIX, '--top', '3'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(built.status, 0, `npm run package -- --target ${target} failed:\n${built.stdout.slice(-4000)}\n${built.stderr.slice(-4000)}`);
  console.log(`built ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return file;
}

/**
 * The vsix sizes the README's install table states, by file name: a row naming the vsix file and a
 * size cell "about N MB" (README.md) or "約 N MB" (README.ja.md).
 */
export function readmeSizes(readme: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of readme.split('\n')) {
    if (!line.startsWith('|')) continue;
    const file = /`?(medlocal-[\w.+-]+\.vsix)`?/.exec(line)?.[1];
    const size = /(?:about|約)\s*([\d.]+)\s*MB/.exec(line)?.[1];
    if (file && size) sizes.set(file, Number(size));
  }
  return sizes;
}
