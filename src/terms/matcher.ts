// Finds dictionary terms under a cursor.
//
// Every surface form of every entry (ja, en, synonyms, abbreviations, and readings of at least
// three kana) is normalised (normalize.ts) and stored in one trie kept in flat typed arrays: the
// children of a node are contiguous and sorted, so a step is a binary search. That keeps 100k
// terms to a few tens of MB and builds in well under a second.
//
// A lookup normalises only a window of the cursor's line (about twice the longest surface on each
// side), walks the trie from every start position that could reach the cursor, and keeps the
// matches whose original span covers the cursor, longest first.
//
// Latin-script surfaces need word boundaries: a surface that starts (ends) with a Latin letter does
// not match after (before) another Latin letter, and one that starts (ends) with a digit not next to
// another digit. So MI never matches inside AMI, HT not inside HTN, but CRP matches in CRP高値 and
// K in K4.2. Japanese surfaces need no boundary (notes have no spaces).

import {
  isDigit,
  isLatinLetter,
  normalizeForMatch,
  normalizeTerm,
  toNormalizedIndex,
  toOriginalSpan,
} from './normalize.js';
import type { TermEntry, TermMatch } from './types.js';

export interface MatcherOptions {
  /** Readings shorter than this (after normalisation) are not matched on their own. Default 3. */
  minReadingLength?: number;
}

export interface MatcherStats {
  entries: number;
  /** Distinct normalised surface forms. */
  surfaces: number;
  /** Trie nodes. */
  nodes: number;
  /** Longest normalised surface, in UTF-16 code units. */
  maxSurfaceLength: number;
  buildMs: number;
}

export interface Matcher {
  /** Every dictionary match whose span covers `offset` (a UTF-16 offset into `text`), longest first. */
  lookup(text: string, offset: number): TermMatch[];
  /**
   * Non-overlapping matches in `text[from, to)`, scanning left to right and taking the longest
   * match at each position (for decorations or batch annotation; hovers use `lookup`).
   */
  scan(text: string, from?: number, to?: number): TermMatch[];
  readonly entries: readonly TermEntry[];
  readonly stats: MatcherStats;
}

/** How a surface relates to its entry; lower ranks are listed first for ambiguous surfaces. */
const RANK_NAME = 0;
const RANK_SYNONYM = 1;
const RANK_ABBREVIATION = 2;
const RANK_READING = 3;

class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  ensure(size: number): void {
    if (size <= this.data.length) return;
    let cap = this.data.length;
    while (cap < size) cap *= 2;
    const next = new Int32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/** Builds the matcher once per set of dictionaries (built-in plus any loaded files). */
export function buildMatcher(entries: readonly TermEntry[], options: MatcherOptions = {}): Matcher {
  const started = performance.now();
  const minReading = options.minReadingLength ?? 3;

  // 1. Normalised surface → packed (entry index << 2 | rank), best rank per entry.
  const bySurface = new Map<string, number[]>();
  const add = (surface: string | undefined, entryIndex: number, rank: number): void => {
    if (!surface) return;
    const key = normalizeTerm(surface.trim());
    if (key.length === 0 || key === ' ') return;
    if (rank === RANK_READING && key.length < minReading) return;
    const list = bySurface.get(key);
    const packed = (entryIndex << 2) | rank;
    if (list === undefined) {
      bySurface.set(key, [packed]);
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p >> 2 === entryIndex) {
        if ((p & 3) > rank) list[i] = packed;
        return;
      }
    }
    list.push(packed);
  };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    add(e.ja, i, RANK_NAME);
    add(e.en, i, RANK_NAME);
    for (const s of e.synonyms) add(s, i, RANK_SYNONYM);
    for (const s of e.abbreviations) add(s, i, RANK_ABBREVIATION);
    add(e.reading, i, RANK_READING);
  }

  // 2. Sorted surfaces and their entry lists (CSR layout).
  const keys = [...bySurface.keys()].sort();
  const payloadStart = new Int32Array(keys.length + 1);
  let payloadSize = 0;
  for (let k = 0; k < keys.length; k++) {
    payloadStart[k] = payloadSize;
    payloadSize += bySurface.get(keys[k]!)!.length;
  }
  payloadStart[keys.length] = payloadSize;
  const payload = new Int32Array(payloadSize);
  let maxLen = 0;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (key.length > maxLen) maxLen = key.length;
    const list = bySurface.get(key)!;
    list.sort((a, b) => (a & 3) - (b & 3) || (a >> 2) - (b >> 2));
    payload.set(list.map((p) => p >> 2), payloadStart[k]!);
  }
  bySurface.clear();

  // 3. Trie in breadth-first order, so the children of each node are contiguous and sorted.
  //    Per node: the char on the edge into it, first child, child count, surface index or -1.
  //    lo/hi/depth (the key range sharing the node's prefix) are needed while building only.
  const estimate = Math.min(keys.length * 8 + 1, 1 << 22);
  const edge = new GrowableInt32(estimate);
  const first = new GrowableInt32(estimate);
  const count = new GrowableInt32(estimate);
  const terminal = new GrowableInt32(estimate);
  const lo = new GrowableInt32(estimate);
  const hi = new GrowableInt32(estimate);
  const depth = new GrowableInt32(estimate);
  const all = [edge, first, count, terminal, lo, hi, depth];
  const push = (e: number, l: number, h: number, d: number): void => {
    const n = edge.length;
    if (n + 1 > edge.data.length) for (const a of all) a.ensure(n + 1);
    for (const a of all) a.length = n + 1;
    edge.data[n] = e;
    first.data[n] = 0;
    count.data[n] = 0;
    terminal.data[n] = -1;
    lo.data[n] = l;
    hi.data[n] = h;
    depth.data[n] = d;
  };
  push(0, 0, keys.length, 0);
  for (let node = 0; node < edge.length; node++) {
    let k = lo.data[node]!;
    const h = hi.data[node]!;
    const d = depth.data[node]!;
    if (k < h && keys[k]!.length === d) {
      terminal.data[node] = k;
      k++;
    }
    first.data[node] = edge.length;
    let children = 0;
    while (k < h) {
      const c = keys[k]!.charCodeAt(d);
      let g = k + 1;
      while (g < h && keys[g]!.charCodeAt(d) === c) g++;
      push(c, k, g, d + 1);
      children++;
      k = g;
    }
    count.data[node] = children;
  }
  const nodeCount = edge.length;
  const edgeChars = Uint16Array.from(edge.data.subarray(0, nodeCount));
  const firstChild = first.data.slice(0, nodeCount);
  const childCount = count.data.slice(0, nodeCount);
  const terminalOf = terminal.data.slice(0, nodeCount);

  const child = (node: number, c: number): number => {
    let l = firstChild[node]!;
    let h = l + childCount[node]! - 1;
    while (l <= h) {
      const mid = (l + h) >> 1;
      const m = edgeChars[mid]!;
      if (m === c) return mid;
      if (m < c) l = mid + 1;
      else h = mid - 1;
    }
    return -1;
  };

  const entriesOf = (surfaceIndex: number): TermEntry[] => {
    const out: TermEntry[] = [];
    for (let p = payloadStart[surfaceIndex]!; p < payloadStart[surfaceIndex + 1]!; p++) out.push(entries[payload[p]!]!);
    return out;
  };

  /** Latin/digit word boundary between normalised chars a (before) and b (after). */
  const joins = (a: number, b: number): boolean =>
    (isLatinLetter(a) && isLatinLetter(b)) || (isDigit(a) && isDigit(b));

  const stats: MatcherStats = {
    entries: entries.length,
    surfaces: keys.length,
    nodes: nodeCount,
    maxSurfaceLength: maxLen,
    buildMs: 0,
  };
  // Half-width kana with voiced marks take two original chars per normalised char; margin for the
  // boundary characters on each side.
  const windowRadius = 2 * maxLen + 8;

  const isLineBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;

  function lookup(text: string, offset: number): TermMatch[] {
    if (!Number.isInteger(offset) || offset < 0 || offset >= text.length || maxLen === 0) return [];
    if (isLineBreak(text.charCodeAt(offset))) return [];
    // Window: the cursor's line, at most windowRadius chars on each side.
    let ws = Math.max(0, offset - windowRadius);
    let we = Math.min(text.length, offset + windowRadius + 1);
    let leftCut = ws > 0;
    for (let i = offset - 1; i >= ws; i--) {
      if (isLineBreak(text.charCodeAt(i))) {
        ws = i + 1;
        leftCut = false;
        break;
      }
    }
    let rightCut = we < text.length;
    for (let i = offset + 1; i < we; i++) {
      if (isLineBreak(text.charCodeAt(i))) {
        we = i;
        rightCut = false;
        break;
      }
    }
    const norm = normalizeForMatch(text, ws, we);
    const nt = norm.text;
    const n = nt.length;
    const p = toNormalizedIndex(norm, offset);
    if (p < 0) return [];

    const found = new Map<number, { start: number; end: number; surfaces: number[] }>();
    for (let s = Math.max(0, p - maxLen - 2); s <= p; s++) {
      // A truncated window cannot tell what precedes / follows its edges: skip matches there.
      if (s === 0 && leftCut) continue;
      const c0 = nt.charCodeAt(s);
      if (s > 0 && joins(nt.charCodeAt(s - 1), c0)) {
        // Starting inside a Latin word or a number: only non-Latin/non-digit surfaces could
        // start here, and they cannot start with c0 (which is Latin/digit), so skip.
        continue;
      }
      let node = 0;
      for (let e = s; e < n; e++) {
        node = child(node, nt.charCodeAt(e));
        if (node < 0) break;
        const surfaceIndex = terminalOf[node]!;
        if (surfaceIndex < 0) continue;
        if (e + 1 === n && rightCut) continue;
        if (e + 1 < n && joins(nt.charCodeAt(e), nt.charCodeAt(e + 1))) continue;
        const span = toOriginalSpan(norm, s, e + 1);
        if (!(span.start <= offset && offset < span.end)) continue;
        const key = span.start * 0x100000 + (span.end - span.start);
        const hit = found.get(key);
        if (hit) hit.surfaces.push(surfaceIndex);
        else found.set(key, { start: span.start, end: span.end, surfaces: [surfaceIndex] });
      }
    }
    const matches: TermMatch[] = [];
    for (const hit of found.values()) {
      let list = entriesOf(hit.surfaces[0]!);
      for (let i = 1; i < hit.surfaces.length; i++) {
        for (const entry of entriesOf(hit.surfaces[i]!)) if (!list.includes(entry)) list = [...list, entry];
      }
      matches.push({ start: hit.start, end: hit.end, surface: text.slice(hit.start, hit.end), entries: list });
    }
    matches.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    return matches;
  }

  function scan(text: string, from = 0, to = text.length): TermMatch[] {
    const norm = normalizeForMatch(text, from, to);
    const nt = norm.text;
    const n = nt.length;
    const out: TermMatch[] = [];
    let s = 0;
    while (s < n) {
      let best = -1;
      let bestSurface = -1;
      if (!(s > 0 && joins(nt.charCodeAt(s - 1), nt.charCodeAt(s)))) {
        let node = 0;
        for (let e = s; e < n; e++) {
          node = child(node, nt.charCodeAt(e));
          if (node < 0) break;
          const surfaceIndex = terminalOf[node]!;
          if (surfaceIndex < 0) continue;
          if (e + 1 < n && joins(nt.charCodeAt(e), nt.charCodeAt(e + 1))) continue;
          best = e + 1;
          bestSurface = surfaceIndex;
        }
      }
      if (best < 0) {
        s++;
        continue;
      }
      const span = toOriginalSpan(norm, s, best);
      out.push({ start: span.start, end: span.end, surface: text.slice(span.start, span.end), entries: entriesOf(bestSurface) });
      s = best;
    }
    return out;
  }

  stats.buildMs = performance.now() - started;
  return { lookup, scan, entries, stats };
}

/** Function form of `matcher.lookup`, for callers that prefer it (e.g. the hover benchmark). */
export function lookup(matcher: Matcher, text: string, offset: number): TermMatch[] {
  return matcher.lookup(text, offset);
}
