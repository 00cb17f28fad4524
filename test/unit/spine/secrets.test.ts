// API keys: trimmed and checked when stored or read, and masked in any text before it is shown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkApiKey, MAX_API_KEY_LENGTH, redactSecrets, redactTrace } from '../../../src/shared/secrets';
import { format } from '../../../src/shared/messages/index';

test('a pasted key loses surrounding whitespace; an empty one means no key', () => {
  assert.deepEqual(checkApiKey('  sk-secret-XYZ \n'), { ok: true, key: 'sk-secret-XYZ' });
  assert.deepEqual(checkApiKey(' \t'), { ok: true, key: '' });
});

test('keys that cannot travel in an HTTP header are refused, and the reason never quotes them', () => {
  const cases: Array<[string, string]> = [
    ['sk-secret XYZ', 'whitespace'],
    ['sk-secret\nXYZ', 'whitespace'],
    ['sk-secret\u0000XYZ', 'control'],
    ['sk-secret\u007fXYZ', 'control'],
    ['sk-sécret-XYZ', 'notAscii'],
    ['sk-秘密', 'notAscii'],
    ['k'.repeat(MAX_API_KEY_LENGTH + 1), 'tooLong'],
  ];
  for (const [key, problem] of cases) {
    const checked = checkApiKey(key);
    assert.equal(checked.ok, false, JSON.stringify(key));
    if (checked.ok) continue;
    assert.equal(checked.problem, problem, JSON.stringify(key));
    const reason = format('en', checked.reason);
    assert.ok(!reason.includes('secret') && !reason.includes('kkkk'), reason);
  }
});

test('redactSecrets masks the key as given, trimmed and JSON-escaped', () => {
  const pasted = 'sk-secret-XYZ ';
  assert.equal(redactSecrets('HTTP 401: You sent: Bearer sk-secret-XYZ.', [pasted]), 'HTTP 401: You sent: Bearer ***.');
  assert.equal(redactSecrets('{"k":"sk-a\\nb"}', ['sk-a\nb']), '{"k":"***"}');
  assert.equal(redactSecrets('nothing here', [undefined, '']), 'nothing here');
});

test('redactTrace masks fields named like keys, tokens, secrets, passwords and authorization', () => {
  const trace = `Params: {
    "openaiApiKey": "sk-one",
    "Authorization": "Bearer sk-two",
    "refresh_token": "t\\"three",
    "dbPassword": "four",
    "clientSecret": "five",
    "tokens": 12,
    "question": "What does an elevated BNP suggest?"
}`;
  const masked = redactTrace(trace);
  for (const value of ['sk-one', 'sk-two', 'three', 'four', 'five']) assert.ok(!masked.includes(value), `${value} in ${masked}`);
  assert.match(masked, /"openaiApiKey": "\*\*\*"/);
  assert.match(masked, /"tokens": 12/);
  assert.match(masked, /elevated BNP/);
  assert.equal(redactTrace('Sending request medlocal/x with sk-known-key', ['sk-known-key']), 'Sending request medlocal/x with ***');
});

test('the server says why a key was refused in Japanese too', async () => {
  const { describeError } = await import('../../../src/shared/userError');
  const { msg } = await import('../../../src/shared/messages/index');
  const { OpenAiEngine } = await import('../../../src/engine/openaiEngine');
  for (const key of ['sk-a b', 'sk-\u0001', 'sk-秘密', 'k'.repeat(MAX_API_KEY_LENGTH + 1)]) {
    assert.throws(() => new OpenAiEngine({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: key }), (error: Error) => {
      const ja = describeError(error, 'ja');
      assert.match(ja, /^OpenAI 互換サーバーの API キー(?:が|の|に)/, ja);
      assert.doesNotMatch(ja, /[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}/, ja);
      assert.ok(!ja.includes('sk-') && !error.message.includes('sk-'), error.message);
      return true;
    });
  }
  assert.equal(format('ja', msg('dictCannotLoad', 'Maximum call stack size exceeded')), '辞書を読み込めませんでした（Maximum call stack size exceeded）');
});
