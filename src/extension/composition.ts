// Whether an IME composition (Japanese input) is probably in progress. VS Code has no API for it,
// but a composition shows in the document as repeated edits that REPLACE the previous preedit text
// (rangeLength > 0) with kana or romaji; plain typing inserts (rangeLength 0). Conservative on
// purpose: while this says "composing", no ghost text is requested.
const PREEDIT = /^[\u3040-\u309f\u30a0-\u30ffa-zA-Z'ー]+$/u;

export interface ContentChange {
  rangeLength: number;
  text: string;
}

export function looksLikeComposition(change: ContentChange): boolean {
  return change.rangeLength > 0 && change.text.length > 0 && PREEDIT.test(change.text);
}

/** Remembers, per document, whether its last edit looked like a composition update. */
export class CompositionTracker {
  private readonly composing = new Map<string, boolean>();

  update(uri: string, changes: readonly ContentChange[]): void {
    const last = changes[changes.length - 1];
    if (last) this.composing.set(uri, looksLikeComposition(last));
  }

  isComposing(uri: string): boolean {
    return this.composing.get(uri) === true;
  }

  forget(uri: string): void {
    this.composing.delete(uri);
  }
}
