// One platform-specific vsix per target (support/vsixFiles.ts says which; MEDLOCAL_VSIX_TARGETS=all
// checks all five): unpacked outside the repository, then checked against scripts/package/targets.mjs
// by reading the files themselves: the native addon and backend libraries for the target are there
// and their ELF / PE / Mach-O headers say the target's OS format, CPU and word size; no native code
// of another platform is inside; node-llama-cpp is the version the map says; the size is the README's;
// and the vsix's OWN node-llama-cpp, told the target's platform and architecture, finds exactly the
// shipped binary packages for the GPU types the map lists. The Linux vsix's server is started (with
// network access blocked) in airgap.test.ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { architectures, inspectFile, type BinaryHeader } from '../../scripts/package/binaryHeaders.mjs';
import { targetSpec, type TargetSpec } from '../../scripts/package/targets.mjs';
import { shippedPackages } from '../../scripts/package/notices.mjs';
import { binaryPackagesFor, extractZip } from '../../scripts/package/vsix.mjs';
import { checkedTargets, ensureVsix, readmeSizes, ROOT } from './support/vsixFiles';

/** Library files each backend's package must carry, besides llama-addon.node. */
const BACKEND_LIBRARIES: Record<string, RegExp[]> = {
  cpu: [/^(lib)?ggml-base\.(so|dll|dylib)$/, /^(lib)?ggml-cpu[-\w.]*\.(so|dll)$/],
  cuda: [/^(lib)?ggml-cuda\.(so|dll)$/],
  'cuda-ext': [/^(lib)?ggml-cuda\.(so|dll)$/],
  vulkan: [/^(lib)?ggml-vulkan\.(so|dll)$/],
  metal: [/^libggml-metal\.so$/],
};
/** Extensions of native files that belong to another OS format. */
const FOREIGN_EXTENSIONS: Record<TargetSpec['native']['format'], string[]> = {
  elf: ['.dll', '.dylib', '.exe', '.lib', '.exp', '.pdb'],
  pe: ['.so', '.dylib'],
  macho: ['.dll', '.exe', '.lib', '.exp', '.pdb'],
};

/** DLLs every Windows 10/11 has, and the Node/Electron host an addon is loaded into. */
const WINDOWS_DLLS = /^(kernel32|advapi32|shell32|user32|ws2_32|ole32|oleaut32|bcrypt|crypt32|ntdll|ucrtbase|dbghelp|shlwapi|version|winmm|api-ms-win-[\w-]+|node\.exe|node\.dll|nw\.dll)(\.dll)?$/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

for (const target of checkedTargets()) {
  describe(`the ${target} vsix`, () => {
    const spec = targetSpec(target);
    const shipped = binaryPackagesFor(target, spec.defaultBackends);
    let vsix: string;
    let unpacked: string;
    let extensionDir: string;
    let files: string[];

    before(() => {
      vsix = ensureVsix(target);
      unpacked = mkdtempSync(join(tmpdir(), `medlocal-${target}-`));
      extensionDir = extractZip(vsix, unpacked);
      files = walk(extensionDir);
    });
    after(() => {
      if (unpacked) rmSync(unpacked, { recursive: true, force: true });
    });

    test(`the native addon and backend libraries for ${spec.native.format} ${spec.native.arch} ${spec.native.bits}-bit are present, per backend`, () => {
      for (const { backend, name } of shipped) {
        const bins = join(extensionDir, 'node_modules', name, 'bins');
        assert.ok(existsSync(bins), `${name} has no bins/ folder`);
        const natives = walk(bins).map((file) => ({ file, header: inspectFile(file) })).filter((n) => n.header);
        const where = (f: string) => relative(extensionDir, f);
        if (backend !== 'cuda-ext') {
          const addon = natives.find((n) => basename(n.file) === 'llama-addon.node');
          assert.ok(addon, `${name}: no llama-addon.node`);
        }
        const libraries = [...BACKEND_LIBRARIES[backend]!, ...(target === 'darwin-arm64' ? BACKEND_LIBRARIES.metal! : [])];
        for (const library of libraries) assert.ok(natives.some((n) => library.test(basename(n.file))), `${name}: no file matching ${library}`);
        for (const { file, header } of natives) {
          assert.deepEqual({ format: header!.format, arch: header!.arch, bits: header!.bits }, spec.native, where(file));
        }
        console.log(`[${target}] ${name}: ${natives.length} native files, ${spec.native.format} ${spec.native.arch} ${spec.native.bits}-bit`);
      }
    });

    test('no native code of another platform or architecture is inside', () => {
      const natives: Array<{ file: string; header: BinaryHeader }> = [];
      const foreign: string[] = [];
      for (const file of files) {
        if (FOREIGN_EXTENSIONS[spec.native.format].includes(extname(file).toLowerCase())) foreign.push(`${relative(extensionDir, file)}: ${extname(file)} file in a ${target} vsix`);
        const header = inspectFile(file);
        if (!header) continue;
        natives.push({ file, header });
        const arches = architectures(header);
        if (header.format !== spec.native.format || header.bits !== spec.native.bits || arches.some((a) => a !== spec.native.arch)) {
          foreign.push(`${relative(extensionDir, file)}: ${header.format} ${arches.join('+')} ${header.bits}-bit`);
        }
      }
      assert.deepEqual(foreign, []);
      assert.ok(natives.length > 0, 'no native file at all');
      const minOS = [...new Set(natives.map((n) => n.header.minOS).filter(Boolean))];
      console.log(`[${target}] ${natives.length} native files in ${files.length}, all ${spec.native.format} ${spec.native.arch} ${spec.native.bits}-bit${minOS.length ? `; minimum macOS ${minOS.join(', ')}` : ''}`);
    });

    test('Windows: every DLL the native files import ships beside them, is part of Windows, or is a requirement the READMEs name', (t) => {
      if (spec.native.format !== 'pe') return t.skip(`${target} has no PE files (ELF/Mach-O dependencies are not read)`);
      const readmes = ['README.md', 'README.ja.md'].map((f) => readFileSync(join(ROOT, f), 'utf8').toLowerCase());
      const external = new Map<string, Set<string>>();
      for (const file of files) {
        const header = inspectFile(file);
        if (header?.format !== 'pe') continue;
        const beside = new Set(readdirSync(join(file, '..')).map((n) => n.toLowerCase()));
        for (const dll of header.imports ?? []) {
          const lower = dll.toLowerCase();
          if (beside.has(lower) || WINDOWS_DLLS.test(lower)) continue;
          const users = external.get(lower) ?? new Set<string>();
          users.add(relative(extensionDir, file).split(sep).slice(2, 3).join(''));
          external.set(lower, users);
        }
      }
      const unnamed = [...external.keys()].filter((dll) => readmes.some((readme) => !readme.includes(dll)));
      console.log(`[${target}] DLLs needed from the system: ${[...external].map(([dll, users]) => `${dll} (${[...users].join(', ')})`).join('; ')}`);
      assert.deepEqual(unnamed, [], 'each must be named in README.md and README.ja.md');
      assert.ok(external.size > 0);
    });

    test('its bundles are production builds (minified, no source maps)', () => {
      for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/cli.js']) {
        const code = readFileSync(join(extensionDir, bundle), 'utf8');
        assert.doesNotMatch(code, /\/\/# sourceMappingURL=/, bundle);
        assert.ok(code.split('\n').length < 200, `${bundle} is not minified`);
      }
    });

    test("only the target's own @node-llama-cpp packages ship", () => {
      const scope = join(extensionDir, 'node_modules', '@node-llama-cpp');
      assert.deepEqual(readdirSync(scope).map((n) => `@node-llama-cpp/${n}`).sort(), shipped.map((b) => b.name).sort());
      const nested = files.filter((f) => f.includes(`${sep}node_modules${sep}node-llama-cpp${sep}node_modules${sep}@node-llama-cpp${sep}`));
      assert.deepEqual(nested, []);
    });

    test(`node-llama-cpp is ${spec.nodeLlamaCpp} (JS package, binary packages and the vsix manifest)`, () => {
      const version = (dir: string) => (JSON.parse(readFileSync(join(extensionDir, 'node_modules', dir, 'package.json'), 'utf8')) as { version: string }).version;
      assert.equal(version('node-llama-cpp'), spec.nodeLlamaCpp);
      for (const { name } of shipped) assert.equal(version(name), spec.nodeLlamaCpp, name);
      const manifest = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      assert.equal(manifest.dependencies['node-llama-cpp'], spec.nodeLlamaCpp);
    });

    test("node-llama-cpp's run-time dependencies (of the version shipped) are inside", () => {
      const nlc = JSON.parse(readFileSync(join(extensionDir, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      const missing = Object.keys(nlc.dependencies).filter(
        (dep) => !existsSync(join(extensionDir, 'node_modules', dep, 'package.json')) && !existsSync(join(extensionDir, 'node_modules', 'node-llama-cpp', 'node_modules', dep, 'package.json')),
      );
      assert.deepEqual(missing, []);
    });

    test('THIRD_PARTY_NOTICES.md lists every package it ships in node_modules, at its version', () => {
      const notices = readFileSync(join(ROOT, 'THIRD_PARTY_NOTICES.md'), 'utf8');
      const missing = shippedPackages(vsix)
        .filter((p) => !p.name.startsWith('@node-llama-cpp/'))
        .filter((p) => !notices.includes(`| ${p.name} | ${p.version} |`))
        .map((p) => `${p.name}@${p.version}`);
      assert.deepEqual(missing, [], 'run `npm run notices` (it reads the vsix files in dist-vsix/ too)');
    });

    test('its size is the one README.md and README.ja.md state (±10%)', () => {
      const mb = statSync(vsix).size / (1024 * 1024);
      for (const readme of ['README.md', 'README.ja.md']) {
        const stated = readmeSizes(readFileSync(join(ROOT, readme), 'utf8')).get(basename(vsix));
        assert.ok(stated !== undefined, `${readme} states no size for ${basename(vsix)}`);
        assert.ok(Math.abs(mb - stated) <= stated * 0.1, `${basename(vsix)} is ${mb.toFixed(1)} MB; ${readme} says about ${stated} MB`);
      }
      console.log(`[${target}] ${basename(vsix)}: ${mb.toFixed(1)} MB`);
    });

    test("the vsix's own node-llama-cpp, given this target's platform and arch, finds the shipped binaries for exactly the map's GPU types", async () => {
      const utils = join(extensionDir, 'node_modules', 'node-llama-cpp', 'dist', 'bindings', 'utils');
      const load = async <T>(file: string) => (await import(pathToFileURL(join(utils, file)).href)) as T;
      const { resolveValidGpuOptionForPlatform } = await load<{ resolveValidGpuOptionForPlatform(gpu: unknown, o: { platform: string; arch: string }): unknown }>('getGpuTypesToUseForOption.js');
      const { getBuildFolderNameForBuildOptions } = await load<{ getBuildFolderNameForBuildOptions(o: unknown): Promise<{ withoutCustomCmakeOptions: string }> }>('getBuildFolderNameForBuildOptions.js');
      const { getPrebuiltBinaryPath } = await load<{ getPrebuiltBinaryPath(o: unknown, folder: string): Promise<{ binaryPath: string; extBackendsPath?: string } | null> }>('compileLLamaCpp.js');
      const { builtinLlamaCppRelease } = await load<{ builtinLlamaCppRelease: string }>('binariesGithubRelease.js');
      const { builtinLlamaCppGitHubRepo } = (await import(pathToFileURL(join(extensionDir, 'node_modules', 'node-llama-cpp', 'dist', 'config.js')).href)) as { builtinLlamaCppGitHubRepo: string };
      const found: Array<string | false> = [];
      for (const gpu of ['metal', 'cuda', 'vulkan', false] as const) {
        if (resolveValidGpuOptionForPlatform(gpu, { platform: spec.nlcPlatform, arch: spec.npmCpu }) !== gpu) continue;
        const buildOptions = {
          customCmakeOptions: new Map(),
          progressLogs: false,
          platform: spec.nlcPlatform,
          platformInfo: { name: spec.nlcPlatform, version: '' },
          arch: spec.npmCpu,
          gpu,
          llamaCpp: { repo: builtinLlamaCppGitHubRepo, release: builtinLlamaCppRelease },
        };
        const folder = (await getBuildFolderNameForBuildOptions(buildOptions)).withoutCustomCmakeOptions;
        const prebuilt = await getPrebuiltBinaryPath(buildOptions, folder);
        if (!prebuilt) continue;
        found.push(gpu);
        const backend = gpu === false || gpu === 'metal' ? 'cpu' : gpu;
        const expected = join(extensionDir, 'node_modules', '@node-llama-cpp', spec.binaries[backend]!);
        assert.ok(prebuilt.binaryPath.startsWith(expected + sep), `${String(gpu)}: ${prebuilt.binaryPath} is not in ${expected}`);
        const header = inspectFile(prebuilt.binaryPath)!;
        assert.deepEqual({ format: header.format, arch: header.arch, bits: header.bits }, spec.native, prebuilt.binaryPath);
        if (prebuilt.extBackendsPath) assert.ok(existsSync(prebuilt.extBackendsPath) === spec.defaultBackends.includes('cuda-ext'), `${String(gpu)}: cuda-ext folder ${prebuilt.extBackendsPath}`);
      }
      assert.deepEqual(found, spec.runtimeGpus);
      console.log(`[${target}] node-llama-cpp ${spec.nodeLlamaCpp} as ${spec.nlcPlatform}-${spec.npmCpu}: prebuilt binaries for ${found.map((g) => (g === false ? 'cpu' : g)).join(', ')}`);
    });
  });
}
