// Opening and writing the files of a run folder. A run folder is data, not a trusted place: it may
// come from a colleague, an archive or a shared drive, and any of its names may be a FIFO (an open
// that blocks forever), a device (/dev/zero: endless bytes), a socket, or a symlink to a file
// elsewhere (a note that an append or a truncate would damage). So:
//
// * reads open with O_NONBLOCK (a FIFO open returns at once) and O_NOFOLLOW, and go on only when
//   fstat of the opened descriptor says "regular file"; a symlink is followed only when it stays
//   inside the run folder;
// * writes never go through a symlink or into anything but a regular file: appends open with
//   O_NOFOLLOW and check fstat, atomic writes refuse a target that is not a regular file and create
//   their temporary file exclusively (O_EXCL).

import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, open as openCallback, openSync, realpathSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, relative, isAbsolute } from 'node:path';
import { randomBytes } from 'node:crypto';
import { msg, type Message } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';

// O_NOFOLLOW and O_NONBLOCK are POSIX; on Windows they are undefined and FIFOs do not exist there.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A run file MedLocal will not read or write; the message names the file and the way out. */
export class RunFileError extends UserError {
  constructor(
    readonly reason: Message,
    readonly path: string,
  ) {
    super(reason, undefined, 'runFile');
    this.name = 'RunFileError';
  }
}

function kindOf(stats: Stats): Message {
  if (stats.isFIFO()) return msg('fileKindFifo');
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return msg('fileKindDevice');
  if (stats.isSocket()) return msg('fileKindSocket');
  if (stats.isDirectory()) return msg('fileKindFolder');
  if (stats.isSymbolicLink()) return msg('fileKindSymlink');
  return msg('fileKindSpecial');
}

function notRegular(path: string, what: Message): RunFileError {
  return new RunFileError(msg('runFileNotRegular', path, what), path);
}

function isInside(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The path to open for reading `path`, or undefined when it does not exist. A symlink is resolved
 * and accepted only when its target lies inside the folder that holds `path`.
 */
function readablePath(path: string): string | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stats.isSymbolicLink()) return path;
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    throw new RunFileError(msg('runFileDanglingLink', path), path);
  }
  if (!isInside(realpathSync(dirname(path)), target)) {
    throw new RunFileError(msg('runFileLinkOutside', path, target), path);
  }
  return target;
}

function checkRegular(fd: number, path: string): void {
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw notRegular(path, kindOf(stats));
  }
}

function openError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK') return notRegular(path, msg('fileKindSymlink'));
  if (code === 'ENXIO') return notRegular(path, msg('fileKindSocketOrDevice'));
  return error;
}

/** A read-only descriptor of a regular file (never blocks on a FIFO), or undefined when absent. */
export function openRunFileForRead(path: string): number | undefined {
  const target = readablePath(path);
  if (target === undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch (error) {
    throw openError(error, path);
  }
  checkRegular(fd, path);
  return fd;
}

// The asynchronous opener below makes one trip to libuv's pool, the open (the call that can wait on
// a slow or network drive); the regular-file check is an fstat of the descriptor already open. Each
// trip wakes a pool thread and then the event loop, and under load each wake can wait for a CPU:
// fewer trips, shorter tails (perf/io-latency.mjs).
const openFd = promisify(openCallback);

/** The same, for asynchronous readers (the language server); the caller closes the descriptor. */
export async function openRunFileForReadAsync(path: string): Promise<number | undefined> {
  const target = readablePath(path);
  if (target === undefined) return undefined;
  let fd: number;
  try {
    fd = await openFd(target, constants.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch (error) {
    throw openError(error, path);
  }
  checkRegular(fd, path);
  return fd;
}

/** A descriptor for appending to a regular file (created if absent); never through a symlink. */
export function openRunFileForAppend(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o644);
  } catch (error) {
    throw openError(error, path);
  }
  checkRegular(fd, path);
  return fd;
}

/** A read-write descriptor of an existing regular file (for repairing a torn tail), or undefined. */
export function openRunFileForRepair(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | NOFOLLOW | NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw openError(error, path);
  }
  checkRegular(fd, path);
  return fd;
}

/** Writes all of `text`; a short write (disk full) is an error, never a silent half line. */
export function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    const written = writeSync(fd, buffer, offset, buffer.length - offset);
    if (written <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    offset += written;
  }
}

/** Refuses a target that exists and is not a regular file (a symlink included): nothing is written. */
function checkWritableTarget(path: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isFile()) throw notRegular(path, kindOf(stats));
}

/** Write to a temporary file (created exclusively), then rename: readers never see half a file. */
export function writeTextAtomic(path: string, text: string): void {
  checkWritableTarget(path);
  const temporary = `${dirname(path)}/.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
  try {
    try {
      writeAll(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // already renamed or never written
    }
    throw error;
  }
}

/** Rewrites an existing regular file in place (no second copy): for a manifest on a full disk. */
export function overwriteInPlace(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | NOFOLLOW | NONBLOCK);
  } catch (error) {
    throw openError(error, path);
  }
  checkRegular(fd, path);
  try {
    ftruncateSync(fd, 0);
    writeAll(fd, text);
  } finally {
    closeSync(fd);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Words for a failed write: what happened to which file. */
export function describeWriteError(error: unknown, path: string): Message {
  if (error instanceof RunFileError) return error.reason;
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return msg('writeDiskFull', path);
    case 'EFBIG':
      return msg('writeTooLarge', path);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return msg('writeNotWritable', path, code);
    default:
      return msg('writeFailed', path, errorText(error));
  }
}
