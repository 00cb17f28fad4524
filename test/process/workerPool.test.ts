// The engine process (dist/engine.js) and the CLI size libuv's thread pool (where node-llama-cpp
// decodes) to one thread before anything starts the pool, and keep a size the user put in the
// environment (src/engine/workerPool.ts; the speed it buys is measured by perf/engine.mjs). The
// language server keeps libuv's default pool: its file reads never wait behind a decode.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DoctorRequest } from '../../src/protocol/modelsProtocol';
import { startTestServer, type TestServer } from './harness';

const linux = process.platform === 'linux';
const CLI_JS = join(__dirname, '..', '..', 'dist', 'cli.js');

function envWith(size: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  if (size !== undefined) env.UV_THREADPOOL_SIZE = size;
  return env;
}

/** A user dictionary file: reading it goes through libuv's pool, so the pool has started after it. */
function dictionaryFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'medlocal-pool-')), 'terms.tsv');
  writeFileSync(file, 'term\treading\tdescription\n心房細動\tしんぼうさいどう\tAtrial fibrillation\n');
  return file;
}

async function startedServer(size: string | undefined): Promise<TestServer> {
  const server = await startTestServer({ dictionaries: [dictionaryFile()] }, { env: envWith(size) });
  await server.waitForDictionaries((event) => event.reports.length === 1);
  return server;
}

const threadCount = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

describe('engine worker pool', () => {
  test("the engine process runs with a pool of one thread, and the server's diagnostics say so", async () => {
    const server = await startedServer(undefined);
    try {
      const result = await server.connection.sendRequest(DoctorRequest.type);
      assert.match(result.diagnostics, /^Engine worker pool: 1 thread \(MedLocal default\)$/m);
    } finally {
      await server.stop();
    }
  });

  test('a size from the environment is kept and named as such', async () => {
    const server = await startedServer('3');
    try {
      const result = await server.connection.sendRequest(DoctorRequest.type);
      assert.match(result.diagnostics, /^Engine worker pool: 3 threads \(UV_THREADPOOL_SIZE from the environment\)$/m);
    } finally {
      await server.stop();
    }
  });

  // libuv starts all its pool threads at once, on first use: a server left at libuv's default has
  // as many threads as one told to use four, once both have read a file (a pinned one had 3 fewer).
  test("the language server keeps libuv's default pool (thread count of the process)", { skip: linux ? false : 'needs /proc (Linux)' }, async () => {
    const unpinned = await startedServer(undefined);
    const four = await startedServer('4');
    try {
      assert.equal(threadCount(four.child.pid!) - threadCount(unpinned.child.pid!), 0);
    } finally {
      await Promise.all([unpinned.stop(), four.stop()]);
    }
  });

  test('the CLI sizes the pool before it starts, too', { skip: linux ? false : 'needs /proc (Linux)' }, async () => {
    const counts: number[] = [];
    for (const size of [undefined, '4']) {
      const child = spawn(process.execPath, ['-e', PROBE, CLI_JS, '--help'], { env: envWith(size), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, out);
      const match = /^threads (\d+)$/m.exec(out);
      assert.ok(match, out);
      counts.push(Number(match[1]));
    }
    const [pinned, four] = counts as [number, number];
    assert.equal(four - pinned, 3);
  });
});

// Loads the built CLI as \`medlocal --help\` would run, then reads a file (which starts the pool)
// and prints the process's thread count.
const PROBE = `
require(process.argv[1]);
require('node:fs').promises.readFile(process.argv[1]).then(() => {
  console.log('threads ' + require('node:fs').readdirSync('/proc/self/task').length);
});
`;
