import assert from 'node:assert/strict';
import { test } from 'node:test';
import { format, localeOf, STRINGS, stringsFor } from '../../../src/view/strings';

test('Japanese and English have the same keys and the same placeholders', () => {
  const en = STRINGS.en;
  const ja = STRINGS.ja;
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  const placeholders = (text: string) => [...new Set(text.match(/\{\d+\}/g) ?? [])].sort();
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    assert.ok(ja[key].trim().length > 0, `ja.${key} is empty`);
    assert.deepEqual(placeholders(ja[key]), placeholders(en[key]), `placeholders of ${key}`);
  }
});

test('the VS Code display language picks the table', () => {
  assert.equal(stringsFor('ja'), STRINGS.ja);
  assert.equal(stringsFor('ja-JP'), STRINGS.ja);
  assert.equal(stringsFor('en'), STRINGS.en);
  assert.equal(stringsFor('zh-cn'), STRINGS.en);
  assert.equal(stringsFor(undefined), STRINGS.en);
  assert.equal(localeOf('JA'), 'ja');
  assert.equal(format('{1}問中 {0}問', 3, 36), '36問中 3問');
  assert.equal(format('{0} and {2}', 'a'), 'a and {2}');
});
