// The run-folder messages a Japanese user meets in the panel reach them in Japanese: a FIFO, a link
// out of the folder, a symlinked target refused, and a run stopped by a full disk. The messages are
// the real ones, produced by the code; each translation keeps its facts (paths, counts, codes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readRun, RunInterruptedError, RunFileError } from '../../../src/eval/index';
import { describeWriteError, writeTextAtomic } from '../../../src/eval/runFileAccess';
import { interruptedMessage } from '../../../src/server/features/bench';
import { format, msg, type Message } from '../../../src/shared/messages/index';
import { errorMessage } from '../../../src/shared/userError';

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
const ENGLISH_RUN = /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/;
const scratch = mkdtempSync(join(tmpdir(), 'medlocal-l10n-runs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function assertTranslated(message: Message, facts: readonly string[]): string {
  const english = format('en', message);
  const japanese = format('ja', message);
  assert.notEqual(japanese, english, `no Japanese translation for: ${english}`);
  assert.match(japanese, JAPANESE);
  let rest = japanese;
  for (const fact of facts) {
    assert.ok(japanese.includes(fact), `"${fact}" is lost in: ${japanese}`);
    rest = rest.split(fact).join(' ');
  }
  assert.doesNotMatch(rest, ENGLISH_RUN, `English left in: ${japanese}`);
  for (const fact of facts) assert.ok(english.includes(fact), `"${fact}" is lost in: ${english}`);
  return japanese;
}

function messageOf(run: () => unknown): Message {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof Error);
    return errorMessage(error);
  }
  assert.fail('expected an error');
}

test('a FIFO and a link out of the run folder, refused, in Japanese', () => {
  const fifoDir = join(scratch, 'fifo');
  mkdirSync(fifoDir);
  assert.equal(spawnSync('mkfifo', [join(fifoDir, 'answers.jsonl')]).status, 0);
  const fifo = messageOf(() => readRun(fifoDir));
  assert.match(assertTranslated(fifo, [join(fifoDir, 'answers.jsonl')]), /名前付きパイプ（FIFO）/);

  const zeroDir = join(scratch, 'zero');
  mkdirSync(zeroDir);
  symlinkSync('/dev/zero', join(zeroDir, 'answers.jsonl'));
  assertTranslated(messageOf(() => readRun(zeroDir)), [join(zeroDir, 'answers.jsonl'), '/dev/zero']);

  const danglingDir = join(scratch, 'dangling');
  mkdirSync(danglingDir);
  symlinkSync(join(danglingDir, 'gone.jsonl'), join(danglingDir, 'answers.jsonl'));
  assertTranslated(messageOf(() => readRun(danglingDir)), [join(danglingDir, 'answers.jsonl')]);

  const linkDir = join(scratch, 'link');
  mkdirSync(linkDir);
  writeFileSync(join(scratch, 'note.md'), 'note\n');
  symlinkSync(join(scratch, 'note.md'), join(linkDir, 'summary.json'));
  const refused = messageOf(() => writeTextAtomic(join(linkDir, 'summary.json'), '{}'));
  assert.match(assertTranslated(refused, [join(linkDir, 'summary.json')]), /シンボリックリンク/);
});

test('a run stopped by a full disk or an unwritable folder, in Japanese, with the count kept and Resume', () => {
  const path = join(scratch, 'run', 'answers.jsonl');
  for (const code of ['ENOSPC', 'EFBIG', 'EACCES']) {
    const reason = describeWriteError(Object.assign(new Error(code), { code }), path);
    assertTranslated(reason, [path]);
    const message = interruptedMessage(new RunInterruptedError(reason, join(scratch, 'run'), 17));
    const japanese = assertTranslated(message, [path, '17', ...(code === 'EACCES' ? ['EACCES'] : [])]);
    assert.match(japanese, /「再開」/);
  }
  const refused = describeWriteError(new RunFileError(msg('runFileNotRegular', path, msg('fileKindSymlink')), path), path);
  assertTranslated(interruptedMessage(new RunInterruptedError(refused, join(scratch, 'run'), 1)), [path, '1']);
});
