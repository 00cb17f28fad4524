// Fault 7: no egress. scripts/faults/no-egress.cjs (a `node --require` preload) makes every
// connection or name lookup to a non-loopback address THROW and records it in
// $MEDLOCAL_EGRESS_LOG. First a control proves that the preload blocks each API (and lets
// loopback through); then the language server runs a full flow under it (model load, hover,
// lookupTerm, ask, scoreChoices, explainTerm, continueNote, a benchmark on the sample set, run
// listing) and the CLI runs a benchmark under it: zero blocked attempts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { BenchListRequest, BenchRunRequest, BenchStartRequest } from '../../src/protocol/benchProtocol';
import {
  AskRequest,
  ContinueNoteRequest,
  EngineStatsRequest,
  ExplainTermRequest,
  LookupTermRequest,
  ModelInfoRequest,
  ScoreChoicesRequest,
} from '../../src/protocol/protocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { CLI_JS, hover, hoverText, NO_EGRESS, openNote, settingsFor, startFaultServer, within, scratchDir } from './support/faultServer';

let modelPath: string;
before(async () => {
  modelPath = await ensureTinyModel();
});

function attempts(log: string): Array<{ api: string; target: string; stack: string }> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { api: string; target: string; stack: string });
}

const PROBE = `
const net = require('node:net'); const tls = require('node:tls'); const http = require('node:http');
const https = require('node:https'); const dgram = require('node:dgram'); const dns = require('node:dns');
const results = {};
async function attempt(name, fn) {
  try { const r = fn(); if (r && typeof r.then === 'function') await r; results[name] = 'allowed'; }
  catch (e) { results[name] = (e && (e.code || (e.cause && e.cause.code))) || String(e); }
}
(async () => {
  await attempt('net.connect', () => net.connect(80, '10.255.255.1'));
  await attempt('net.createConnection', () => net.createConnection({ host: '192.0.2.1', port: 80 }));
  await attempt('Socket.connect', () => new net.Socket().connect({ host: '192.0.2.2', port: 81 }));
  await attempt('tls.connect', () => tls.connect(443, 'example.com'));
  await attempt('http.get', () => http.get('http://192.0.2.3/'));
  await attempt('https.get', () => https.get('https://example.com/'));
  await attempt('fetch', () => fetch('http://192.0.2.4/'));
  await attempt('dgram.send', () => dgram.createSocket('udp4').send('x', 53, '8.8.8.8'));
  await attempt('dgram.connect', () => dgram.createSocket('udp6').connect(53, '2001:4860:4860::8888'));
  await attempt('dns.lookup', () => dns.lookup('example.com', () => undefined));
  await attempt('dns.promises.lookup', () => dns.promises.lookup('example.net'));
  await attempt('dns.resolve4', () => dns.promises.resolve4('example.org'));
  // Loopback stays allowed: a real round trip to a local server.
  const server = net.createServer((s) => s.end('pong')).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = server.address().port;
  for (const host of ['127.0.0.1', 'localhost']) {
    await attempt('loopback ' + host, () => new Promise((resolve, reject) => {
      const s = net.connect(port, host); let data = '';
      s.on('data', (d) => (data += d)); s.on('end', () => (data === 'pong' ? resolve() : reject(new Error(data)))); s.on('error', reject);
    }));
  }
  server.close();
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
})();
`;

test('control: the preload blocks and records every egress API, and lets loopback through', () => {
  const dir = scratchDir('medlocal-egress-control-');
  const probe = join(dir, 'probe.cjs');
  writeFileSync(probe, PROBE);
  const log = join(dir, 'egress.jsonl');
  const run = spawnSync(process.execPath, ['--require', NO_EGRESS, probe], { encoding: 'utf8', timeout: 30000, env: { ...process.env, MEDLOCAL_EGRESS_LOG: log } });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout) as Record<string, string>;
  const recorded = attempts(log);
  console.log(`[no-egress/control] ${JSON.stringify(results)}; ${recorded.length} attempts recorded`);
  for (const [name, outcome] of Object.entries(results)) {
    if (name.startsWith('loopback')) assert.equal(outcome, 'allowed', name);
    else assert.equal(outcome, 'EGRESS_BLOCKED', name);
  }
  assert.equal(recorded.length, Object.keys(results).filter((name) => !name.startsWith('loopback')).length);
});

test('the language server, through a full flow, attempts no connection off the machine', async () => {
  const dir = scratchDir('medlocal-egress-server-');
  const log = join(dir, 'egress.jsonl');
  // NODE_OPTIONS as well: the engine process the server forks (dist/engine.js, which runs the model)
  // inherits the environment, not the server's command-line flags.
  const server = await startFaultServer({ settings: settingsFor(modelPath, { hover: { explain: 'auto' } }), nodeArgs: ['--require', NO_EGRESS], env: { MEDLOCAL_EGRESS_LOG: log, NODE_OPTIONS: `--require ${NO_EGRESS}` } });
  const steps: string[] = [];
  try {
    await server.waitForStatus((s) => s.state === 'ready' || s.state === 'error');
    assert.equal(server.statuses.at(-1)?.value.state, 'ready', JSON.stringify(server.statuses.at(-1)?.value));
    steps.push('model load');
    assert.ok(await server.connection.sendRequest(ModelInfoRequest.type));
    const text = '既往歴: 急性心筋梗塞。心不全の増悪あり。\n今後の方針は';
    const uri = await openNote(server, text);
    assert.match(hoverText(await hover(server, uri, text, '急性心筋梗塞', 2)), /myocardial/i);
    steps.push('hover');
    const { matches } = await server.connection.sendRequest(LookupTermRequest.type, { text, offset: text.indexOf('心不全') + 1 });
    assert.ok(matches.length > 0);
    steps.push('lookupTerm');
    assert.ok((await server.connection.sendRequest(AskRequest.type, { uri, question: 'What is heart failure?', maxTokens: 16 })).tokens > 0);
    steps.push('ask');
    assert.equal((await server.connection.sendRequest(ScoreChoicesRequest.type, { prompt: 'Answer:', candidates: [' A', ' B'] })).scores.length, 2);
    steps.push('scoreChoices');
    assert.ok((await server.connection.sendRequest(ExplainTermRequest.type, { term: '心不全' })).text.length >= 0);
    steps.push('explainTerm');
    await server.connection.sendRequest(ContinueNoteRequest.type, { uri, offset: text.length, maxTokens: 8 });
    steps.push('continueNote');
    const resultsDir = join(dir, 'runs');
    const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', parallel: 1, resultsDir });
    const finished = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === started.runId), 60000, 'the benchmark');
    assert.equal(finished.value.status, 'completed', finished.value.error);
    steps.push('benchmark (sample, letter)');
    assert.equal((await server.connection.sendRequest(BenchListRequest.type, { resultsDir })).runs.length, 1);
    assert.equal((await server.connection.sendRequest(BenchRunRequest.type, { runDir: started.runDir })).answers.length, started.total);
    steps.push('bench list/run');
    assert.equal((await within(server.connection.sendRequest(EngineStatsRequest.type), 5000, 'engineStats')).pid, server.pid);
  } finally {
    await server.stop();
  }
  const recorded = attempts(log);
  console.log(`[no-egress/server] flow: ${steps.join(', ')}; blocked attempts: ${recorded.length}${recorded.length ? ` ${JSON.stringify(recorded.map((r) => `${r.api} ${r.target}`))}` : ''}`);
  assert.deepEqual(recorded.map((r) => `${r.api} ${r.target}\n${r.stack}`), []);
});

test('the CLI benchmark attempts no connection off the machine', () => {
  const dir = scratchDir('medlocal-egress-cli-');
  const log = join(dir, 'egress.jsonl');
  const out = join(dir, 'run');
  const run = spawnSync(process.execPath, ['--require', NO_EGRESS, CLI_JS, 'bench', '--dataset', 'sample', '--model', modelPath, '--scoring', 'generate', '--limit', '6', '--out', out, '--json'], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, MEDLOCAL_EGRESS_LOG: log },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { status: string }).status, 'completed');
  const recorded = attempts(log);
  console.log(`[no-egress/cli] medlocal bench (sample, generate, 6 questions) exit ${run.status}; blocked attempts: ${recorded.length}`);
  assert.deepEqual(recorded.map((r) => `${r.api} ${r.target}\n${r.stack}`), []);
});
