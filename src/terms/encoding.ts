// Decodes dictionary files whose encoding nobody wrote down: UTF-8 (with or without BOM),
// UTF-16 (with BOM), Shift_JIS / CP932, EUC-JP and ISO-2022-JP. Never throws.

import Encoding from 'encoding-japanese';
import { TextDecoder } from 'node:util';
import { msg, type Message } from '../shared/messages/index';

export type DetectedEncoding = 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'Shift_JIS' | 'EUC-JP' | 'ISO-2022-JP';

export type DecodeResult =
  | { ok: true; text: string; encoding: DetectedEncoding }
  | { ok: false; reason: Message };

function strictDecoder(label: string): TextDecoder | undefined {
  try {
    return new TextDecoder(label, { fatal: true });
  } catch {
    return undefined; // Node built without full ICU: fall back to encoding-japanese's checks only.
  }
}

function decodesStrictly(label: string, bytes: Uint8Array): boolean {
  const decoder = strictDecoder(label);
  if (!decoder) return true;
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * How Japanese a decoded text looks: kana and common kanji count for, half-width katakana,
 * private-use and replacement characters against. Used only when the bytes are valid both as
 * Shift_JIS and as EUC-JP (a tie is reported as undecidable).
 */
function japaneseScore(text: string): number {
  let score = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if ((c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fc)) score += 2;
    else if (c >= 0x4e00 && c <= 0x9fff) score += 1;
    else if (c >= 0xff61 && c <= 0xff9f) score -= 1;
    else if ((c >= 0xe000 && c <= 0xf8ff) || c === 0xfffd) score -= 3;
    else if (c >= 0x3000 && c <= 0x303f) score += 1;
    else if (c >= 0xff01 && c <= 0xff5e) score += 1;
    else score -= 1;
  }
  return score;
}

/** Decodes `bytes`, detecting the encoding; a byte-order mark is removed. */
export function decodeBytes(bytes: Uint8Array): DecodeResult {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(3)), encoding: 'UTF-8' };
    } catch {
      return { ok: false, reason: msg('encodingBadBom') };
    }
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    if (bytes.length >= 4 && bytes[2] === 0 && bytes[3] === 0) {
      return { ok: false, reason: msg('encodingUtf32') };
    }
    return { ok: true, text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'UTF-16LE' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { ok: true, text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'UTF-16BE' };
  }
  if (bytes.includes(0)) {
    return { ok: false, reason: msg('encodingNul') };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    // not UTF-8: try the Japanese legacy encodings below
  }
  if (bytes.includes(0x1b) && Encoding.detect(bytes, 'JIS') === 'JIS') {
    return { ok: true, text: Encoding.convert(bytes, { to: 'UNICODE', from: 'JIS', type: 'string' }), encoding: 'ISO-2022-JP' };
  }
  const candidates: Array<{ encoding: DetectedEncoding; text: string; score: number }> = [];
  if (Encoding.detect(bytes, 'SJIS') === 'SJIS' && decodesStrictly('shift_jis', bytes)) {
    const text = Encoding.convert(bytes, { to: 'UNICODE', from: 'SJIS', type: 'string' });
    candidates.push({ encoding: 'Shift_JIS', text, score: japaneseScore(text) });
  }
  if (Encoding.detect(bytes, 'EUCJP') === 'EUCJP' && decodesStrictly('euc-jp', bytes)) {
    const text = Encoding.convert(bytes, { to: 'UNICODE', from: 'EUCJP', type: 'string' });
    candidates.push({ encoding: 'EUC-JP', text, score: japaneseScore(text) });
  }
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0];
  const second = candidates[1];
  if (best && (!second || best.score > second.score)) {
    return { ok: true, text: best.text, encoding: best.encoding };
  }
  return { ok: false, reason: candidates.length > 1 ? msg('encodingAmbiguous') : msg('encodingUnknown') };
}
