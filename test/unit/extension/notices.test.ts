// The extension's notices for a failed request show the next step the server sent: errors thrown
// by the real code, turned into ResponseErrors by the server's edge, read back by the extension.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from 'vscode-languageserver';
import { parseModelSource } from '../../../src/engine/models/download';
import { describeFailure, failureNotice, failureOf, withNextStep } from '../../../src/extension/notices';
import { describeStatus } from '../../../src/extension/statusView';
import { toResponseError } from '../../../src/server/features/cancellation';
import { renderStatus } from '../../../src/server/modelHost';
import { msg } from '../../../src/shared/messages/index';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

test('a refused download URI: the notice has the message, then the next step, in the client language', () => {
  const error = thrownBy(() => parseModelSource('ftp://example.com/m.gguf'));
  for (const [locale, lead, next] of [
    ['en', '"ftp://example.com/m.gguf" is not a model URI MedLocal can download.', /^Use hf:<user>\/<repo>:<quantization> \(for example hf:bartowski/],
    ['ja', '「ftp://example.com/m.gguf」は、MedLocal でダウンロードできるモデルの URI ではありません。', /^hf:<user>\/<repo>:<quantization>（例: hf:bartowski/],
  ] as const) {
    const response = toResponseError(error, locale);
    const failure = failureOf(response);
    assert.equal(failure.message, lead);
    assert.match(failure.next ?? '', next);
    assert.equal(failure.code, 'badUri');
    const notice = failureNotice((message) => `The download did not finish: ${message}`, response);
    assert.ok(notice.startsWith(`The download did not finish: ${lead}`), notice);
    assert.ok(notice.endsWith(failure.next ?? '?'), `the next step is missing from: ${notice}`);
    assert.equal(describeFailure(response), withNextStep(lead, failure.next));
  }
});

test('the next step follows a Japanese full stop without a space, an English one with a space; none when the server sent none', () => {
  assert.equal(withNextStep('モデルが設定されていません。', '設定してください。'), 'モデルが設定されていません。設定してください。');
  assert.equal(withNextStep('No model is configured.', 'Set one.'), 'No model is configured. Set one.');
  assert.equal(withNextStep('Failed.', undefined), 'Failed.');
  const plain = new ResponseError(-32603, 'socket hang up');
  assert.deepEqual(failureOf(plain), { message: 'socket hang up' });
  assert.equal(failureNotice((message) => `MedLocal could not start the benchmark: ${message}`, plain), 'MedLocal could not start the benchmark: socket hang up');
  assert.deepEqual(failureOf('not an error'), { message: 'not an error' });
});

test('the status item tooltip shows the next step of a model error, as the server rendered it', () => {
  const status = renderStatus({ state: 'error', message: msg('modelFileMissing', '/m/q.gguf'), next: msg('nextPickReadableModel') }, 'ja');
  const view = describeStatus(status, 'running', (message: string, ...args: Array<string | number>) => args.reduce<string>((text, arg, i) => text.replace(`{${i}}`, String(arg)), message));
  assert.match(view.tooltip, /モデルファイル \/m\/q\.gguf が存在しません。/);
  // The tooltip is Markdown: the code span arrives escaped (foreign text never becomes markup).
  assert.match(view.tooltip, /\\?`medlocal\.model\.path\\?` に読み取り可能な \.gguf モデルファイルを設定してください/);
});
