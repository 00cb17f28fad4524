// The panel's run history (listRuns): one directory read with entry types, runs read a few at a
// time, and what is not a run folder (a file, a dangling link, a FIFO) left out without blocking.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listRuns } from '../../../src/eval/runListing';
import { answer } from '../view/fixtures';
import { readAnswersFile, readAnswersFileAsync, readRunAsync } from '../../../src/eval/runFiles';

const scratch = mkdtempSync(join(tmpdir(), 'medlocal-runlisting-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const answerLine = (id: string, correct: boolean): string => JSON.stringify(answer(id, correct));

function writeRun(dir: string, startedAt: string, answers: boolean[]): void {
  mkdirSync(dir, { recursive: true });
  const manifest = {
    status: 'completed',
    startedAt,
    scoring: { mode: 'letter' },
    format: { id: 'igakuqa' },
    dataset: { questions: answers.length },
    model: { name: 'tiny.gguf' },
    recipe: { dataset: 'sample-ja', scoring: 'letter' },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const lines = answers.map((correct, i) => answerLine(`q${i}`, correct));
  writeFileSync(join(dir, 'answers.jsonl'), lines.join('\n') + '\n');
}

test('listRuns lists every run folder once, newest first, links to folders included, files and dangling links left out', async () => {
  const results = join(scratch, 'mixed');
  const outside = join(scratch, 'elsewhere', 'run-linked');
  for (let i = 0; i < 23; i++) writeRun(join(results, `run-${String(i).padStart(2, '0')}`), `2026-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`, [true, i % 2 === 0]);
  // Two runs that started at the same moment: ordered by folder, so the order does not depend on which was read first.
  writeRun(join(results, 'tie-b'), '2026-02-01T00:00:00Z', [true]);
  writeRun(join(results, 'tie-a'), '2026-02-01T00:00:00Z', [false]);
  writeRun(outside, '2025-12-31T00:00:00Z', [true]);
  symlinkSync(outside, join(results, 'linked'));
  symlinkSync(join(scratch, 'nowhere'), join(results, 'dangling'));
  writeFileSync(join(results, 'notes.txt'), 'not a run');

  const runs = await listRuns(results);
  const names = runs.map((run) => run.runDir.slice(results.length + 1));
  assert.equal(runs.length, 23 + 2 + 1, names.join(', '));
  assert.equal(new Set(names).size, runs.length, 'each run once');
  assert.deepEqual(names.slice(0, 3), ['tie-a', 'tie-b', 'run-22']);
  assert.equal(names.at(-1), 'linked');
  const newest = runs.find((run) => run.runDir.endsWith('run-22'))!;
  assert.equal(newest.status, 'completed');
  assert.equal(newest.answered, 2);
  assert.equal(newest.accuracy, 1);
  assert.equal(runs.find((run) => run.runDir.endsWith('run-21'))!.accuracy, 0.5);
});

test('listRuns lists a folder whose manifest is a FIFO as damaged, and does not block on it', { skip: process.platform === 'win32' ? 'no FIFOs on Windows' : false }, async () => {
  const results = join(scratch, 'fifo');
  writeRun(join(results, 'good'), '2026-03-01T00:00:00Z', [true]);
  mkdirSync(join(results, 'hostile'));
  execFileSync('mkfifo', [join(results, 'hostile', 'manifest.json')]);
  execFileSync('mkfifo', [join(results, 'a-fifo-entry')]);
  const runs = await listRuns(results);
  assert.deepEqual(
    runs.map((run) => [run.runDir.slice(results.length + 1), run.status]),
    [
      ['good', 'completed'],
      ['hostile', 'damaged'],
    ],
  );
  assert.match(runs[1]!.problem ?? '', /manifest\.json/);
});

test('listRuns of a folder that does not exist is empty', async () => {
  assert.deepEqual(await listRuns(join(scratch, 'absent')), []);
});

// Each trip to libuv's pool wakes a pool thread and then the event loop; under load each wake can
// wait for a CPU, so the history's tail latency grows with the trips (perf/io-latency.mjs).
test('listing one run makes 5 trips to libuv\'s pool (10 before): the directory, the two opens and the answers\' two reads', async () => {
  const results = join(scratch, 'trips');
  writeRun(join(results, 'run'), '2026-04-01T00:00:00Z', [true, false]);
  await listRuns(results);
  const trips: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (type === 'FSREQPROMISE' || type === 'FSREQCALLBACK' || type === 'FILEHANDLECLOSEREQ') trips.push(type);
    },
  });
  hook.enable();
  const runs = await listRuns(results);
  hook.disable();
  assert.equal(runs[0]?.answered, 2);
  assert.ok(trips.length <= 5, `trips: ${trips.join(', ')}`);
});

test('reading a small run asks for buffers the size of its files, not a megabyte per read', async () => {
  const run = join(scratch, 'buffers', 'run');
  writeRun(run, '2026-05-01T00:00:00Z', [true, false, true]);
  await readRunAsync(run);
  const original = Buffer.allocUnsafe;
  let asked = 0;
  Buffer.allocUnsafe = (size: number) => {
    asked += size;
    return original(size);
  };
  try {
    const stored = await readRunAsync(run);
    assert.equal(stored.answers.length, 3);
  } finally {
    Buffer.allocUnsafe = original;
  }
  // Before: 64 kB twice for the manifest and 1 MB twice for the answers.
  assert.ok(asked < 16 << 10, `${asked} bytes asked for`);
});

test('answers.jsonl over several read chunks: lines that cross a chunk boundary arrive whole (sync and async)', async () => {
  const path = join(scratch, 'big-answers.jsonl');
  // ~2.6 MB: 1 MB chunks, so lines straddle both boundaries; a long padded id varies the line lengths.
  const lines: string[] = [];
  for (let i = 0; i < 9000; i++) lines.push(answerLine(`q${i}-${'x'.repeat(i % 97)}-日本語`, i % 3 === 0));
  writeFileSync(path, lines.join('\n') + '\n');
  for (const contents of [readAnswersFile(path), await readAnswersFileAsync(path)]) {
    assert.equal(contents.invalidLines, 0, JSON.stringify(contents.dropped.slice(0, 3)));
    assert.equal(contents.records.length, 9000);
    assert.equal(contents.records[8999]!.id, `q8999-${'x'.repeat(8999 % 97)}-日本語`);
    assert.equal(contents.records.filter((record) => record.correct).length, 3000);
    assert.equal(contents.discardedTornLine, false);
  }
  // A torn last line is still found when it starts in one chunk and ends the file in the next.
  writeFileSync(path, lines.join('\n') + '\n' + lines[0]!.slice(0, 40));
  const torn = await readAnswersFileAsync(path);
  assert.equal(torn.records.length, 9000);
  assert.equal(torn.discardedTornLine, true);
});
