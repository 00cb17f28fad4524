// A message and the next step after it, as one text: the extension's notifications and the panel
// show what the server sent in a ResponseError's data.next this way. Browser-safe, no catalogue.

/** `text` then `next`: a space between them, none after a Japanese full stop. */
export function withNextStep(text: string, next: string | undefined): string {
  if (!next) return text;
  if (!text) return next;
  return /[。．！？]$/.test(text) ? text + next : `${text} ${next}`;
}
