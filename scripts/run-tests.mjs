// Runs every *.test.ts below the given folders with Node's own test runner (through tsx),
// so the closing "pass/fail" lines are the runner's own. Extra args after "--" go to node --test.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const roots = dashes === -1 ? argv : argv.slice(0, dashes);
const extra = dashes === -1 ? [] : argv.slice(dashes + 1);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = roots.flatMap((root) => collect(root));
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(', ')}`);
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative('.', f)).join(' ')}`);
const result = spawnSync(
  process.execPath,
  // --test-force-exit: a file whose tests all finished must not hang CI on a leaked handle.
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
