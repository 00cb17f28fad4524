// The packaged extension: builds the vsix with `npm run package` (or reuses one newer than every
// input), checks what is inside, then unpacks it outside the repository and starts the language
// server FROM THE UNPACKED FOLDER on the tiny model, so node-llama-cpp, its dependencies and the
// native binaries are the vsix's own.
//
// MEDLOCAL_VSIX=<file> checks that vsix instead (e.g. a --cpu-only or --target build); the server is
// started only when the vsix's platform is this machine's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScoreChoicesRequest } from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { startTestServer, type TestServer } from '../process/harness';
import {
  binaryPackagesFor,
  extractZip,
  hostTarget,
  listZip,
  newestInput,
  readZipEntry,
  TARGET_BINARIES,
  vsixProblems,
  type ZipEntry,
} from '../../scripts/package/vsix.mjs';
import { shippedPackages } from '../../scripts/package/notices.mjs';

const ROOT = join(__dirname, '..', '..');
const repoManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const DEFAULT_VSIX = join(ROOT, `${repoManifest.name}-${repoManifest.version}.vsix`);

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  main: string;
  l10n?: string;
  engines: Record<string, string>;
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; restrictedConfigurations?: string[]; description?: string } };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    configuration: { properties: Record<string, { scope?: string; markdownDescription?: string }> };
    walkthroughs?: Array<{ id: string; steps: Array<{ id: string; title: string; description: string; media?: { markdown?: string; image?: string } }> }>;
  };
}

let vsix: string;
let entries: ZipEntry[];
let names: Set<string>;
let target: string;

function entry(name: string): ZipEntry {
  const found = entries.find((e) => e.name === `extension/${name}`);
  assert.ok(found, `${name} is not in the vsix`);
  return found;
}
function text(name: string): string {
  return readZipEntry(vsix, entry(name)).toString('utf8');
}
function has(name: string): boolean {
  return names.has(`extension/${name}`);
}

before(() => {
  const started = Date.now();
  if (process.env.MEDLOCAL_VSIX) {
    vsix = process.env.MEDLOCAL_VSIX;
    assert.ok(existsSync(vsix), `MEDLOCAL_VSIX=${vsix} does not exist`);
  } else {
    vsix = DEFAULT_VSIX;
    const fresh = existsSync(vsix) && statSync(vsix).mtimeMs > newestInput(ROOT);
    if (!fresh) {
      // About 35 s on 2 cores, most of it compressing the CUDA builds.
      const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package', 'package.mjs'), '--top', '3'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
      assert.equal(built.status, 0, `npm run package failed:\n${built.stdout}\n${built.stderr}`);
    }
    console.log(`${fresh ? 'reused' : 'built'} ${vsix} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  entries = listZip(vsix);
  names = new Set(entries.map((e) => e.name));
  const vsixManifest = readZipEntry(vsix, entries.find((e) => e.name === 'extension.vsixmanifest')!).toString('utf8');
  target = /TargetPlatform="([^"]+)"/.exec(vsixManifest)?.[1] ?? hostTarget();
});

describe('the vsix manifest', () => {
  let manifest: Manifest;
  before(() => {
    manifest = JSON.parse(text('package.json')) as Manifest;
  });

  test('identity, engines and entry point', () => {
    assert.equal(manifest.name, 'medlocal');
    assert.equal(manifest.publisher, 'medlocal');
    assert.equal(manifest.version, repoManifest.version);
    assert.match(manifest.engines.vscode ?? '', /^\^1\.\d+\.\d+$/);
    assert.equal(manifest.main, './dist/extension.js');
    const vsixManifest = readZipEntry(vsix, entries.find((e) => e.name === 'extension.vsixmanifest')!).toString('utf8');
    assert.match(vsixManifest, /<Identity [^>]*Id="medlocal"[^>]*Publisher="medlocal"/);
  });

  test('commands and settings are contributed, every command in the MedLocal category', () => {
    const commands = manifest.contributes.commands.map((c) => c.command);
    for (const id of ['medlocal.restartServer', 'medlocal.showLogs', 'medlocal.showStatus', 'medlocal.ask', 'medlocal.runBenchmark']) assert.ok(commands.includes(id), id);
    for (const command of manifest.contributes.commands) assert.equal(command.category, 'MedLocal', command.command);
    const settings = manifest.contributes.configuration.properties;
    for (const key of ['medlocal.model.path', 'medlocal.model.gpu', 'medlocal.model.gpuLayers', 'medlocal.model.contextSize', 'medlocal.model.threads', 'medlocal.trace.server']) {
      assert.ok(settings[key], key);
      assert.ok(settings[key]!.scope, `${key} has a scope`);
    }
  });

  test('every %key% is translated in the shipped package.nls.json and package.nls.ja.json', () => {
    const keys = [...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);
    assert.ok(keys.length > 10);
    for (const nls of ['package.nls.json', 'package.nls.ja.json']) {
      const strings = JSON.parse(text(nls)) as Record<string, string>;
      const missing = keys.filter((key) => !(key in strings));
      assert.deepEqual(missing, [], `${nls} lacks ${missing.join(', ')}`);
    }
  });

  test('l10n bundle and untrusted-workspace capability', () => {
    assert.equal(manifest.l10n, './l10n');
    assert.ok(has('l10n/bundle.l10n.ja.json'));
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.ok(untrusted?.description);
    assert.ok(untrusted?.restrictedConfigurations?.includes('medlocal.model.path'));
  });

  test('walkthrough steps (when contributed) have their markdown in the vsix and a command link in both languages', () => {
    const catalogues = ['package.nls.json', 'package.nls.ja.json'].map((nls) => JSON.parse(text(nls)) as Record<string, string>);
    const resolve = (value: string, strings: Record<string, string>) => value.replace(/^%([^%]+)%$/, (_, key: string) => strings[key] ?? value);
    for (const walkthrough of manifest.contributes.walkthroughs ?? []) {
      assert.ok(walkthrough.steps.length > 0, walkthrough.id);
      for (const step of walkthrough.steps) {
        const where = `${walkthrough.id}/${step.id}`;
        const markdown = step.media?.markdown;
        if (markdown) assert.ok(has(markdown.replace(/^\.\//, '')), `${where}: ${markdown} is not in the vsix`);
        for (const strings of catalogues) {
          assert.match(resolve(step.description, strings), /\]\(command:[\w.]+/, `${where} has no command link`);
          assert.doesNotMatch(resolve(step.title, strings), /^%.*%$/, `${where}: untranslated title`);
        }
      }
    }
  });
});

describe('the vsix contents', () => {
  test('bundles are present and minified, with no source maps', () => {
    for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/engine.js', 'dist/cli.js']) {
      const code = text(bundle);
      assert.doesNotMatch(code, /\/\/# sourceMappingURL=/, bundle);
      assert.ok(code.split('\n').length < 200, `${bundle} is not minified (${code.split('\n').length} lines)`);
    }
    assert.match(text('dist/server.js'), /import\(["']node-llama-cpp["']\)/, 'node-llama-cpp stays external, loaded with import()');
    assert.deepEqual([...names].filter((n) => n.endsWith('.map')), []);
  });

  test('documents ship: README (en, ja), CHANGELOG, LICENSE, third-party notices', () => {
    const lower = new Set([...names].map((n) => n.toLowerCase()));
    for (const doc of ['readme.md', 'readme.ja.md', 'changelog.md', 'third_party_notices.md']) assert.ok(lower.has(`extension/${doc}`), doc);
    assert.ok([...lower].some((n) => /^extension\/license(\.txt|\.md)?$/.test(n)), 'LICENSE');
  });

  test('no sources, tests, benchmarks, gitRelease.bundle or foreign native builds', () => {
    const table = TARGET_BINARIES[target];
    assert.ok(table, `no binaries known for ${target}`);
    const all = binaryPackagesFor(target).map((b) => b.name);
    const required = process.env.MEDLOCAL_VSIX ? binaryPackagesFor(target, ['cpu']).map((b) => b.name) : all;
    assert.deepEqual(vsixProblems(entries, { required, allowed: all }), []);
  });

  test("node-llama-cpp's run-time dependencies ship with it", () => {
    const nlc = JSON.parse(text('node_modules/node-llama-cpp/package.json')) as { dependencies: Record<string, string> };
    const missing = Object.keys(nlc.dependencies).filter((dep) => !has(`node_modules/${dep}/package.json`) && !has(`node_modules/node-llama-cpp/node_modules/${dep}/package.json`));
    assert.deepEqual(missing, []);
  });
});

test('THIRD_PARTY_NOTICES.md lists every package shipped in node_modules', () => {
  const notices = readFileSync(join(ROOT, 'THIRD_PARTY_NOTICES.md'), 'utf8');
  const missing = shippedPackages(vsix)
    .filter((p) => !p.name.startsWith('@node-llama-cpp/'))
    .filter((p) => !notices.includes(`| ${p.name} | ${p.version} |`))
    .map((p) => `${p.name}@${p.version}`);
  assert.deepEqual(missing, [], 'run `node scripts/package/notices.mjs` after a dependency update');
});

describe('started from the unpacked vsix', () => {
  let unpacked: string | undefined;
  let extensionDir: string;
  let server: TestServer | undefined;
  let modelPath: string;
  let skip: string | false = false;

  before(async () => {
    if (target !== hostTarget()) {
      skip = `the vsix is for ${target}, this machine is ${hostTarget()}`;
      return;
    }
    // Outside the repository, so nothing can resolve back into its node_modules.
    unpacked = mkdtempSync(join(tmpdir(), 'medlocal-vsix-'));
    extensionDir = extractZip(vsix, unpacked);
    modelPath = await ensureTinyModel();
  });
  after(async () => {
    await server?.stop();
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  test('the server reaches ready on the tiny model and answers medlocal/scoreChoices', async (t) => {
    if (skip) return t.skip(skip);
    // Modules resolve from the unpacked folder only: no NODE_PATH back into the repository.
    delete process.env.NODE_PATH;
    const serverPath = join(extensionDir, 'dist', 'server.js');
    server = await startTestServer({ model: { path: modelPath, threads: 1, contextSize: 2048 } }, { serverPath });
    assert.equal(server.child.spawnargs[1], serverPath);
    const ready = await server.waitForStatus((s) => s.state === 'ready' || s.state === 'error', 60_000);
    assert.equal(ready.state, 'ready', JSON.stringify(ready));
    assert.equal(ready.model?.name, 'MedLocal Tiny Test Model');
    const { scores } = await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt: 'Question: which is right?\nAnswer:', candidates: [' A', ' B', ' C'] });
    assert.equal(scores.length, 3);
    for (const score of scores) {
      assert.ok(Number.isFinite(score.logProb) && score.logProb <= 0, JSON.stringify(score));
      assert.ok(score.probability > 0 && score.probability <= 1, JSON.stringify(score));
    }
    assert.ok(scores.reduce((sum, s) => sum + s.probability, 0) <= 1 + 1e-6);
  });

  test("the engine's native library is the vsix's own", (t) => {
    if (skip) return t.skip(skip);
    if (process.platform !== 'linux' || !server?.child.pid) return t.skip('reads /proc/<pid>/maps');
    // The model runs in the server's engine process (dist/engine.js), its only child.
    const children = readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    assert.equal(children.length, 1, `the server's children: ${children.join(', ')}`);
    const maps = readFileSync(`/proc/${children[0]}/maps`, 'utf8');
    const libraries = [...new Set(maps.split('\n').map((line) => /\s(\/\S*llama-addon\.node)$/.exec(line)?.[1]).filter(Boolean))];
    assert.ok(libraries.length > 0, 'llama-addon.node is not loaded');
    for (const library of libraries) assert.ok(library!.startsWith(extensionDir), `${library} is not from ${extensionDir}`);
  });

  test('the CLI runs from the unpacked folder too', (t) => {
    if (skip) return t.skip(skip);
    const out = join(unpacked!, 'bench-run');
    const result = spawnSync(process.execPath, [join(extensionDir, 'dist', 'cli.js'), 'bench', '--dataset', 'sample', '--model', modelPath, '--limit', '2', '--scoring', 'letter', '--out', out, '--json'], { cwd: extensionDir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { status: string }).status, 'completed');
  });
});
