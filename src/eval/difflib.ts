// A faithful port of Python's difflib.SequenceMatcher (CPython 3.x), restricted to what gestalt
// matching needs: ratio() over strings with isjunk = None and autojunk = true. Faithful means the
// same matching blocks, hence the same ratio, including the "popular element" heuristic: when the
// second sequence has 200 or more elements, any element occurring more than len/100 + 1 times is
// dropped from the index (so long Japanese texts full of "の" match differently from naive LCS).
//
// Strings are compared by Unicode code point, like Python's str, not by UTF-16 unit.

export interface MatchingBlock {
  /** Start in a. */
  a: number;
  /** Start in b. */
  b: number;
  size: number;
}

export class SequenceMatcher {
  private readonly a: string[];
  private readonly b: string[];
  /** Element of b → ascending indices where it occurs (popular elements removed). */
  private readonly b2j = new Map<string, number[]>();
  private matchingBlocks: MatchingBlock[] | undefined;

  constructor(a: string, b: string, autojunk = true) {
    this.a = Array.from(a);
    this.b = Array.from(b);
    this.chainB(autojunk);
  }

  private chainB(autojunk: boolean): void {
    this.b.forEach((element, index) => {
      const indices = this.b2j.get(element);
      if (indices) indices.push(index);
      else this.b2j.set(element, [index]);
    });
    // isjunk is None, so bjunk is empty; only the popularity heuristic removes elements.
    const n = this.b.length;
    if (autojunk && n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [element, indices] of [...this.b2j]) {
        if (indices.length > ntest) this.b2j.delete(element);
      }
    }
  }

  /** Longest matching block in a[alo:ahi], b[blo:bhi]; earliest in a, then in b, on ties. */
  findLongestMatch(alo: number, ahi: number, blo: number, bhi: number): MatchingBlock {
    const { a, b, b2j } = this;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i += 1) {
      const newj2len = new Map<number, number>();
      for (const j of b2j.get(a[i] as string) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        newj2len.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = newj2len;
    }
    // Extend with equal elements on both sides. In CPython this pass skips junk elements and a
    // second pass adds junk ones; with no junk (bjunk empty) the second pass never fires, but the
    // first one does extend across popular elements, which were only left out of b2j.
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti -= 1;
      bestj -= 1;
      bestsize += 1;
    }
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
      bestsize += 1;
    }
    return { a: besti, b: bestj, size: bestsize };
  }

  getMatchingBlocks(): MatchingBlock[] {
    if (this.matchingBlocks) return this.matchingBlocks;
    const la = this.a.length;
    const lb = this.b.length;
    const queue: [number, number, number, number][] = [[0, la, 0, lb]];
    const blocks: MatchingBlock[] = [];
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
      const match = this.findLongestMatch(alo, ahi, blo, bhi);
      if (match.size === 0) continue;
      blocks.push(match);
      if (alo < match.a && blo < match.b) queue.push([alo, match.a, blo, match.b]);
      if (match.a + match.size < ahi && match.b + match.size < bhi) {
        queue.push([match.a + match.size, ahi, match.b + match.size, bhi]);
      }
    }
    blocks.sort((left, right) => left.a - right.a || left.b - right.b || left.size - right.size);
    this.matchingBlocks = collapseAdjacent(blocks, la, lb);
    return this.matchingBlocks;
  }

  /** 2 * M / T, M = matched elements, T = total elements; 1.0 for two empty sequences. */
  ratio(): number {
    const matches = this.getMatchingBlocks().reduce((sum, block) => sum + block.size, 0);
    const total = this.a.length + this.b.length;
    return total === 0 ? 1 : (2 * matches) / total;
  }
}

/** Joins blocks that touch, and appends the (la, lb, 0) sentinel, as CPython does. */
function collapseAdjacent(blocks: MatchingBlock[], la: number, lb: number): MatchingBlock[] {
  const collapsed: MatchingBlock[] = [];
  let current: MatchingBlock | undefined;
  for (const block of blocks) {
    if (current && current.a + current.size === block.a && current.b + current.size === block.b) {
      current.size += block.size;
      continue;
    }
    if (current) collapsed.push(current);
    current = { ...block };
  }
  if (current) collapsed.push(current);
  collapsed.push({ a: la, b: lb, size: 0 });
  return collapsed;
}

/** difflib.SequenceMatcher(None, a, b).ratio(): not symmetric in general. */
export function sequenceRatio(a: string, b: string): number {
  return new SequenceMatcher(a, b).ratio();
}

/** The gestalt score of the harness: mean of the ratio in both directions. */
export function gestaltScore(choice: string, response: string): number {
  return (sequenceRatio(choice, response) + sequenceRatio(response, choice)) / 2;
}
