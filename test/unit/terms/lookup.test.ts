// Lookups against the built-in dictionary: width, kana, case, boundaries, ambiguity and offsets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildMatcher, loadBuiltinDictionary, type TermMatch } from '../../../src/terms/index';

const matcher = buildMatcher(loadBuiltinDictionary());

/** The best match at the first occurrence of `needle` (cursor `at` characters into it). */
function at(text: string, needle: string, cursor = 0): TermMatch | undefined {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not in ${text}`);
  return matcher.lookup(text, index + cursor)[0];
}

function expectSpan(text: string, needle: string, expected: { surface: string; en?: RegExp; icd10?: RegExp; id?: RegExp }, cursor = 0): TermMatch {
  const match = at(text, needle, cursor);
  assert.ok(match, `no match for ${needle} in ${text}`);
  assert.equal(match.surface, expected.surface);
  assert.equal(text.slice(match.start, match.end), expected.surface);
  const entry = match.entries[0];
  assert.ok(entry);
  if (expected.en) assert.match(entry.en, expected.en);
  if (expected.icd10) assert.match(entry.icd10 ?? '', expected.icd10);
  if (expected.id) assert.ok(match.entries.some((e) => expected.id!.test(e.id)), `${match.entries.map((e) => e.id)}`);
  return match;
}

describe('the examples users hover', () => {
  const note = '既往歴: 急性心筋梗塞(2019, PCI後)。ＡＭＩ疑いで入院。HbA1c 7.2%, ＣＲＰ 3.4。ｶﾞｽﾄﾛ予定。myocardial infarction の既往。';
  test('急性心筋梗塞 → ICD-10 I21 and its English name', () => {
    expectSpan(note, '急性心筋梗塞', { surface: '急性心筋梗塞', en: /acute myocardial infarction/i, icd10: /^I21/ }, 3);
  });
  test('full-width ＡＭＩ', () => {
    expectSpan(note, 'ＡＭＩ', { surface: 'ＡＭＩ', en: /acute myocardial infarction/i }, 1);
  });
  test('HbA1c', () => {
    expectSpan(note, 'HbA1c', { surface: 'HbA1c', id: /hba1c|hemoglobin-a1c|haemoglobin-a1c|glycated/i }, 2);
  });
  test('full-width ＣＲＰ', () => {
    expectSpan(note, 'ＣＲＰ', { surface: 'ＣＲＰ', en: /C-reactive protein/i }, 0);
  });
  test('half-width katakana ｶﾞｽﾄﾛ', () => {
    expectSpan(note, 'ｶﾞｽﾄﾛ', { surface: 'ｶﾞｽﾄﾛ', en: /gastroduodenoscopy|endoscopy/i }, 2);
  });
  test('English myocardial infarction', () => {
    expectSpan(note, 'myocardial infarction', { surface: 'myocardial infarction', en: /myocardial infarction/i, icd10: /^I21/ }, 5);
  });
});

describe('longest match', () => {
  const text = '急性心筋梗塞の疑い';
  test('急性心筋梗塞 wins over 心筋梗塞 and 梗塞 wherever the cursor is in it', () => {
    for (let i = 0; i < 6; i++) expectSpan(text, '急性心筋梗塞', { surface: '急性心筋梗塞' }, i);
  });
  test('心筋梗塞 alone matches the shorter entry', () => {
    expectSpan('陳旧性でない心筋梗塞', '心筋梗塞', { surface: '心筋梗塞', en: /^myocardial infarction$/i }, 1);
  });
  test('the cursor just after the term matches nothing there', () => {
    const t = '急性心筋梗塞。';
    assert.equal(matcher.lookup(t, t.indexOf('。') + 1).length, 0);
  });
});

describe('Latin boundaries and case', () => {
  test('MI never matches inside AMI', () => {
    const t = 'AMI';
    for (let i = 0; i < 3; i++) {
      const ids = matcher.lookup(t, i).flatMap((m) => m.entries.map((e) => e.en));
      assert.ok(ids.every((en) => /acute myocardial infarction/i.test(en)), `${i}: ${ids}`);
    }
  });
  test('MI alone matches myocardial infarction', () => {
    expectSpan('s/o MI.', 'MI', { surface: 'MI', en: /myocardial infarction/i });
  });
  test('a lower-case "mi" in a word is not the abbreviation', () => {
    assert.equal(matcher.lookup('admission', 3).filter((m) => m.surface.toLowerCase() === 'mi').length, 0);
  });
  test('CRP followed by Japanese still matches', () => {
    expectSpan('CRP高値', 'CRP', { surface: 'CRP', en: /C-reactive protein/i }, 1);
  });
  test('CRP inside a longer Latin word does not', () => {
    assert.equal(matcher.lookup('XCRPX', 2).length, 0);
  });
  test('English names are case-insensitive', () => {
    expectSpan('Myocardial Infarction', 'Myocardial', { surface: 'Myocardial Infarction', icd10: /^I21/ });
    expectSpan('MYOCARDIAL INFARCTION', 'MYOCARDIAL', { surface: 'MYOCARDIAL INFARCTION', icd10: /^I21/ });
  });
  test('COPD, CKD, DM, HT as abbreviations', () => {
    expectSpan('COPD増悪', 'COPD', { surface: 'COPD', icd10: /^J44/ });
    expectSpan('CKD stage3', 'CKD', { surface: 'CKD', icd10: /^N18/ });
    expectSpan('DM, HT', 'DM', { surface: 'DM', icd10: /^E1[0-4]/ });
    expectSpan('DM, HT', 'HT', { surface: 'HT', icd10: /^I10/ });
  });
  test('AF and DVT', () => {
    expectSpan('AF rate control', 'AF', { surface: 'AF', en: /atrial fibrillation/i });
    expectSpan('DVT予防', 'DVT', { surface: 'DVT', en: /deep vein thrombosis|deep venous thrombosis/i });
  });
});

describe('ambiguity', () => {
  test('MS lists multiple sclerosis and mitral stenosis', () => {
    const match = at('MSの既往', 'MS');
    assert.ok(match);
    const names = match.entries.map((e) => e.en.toLowerCase()).join('|');
    assert.match(names, /multiple sclerosis/);
    assert.match(names, /mitral stenosis/);
  });
  test('PE lists pulmonary embolism and pleural effusion', () => {
    const match = at('PE疑い', 'PE');
    assert.ok(match);
    const names = match.entries.map((e) => e.en.toLowerCase()).join('|');
    assert.match(names, /pulmonary embol/);
    assert.match(names, /pleural effusion/);
  });
});

describe('kana, width and variants', () => {
  test('katakana and hiragana spellings match each other', () => {
    expectSpan('がすとろ予約', 'がすとろ', { surface: 'がすとろ', en: /gastroduodenoscopy|endoscopy/i });
    expectSpan('ガストロ予約', 'ガストロ', { surface: 'ガストロ', en: /gastroduodenoscopy|endoscopy/i });
  });
  test('full-width Latin and digits', () => {
    expectSpan('ＨｂＡ１ｃ上昇', 'ＨｂＡ１ｃ', { surface: 'ＨｂＡ１ｃ', id: /a1c/i });
    expectSpan('ｅＧＦＲ低下', 'ｅＧＦＲ', { surface: 'ｅＧＦＲ', en: /glomerular filtration/i });
  });
  test('頚 and 頸 are the same character', () => {
    expectSpan('大腿骨頚部骨折', '大腿骨頚部骨折', { surface: '大腿骨頚部骨折', en: /femoral neck fracture|hip fracture/i }, 2);
    expectSpan('大腿骨頸部骨折', '大腿骨頸部骨折', { surface: '大腿骨頸部骨折', en: /femoral neck fracture|hip fracture/i }, 2);
  });
  test('dash variants in D-dimer', () => {
    for (const dash of ['-', '‐', '−', '－', '–']) expectSpan(`D${dash}ダイマー上昇`, `D${dash}ダイマー`, { surface: `D${dash}ダイマー`, en: /D-dimer/i });
  });
  test('half-width katakana with voiced marks', () => {
    expectSpan('ﾜｰﾌｧﾘﾝ内服中', 'ﾜｰﾌｧﾘﾝ', { surface: 'ﾜｰﾌｧﾘﾝ', en: /warfarin/i });
  });
});

describe('offsets after NFKC length changes', () => {
  test('a ㌔ before the term (one char → two) does not shift the span', () => {
    const text = '体重㌔不明、急性心筋梗塞';
    const match = expectSpan(text, '急性心筋梗塞', { surface: '急性心筋梗塞' }, 2);
    assert.equal(match.start, text.indexOf('急性心筋梗塞'));
  });
  test('half-width kana with ﾞ (two chars → one) before the term', () => {
    const text = 'ｶﾞｽﾄﾛ後 CRP 5.2';
    const match = expectSpan(text, 'CRP', { surface: 'CRP' }, 2);
    assert.equal(match.start, text.indexOf('CRP'));
    assert.equal(match.end, text.indexOf('CRP') + 3);
  });
  test('the span of a half-width term covers every original character', () => {
    const text = '本日ｶﾞｽﾄﾛ施行';
    const match = expectSpan(text, 'ｶﾞｽﾄﾛ', { surface: 'ｶﾞｽﾄﾛ' }, 1);
    assert.equal(match.end - match.start, 'ｶﾞｽﾄﾛ'.length);
  });
  test('cursor on the last character and one past the end', () => {
    const text = 'CRP';
    assert.equal(matcher.lookup(text, 2)[0]?.surface, 'CRP');
    assert.equal(matcher.lookup(text, 3).length, 0);
  });
  test('offsets outside the text give no match', () => {
    assert.equal(matcher.lookup('CRP', -1).length, 0);
    assert.equal(matcher.lookup('CRP', 99).length, 0);
  });
});

describe('more clinical terms', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['心不全増悪', '心不全', /heart failure/i],
    ['慢性腎臓病', '慢性腎臓病', /chronic kidney disease/i],
    ['2型糖尿病', '2型糖尿病', /type 2 diabetes/i],
    ['急性膵炎の重症度', '急性膵炎', /acute pancreatitis/i],
    ['脳梗塞後遺症', '脳梗塞', /cerebral infarction|ischemic stroke/i],
    ['BNP 450', 'BNP', /natriuretic/i],
    ['PCI施行', 'PCI', /percutaneous coronary intervention/i],
    ['胸痛あり', '胸痛', /chest pain/i],
    ['PPI内服', 'PPI', /proton pump inhibitor/i],
    ['ムンテラ実施', 'ムンテラ', /explanation|informed/i],
  ];
  for (const [text, surface, en] of cases) {
    test(`${surface} in ${text}`, () => {
      expectSpan(text, surface, { surface, en });
    });
  }
});
