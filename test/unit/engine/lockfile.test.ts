// `npm ci` fails when the lockfile lacks an optional dependency of node-llama-cpp. The registry this
// project installs from has no 3.22.1 build for some platforms (Windows, macOS, riscv64), so a
// plain `npm install` drops their lock entries; they are kept by hand with their os/cpu fields,
// which makes npm skip them on other platforms. This test fails if they go missing again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('the lockfile lists every optional platform package of node-llama-cpp', () => {
  const root = join(__dirname, '..', '..', '..');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; optionalDependencies?: Record<string, string>; os?: string[] }> };
  const engine = lock.packages['node_modules/node-llama-cpp'];
  assert.equal(engine?.version, '3.22.1');
  const optional = Object.keys(engine?.optionalDependencies ?? {}).filter((name) => name.startsWith('@node-llama-cpp/'));
  assert.ok(optional.length >= 10, `only ${optional.length} platform packages`);
  const missing = optional.filter((name) => !lock.packages[`node_modules/${name}`]);
  assert.deepEqual(missing, [], 'restore these lock entries (version 3.22.1, optional, with os/cpu) or `npm ci` fails');
  for (const name of optional) assert.ok(lock.packages[`node_modules/${name}`]?.os, `${name} has no os field, so npm would fetch it everywhere`);
});
