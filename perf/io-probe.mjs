// Preloaded into the language server by perf/io-latency.mjs (NODE_OPTIONS=--import): reads a small
// file every 20 ms on the server's own event loop and libuv pool, and writes (start time, duration)
// of each read to MEDLOCAL_IO_PROBE_OUT when the server exits. This is "a file read in the language
// server" as issue #17 measured it (in the process, not through the protocol): it waits on whatever
// the server's pool and event loop wait on (a decode, when the engine ran in the server; a garbage
// collection or a busy CPU now). Only in the server: the engine process it forks inherits
// NODE_OPTIONS, and is left alone.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const out = process.env.MEDLOCAL_IO_PROBE_OUT;
if (out && /(^|[\\/])server\.js$/.test(process.argv[1] ?? '')) {
  const file = `${out}.data`;
  writeFileSync(file, Buffer.alloc(4096, 0x61));
  const samples = [];
  const tick = async () => {
    const at = performance.timeOrigin + performance.now();
    const started = performance.now();
    try {
      await readFile(file);
      samples.push([at, performance.now() - started]);
    } catch {
      samples.push([at, -1]);
    }
    setTimeout(tick, 20).unref();
  };
  setTimeout(tick, 20).unref();
  process.on('exit', () => writeFileSync(out, JSON.stringify(samples)));
}
