// npm run package [-- options]: production bundles, then `vsce package` into a .vsix that ships
// node-llama-cpp as a real package with the native binaries of ONE platform.
//
//   (no --target)            medlocal-<version>.vsix: binaries of this machine's platform, no
//                            platform tag (for local installs: Extensions > Install from VSIX…)
//   --target linux-x64       medlocal-linux-x64-<version>.vsix: a platform-specific package
//                            (what the Marketplace wants: one per target). Targets:
//                            linux-x64 linux-arm64 linux-armhf win32-x64 win32-arm64 darwin-x64 darwin-arm64
//   --cpu-only               only the CPU build (no CUDA, CUDA fallback or Vulkan): a small vsix,
//                            named medlocal[-<target>]-cpu-<version>.vsix
//   --backends cpu,vulkan    an explicit choice among cpu, cuda, cuda-ext, vulkan
//   --out <file>             where to write the vsix
//   --skip-build             package dist/ as it is (it must be a production build)
//   --stage                  package from a staging folder even when the binaries are installed here
//   --top <n>                how many of the largest entries to print (default 12)
//
// The allow-list is .vscodeignore; its "native binaries" block is rewritten per target into a
// temporary ignore file. When the target's binary packages are installed in node_modules (this
// machine's platform), vsce runs in the repository. Otherwise (another platform) the package is
// staged in a temporary folder: the files vsce would ship, node-llama-cpp's run-time dependencies
// copied from node_modules, and the target's binary packages fetched with `npm pack`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPackagesFor, describeVsix, formatMB, hostTarget, listZip, TARGET_BINARIES, vsixProblems } from './vsix.mjs';

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
  const options = { target: undefined, backends: undefined, out: undefined, skipBuild: false, stage: false, top: 12 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const next = () => inline ?? value();
    if (flag === '--target' || flag === '-t') options.target = next();
    else if (flag === '--cpu-only') options.backends = ['cpu'];
    else if (flag === '--backends') options.backends = next().split(',').map((b) => b.trim()).filter(Boolean);
    else if (flag === '--out' || flag === '-o') options.out = resolve(next());
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

function checkProductionBundles() {
  for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/engine.js']) {
    const file = join(root, bundle);
    if (!existsSync(file)) fail(`${bundle} is missing`);
    const text = readFileSync(file, 'utf8');
    if (/\/\/# sourceMappingURL=/.test(text) || text.split('\n').length > 200) {
      fail(`${bundle} is a development build (source map or unminified); run without --skip-build`);
    }
  }
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

/** node-llama-cpp's run-time dependency folders (what vsce itself would take), without native packages. */
function runtimeDependencyFolders() {
  const result = spawnSync(npm, ['list', '--production', '--parseable', '--depth=99999', '--loglevel=error'], { cwd: root, encoding: 'utf8', shell: isWindows, maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) fail(`npm list --production failed:\n${result.stderr}`);
  return result.stdout
    .split(/\r?\n/)
    .filter((line) => line && resolve(line) !== root)
    .map((line) => relative(root, line).split(sep).join('/'))
    .filter((rel) => !/^node_modules\/(@node-llama-cpp\/|typescript$|@reflink\/)/.test(rel));
}

/** Copies a package folder without its nested node_modules (those are listed on their own). */
function copyPackage(from, to) {
  const nested = join(from, 'node_modules');
  cpSync(from, to, { recursive: true, filter: (source) => source !== nested });
}

/** Puts `name@version` into `destination` from node_modules when installed, else from the registry. */
function fetchBinaryPackage(name, version, destination, downloads) {
  const installed = join(root, 'node_modules', name);
  if (installedVersion(installed) === version) {
    copyPackage(installed, destination);
    return 'node_modules';
  }
  const packed = spawnSync(npm, ['pack', `${name}@${version}`, '--pack-destination', downloads, '--loglevel=error'], { encoding: 'utf8', shell: isWindows });
  if (packed.status !== 0) {
    const output = `${packed.stdout}${packed.stderr}`.split(/\r?\n/).filter((l) => l && !l.startsWith('npm warn')).join('\n');
    const missing = /E404|ETARGET|No match(ing version)? found/.test(output);
    fail(
      missing
        ? `${name}@${version} is not on the npm registry this machine uses, so this target cannot be packaged with node-llama-cpp ${version} here.`
        : `npm pack ${name}@${version} failed:\n${output}`,
    );
  }
  const tarball = join(downloads, packed.stdout.trim().split(/\r?\n/).pop());
  mkdirSync(destination, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', destination, '--strip-components=1']);
  return 'registry';
}

/** A folder holding exactly what the vsix needs, for a target whose binaries are not installed here. */
function stage(target, binaries, ignoreFile, workDir, nlcVersion) {
  const dir = join(workDir, 'stage');
  mkdirSync(dir, { recursive: true });
  // The extension's own files: whatever the allow-list lets through, as vsce lists them.
  const listed = spawnSync(process.execPath, [vsceScript(), 'ls', '--no-dependencies', '--ignoreFile', ignoreFile], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (listed.status !== 0) fail(`vsce ls failed:\n${listed.stderr}`);
  for (const file of listed.stdout.split(/\r?\n/).filter(Boolean)) cpSync(join(root, file), join(dir, file));
  // vsce runs vscode:prepublish in the folder it packages; the build already ran in the repository.
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.scripts?.['vscode:prepublish']) {
    delete manifest.scripts['vscode:prepublish'];
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  cpSync(join(root, '.vscodeignore'), join(dir, '.vscodeignore'));
  for (const folder of runtimeDependencyFolders()) copyPackage(join(root, folder), join(dir, folder));
  const downloads = join(workDir, 'downloads');
  mkdirSync(downloads, { recursive: true });
  for (const { name } of binaries) {
    const from = fetchBinaryPackage(name, nlcVersion, join(dir, 'node_modules', name), downloads);
    console.log(`package: ${name}@${nlcVersion} for ${target} (from ${from})`);
  }
  return dir;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const nlcVersion = installedVersion(join(root, 'node_modules', 'node-llama-cpp'));
  if (!nlcVersion) fail('node-llama-cpp is not installed: run `npm ci` first');
  const binaryTarget = options.target ?? hostTarget();
  if (!TARGET_BINARIES[binaryTarget]) fail(`node-llama-cpp has no prebuilt binaries for ${binaryTarget}; targets: ${Object.keys(TARGET_BINARIES).join(', ')}`);
  const available = Object.keys(TARGET_BINARIES[binaryTarget]);
  const backends = options.backends?.filter((b) => available.includes(b) || b === 'cpu');
  let binaries;
  try {
    binaries = binaryPackagesFor(binaryTarget, backends);
  } catch (error) {
    fail(error.message);
  }
  const partial = backends !== undefined && available.some((b) => !backends.includes(b));
  const variant = partial ? `-${backends.join('+')}` : '';
  const out = options.out ?? join(root, `${manifest.name}${options.target ? `-${options.target}` : ''}${variant}-${manifest.version}.vsix`);

  const started = Date.now();
  if (!options.skipBuild) run(process.execPath, ['esbuild.mjs', '--production']);
  checkProductionBundles();

  const workDir = mkdtempSync(join(tmpdir(), 'medlocal-package-'));
  try {
    const ignoreFile = ignoreFileFor(binaries, workDir);
    const installedHere = binaries.every(({ name }) => installedVersion(join(root, 'node_modules', name)) === nlcVersion);
    const cwd = installedHere && !options.stage ? root : stage(binaryTarget, binaries, ignoreFile, workDir, nlcVersion);
    const args = ['package', '--out', out, '--ignoreFile', ignoreFile, '--allow-missing-repository', '--no-rewrite-relative-links'];
    if (options.target) args.push('--target', options.target);
    console.log(`package: vsce ${args.join(' ')}${cwd === root ? '' : `  (staged in ${cwd})`}`);
    vsce(cwd, args);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const entries = listZip(out);
  const problems = vsixProblems(entries, { required: binaries.map((b) => b.name) });
  console.log(describeVsix(relative(process.cwd(), out) || out, entries, options.top));
  console.log(`package: ${binaries.map((b) => `${b.backend} (${b.name})`).join(', ')}; ${formatMB(statSync(out).size)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (problems.length > 0) {
    rmSync(out); // never leave a vsix that breaks the rules where it could be installed or reused
    fail(`${out} broke the packaging rules and was removed:\n  ${problems.join('\n  ')}`);
  }
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

