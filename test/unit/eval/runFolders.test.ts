// Run folders are data, not trusted files: records are checked and their verdicts recomputed,
// nothing is written through a symlink, summary.csv guards formulas, and no input-sized array is
// spread into a call (1M elements through each loop that replaced a spread).
import assert from 'node:assert/strict';
import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { summaryTable } from '../../../src/cli/report';
import { getPromptFormat } from '../../../src/eval/formats';
import { compareRuns, mcnemarExactP, summariseAnswers, type GroupStats, type RunSummary } from '../../../src/eval/metrics';
import { summaryToCsv } from '../../../src/eval/report/csv';
import { emptyLoadResult, mergeLoadResults, type Question } from '../../../src/eval/question';
import { readAnswersFile, readRun, writeTextAtomic } from '../../../src/eval/runFiles';
import { runBenchmark } from '../../../src/eval/runner';
import { loadSampleSet, SAMPLE_DATASET_PATH } from '../../../src/eval/sample';
import type { AnswerRecord } from '../../../src/eval/scoring';
import { csvField as csvCell } from '../../../src/eval/report/csv';
import { FakeEngine } from './fakeEngine';
import { format as formatMessage, type Message } from '../../../src/shared/messages/index';

/** A note or reason as the English text run files and logs carry ('' when there is none). */
const english = (message: Message | undefined): string => (message ? formatMessage('en', message) : '');

const questions = loadSampleSet('ja').questions;
const format = getPromptFormat('igakuqa');
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-runfolders-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const freshDir = (): string => join(scratch, `run-${++folders}`);

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function writeLines(path: string, records: readonly unknown[]): void {
  writeFileSync(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
}

/** A finished sample run whose every answer is the gold one except where `wrong` says. */
async function finishedRun(): Promise<string> {
  const dir = freshDir();
  const engine = new FakeEngine(questions);
  const result = await runBenchmark({ engine, questions, format, scoring: 'letter', parallel: 2, outDir: dir, datasetFiles: [SAMPLE_DATASET_PATH] });
  assert.equal(result.status, 'completed');
  return dir;
}

test('a tampered `correct` flag and a missing kinkiPicked are recomputed from `predicted` and the gold answers', async () => {
  const dir = await finishedRun();
  const path = join(dir, 'answers.jsonl');
  const records = lines(path);
  const wrong = records.find((record) => record['correct'] === false);
  const withKinki = records.find((record) => (record['kinki'] as number[]).length > 0);
  assert.ok(wrong && withKinki, 'the sample set has a wrong answer and a question with 禁忌肢');
  wrong['correct'] = true;
  // Predict every 禁忌肢 of that question, and drop the field that says so.
  withKinki['predicted'] = withKinki['kinki'];
  delete withKinki['kinkiPicked'];
  writeLines(path, records);

  const read = readAnswersFile(path);
  assert.equal(read.records.length, records.length, 'nothing dropped');
  assert.equal(read.records.find((r) => r.id === wrong['id'])?.correct, false, 'the tampered verdict is recomputed');
  assert.deepEqual(read.records.find((r) => r.id === withKinki['id'])?.kinkiPicked, withKinki['kinki'], '禁忌肢 picks recomputed');
  assert.ok(read.recomputed >= 2);
});

test('resuming a run whose records lack kinkiPicked and claim a wrong verdict completes, with a summary from recomputed verdicts', async () => {
  const dir = freshDir();
  const controller = new AbortController();
  const engine = new FakeEngine(questions, { onCall: (calls) => calls === 6 && controller.abort() });
  const first = await runBenchmark({ engine, questions, format, scoring: 'letter', parallel: 1, outDir: dir, signal: controller.signal, datasetFiles: [SAMPLE_DATASET_PATH] });
  assert.equal(first.status, 'cancelled');
  const path = join(dir, 'answers.jsonl');
  const records = lines(path);
  assert.ok(records.length >= 3);
  for (const record of records) {
    delete record['kinkiPicked'];
    record['correct'] = true;
  }
  writeLines(path, records);

  const resumed = await runBenchmark({ engine: new FakeEngine(questions), questions, format, scoring: 'letter', parallel: 2, outDir: dir, resumeDir: dir, datasetFiles: [SAMPLE_DATASET_PATH] });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.answeredThisSession, questions.length - records.length, 'the kept answers were not redone');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string };
  assert.equal(manifest.status, 'completed');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
  // The fake engine answers every other question right: the tampered `true`s did not count.
  assert.equal(summary.correct, Math.ceil(questions.length / 2));
  assert.match(english(resumed.dropped), /recomputed/);
});

test('points: 1e999 (Infinity) and other impossible fields are rejected with file:line, never summed into "Infinity"', async () => {
  const dir = await finishedRun();
  const path = join(dir, 'answers.jsonl');
  const text = readFileSync(path, 'utf8').split('\n');
  text[0] = (text[0] ?? '').replace(/"points":\d+/, '"points":1e999');
  text[1] = (text[1] ?? '').replace(/"predicted":\[[^\]]*\]/, '"predicted":[99]');
  text[2] = (text[2] ?? '').replace(/"elapsedMs":\d+/, '"elapsedMs":"soon"');
  writeFileSync(path, text.join('\n'));

  const read = readAnswersFile(path);
  assert.equal(read.invalidLines, 3);
  assert.deepEqual(read.dropped.map((d) => d.where), [`${path}:1`, `${path}:2`, `${path}:3`]);
  assert.match(english(read.dropped[0]?.reason), /points is not a finite number/);
  assert.match(english(read.dropped[1]?.reason), /predicted holds 99/);
  const summary = summariseAnswers(read.records);
  assert.ok(Number.isFinite(summary.points.earned) && Number.isFinite(summary.points.possible));
  const table = summaryTable(summary, dir, 'completed');
  assert.doesNotMatch(table, /Infinity|NaN/);
  const run = readRun(dir);
  assert.match(english(run.dropped), /3 damaged records dropped/);
  assert.doesNotMatch(JSON.stringify(run.summary), /Infinity|null/);
});

test('--resume refuses an answers.jsonl that is a symlink to a note: the note stays byte-identical', async () => {
  const dir = freshDir();
  const controller = new AbortController();
  const engine = new FakeEngine(questions, { onCall: (calls) => calls === 3 && controller.abort() });
  await runBenchmark({ engine, questions, format, scoring: 'letter', parallel: 1, outDir: dir, signal: controller.signal, datasetFiles: [SAMPLE_DATASET_PATH] });
  const note = join(scratch, `note-${folders}.md`);
  const noteText = '# 申し送り\n患者 A: 心不全の増悪\n最終行（改行なし）';
  writeFileSync(note, noteText);
  rmSync(join(dir, 'answers.jsonl'));
  symlinkSync(note, join(dir, 'answers.jsonl'));

  await assert.rejects(
    runBenchmark({ engine: new FakeEngine(questions), questions, format, scoring: 'letter', parallel: 1, outDir: dir, resumeDir: dir, datasetFiles: [SAMPLE_DATASET_PATH] }),
    (error: Error) => error.message.includes(join(dir, 'answers.jsonl')) && /symbolic link/.test(error.message),
  );
  assert.equal(readFileSync(note, 'utf8'), noteText);
  assert.ok(lstatSync(join(dir, 'answers.jsonl')).isSymbolicLink());
});

test('atomic writes refuse a target that is a symlink: nothing is written through it', () => {
  const dir = freshDir();
  mkdirSync(dir);
  const victim = join(scratch, `victim-${folders}.txt`);
  writeFileSync(victim, 'keep me\n');
  symlinkSync(victim, join(dir, 'summary.csv'));
  assert.throws(() => writeTextAtomic(join(dir, 'summary.csv'), 'a,b\n'), /summary\.csv is a symbolic link, not a regular file/);
  assert.equal(readFileSync(victim, 'utf8'), 'keep me\n');
  assert.ok(lstatSync(join(dir, 'summary.csv')).isSymbolicLink());
});

test('summary.csv guards cells a spreadsheet would run as formulas (= + - @ tab CR)', () => {
  const record = (id: string, category: string): AnswerRecord => ({
    id, mode: 'letter', source: 'jsonl', language: 'en', category, points: 1, choiceCount: 4, gold: [0], kinki: [], predicted: [0], correct: true, kinkiPicked: [], elapsedMs: 1,
  });
  const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-2', '@SUM(A1)', '\tcmd', '\rcmd'];
  const csv = summaryToCsv(summariseAnswers(hostile.map((category, i) => record(`q${i}`, category))));
  for (const category of hostile) {
    assert.ok(csv.includes(csvCell(category)), `${JSON.stringify(category)} is written guarded`);
    assert.ok(csvCell(category).replace(/^"/, '').startsWith("'"), `${JSON.stringify(category)} starts with an apostrophe`);
  }
  for (const row of csv.split('\n').slice(1)) {
    const key = row.split(',')[1] ?? '';
    assert.doesNotMatch(key.replace(/^"/, ''), /^[=+\-@\t\r]/, `unguarded cell in: ${row}`);
  }
});

// ---- no spread of input-sized arrays: 1M elements through each loop that replaced one -------

test('McNemar over 1M discordant pairs (the loop that replaced Math.max(...terms))', () => {
  const p = mcnemarExactP(500_000, 500_000);
  assert.equal(p, 1);
  const skewed = mcnemarExactP(490_000, 510_000);
  assert.ok(skewed > 0 && skewed < 1e-6, String(skewed));
});

test('comparing two runs with 1M flipped questions each way', () => {
  const n = 1_000_000;
  const make = (right: (i: number) => boolean) => {
    const records: AnswerRecord[] = new Array(n);
    for (let i = 0; i < n; i += 1) records[i] = { id: `q${i}`, correct: right(i) } as AnswerRecord;
    return records;
  };
  const comparison = compareRuns(make((i) => i % 2 === 0), make((i) => i % 2 === 1));
  assert.equal(comparison.common, n);
  assert.equal(comparison.rightToWrong.length, n / 2);
  assert.equal(comparison.wrongToRight.length, n / 2);
  assert.equal(comparison.mcnemarP, 1);
});

test('merging a 1M-question dataset part, and a summary table of 1M blocks', () => {
  const part = emptyLoadResult();
  const question = { id: 'q', choices: ['a', 'b'], answers: [0], kinki: [], points: 1 } as unknown as Question;
  for (let i = 0; i < 1_000_000; i += 1) part.questions.push(question);
  const into = emptyLoadResult();
  mergeLoadResults(into, part);
  assert.equal(into.questions.length, 1_000_000);

  const stats: GroupStats = { n: 1, correct: 1, accuracy: 1, ci95: [0.2, 1], pointsEarned: 1, pointsPossible: 1 };
  const byBlock: Record<string, GroupStats> = {};
  for (let i = 0; i < 1_000_000; i += 1) byBlock[`b${i}`] = stats;
  const summary = summariseAnswers([]);
  const table = summaryTable({ ...summary, byBlock }, '/tmp/run', 'completed');
  assert.ok(table.includes('b999999'));
});

test('a torn tail and an over-long line are dropped without holding the whole file', () => {
  const dir = freshDir();
  mkdirSync(dir);
  const path = join(dir, 'answers.jsonl');
  const record = { id: 'q1', mode: 'letter', source: 'jsonl', language: 'en', points: 1, choiceCount: 4, gold: [0], kinki: [], predicted: [0], correct: true, kinkiPicked: [], elapsedMs: 1 };
  writeFileSync(path, JSON.stringify(record) + '\n' + 'x'.repeat(3 << 20) + '\n' + JSON.stringify({ ...record, id: 'q2' }) + '\n{"id":"q3"');
  const read = readAnswersFile(path);
  assert.deepEqual(read.records.map((r) => r.id), ['q1', 'q2']);
  assert.equal(read.invalidLines, 1);
  assert.equal(read.dropped[0]?.where, `${path}:2`);
  assert.match(english(read.dropped[0]?.reason), /longer than/);
  assert.equal(read.discardedTornLine, true);
  appendFileSync(path, '\n');
});
