// The layer rules (.dependency-cruiser.cjs) hold on the real tree, and each kind of break fails:
// a lower layer importing a higher one, a cycle, a runtime import from the protocol, Node built-ins
// in the panel's browser code. Each case builds a small tree with src/<layer>/ folders in a temp
// directory and runs dependency-cruiser on it with the project's own configuration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(root, '.dependency-cruiser.cjs');
const temps: string[] = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function cruise(cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [cli, '--config', config, '--output-type', 'err', 'src'], { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-layers-'));
  temps.push(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layer rules', () => {
  it('hold on the real source tree', () => {
    const result = cruise(root);
    assert.equal(result.status, 0, result.output);
  });

  it('a clean layered tree passes (the probe trees below differ from it by one import)', () => {
    const result = cruise(
      tree({
        'src/shared/util.ts': 'export const one = 1;\n',
        'src/engine/types.ts': "import { one } from '../shared/util';\nexport type Engine = { n: typeof one };\n",
        'src/eval/run.ts': "import type { Engine } from '../engine/types';\nexport const run = (e: Engine) => e.n;\n",
        'src/protocol/protocol.ts': "import type { Engine } from '../engine/types';\nexport type Msg = { engine: Engine };\n",
        'src/server/server.ts': "import { run } from '../eval/run';\nimport type { Msg } from '../protocol/protocol';\nexport const serve = (m: Msg) => run(m.engine);\n",
      }),
    );
    assert.equal(result.status, 0, result.output);
  });

  it('fails when a lower layer imports a higher one (engine → server)', () => {
    const result = cruise(
      tree({
        'src/server/server.ts': 'export const serve = 1;\n',
        'src/engine/engine.ts': "import { serve } from '../server/server';\nexport const e = serve;\n",
      }),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.output, /layer-engine/);
  });

  it('fails on a cycle, even inside one layer', () => {
    const result = cruise(
      tree({
        'src/eval/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
        'src/eval/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      }),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-circular/);
  });

  it('fails when the protocol takes runtime code (not just types) from a lower layer', () => {
    const result = cruise(
      tree({
        'src/eval/metrics.ts': 'export const mean = (xs: number[]) => xs.length;\n',
        'src/protocol/protocol.ts': "import { mean } from '../eval/metrics';\nexport const m = mean;\n",
      }),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.output, /protocol-types-only/);
  });

  it('fails when the panel code imports a Node built-in or the evaluation core beyond its pure parts', () => {
    const result = cruise(
      tree({
        'src/eval/runFiles.ts': 'export const read = 1;\n',
        'src/webview/app.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
        'src/view/model.ts': "import { read } from '../eval/runFiles';\nexport const v = read;\n",
      }),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.output, /browser-only/);
    assert.match(result.output, /view-eval-pure-only/);
  });

  it('fails when the evaluation core reaches past the engine interface', () => {
    const result = cruise(
      tree({
        'src/engine/types.ts': 'export type Engine = { n: number };\n',
        'src/engine/llamaEngine.ts': 'export const load = 1;\n',
        'src/eval/runner.ts': "import { load } from '../engine/llamaEngine';\nexport const r = load;\n",
      }),
    );
    assert.notEqual(result.status, 0);
    assert.match(result.output, /eval-engine-interface-only/);
  });
});
