// Hostile run folders: a run folder is data, not a trusted file. The built CLI (`medlocal bench
// compare`, `--resume`) and the built server (history listing, a hover meanwhile) meet an
// answers.jsonl that is a FIFO, a symlink to /dev/zero or to a note, 300k answers, a 700 MB file,
// and a disk that fills up mid-run (a real 12 kB tmpfs where this machine lets root mount one).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, symlinkSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BenchListRequest, BenchStartRequest } from '../../src/protocol/benchProtocol';
import { ensureTinyModel } from '../fixtures/gguf/tinyModel';
import { CLI_JS, hover, hoverText, openNote, scratchDir, settingsFor, startFaultServer, within } from './support/faultServer';

const NOTE = '既往歴: 急性心筋梗塞。';
let model: string;

before(async () => {
  assert.ok(existsSync(CLI_JS), 'run `npm run build` first');
  model = await ensureTinyModel();
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI; a run still going after `boundMs` is killed and fails the test. */
function runCli(args: string[], boundMs: number): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`medlocal ${args.join(' ')} still running after ${boundMs} ms (killed)\nstderr: ${stderr.slice(-2000)}`));
    }, boundMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function record(id: string, correct: boolean): string {
  return JSON.stringify({ id, mode: 'letter', source: 'jsonl', language: 'en', points: 1, choiceCount: 4, gold: [0], kinki: [], predicted: correct ? [0] : [1], correct, kinkiPicked: [], elapsedMs: 1 });
}

const MANIFEST = { medlocalVersion: 'test', status: 'completed', startedAt: '2025-01-01T00:00:00.000Z', dataset: { files: [], questions: 2 }, format: { id: 'igakuqa', hash: 'h', description: '' }, scoring: { mode: 'letter' }, parallel: 1 };

function goodRun(dir: string, ids = ['q1', 'q2']): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
  writeFileSync(join(dir, 'answers.jsonl'), ids.map((id, i) => record(id, i % 2 === 0) + '\n').join(''));
  return dir;
}

function fifoRun(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
  const made = spawnSync('mkfifo', [join(dir, 'answers.jsonl')]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr?.toString()}`);
  return dir;
}

function zeroRun(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
  symlinkSync('/dev/zero', join(dir, 'answers.jsonl'));
  return dir;
}

test('bench compare refuses a FIFO answers.jsonl at once, naming the file', async () => {
  const root = scratchDir('medlocal-runs-fifo-');
  const fifo = fifoRun(join(root, 'fifo'));
  const good = goodRun(join(root, 'good'));
  const run = await runCli(['bench', 'compare', fifo, good], 15000);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`${join(fifo, 'answers.jsonl').replaceAll('/', '\\/')} is a named pipe \\(FIFO\\), not a regular file`));
  assert.match(run.stderr, /Replace it with the real file, or use another run folder/);
  assert.doesNotMatch(run.stderr, /usage:/);
  console.log(`[run-folders] FIFO refused in ${run.ms.toFixed(0)} ms`);
});

test('bench compare refuses answers.jsonl linked to /dev/zero (outside the folder) without reading it', async () => {
  const root = scratchDir('medlocal-runs-zero-');
  const zero = zeroRun(join(root, 'zero'));
  const good = goodRun(join(root, 'good'));
  const run = await runCli(['bench', 'compare', good, zero], 15000);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /answers\.jsonl is a symbolic link to \/dev\/zero, outside the run folder/);
});

test('the server lists FIFO and /dev/zero run folders as damaged, never blocks, and hovers still answer', async () => {
  const resultsDir = scratchDir('medlocal-runs-server-');
  goodRun(join(resultsDir, 'good'));
  fifoRun(join(resultsDir, 'fifo'));
  zeroRun(join(resultsDir, 'zero'));
  const server = await startFaultServer({ settings: {} });
  try {
    const uri = await openNote(server, NOTE);
    const listing = await within(server.connection.sendRequest(BenchListRequest.type, { resultsDir }), 10000, 'the history listing');
    const byName = new Map(listing.runs.map((run) => [run.runDir.slice(resultsDir.length + 1), run]));
    assert.equal(byName.get('good')?.status, 'completed');
    assert.equal(byName.get('good')?.answered, 2);
    assert.equal(byName.get('fifo')?.status, 'damaged');
    assert.match(byName.get('fifo')?.problem ?? '', /named pipe \(FIFO\), not a regular file/);
    assert.equal(byName.get('zero')?.status, 'damaged');
    assert.match(byName.get('zero')?.problem ?? '', /outside the run folder/);
    const answered = await within(hover(server, uri, NOTE, '急性心筋梗塞', 2), 5000, 'a hover after the listing');
    assert.match(hoverText(answered), /myocardial/i);
    // Twice, while a hover is in flight: the listing does not hold the event loop.
    const [again, during] = await within(Promise.all([server.connection.sendRequest(BenchListRequest.type, { resultsDir }), hover(server, uri, NOTE, '急性心筋梗塞', 2)]), 10000, 'listing and hover together');
    assert.equal(again.runs.length, 3);
    assert.match(hoverText(during), /myocardial/i);
  } finally {
    await server.stop();
  }
});

/** A run folder of `n` answers, written in chunks (A right on even ids, B on odd: every question flips). */
async function bigRun(dir: string, n: number, rightWhen: (i: number) => boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...MANIFEST, dataset: { files: [], questions: n } }));
  const out = createWriteStream(join(dir, 'answers.jsonl'));
  for (let start = 0; start < n; start += 10000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(n, start + 10000); i += 1) lines.push(record(`q${i}`, rightWhen(i)));
    if (!out.write(lines.join('\n') + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

test('bench compare of two 300k-answer runs succeeds (no "Maximum call stack size exceeded")', async () => {
  const root = scratchDir('medlocal-runs-300k-');
  const n = 300_000;
  await bigRun(join(root, 'a'), n, (i) => i % 2 === 0);
  await bigRun(join(root, 'b'), n, (i) => i % 2 === 1);
  const run = await runCli(['bench', 'compare', join(root, 'a'), join(root, 'b'), '--json'], 120000);
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  const comparison = JSON.parse(run.stdout) as { common: number; rightToWrong: string[]; wrongToRight: string[]; mcnemarP: number };
  assert.equal(comparison.common, n);
  assert.equal(comparison.rightToWrong.length, n / 2);
  assert.equal(comparison.wrongToRight.length, n / 2);
  assert.equal(comparison.mcnemarP, 1);
  console.log(`[run-folders] compare of 2 x ${n} answers in ${run.ms.toFixed(0)} ms`);
});

test('a 700 MB answers.jsonl streams: its over-long line is named with file:line, no V8 string error, no usage text', async () => {
  const root = scratchDir('medlocal-runs-700m-');
  const huge = goodRun(join(root, 'huge'), ['q1', 'q2']);
  const path = join(huge, 'answers.jsonl');
  // Sparse: 700 MB of zero bytes after the two records (one "line" without a newline), then q3.
  truncateSync(path, 700 * 1024 * 1024);
  appendFileSync(path, '\n' + record('q3', true) + '\n');
  const other = goodRun(join(root, 'other'), ['q1', 'q2', 'q3']);
  const run = await runCli(['bench', 'compare', huge, other, '--json'], 120000);
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.doesNotMatch(run.stderr, /Cannot create a string|usage:/);
  assert.match(run.stderr, new RegExp(`${path.replaceAll('/', '\\/')}:3: longer than \\d+ bytes`));
  assert.equal((JSON.parse(run.stdout) as { common: number }).common, 3);
  console.log(`[run-folders] 700 MB answers.jsonl compared in ${run.ms.toFixed(0)} ms`);
});

test('--resume refuses an answers.jsonl that links to a note; the note stays byte-identical', async () => {
  const root = scratchDir('medlocal-runs-note-');
  const out = join(root, 'run');
  const first = await runCli(['bench', '--dataset', 'sample', '--model', model, '--scoring', 'letter', '--limit', '4', '--out', out], 120000);
  assert.equal(first.code, 0, first.stderr);
  const note = join(root, 'note.md');
  const text = '# 申し送り\n患者 A: 心不全の増悪\n最後の行（改行なし）';
  writeFileSync(note, text);
  const answers = join(out, 'answers.jsonl');
  spawnSync('rm', [answers]);
  symlinkSync(note, answers);
  const resumed = await runCli(['bench', '--resume', out, '--model', model, '--limit', '8'], 120000);
  assert.notEqual(resumed.code, 0);
  assert.match(resumed.stderr, new RegExp(`${answers.replaceAll('/', '\\/')} is a symbolic link, not a regular file`));
  assert.equal(readFileSync(note, 'utf8'), text, 'the note is unchanged');
});

// ---- disk full -----------------------------------------------------------------------------------

/** A 12 kB tmpfs (real ENOSPC once full), or undefined where this machine does not let us mount one. */
function smallDisk(): string | undefined {
  const dir = scratchDir('medlocal-full-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12k', 'tmpfs', dir]);
  if (mounted.status !== 0) return undefined;
  after(() => void spawnSync('umount', [dir]));
  return dir;
}

function answerCount(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').length;
}

test('disk full during a CLI run: the message names the file and --resume, the manifest says interrupted', async (t) => {
  const disk = smallDisk();
  if (!disk) return t.skip('cannot mount a small tmpfs here (needs root)');
  const out = join(disk, 'run');
  const run = await runCli(['bench', '--dataset', 'sample', '--model', model, '--scoring', 'letter', '--out', out], 120000);
  assert.equal(run.code, 1, run.stderr);
  const kept = answerCount(join(out, 'answers.jsonl'));
  assert.ok(kept > 0 && kept < 36, `kept ${kept}`);
  assert.match(run.stderr, new RegExp(`The disk is full: ${join(out, 'answers.jsonl').replaceAll('/', '\\/')} could not be written`));
  assert.match(run.stderr, new RegExp(`The ${kept} answers written before are kept; nothing finished is lost`));
  assert.match(run.stderr, new RegExp(`medlocal bench --resume ${out.replaceAll('/', '\\/')} --model`));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; error?: string };
  assert.equal(manifest.status, 'interrupted');
  assert.match(manifest.error ?? '', /The disk is full/);
});

test('disk full during a server run: the finished event counts the answers kept and says Resume; the manifest says interrupted', async (t) => {
  const disk = smallDisk();
  if (!disk) return t.skip('cannot mount a small tmpfs here (needs root)');
  const server = await startFaultServer({ settings: settingsFor(model) });
  try {
    await server.waitForStatus((s) => s.state === 'ready');
    const started = await server.connection.sendRequest(BenchStartRequest.type, { dataset: 'sample', scoring: 'letter', parallel: 1, resultsDir: disk });
    const finished = await server.waitFor(() => server.benchFinished.find((f) => f.value.runId === started.runId), 120000, 'the run to end');
    const kept = answerCount(join(started.runDir, 'answers.jsonl'));
    assert.equal(finished.value.status, 'failed');
    assert.ok(kept > 0);
    assert.equal(finished.value.answered, kept);
    assert.match(finished.value.error ?? '', /The disk is full/);
    assert.match(finished.value.error ?? '', /press Resume/);
    const manifest = JSON.parse(readFileSync(join(started.runDir, 'manifest.json'), 'utf8')) as { status: string; error?: string };
    assert.equal(manifest.status, 'interrupted');
    const listing = await server.connection.sendRequest(BenchListRequest.type, { resultsDir: disk });
    assert.equal(listing.runs[0]?.status, 'failed', 'listed as resumable');
  } finally {
    await server.stop();
  }
});
