// npm run package [-- options]: production bundles, then `vsce package` into a .vsix that ships
// node-llama-cpp as a real package with the native binaries of ONE platform.
//
//   (no --target)            medlocal-<version>.vsix: binaries of this machine's platform, no
//                            platform tag (for local installs: Extensions > Install from VSIX…)
//   --target linux-x64       medlocal-linux-x64-<version>.vsix: a platform-specific package
//                            (what the Marketplace wants: one per target). Targets:
//                            linux-x64 linux-arm64 linux-armhf win32-x64 win32-arm64 darwin-x64 darwin-arm64
//   --all-targets            one vsix per target of scripts/package/targets.mjs ALL_TARGETS
//                            (linux-x64 linux-arm64 win32-x64 darwin-arm64 darwin-x64) into --out-dir
//   --cpu-only               only the CPU build (no CUDA, CUDA fallback or Vulkan): a small vsix,
//                            named medlocal[-<target>]-cpu-<version>.vsix
//   --backends cpu,vulkan    an explicit choice among cpu, cuda, cuda-ext, vulkan (default: the
//                            target's defaultBackends in targets.mjs; win32-x64 leaves out cuda-ext)
//   --out <file>             where to write the vsix
//   --out-dir <folder>       where to write vsix files under their own names (--all-targets: dist-vsix)
//   --skip-build             package dist/ as it is (it must be a production build)
//   --stage                  (accepted for compatibility: every package is staged now)
//   --top <n>                how many of the largest entries to print (default 12)
//
// The allow-list is .vscodeignore; its "native binaries" block is rewritten per target into a
// temporary ignore file. Every vsix is packaged from a staging folder: the extension's own files
// (as `vsce ls` lists them), node-llama-cpp with the run-time dependencies it declares, and the
// target's binary packages (copied from node_modules when installed at that version, else
// unpacked from `npm pack` tarballs).
//
// targets.mjs says which node-llama-cpp version each target ships (Linux 3.22.1, Windows and macOS
// 3.21.1). `npm install --ignore-scripts --omit=optional --omit=peer --os <os> --cpu <cpu>` puts that
// version and its dependencies into a cache folder once (seeded with package-lock.json, so shared
// dependencies keep their locked versions); no install script ever runs. Staging does not depend on
// the state of the repository's node_modules beyond the binary packages (a worktree whose
// node_modules is a symlink makes `npm list` report everything extraneous).
// Cache: ${MEDLOCAL_CACHE:-~/.cache/medlocal}/npm-packs (binary tarballs) and
// .../stage-<os>-<cpu>-node-llama-cpp-<version>; once filled, packaging needs no network.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_TARGETS, targetSpec, vsixFileName } from './targets.mjs';
import { binaryPackagesFor, describeVsix, formatMB, hostTarget, listZip, readZipEntry, vsixProblems } from './vsix.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const isWindows = process.platform === 'win32';
const BLOCK_START = '# >>> native binaries';
const BLOCK_END = '# <<< native binaries';
const ALL_BACKENDS = ['cpu', 'cuda', 'cuda-ext', 'vulkan'];

class PackageError extends Error {}

/** Stops packaging with a message (temporary folders are still removed). */
function fail(message) {
  throw new PackageError(message);
}

function parseArgs(argv) {
  const options = { target: undefined, allTargets: false, backends: undefined, out: undefined, outDir: undefined, skipBuild: false, stage: false, top: 12 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const next = () => inline ?? value();
    if (flag === '--target' || flag === '-t') options.target = next();
    else if (flag === '--cpu-only') options.backends = ['cpu'];
    else if (flag === '--backends') options.backends = next().split(',').map((b) => b.trim()).filter(Boolean);
    else if (flag === '--out' || flag === '-o') options.out = resolve(next());
    else if (flag === '--out-dir') options.outDir = resolve(next());
    else if (flag === '--all-targets') options.allTargets = true;
    else if (flag === '--skip-build') options.skipBuild = true;
    else if (flag === '--stage') options.stage = true;
    else if (flag === '--top') options.top = Number(next());
    else if (flag === '--help' || flag === '-h') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
      process.exit(0);
    } else fail(`unknown option ${arg} (see --help)`);
  }
  for (const backend of options.backends ?? []) if (!ALL_BACKENDS.includes(backend)) fail(`unknown backend ${backend}; choose among ${ALL_BACKENDS.join(', ')}`);
  if (options.allTargets && (options.target || options.out)) fail('--all-targets builds every target under its own name: use --out-dir, not --target or --out');
  return options;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: isWindows && !command.endsWith('.exe'), ...options });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}`);
  return result;
}

const npm = isWindows ? 'npm.cmd' : 'npm';

/** The vsce CLI: MEDLOCAL_VSCE (a path to its `vsce` script), else the @vscode/vsce devDependency. */
function vsceScript() {
  if (process.env.MEDLOCAL_VSCE) return process.env.MEDLOCAL_VSCE;
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve('@vscode/vsce/package.json');
    return join(dirname(manifest), 'vsce');
  } catch {
    return fail('@vscode/vsce is not installed: `npm ci` (it is a devDependency, 3.9.2: the last line that runs on Node 20).');
  }
}

function vsce(cwd, args) {
  // stdin closed: a vsce prompt (missing LICENSE, repository…) fails instead of waiting forever.
  return run(process.execPath, [vsceScript(), ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

const isDevelopmentBuild = (text) => /\/\/# sourceMappingURL=/.test(text) || text.split('\n').length > 200;

function checkProductionBundles() {
  for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/engine.js']) {
    const file = join(root, bundle);
    if (!existsSync(file)) fail(`${bundle} is missing`);
    if (isDevelopmentBuild(readFileSync(file, 'utf8'))) fail(`${bundle} is a development build (source map or unminified); run without --skip-build`);
  }
}

/** The bundles inside a built vsix: a `npm run build` while packaging would have put development bundles in. */
function developmentBundlesIn(file, entries) {
  return ['dist/extension.js', 'dist/server.js', 'dist/cli.js']
    .map((bundle) => ({ bundle, entry: entries.find((e) => e.name === `extension/${bundle}`) }))
    .filter(({ entry }) => entry && isDevelopmentBuild(readZipEntry(file, entry).toString('utf8')))
    .map(({ bundle }) => `${bundle}: a development build (was \`npm run build\` run while packaging?)`);
}

/** .vscodeignore with the native-binaries block replaced by the given packages. */
function ignoreFileFor(binaries, workDir) {
  const base = readFileSync(join(root, '.vscodeignore'), 'utf8');
  const start = base.indexOf(BLOCK_START);
  const end = base.indexOf(BLOCK_END);
  if (start < 0 || end < start) fail(`.vscodeignore lacks the "${BLOCK_START}" … "${BLOCK_END}" block`);
  const block = [BLOCK_START, ...binaries.map((b) => `!node_modules/${b.name}/**`), ''].join('\n');
  const file = join(workDir, 'vscodeignore');
  writeFileSync(file, base.slice(0, start) + block + base.slice(end));
  return file;
}

function installedVersion(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Copies a package folder without its nested node_modules (those are listed on their own). */
function copyPackage(from, to) {
  const nested = join(from, 'node_modules');
  cpSync(from, to, { recursive: true, filter: (source) => source !== nested });
}

const cacheRoot = () => resolve(process.env.MEDLOCAL_CACHE || join(homedir(), '.cache', 'medlocal'));

/** npm pack's tarball name for `name@version` (@scope/pkg → scope-pkg-version.tgz). */
function tarballName(name, version) {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/** Puts `name@version` into `destination` from node_modules when installed, else from the tarball cache (filled by `npm pack`). */
function fetchBinaryPackage(name, version, destination) {
  const installed = join(root, 'node_modules', name);
  if (installedVersion(installed) === version) {
    copyPackage(installed, destination);
    return 'node_modules';
  }
  const packs = join(cacheRoot(), 'npm-packs');
  mkdirSync(packs, { recursive: true });
  const tarball = join(packs, tarballName(name, version));
  let from = 'cache';
  if (!existsSync(tarball)) {
    from = 'registry';
    const packed = spawnSync(npm, ['pack', `${name}@${version}`, '--pack-destination', packs, '--loglevel=error'], { encoding: 'utf8', shell: isWindows });
    if (packed.status !== 0) {
      const output = `${packed.stdout}${packed.stderr}`.split(/\r?\n/).filter((l) => l && !l.startsWith('npm warn')).join('\n');
      const missing = /E404|ETARGET|No match(ing version)? found/.test(output);
      fail(
        missing
          ? `${name}@${version} is not on the npm registry this machine uses, so this target cannot be packaged with node-llama-cpp ${version} here.`
          : `npm pack ${name}@${version} failed (offline? the cache ${packs} lacks it):\n${output}`,
      );
    }
    if (!existsSync(tarball)) fail(`npm pack ${name}@${version} did not write ${tarball}`);
  }
  mkdirSync(destination, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', destination, '--strip-components=1']);
  return `${from}: ${tarball}`;
}

/**
 * node-llama-cpp@version with the run-time dependencies it declares, for the target's OS and CPU,
 * installed once into the cache (no install scripts, no optional or peer packages: the binary
 * packages come from fetchBinaryPackage). Returns the folder whose node_modules holds them.
 */
function dependencyTree(spec) {
  const dir = join(cacheRoot(), `stage-${spec.npmOs}-${spec.npmCpu}-node-llama-cpp-${spec.nodeLlamaCpp}`);
  const done = join(dir, '.complete');
  if (existsSync(done) && installedVersion(join(dir, 'node_modules', 'node-llama-cpp')) === spec.nodeLlamaCpp) return { dir, from: 'cache' };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'medlocal-stage', version: '0.0.0', private: true, dependencies: { 'node-llama-cpp': spec.nodeLlamaCpp } }, null, 2)}\n`);
  // The repository's lock as the starting point: dependencies shared with the installed version keep their locked versions.
  if (existsSync(join(root, 'package-lock.json'))) cpSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
  run(npm, ['install', '--os', spec.npmOs, '--cpu', spec.npmCpu, '--ignore-scripts', '--omit=dev', '--omit=optional', '--omit=peer', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir });
  if (installedVersion(join(dir, 'node_modules', 'node-llama-cpp')) !== spec.nodeLlamaCpp) fail(`npm install did not put node-llama-cpp@${spec.nodeLlamaCpp} into ${dir}`);
  writeFileSync(done, `${new Date().toISOString()}\n`);
  return { dir, from: 'registry' };
}

/** Folders (relative, /-separated) of every package below `dir`/node_modules, nested ones included. */
function packageFolders(dir, base = 'node_modules') {
  const folders = [];
  const nodeModules = join(dir, base);
  if (!existsSync(nodeModules)) return folders;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = entry.name.startsWith('@') ? readdirSync(join(nodeModules, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
    for (const name of names) {
      const rel = `${base}/${name}`;
      folders.push(rel);
      folders.push(...packageFolders(dir, `${rel}/node_modules`));
    }
  }
  return folders;
}

const NOT_SHIPPED = /^node_modules\/(@node-llama-cpp\/|typescript$|@reflink\/)/;

/** A folder holding exactly what the vsix needs. */
function stage(target, spec, binaries, ignoreFile, workDir) {
  const dir = join(workDir, 'stage');
  mkdirSync(dir, { recursive: true });
  // The extension's own files: whatever the allow-list lets through, as vsce lists them.
  const listed = spawnSync(process.execPath, [vsceScript(), 'ls', '--no-dependencies', '--ignoreFile', ignoreFile], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (listed.status !== 0) fail(`vsce ls failed:\n${listed.stderr}`);
  for (const file of listed.stdout.split(/\r?\n/).filter(Boolean)) cpSync(join(root, file), join(dir, file));
  // vsce runs vscode:prepublish in the folder it packages; the build already ran in the repository.
  // The manifest names the node-llama-cpp version this vsix really carries.
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.scripts?.['vscode:prepublish']) delete manifest.scripts['vscode:prepublish'];
  manifest.dependencies = { ...manifest.dependencies, 'node-llama-cpp': spec.nodeLlamaCpp };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(root, '.vscodeignore'), join(dir, '.vscodeignore'));
  const tree = dependencyTree(spec);
  console.log(`package: node-llama-cpp@${spec.nodeLlamaCpp} and its dependencies for ${spec.npmOs}-${spec.npmCpu} (from ${tree.from}: ${tree.dir})`);
  for (const folder of packageFolders(tree.dir).filter((f) => !NOT_SHIPPED.test(f))) copyPackage(join(tree.dir, folder), join(dir, folder));
  for (const { name } of binaries) {
    const from = fetchBinaryPackage(name, spec.nodeLlamaCpp, join(dir, 'node_modules', name));
    console.log(`package: ${name}@${spec.nodeLlamaCpp} for ${target} (from ${from})`);
  }
  return dir;
}

/** Builds one vsix: `target` undefined means this machine's platform, without a platform tag. */
function packageTarget(options, target, out) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const installed = installedVersion(join(root, 'node_modules', 'node-llama-cpp'));
  if (!installed) fail('node-llama-cpp is not installed: run `npm ci` first');
  const binaryTarget = target ?? hostTarget();
  let spec;
  let binaries;
  try {
    spec = targetSpec(binaryTarget);
    const backends = options.backends?.filter((b) => b in spec.binaries || b === 'cpu') ?? spec.defaultBackends;
    binaries = binaryPackagesFor(binaryTarget, backends);
  } catch (error) {
    fail(error.message);
  }
  const file = out ?? join(options.outDir ?? root, vsixFileName(manifest.name, manifest.version, target, binaryTarget, options.backends));
  mkdirSync(dirname(file), { recursive: true });
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'medlocal-package-'));
  try {
    const ignoreFile = ignoreFileFor(binaries, workDir);
    const cwd = stage(binaryTarget, spec, binaries, ignoreFile, workDir);
    const args = ['package', '--out', file, '--ignoreFile', ignoreFile, '--allow-missing-repository', '--no-rewrite-relative-links'];
    if (target) args.push('--target', target);
    console.log(`package: vsce ${args.join(' ')}${cwd === root ? '' : `  (staged in ${cwd})`}`);
    vsce(cwd, args);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const entries = listZip(file);
  const problems = [...vsixProblems(entries, { required: binaries.map((b) => b.name) }), ...developmentBundlesIn(file, entries)];
  console.log(describeVsix(relative(process.cwd(), file) || file, entries, options.top));
  console.log(`package: node-llama-cpp ${spec.nodeLlamaCpp}; ${binaries.map((b) => `${b.backend} (${b.name})`).join(', ')}; ${formatMB(statSync(file).size)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (problems.length > 0) {
    rmSync(file); // never leave a vsix that breaks the rules where it could be installed or reused
    fail(`${file} broke the packaging rules and was removed:\n  ${problems.join('\n  ')}`);
  }
  return file;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!options.skipBuild) run(process.execPath, ['esbuild.mjs', '--production']);
  checkProductionBundles();
  if (!options.allTargets) {
    packageTarget(options, options.target, options.out);
    return;
  }
  options.outDir ??= join(root, 'dist-vsix');
  const built = [];
  for (const target of ALL_TARGETS) built.push(packageTarget(options, target, undefined));
  console.log(`package: ${built.length} vsix files in ${relative(process.cwd(), options.outDir) || options.outDir}:`);
  for (const file of built) console.log(`  ${formatMB(statSync(file).size).padStart(9)}  ${relative(options.outDir, file)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}

