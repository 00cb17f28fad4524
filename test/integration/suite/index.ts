// Entry of the integration suite, in the shape @vscode/test-electron expects: VS Code's extension
// host (code-server's here, Electron's elsewhere) loads this compiled module from
// extensionTestsPath and awaits run(); a rejection makes the host exit non-zero.
// Compiled by scripts/integration/build-suite.mjs into dist/test/suite/ (index.js + *.test.js).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    // spec prints through console.log, which the extension host forwards to the driver.
    reporter: 'spec',
    timeout: Number(process.env.MEDLOCAL_IT_TEST_TIMEOUT_MS ?? 90_000),
    slow: 10_000,
  });
  const grep = process.env.MEDLOCAL_IT_GREP;
  if (grep) mocha.grep(grep);
  const files = fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files next to ${__filename}`));
  for (const name of files) mocha.addFile(path.join(__dirname, name));
  console.log(`[suite] node ${process.version}, ${files.length} test file(s): ${files.join(', ')}`);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (error) {
      reject(error);
    }
  });
}
