// I/O latency in the language server during inference (issue #17): p50/p99 of a file read
// (medlocal/bench/list over a results folder: a directory read and a file read on libuv's pool)
// and of a hover (textDocument/hover, dictionary lookup), through the BUILT server, over Node IPC
// (the transport the VS Code client uses; --transport stdio for the one other editors use), while
//   * nothing runs (baseline),
//   * the engine process evaluates a long prompt (~480 tokens, a prompt batch),
//   * the engine process generates tokens.
// Goals: p99 ≤ 5 ms for the read, ≤ 10 ms for the hover, during inference.
// A third column, "empty", is a request the server has no handler for (answered at once with
// "method not found"): the round trip of the protocol itself, the floor under the other two.
// Two same-run baselines for the machine itself: a bare Node process (perf/io-probe.mjs on its own)
// doing the same read loop beside the server, and the share of CPU time the hypervisor took from
// this VM ("steal" in /proc/stat) in each phase. A tail the bare process shares is the machine's.
// Model: the synthetic 238M llama (Q8_0, 16 layers), written once into the test models folder.
// MEDLOCAL_COMPARE_SERVER_JS=path/to/other/dist/server.js adds the same rows for another build
// (e.g. main's in-process engine) measured in the same run.
// Run: npm run build && node --import tsx perf/io-latency.mjs [--samples N] [--threads N] [--transport ipc|stdio]
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};
const { startTestServer } = await loadTs('../test/process/harness.ts');
const { ensureSyntheticModel } = await loadTs('../test/process/syntheticModel.ts');
const { AskRequest } = await loadTs('../src/protocol/protocol.ts');
const { BenchListRequest } = await loadTs('../src/protocol/benchProtocol.ts');

const argValue = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SAMPLES = argValue('--samples', 240);
const THREADS = argValue('--threads', 1);
const TRANSPORT = process.argv.includes('--transport') ? process.argv[process.argv.indexOf('--transport') + 1] : 'ipc';
if (TRANSPORT !== 'ipc' && TRANSPORT !== 'stdio') throw new Error(`--transport ${TRANSPORT}: use ipc or stdio`);
const PACE_MS = 20;
const LONG_QUESTION = 'The patient with chest pain and shortness of breath was admitted. '.repeat(40);
const NOTE = '既往歴: 急性心筋梗塞（2019年 PCI後）。心不全の増悪あり。\n';
const GOAL = { read: 5, hover: 10 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

function resultsFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'medlocal-io-bench-'));
  mkdirSync(join(dir, 'run-1'));
  writeFileSync(join(dir, 'run-1', 'manifest.json'), '{}');
  return dir;
}

const now = () => performance.timeOrigin + performance.now();

/** All CPUs' time from /proc/stat (Linux), as [total, stolen by the hypervisor]; null elsewhere. */
function cpuTimes() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return [fields.reduce((a, b) => a + b, 0), fields[7] ?? 0];
  } catch {
    return null;
  }
}

/** The same run's control: perf/io-probe.mjs in a bare Node process, reading on its own. */
async function startControl(out) {
  const child = fork(new URL('./io-probe.mjs', import.meta.url), [], {
    env: { ...process.env, NODE_OPTIONS: '', MEDLOCAL_IO_PROBE_OUT: out, MEDLOCAL_IO_PROBE_STANDALONE: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the control process exited (${code}) before it started`)));
  });
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}

async function measure(label, serverPath, model) {
  const resultsDir = resultsFolder();
  // perf/io-probe.mjs in the server: a file read every 20 ms in the server process itself.
  const probeOut = join(resultsDir, 'server-reads.json');
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import "${new URL('./io-probe.mjs', import.meta.url).href}"`.trim(),
    MEDLOCAL_IO_PROBE_OUT: probeOut,
  };
  const server = await startTestServer({ model: { path: model, threads: THREADS, contextSize: 4096 } }, { transport: TRANSPORT, env, ...(serverPath ? { serverPath } : {}) });
  /** Each phase's time spans (absolute ms), for the server's own reads. */
  const spans = { idle: [], prompt: [], generation: [] };
  /** CPU time (all CPUs) and the part the hypervisor stole, summed over each phase's spans. */
  const cpu = { idle: [0, 0], prompt: [0, 0], generation: [0, 0] };
  const addCpu = (phase, before, after) => {
    if (!before || !after) return;
    cpu[phase][0] += after[0] - before[0];
    cpu[phase][1] += after[1] - before[1];
  };
  const controlOut = join(resultsDir, 'control-reads.json');
  const stopControl = await startControl(controlOut);
  const rows = {};
  let summary = '';
  const uri = 'file:///tmp/medlocal-io-bench.md';
  try {
    await server.waitForStatus((status) => status.state === 'ready', 300_000);
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version: 1, text: NOTE } });
    await server.waitForDictionaries(() => true, 60_000);
    const read = async () => {
      const started = performance.now();
      await server.connection.sendRequest(BenchListRequest.type, { resultsDir });
      return performance.now() - started;
    };
    const empty = async () => {
      const started = performance.now();
      try {
        await server.connection.sendRequest('medlocal/ioLatencyNoSuchMethod', {});
        throw new Error('the server answered a request it has no handler for');
      } catch (error) {
        if (error?.code !== -32601) throw error;
      }
      return performance.now() - started;
    };
    const hover = async () => {
      const started = performance.now();
      const result = await server.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 6 } });
      if (!result) throw new Error('the hover found no term');
      return performance.now() - started;
    };
    /**
     * Samples reads and hovers, each in its own paced loop (a slow read never delays a hover), while
     * `active()` holds; a sample counts when it started in the phase, however long it then took.
     */
    const sample = async (samples, active) => {
      const loop = async (measure, into) => {
        while (active()) {
          const took = await measure();
          into.push(took);
          if (took < PACE_MS) await sleep(PACE_MS - took);
        }
      };
      await Promise.all([loop(read, samples.read), loop(hover, samples.hover), loop(empty, samples.empty)]);
    };
    // Idle baseline (after a warm-up, so that the first calls' compilation is not counted).
    rows.idle = { read: [], hover: [], empty: [] };
    for (let i = 0; i < 20; i++) await Promise.all([read(), hover(), empty()]);
    const idleFrom = now();
    const idleCpu = cpuTimes();
    for (let i = 0; i < SAMPLES; i++) {
      rows.idle.read.push(await read());
      rows.idle.hover.push(await hover());
      rows.idle.empty.push(await empty());
      await sleep(PACE_MS);
    }
    spans.idle.push([idleFrom, now()]);
    addCpu('idle', idleCpu, cpuTimes());
    // Prompt batches: asks with a long question and one token out; sampled until the answer.
    rows.prompt = { read: [], hover: [], empty: [] };
    let promptMs = 0;
    let asks = 0;
    while ((rows.prompt.read.length < SAMPLES || rows.prompt.hover.length < SAMPLES) && asks < 20) {
      let done = false;
      const started = performance.now();
      const from = now();
      const fromCpu = cpuTimes();
      let to = 0;
      let toCpu = null;
      const ask = server.connection
        .sendRequest(AskRequest.type, { question: `${asks} ${LONG_QUESTION}`, maxTokens: 1 })
        .finally(() => ((done = true), (to = now()), (toCpu = cpuTimes())));
      await sample(rows.prompt, () => !done);
      await ask;
      spans.prompt.push([from, to]);
      addCpu('prompt', fromCpu, toCpu);
      promptMs += performance.now() - started;
      asks++;
    }
    // Generation: sampled between the first and the last streamed chunk.
    rows.generation = { read: [], hover: [], empty: [] };
    let generated = 0;
    let generationMs = 0;
    for (let round = 0; (rows.generation.read.length < SAMPLES || rows.generation.hover.length < SAMPLES) && round < 10; round++) {
      let streaming = false;
      let done = false;
      const token = `io-gen-${round}`;
      let firstAt = 0;
      let from = 0;
      let to = 0;
      let fromCpu = null;
      let toCpu = null;
      const subscription = server.connection.onProgress(AskRequest.partialResult, token, () => {
        if (!streaming) {
          firstAt = performance.now();
          from = now();
          fromCpu = cpuTimes();
        }
        streaming = true;
      });
      const ask = server.connection
        .sendRequest(AskRequest.type, { question: `Summarise case ${round}.`, maxTokens: 300, partialResultToken: token })
        .finally(() => ((done = true), (to = now()), (toCpu = cpuTimes())));
      while (!streaming && !done) await sleep(5);
      await sample(rows.generation, () => !done);
      const result = await ask;
      if (from) {
        spans.generation.push([from, to]);
        addCpu('generation', fromCpu, toCpu);
      }
      subscription.dispose();
      generated += result.tokens;
      generationMs += performance.now() - firstAt;
    }
    summary =
      `\n${label}, over ${TRANSPORT === 'ipc' ? 'Node IPC (as from VS Code)' : 'stdio'}: ${asks} long prompts (${(promptMs / asks).toFixed(0)} ms each), ` +
      `${generated} tokens generated (${((generated / generationMs) * 1000).toFixed(1)} tok/s while sampled), threads ${THREADS}`;
  } finally {
    await server.stop();
    await stopControl();
  }
  // The server's and the control's own reads (written when they exited), by the phase they started in.
  const byPhase = (file, who) => {
    const reads = { idle: [], prompt: [], generation: [] };
    for (const [at, took] of JSON.parse(readFileSync(file, 'utf8'))) {
      if (took < 0) throw new Error(`a read in ${who} failed`);
      for (const [phase, list] of Object.entries(spans)) if (list.some(([from, to]) => at >= from && at < to)) reads[phase].push(took);
    }
    return reads;
  };
  let serverReads = { idle: [], prompt: [], generation: [] };
  let controlReads = { idle: [], prompt: [], generation: [] };
  let probeNote = '';
  try {
    serverReads = byPhase(probeOut, 'the server');
  } catch (error) {
    probeNote += ` (the server's own reads are missing: ${error.message})`;
  }
  try {
    controlReads = byPhase(controlOut, 'the control process');
  } catch (error) {
    probeNote += ` (the control process's reads are missing: ${error.message})`;
  }
  console.log(summary + probeNote);
  console.log('               a file read in the server  | the same read in a bare |  round trips through the protocol, from the client:                 | CPU time stolen');
  console.log('                                          | Node process (control)  |  read (bench/list)     hover                  empty request         | by the hypervisor');
  console.log('phase            p50        p99           |  p50        p99         |  p50        p99        p50        p99        p50        p99        |             samples (server read/control/read/hover/empty)');
  const ms = (v) => `${v.toFixed(1)} ms`.padStart(9);
  const stolen = (phase) => (cpu[phase][0] > 0 ? `${((cpu[phase][1] / cpu[phase][0]) * 100).toFixed(1)} %` : 'n/a').padStart(7);
  for (const [phase, values] of Object.entries(rows)) {
    const inServer = [percentile(serverReads[phase], 50), percentile(serverReads[phase], 99)].map(ms);
    const control = [percentile(controlReads[phase], 50), percentile(controlReads[phase], 99)].map(ms);
    const cells = [values.read, values.hover, values.empty].flatMap((v) => [percentile(v, 50), percentile(v, 99)]).map(ms);
    console.log(
      `${phase.padEnd(12)} ${inServer.join('  ')}     | ${control.join('  ')}     |  ${cells.join('  ')}  | ${stolen(phase)}      ` +
        `${serverReads[phase].length}/${controlReads[phase].length}/${values.read.length}/${values.hover.length}/${values.empty.length}`,
    );
  }
  const during = ['prompt', 'generation'];
  const worst = (pick) => Math.max(...during.map((phase) => percentile(pick(phase), 99)));
  const serverReadP99 = worst((phase) => serverReads[phase]);
  const readP99 = worst((phase) => rows[phase].read);
  const hoverP99 = worst((phase) => rows[phase].hover);
  const emptyP99 = worst((phase) => rows[phase].empty);
  const controlP99 = worst((phase) => controlReads[phase]);
  const idleServerRead = percentile(serverReads.idle, 99);
  const idleHover = percentile(rows.idle.hover, 99);
  const verdict = (value, goal) => (Number.isNaN(value) ? 'NOT MEASURED' : value <= goal ? 'MET' : 'NOT MET');
  console.log(
    `during inference: a file read in the language server p99 ${serverReadP99.toFixed(1)} ms (goal ≤ ${GOAL.read}; ${(serverReadP99 / idleServerRead).toFixed(2)}× idle) ${verdict(serverReadP99, GOAL.read)}, ` +
      `hover p99 ${hoverP99.toFixed(1)} ms (goal ≤ ${GOAL.hover}; ${(hoverP99 / idleHover).toFixed(2)}× idle) ${verdict(hoverP99, GOAL.hover)}; ` +
      `through the protocol: bench/list p99 ${readP99.toFixed(1)} ms, an empty request (the protocol's own round trip) p99 ${emptyP99.toFixed(1)} ms`,
  );
  console.log(
    `the same read in a bare Node process beside them (the machine's floor) p99 ${controlP99.toFixed(1)} ms: ` +
      `the server's read p99 is ${(serverReadP99 / controlP99).toFixed(2)}× the control's; ` +
      `the hypervisor took ${stolen('prompt').trim()} of the CPU time during prompts, ${stolen('generation').trim()} during generation, ${stolen('idle').trim()} idle`,
  );
}

const model = await ensureSyntheticModel();
await measure('engine process (this build)', undefined, model);
if (process.env.MEDLOCAL_COMPARE_SERVER_JS) await measure(`compared build ${process.env.MEDLOCAL_COMPARE_SERVER_JS}`, process.env.MEDLOCAL_COMPARE_SERVER_JS, model);
