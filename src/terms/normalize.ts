// Text normalisation for term matching, with offsets kept so a match can be mapped back onto the
// text as written.
//
// Steps, in order:
//  1. NFKC per "unit" (one code point plus any combining marks / half-width voiced marks after it,
//     so ｶﾞ → ガ and か+U+3099 → が), because NFKC over a whole string loses the offsets. A unit may
//     grow (㌔ → キロ, ½ → 1⁄2, ㈱ → (株)) or shrink (ｶﾞ → ガ); every character it yields maps back
//     to the whole unit.
//  2. What NFKC leaves alone:
//     - whitespace runs → one space; zero-width characters, soft hyphens and variation selectors
//       are dropped;
//     - the dash family (U+2010–2015, U+2212, U+2043, U+FE58, U+FE63, full-width －) → '-',
//       but the long-vowel mark ー (U+30FC) is kept: it is part of katakana words;
//     - 〜 (U+301C), ～ (U+FF5E), ∼ (U+223C) → '~';
//     - ヶ / ヵ / ケ (and the small hiragana ゕ ゖ) → け;
//     - katakana → hiragana (ガストロ and がすとろ match each other);
//     - a few kanji variants that are certainly the same character in medical text
//       (KANJI_VARIANTS below);
//     - Latin letters are lower-cased, except a run of at most 5 letters that is all capitals
//       (AMI, CRP, MI): abbreviations keep their case, so MI ≠ mi.

/** Result of normalising a text (or a window of it). */
export interface NormalizedText {
  /** The normalised text. */
  text: string;
  /**
   * Normalised index → original index (UTF-16 offset into the text that was normalised, absolute
   * even when a window was normalised). Has `text.length + 1` items: the last is the original end.
   */
  map: Int32Array;
  /** Normalised index → original end (exclusive) of the unit that produced that character. */
  ends: Int32Array;
}

/** Kanji written two ways in clinical notes; the key is rewritten to the value before matching. */
export const KANJI_VARIANTS: Readonly<Record<string, string>> = {
  '頚': '頸', // 頚椎 / 頸椎
  '鼡': '鼠', // 鼡径 / 鼠径
  '彎': '弯', // 側彎 / 側弯
  '膣': '腟', // 膣 / 腟
  '痲': '麻', // 痲痺 / 麻痺, 痲疹 / 麻疹
  '痹': '痺', // 麻痹 / 麻痺
  '剝': '剥', // 剝離 / 剥離
  '頰': '頬', // 頰部 / 頬部
  '塡': '填', // 充塡 / 充填
  '癎': '癇', // 癲癎 / 癲癇
  '靱': '靭', // 靱帯 / 靭帯
  '瓣': '弁', // 僧帽瓣 / 僧帽弁
  '囊': '嚢', // 胆囊 / 胆嚢
};

const VARIANT_CODES = new Map<number, number>(
  Object.entries(KANJI_VARIANTS).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]),
);

const SPACE = 0x20;
const HYPHEN = 0x2d;
const TILDE = 0x7e;
const HIRAGANA_KE = 0x3051;

/** Characters that attach to the code point before them and must be normalised with it. */
function isAttaching(c: number): boolean {
  return (
    (c >= 0x0300 && c <= 0x036f) || // combining diacritics
    c === 0x3099 || c === 0x309a || // combining (semi-)voiced marks
    c === 0xff9e || c === 0xff9f || // half-width ﾞ ﾟ
    (c >= 0x20d0 && c <= 0x20ff) ||
    (c >= 0xfe20 && c <= 0xfe2f) ||
    (c >= 0xfe00 && c <= 0xfe0f) // variation selectors (dropped below)
  );
}

/** Characters NFKC leaves unchanged and that never combine with what precedes them. */
function isStable(c: number): boolean {
  return (
    (c >= 0x21 && c <= 0x7e) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3041 && c <= 0x3096) ||
    (c >= 0x30a1 && c <= 0x30fa) ||
    c === 0x30fc || c === 0x3005 || c === 0x30fb ||
    (c >= 0x3001 && c <= 0x3003) ||
    (c >= 0x3008 && c <= 0x3011)
  );
}

function isDropped(c: number): boolean {
  return (
    c === 0x00ad || c === 0x200b || c === 0x200c || c === 0x200d || c === 0x2060 || c === 0xfeff ||
    (c >= 0xfe00 && c <= 0xfe0f) || c === 0x034f
  );
}

function isSpace(c: number): boolean {
  return c === SPACE || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c ||
    c === 0xa0 || c === 0x3000 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x0085;
}

/** Rewrites one UTF-16 code unit (already NFKC) for matching; case is handled separately. */
function fold(c: number): number {
  if (c < 0x80) return c;
  if (c >= 0x30a1 && c <= 0x30f6) {
    if (c === 0x30f5 || c === 0x30f6) return HIRAGANA_KE; // ヵ ヶ
    return c - 0x60; // katakana → hiragana (ケ → け)
  }
  if (c === 0x3095 || c === 0x3096) return HIRAGANA_KE; // ゕ ゖ
  if (c === 0x30fd || c === 0x30fe) return c - 0x60; // ヽ ヾ → ゝ ゞ
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0x2043 || c === 0xfe58 || c === 0xfe63 || c === 0xff0d) {
    return HYPHEN;
  }
  if (c === 0x301c || c === 0xff5e || c === 0x223c) return TILDE;
  return VARIANT_CODES.get(c) ?? c;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
/** ASCII letter (after NFKC, full-width letters are ASCII). */
export function isLatinLetter(c: number): boolean {
  return isUpper(c) || isLower(c);
}
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Longest run of capitals that keeps its case. */
export const MAX_ABBREVIATION_LENGTH = 5;

/** Lower-cases Latin runs in place, except all-capital runs of ≤ 5 letters. */
function foldCase(out: Uint16Array, n: number): void {
  let i = 0;
  while (i < n) {
    const c = out[i]!;
    if (!isLatinLetter(c)) {
      i++;
      continue;
    }
    let j = i;
    let allUpper = true;
    while (j < n && isLatinLetter(out[j]!)) {
      if (!isUpper(out[j]!)) allUpper = false;
      j++;
    }
    if (!(allUpper && j - i <= MAX_ABBREVIATION_LENGTH)) {
      for (let k = i; k < j; k++) if (isUpper(out[k]!)) out[k] = out[k]! + 0x20;
    }
    i = j;
  }
}

function codesToString(codes: Uint16Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 4096) {
    s += String.fromCharCode.apply(null, codes.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
  }
  return s;
}

// Scratch buffers reused across calls (normalisation is synchronous, so sharing them is safe).
let scratchOut = new Uint16Array(1024);
let scratchMap = new Int32Array(1024);
let scratchEnd = new Int32Array(1024);

/** Makes room for at least `size` characters, keeping the first `keep` already written. */
function ensureScratch(size: number, keep: number): void {
  if (scratchOut.length >= size) return;
  let cap = scratchOut.length;
  while (cap < size) cap *= 2;
  const out = new Uint16Array(cap);
  const map = new Int32Array(cap);
  const end = new Int32Array(cap);
  out.set(scratchOut.subarray(0, keep));
  map.set(scratchMap.subarray(0, keep));
  end.set(scratchEnd.subarray(0, keep));
  scratchOut = out;
  scratchMap = map;
  scratchEnd = end;
}

/** Core loop: fills the scratch buffers and returns the normalised length. */
function run(text: string, from: number, to: number, withMap: boolean): number {
  // NFKC can expand a unit (﷽ is the worst case, 18 chars); grow the buffers as needed.
  ensureScratch((to - from) * 2 + 32, 0);
  let n = 0;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    let j = i + 1;
    if (c >= 0xd800 && c <= 0xdbff && j < to) {
      const d = text.charCodeAt(j);
      if (d >= 0xdc00 && d <= 0xdfff) j++;
    }
    while (j < to && isAttaching(text.charCodeAt(j))) j++;
    // Variation selectors of the supplementary plane (U+E0100–E01EF) after a unit.
    while (j + 1 < to && text.charCodeAt(j) === 0xdb40) {
      const d = text.charCodeAt(j + 1);
      if (d >= 0xdd00 && d <= 0xddef) j += 2;
      else break;
    }
    if (n + 32 > scratchOut.length) ensureScratch(n + 32 + (to - i) * 2, n);
    if (j === i + 1 && isStable(c)) {
      scratchOut[n] = fold(c);
      if (withMap) {
        scratchMap[n] = i;
        scratchEnd[n] = j;
      }
      n++;
    } else if (j === i + 1 && isSpace(c)) {
      if (n > 0 && scratchOut[n - 1] === SPACE) {
        i = j;
        continue;
      }
      scratchOut[n] = SPACE;
      if (withMap) {
        scratchMap[n] = i;
        scratchEnd[n] = j;
      }
      n++;
    } else {
      const nf = j === i + 1 ? String.fromCharCode(c).normalize('NFKC') : text.slice(i, j).normalize('NFKC');
      for (let k = 0; k < nf.length; k++) {
        let d = nf.charCodeAt(k);
        if (isDropped(d)) continue;
        if (d === 0xdb40 && k + 1 < nf.length) {
          const e = nf.charCodeAt(k + 1);
          if (e >= 0xdd00 && e <= 0xddef) {
            k++;
            continue;
          }
        }
        if (isSpace(d)) {
          if (n > 0 && scratchOut[n - 1] === SPACE) continue;
          d = SPACE;
        } else {
          d = fold(d);
        }
        if (n >= scratchOut.length) ensureScratch(n + 32 + (to - i) * 2, n);
        scratchOut[n] = d;
        if (withMap) {
          scratchMap[n] = i;
          scratchEnd[n] = j;
        }
        n++;
      }
    }
    i = j;
  }
  foldCase(scratchOut, n);
  return n;
}

/**
 * Normalises `text` (or the window `[from, to)` of it) for matching and keeps, for every
 * normalised character, where it came from. Offsets in `map`/`ends` are offsets into `text`.
 */
export function normalizeForMatch(text: string, from = 0, to = text.length): NormalizedText {
  from = Math.max(0, Math.min(from, text.length));
  to = Math.max(from, Math.min(to, text.length));
  const n = run(text, from, to, true);
  const map = new Int32Array(n + 1);
  const ends = new Int32Array(n + 1);
  map.set(scratchMap.subarray(0, n));
  ends.set(scratchEnd.subarray(0, n));
  map[n] = to;
  ends[n] = to;
  return { text: codesToString(scratchOut, n), map, ends };
}

/** The normalised form only (what dictionary surfaces go through); same text as `normalizeForMatch`. */
export function normalizeTerm(text: string): string {
  const n = run(text, 0, text.length, false);
  return codesToString(scratchOut, n);
}

/**
 * Maps the normalised span `[start, end)` back onto the original text, end-exclusive. A span that
 * begins or ends inside an expanded unit (e.g. half of ㌔'s キロ) covers the whole unit.
 */
export function toOriginalSpan(norm: NormalizedText, start: number, end: number): { start: number; end: number } {
  const n = norm.text.length;
  const s = Math.max(0, Math.min(start, n));
  const e = Math.max(s, Math.min(end, n));
  const originalStart = norm.map[s]!;
  if (e === s) return { start: originalStart, end: originalStart };
  return { start: originalStart, end: norm.ends[e - 1]! };
}

/**
 * The normalised index of the character produced from the original offset `offset`: the last
 * normalised character whose unit starts at or before it. -1 when `offset` precedes everything.
 */
export function toNormalizedIndex(norm: NormalizedText, offset: number): number {
  const n = norm.text.length;
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (norm.map[mid]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
