// Which language a question is in, by script: answers come back in the question's language.
export type Language = 'ja' | 'en';

/**
 * Japanese script: kana (hiragana, katakana with its phonetic extensions, half-width katakana) and
 * CJK ideographs (extension A, the unified block, compatibility ideographs, the supplementary
 * planes). The one definition the hover, the ask command, the dataset loaders and the dictionaries use.
 */
const JAPANESE_SOURCE = '[\\u3040-\\u30ff\\u31f0-\\u31ff\\uff66-\\uff9f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{2ffff}]';
const JAPANESE_ANY = new RegExp(JAPANESE_SOURCE, 'u');
const JAPANESE = new RegExp(JAPANESE_SOURCE, 'gu');
const LATIN = /[A-Za-z\uff21-\uff3a\uff41-\uff5a]/gu;

/** True when the text holds any Japanese script (kana or CJK ideographs). */
export function hasJapanese(text: string): boolean {
  return JAPANESE_ANY.test(text);
}

/**
 * Japanese when Japanese script (kana or kanji, full- or half-width) makes up a fair share of the
 * letters: clinical Japanese is full of Latin abbreviations (CRP, HbA1c), so a majority rule would
 * call "CRPとWBCの推移は？" English. Full-width Latin alone counts as Latin.
 */
export function detectLanguage(text: string): Language {
  const japanese = text.match(JAPANESE)?.length ?? 0;
  const latin = text.match(LATIN)?.length ?? 0;
  if (japanese === 0) return 'en';
  return japanese * 4 >= latin ? 'ja' : 'en';
}

export function resolveLanguage(requested: 'ja' | 'en' | 'auto' | undefined, text: string): Language {
  return requested === 'ja' || requested === 'en' ? requested : detectLanguage(text);
}

/** A message without its closing full stop (. or 。), for a template that adds its own after it. */
export function withoutFinalStop(message: string): string {
  return message.trimEnd().replace(/[.。]$/u, '');
}
