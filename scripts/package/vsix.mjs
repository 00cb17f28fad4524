// Reads a .vsix (a zip) with Node alone, so packaging and its test need no `unzip`: the central
// directory gives every entry's name and sizes; extraction inflates entry by entry (never the whole
// archive in memory). Also the rules every MedLocal vsix must satisfy, shared by
// scripts/package/package.mjs (fails the build) and test/package/vsix.test.ts.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { TARGETS, targetSpec } from './targets.mjs';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** @typedef {{ name: string, method: number, compressedSize: number, size: number, localOffset: number }} ZipEntry */

function readAt(fd, position, length) {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += n;
  }
  return buffer;
}

/** The entries of a zip file, from its central directory. Zip64 archives (> 4 GB) are refused. */
export function listZip(file) {
  const fd = openSync(file, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const tailLength = Math.min(fileSize, 22 + 0xffff);
    const tail = readAt(fd, fileSize - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new Error(`${file} is a zip64 archive; not supported here`);
    const cd = readAt(fd, cdOffset, cdSize);
    /** @type {ZipEntry[]} */
    const entries = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`${file}: bad central directory entry ${i}`);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      entries.push({
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localOffset: cd.readUInt32LE(p + 42),
        name: cd.toString('utf8', p + 46, p + 46 + nameLength),
      });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** The uncompressed content of one entry. */
export function readZipEntry(file, entry) {
  const fd = openSync(file, 'r');
  try {
    return readEntry(fd, entry);
  } finally {
    closeSync(fd);
  }
}

function readEntry(fd, entry) {
  const header = readAt(fd, entry.localOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`bad local header for ${entry.name}`);
  const dataStart = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = readAt(fd, dataStart, entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${entry.name}: unsupported compression method ${entry.method}`);
}

/** Extracts every file entry below `destination` (which must not hold anything else). */
export function extractZip(file, destination) {
  const root = resolve(destination);
  const fd = openSync(file, 'r');
  try {
    for (const entry of listZip(file)) {
      if (entry.name.endsWith('/')) continue;
      const target = resolve(root, entry.name);
      if (!target.startsWith(root + sep)) throw new Error(`${entry.name} would be written outside ${root}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readEntry(fd, entry));
    }
  } finally {
    closeSync(fd);
  }
  return join(root, 'extension');
}

// ---------------------------------------------------------------------------------------
// What ships

/** This machine as a vsce target. */
export function hostTarget() {
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  if (process.platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
    return `${glibc ? 'linux' : 'alpine'}-${arch}`;
  }
  return `${process.platform}-${arch}`;
}

/** vsce targets → node-llama-cpp's prebuilt binary packages, by backend (from targets.mjs). */
export const TARGET_BINARIES = Object.fromEntries(Object.entries(TARGETS).map(([target, spec]) => [target, spec.binaries]));

/**
 * The binary packages of a backend choice, in a fixed order (no choice: every backend the target
 * has, i.e. what may ship); cuda-ext (a fallback build) needs cuda.
 */
export function binaryPackagesFor(target, backends) {
  const table = targetSpec(target).binaries;
  const wanted = backends ?? Object.keys(table);
  if (!wanted.includes('cpu')) throw new Error('The cpu backend always ships: it is the fallback when a GPU backend cannot start.');
  if (wanted.includes('cuda-ext') && !wanted.includes('cuda')) throw new Error('cuda-ext is an extension of the cuda build: add cuda too.');
  return Object.entries(table)
    .filter(([backend]) => wanted.includes(backend))
    .map(([backend, name]) => ({ backend, name: `@node-llama-cpp/${name}` }));
}

/** Entry names (inside extension/) that must never ship, with the reason. */
const FORBIDDEN = [
  [/(^|\/)gitRelease\.bundle$/, 'node-llama-cpp source-build bundle'],
  [/^(src|test|bench|scripts|docs|test-results|\.medlocal-test|\.vscode)\//, 'development folder'],
  [/\.map$/, 'source map'],
  [/^node_modules\/typescript\//, 'TypeScript (an optional peer of node-llama-cpp, not needed at run time)'],
  [/^node_modules\/\.bin\//, 'npm bin links'],
  [/(^|\/)\.env$/, 'environment file'],
  [/\.vsix$/, 'another vsix'],
];

/**
 * Problems with a vsix's entry list: forbidden files, node-llama-cpp binaries for another
 * platform or backend, missing bundles. `binaries.required` must all ship; `binaries.allowed`
 * (default: the required ones) are the only @node-llama-cpp packages that may.
 */
export function vsixProblems(entries, binaries) {
  const required = new Set(binaries.required);
  const allowed = new Set([...(binaries.allowed ?? []), ...required]);
  const problems = [];
  const names = entries.map((e) => e.name).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  for (const name of names) {
    for (const [pattern, why] of FORBIDDEN) if (pattern.test(name)) problems.push(`${name}: ${why}`);
  }
  const shipped = new Set(names.map((n) => /^node_modules\/(@node-llama-cpp\/[^/]+)\//.exec(n)?.[1]).filter(Boolean));
  for (const name of shipped) if (!allowed.has(name)) problems.push(`${name}: native binaries not meant for this package`);
  for (const name of required) if (!shipped.has(name)) problems.push(`${name}: missing`);
  for (const name of shipped) {
    if (name.endsWith('-cuda-ext') && !shipped.has(name.slice(0, -'-ext'.length))) problems.push(`${name}: ships without the CUDA build it extends`);
  }
  for (const file of ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/engine.js', 'node_modules/node-llama-cpp/package.json', 'node_modules/node-llama-cpp/dist/index.js']) {
    if (!names.includes(file)) problems.push(`${file}: missing`);
  }
  return problems;
}

const MB = 1024 * 1024;
export function formatMB(bytes) {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** A printable summary: total, per @node-llama-cpp package, and the largest entries. */
export function describeVsix(file, entries, top = 12) {
  const fileSize = statSync(file).size;
  const lines = [`${file}: ${formatMB(fileSize)} (${entries.length} entries, ${formatMB(entries.reduce((s, e) => s + e.size, 0))} unpacked)`];
  const groups = new Map();
  for (const entry of entries) {
    const group = /^extension\/node_modules\/(@node-llama-cpp\/[^/]+|node-llama-cpp)\//.exec(entry.name)?.[1] ??
      (entry.name.startsWith('extension/node_modules/') ? 'other node_modules' : 'extension files');
    const sum = groups.get(group) ?? { compressed: 0, size: 0 };
    sum.compressed += entry.compressedSize;
    sum.size += entry.size;
    groups.set(group, sum);
  }
  lines.push('  by part (compressed / unpacked):');
  for (const [group, sum] of [...groups].sort((a, b) => b[1].compressed - a[1].compressed)) {
    lines.push(`    ${formatMB(sum.compressed).padStart(9)} / ${formatMB(sum.size).padStart(9)}  ${group}`);
  }
  lines.push(`  largest entries (compressed / unpacked):`);
  for (const entry of [...entries].sort((a, b) => b.compressedSize - a.compressedSize).slice(0, top)) {
    lines.push(`    ${formatMB(entry.compressedSize).padStart(9)} / ${formatMB(entry.size).padStart(9)}  ${entry.name}`);
  }
  return lines.join('\n');
}

/** What a vsix is built from: a vsix older than any of these is stale. */
export const PACKAGE_INPUTS = ['src', 'media', 'l10n', 'package.json', 'package.nls.json', 'package.nls.ja.json', '.vscodeignore', 'esbuild.mjs', 'README.md', 'README.ja.md', 'CHANGELOG.md', 'LICENSE', 'THIRD_PARTY_NOTICES.md', 'scripts/package', 'node_modules/node-llama-cpp/package.json'];

/**
 * Build outputs inside the inputs: every packaging run rewrites them (from src/, an input itself),
 * so they would make each vsix built before the latest run look stale.
 */
const GENERATED_INPUTS = ['media/panel.js'];

/** The newest modification time (ms) of the files below `paths`, relative to `root`. */
export function newestInput(root, paths = PACKAGE_INPUTS) {
  let newest = 0;
  const generated = new Set(GENERATED_INPUTS.map((p) => join(root, p)));
  const visit = (path) => {
    if (!existsSync(path) || generated.has(path)) return;
    const stats = statSync(path);
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stats.mtimeMs);
  };
  for (const path of paths) visit(join(root, path));
  return newest;
}
