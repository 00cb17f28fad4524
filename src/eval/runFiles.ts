// The run folder: answers.jsonl (one line per answered question, appended as it is answered),
// manifest.json (what ran: model, data, format, scoring), summary.json and summary.csv (at the end).
//
// answers.jsonl is written one complete line per write call, so a crash can leave at most one torn
// line, at the end: reading detects and discards it (and truncates the file so the next append
// starts on a fresh line).
//
// A run folder is data, not a trusted file (it may come from anyone): files are opened through
// runFileAccess (regular files only, never blocking, never through a symlink out of the folder),
// answers.jsonl is read in chunks with a bound on each line (a 700 MB file streams, it is never
// one string), and every record is checked and its verdict recomputed (recordCheck).

import { closeSync, fstatSync, ftruncateSync, lstatSync, read, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { summariseAnswers, type RunSummary } from './metrics';
import type { Question } from './question';
import { checkAnswerRecord } from './recordCheck';
import { openRunFileForRead, openRunFileForReadAsync, openRunFileForRepair, RunFileError } from './runFileAccess';
import { answerKey, type AnswerRecord } from './records';

export { writeJsonAtomic, writeTextAtomic, RunFileError } from './runFileAccess';

export const ANSWERS_FILE = 'answers.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const SUMMARY_FILE = 'summary.json';
export const SUMMARY_CSV_FILE = 'summary.csv';

export type { RunManifest, RunStatus } from './records';
import type { RunManifest } from './records';
import { msg, type Message } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';

/** No answer record comes near this; a longer line is a damaged record, skipped without holding it. */
export const MAX_LINE_BYTES = 1 << 20;
/** A manifest is a few kB; anything this large is not one. */
const MAX_MANIFEST_BYTES = 16 << 20;
const CHUNK_BYTES = 1 << 20;
/** Dropped records named one by one; the rest are counted. */
const NAMED_DROPS = 20;

export interface DroppedRecord {
  /** `file:line` */
  where: string;
  reason: Message;
}

export interface AnswersFileContents {
  records: AnswerRecord[];
  /** A last line without its newline (interrupted write) was found and dropped. */
  discardedTornLine: boolean;
  /** Complete lines that were dropped: not JSON, a missing or impossible field, too long. */
  invalidLines: number;
  /** The first dropped lines, with where and why. */
  dropped: DroppedRecord[];
  /** Records kept whose `correct`, 禁忌肢 picks or points were recomputed (they claimed otherwise). */
  recomputed: number;
  /** Byte length of the trustworthy prefix. */
  validBytes: number;
}

/** Splits chunks into lines without ever holding more than MAX_LINE_BYTES of one line. */
class AnswersParser {
  private readonly contents: AnswersFileContents = { records: [], discardedTornLine: false, invalidLines: 0, dropped: [], recomputed: 0, validBytes: 0 };
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private tooLong = false;
  private consumed = 0;
  private line = 0;

  constructor(
    private readonly path: string,
    private readonly questions: ReadonlyMap<string, Question> | undefined,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.keep(chunk.subarray(start, newline));
      this.endLine();
      this.contents.validBytes = this.consumed + newline + 1;
      start = newline + 1;
    }
    // The unfinished line is copied: the caller reads the next chunk into the same buffer.
    if (start < chunk.length) this.keep(Buffer.from(chunk.subarray(start)));
    this.consumed += chunk.length;
  }

  finish(): AnswersFileContents {
    this.contents.discardedTornLine = this.pendingBytes > 0 || this.tooLong;
    return this.contents;
  }

  private keep(part: Buffer): void {
    if (this.tooLong || part.length === 0) return;
    if (this.pendingBytes + part.length > MAX_LINE_BYTES) {
      this.tooLong = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private endLine(): void {
    this.line += 1;
    const tooLong = this.tooLong;
    const text = tooLong ? '' : Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.tooLong = false;
    if (tooLong) return this.drop(msg('recLineTooLong', MAX_LINE_BYTES));
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.drop(msg('recNotJson'));
    }
    const checked = checkAnswerRecord(value, this.questions);
    if ('reason' in checked) return this.drop(checked.reason);
    this.contents.records.push(checked.record);
    if (checked.recomputed) this.contents.recomputed += 1;
  }

  private drop(reason: Message): void {
    this.contents.invalidLines += 1;
    if (this.contents.dropped.length < NAMED_DROPS) this.contents.dropped.push({ where: `${this.path}:${this.line}`, reason });
  }
}

function emptyContents(): AnswersFileContents {
  return { records: [], discardedTornLine: false, invalidLines: 0, dropped: [], recomputed: 0, validBytes: 0 };
}

function readAnswersFd(fd: number, path: string, questions: ReadonlyMap<string, Question> | undefined): AnswersFileContents {
  const parser = new AnswersParser(path, questions);
  const chunk = readBuffer(fd, CHUNK_BYTES);
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read <= 0) break;
    parser.push(chunk.subarray(0, read));
  }
  return parser.finish();
}

/** Reads and checks answers.jsonl (absent: no records). `questions` (by id) is the truth for gold and 禁忌肢. */
export function readAnswersFile(path: string, questions?: ReadonlyMap<string, Question>): AnswersFileContents {
  const fd = openRunFileForRead(path);
  if (fd === undefined) return emptyContents();
  try {
    return readAnswersFd(fd, path, questions);
  } finally {
    closeSync(fd);
  }
}

const readAsync = promisify(read);

/** The same, reading one chunk per turn of the event loop (the language server stays responsive). */
export async function readAnswersFileAsync(path: string, questions?: ReadonlyMap<string, Question>): Promise<AnswersFileContents> {
  const fd = await openRunFileForReadAsync(path);
  if (fd === undefined) return emptyContents();
  try {
    const parser = new AnswersParser(path, questions);
    const chunk = readBuffer(fd, CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await readAsync(fd, chunk, 0, chunk.length, null);
      if (bytesRead <= 0) break;
      parser.push(chunk.subarray(0, bytesRead));
    }
    return parser.finish();
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads answers.jsonl for resuming and cuts off a torn last line, so appends can go on. Refuses a
 * file that is a symlink or not a regular file before anything is read or changed.
 */
export function repairAnswersFile(path: string, questions?: ReadonlyMap<string, Question>): AnswersFileContents {
  const fd = openRunFileForRepair(path);
  if (fd === undefined) return emptyContents();
  try {
    const contents = readAnswersFd(fd, path, questions);
    if (contents.discardedTornLine) ftruncateSync(fd, contents.validBytes);
    return contents;
  } finally {
    closeSync(fd);
  }
}

/** "2 damaged records dropped from answers.jsonl: DIR/answers.jsonl:4: points is not a finite number; ..." */
export function droppedRecordsNote(contents: Pick<AnswersFileContents, 'invalidLines' | 'dropped' | 'recomputed'>): Message | undefined {
  const notes: Message[] = [];
  if (contents.invalidLines > 0) {
    const named = contents.dropped.map((drop) => msg('atPlace', drop.where, drop.reason)).reduce((list, item) => msg('issueListOf', list, item));
    const more = contents.invalidLines - contents.dropped.length;
    const list = more > 0 ? msg('recAndMore', named, more) : named;
    notes.push(contents.invalidLines === 1 ? msg('recDroppedOne', ANSWERS_FILE, list) : msg('recDropped', contents.invalidLines, ANSWERS_FILE, list));
  }
  if (contents.recomputed > 0) {
    notes.push(contents.recomputed === 1 ? msg('recRecomputedOne', ANSWERS_FILE) : msg('recRecomputed', contents.recomputed, ANSWERS_FILE));
  }
  return notes.length === 0 ? undefined : notes.reduce((both, note) => msg('recBoth', both, note));
}

/**
 * The last record per answer key wins (a retried error is superseded by its retry). The key is the
 * question id, or id#k in a shuffled run (one answer per question and permutation).
 */
export function latestById(records: readonly AnswerRecord[]): Map<string, AnswerRecord> {
  const latest = new Map<string, AnswerRecord>();
  for (const record of records) latest.set(answerKey(record), record);
  return latest;
}

function readSmallFd(fd: number, path: string): string {
  let buffer = readBuffer(fd, MAX_MANIFEST_BYTES + 1);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      // The file grew since fstat: a bigger buffer, up to one byte over the limit.
      const bigger = Buffer.allocUnsafe(Math.min(MAX_MANIFEST_BYTES + 1, buffer.length * 2));
      buffer.copy(bigger, 0, 0, total);
      buffer = bigger;
    }
    const read = readSync(fd, buffer, total, buffer.length - total, null);
    if (read <= 0) break;
    total += read;
    if (total > MAX_MANIFEST_BYTES) throw new RunFileError(msg('runManifestTooLarge', path, MAX_MANIFEST_BYTES >> 20), path);
  }
  return buffer.toString('utf8', 0, total);
}

/**
 * One read buffer per file, sized by the file (plus a byte, so the first read can reach the end),
 * at most `max`. Small files come from Node's shared pool; a new megabyte per chunk (as before) made
 * external memory churn, which sets off full garbage collections in the language server, pauses of
 * several milliseconds while it lists runs (perf/io-latency.mjs).
 */
function readBuffer(fd: number, max: number): Buffer {
  let size = 0;
  try {
    size = fstatSync(fd).size;
  } catch {
    // size unknown: start small, grow as needed
  }
  return Buffer.allocUnsafe(Math.min(max, Math.max(1024, size + 1)));
}

function parseManifest(text: string, path: string): RunManifest {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(msg('runNotJson', path, errorText(error)));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(msg('runNotJson', path, msg('jsonNotObject')));
  return value as RunManifest;
}

export function readManifest(runDir: string): RunManifest | undefined {
  const path = join(runDir, MANIFEST_FILE);
  const fd = openRunFileForRead(path);
  if (fd === undefined) return undefined;
  let text: string;
  try {
    text = readSmallFd(fd, path);
  } finally {
    closeSync(fd);
  }
  return parseManifest(text, path);
}

async function readManifestAsync(runDir: string): Promise<RunManifest | undefined> {
  const path = join(runDir, MANIFEST_FILE);
  const fd = await openRunFileForReadAsync(path);
  if (fd === undefined) return undefined;
  let text: string;
  try {
    text = readSmallFd(fd, path);
  } finally {
    closeSync(fd);
  }
  return parseManifest(text, path);
}

export interface StoredRun {
  dir: string;
  manifest?: RunManifest;
  /** Latest record per answer key (question id; id and permutation when shuffled), in file order; each checked, its verdict recomputed. */
  answers: AnswerRecord[];
  /** Recomputed from the answers when the run wrote its summary (summary.json is not trusted). */
  summary?: RunSummary;
  discardedTornLine: boolean;
  /** Damaged records dropped and verdicts recomputed; undefined when the file was clean. */
  dropped?: Message;
}

function hasSummary(runDir: string): boolean {
  try {
    return lstatSync(join(runDir, SUMMARY_FILE)).isFile();
  } catch {
    return false;
  }
}

function storedRun(runDir: string, manifest: RunManifest | undefined, contents: AnswersFileContents): StoredRun {
  const answers: AnswerRecord[] = [];
  for (const record of latestById(contents.records).values()) answers.push(record);
  const dropped = droppedRecordsNote(contents);
  return {
    dir: runDir,
    ...(manifest ? { manifest } : {}),
    answers,
    ...(hasSummary(runDir) ? { summary: summariseAnswers(answers) } : {}),
    discardedTornLine: contents.discardedTornLine,
    ...(dropped ? { dropped } : {}),
  };
}

function noAnswers(runDir: string): Error {
  return new UserError(msg('runNoAnswers', runDir, ANSWERS_FILE));
}

/** A run folder as written by runBenchmark (complete or not). */
export function readRun(runDir: string): StoredRun {
  const answersPath = join(runDir, ANSWERS_FILE);
  const fd = openRunFileForRead(answersPath);
  if (fd === undefined) throw noAnswers(runDir);
  let contents: AnswersFileContents;
  try {
    contents = readAnswersFd(fd, answersPath, undefined);
  } finally {
    closeSync(fd);
  }
  return storedRun(runDir, readManifest(runDir), contents);
}

/** readRun for the language server: opens nothing that can block, reads answers.jsonl chunk by chunk. */
export async function readRunAsync(runDir: string): Promise<StoredRun> {
  const answersPath = join(runDir, ANSWERS_FILE);
  // Checked first, so a FIFO or a link out of the folder is refused before anything else is read.
  const manifest = await readManifestAsync(runDir);
  const exists = (() => {
    try {
      lstatSync(answersPath);
      return true;
    } catch {
      return false;
    }
  })();
  if (!exists) throw noAnswers(runDir);
  return storedRun(runDir, manifest, await readAnswersFileAsync(answersPath));
}
