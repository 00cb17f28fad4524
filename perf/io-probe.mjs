// Reads a small file every 20 ms on the process's own event loop and libuv pool, and writes
// (start time, duration) of each read to MEDLOCAL_IO_PROBE_OUT when the process exits.
//  * Preloaded into the language server by perf/io-latency.mjs (NODE_OPTIONS=--import): this is "a
//    file read in the language server" as issue #17 measured it (in the process, not through the
//    protocol): it waits on whatever the server's pool and event loop wait on (a decode, when the
//    engine ran in the server; a garbage collection or a busy CPU now). Only in the server: the
//    engine process it forks inherits NODE_OPTIONS, and is left alone.
//  * Run on its own (`node perf/io-probe.mjs`, MEDLOCAL_IO_PROBE_STANDALONE=1) as the same run's
//    control: a bare Node process with nothing else to do, on the same machine at the same time. Its
//    tail is the machine's (the scheduler, the hypervisor), which no change in the server can remove.
//    Stops on SIGTERM or when its parent's IPC channel closes.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const out = process.env.MEDLOCAL_IO_PROBE_OUT;
const standalone = process.env.MEDLOCAL_IO_PROBE_STANDALONE === '1';
if (out && (standalone || /(^|[\\/])server\.js$/.test(process.argv[1] ?? ''))) {
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
    const next = setTimeout(tick, 20);
    if (!standalone) next.unref();
  };
  const first = setTimeout(tick, 20);
  if (!standalone) first.unref();
  process.on('exit', () => writeFileSync(out, JSON.stringify(samples)));
  if (standalone) {
    process.on('SIGTERM', () => process.exit(0));
    process.on('disconnect', () => process.exit(0));
    process.send?.('ready');
  }
}
