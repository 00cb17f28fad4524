// Foreign text: anything MedLocal did not write itself (dictionary values, GGUF metadata, settings
// a workspace may set, a remote server's error or model id, model output). It is data, never
// markup: these are the only ways such text goes into a notification or a Markdown string.
//
// * Notifications: VS Code turns `[label](command:…)` in a notification into a link that runs the
//   command with its arguments. Notifications do not honour backslash escapes, so brackets are
//   replaced with their full-width forms (［ ］): still readable, never a link.
// * Markdown (hovers, the status tooltip, the note's answer header, exports): every character
//   Markdown would read as markup is backslash-escaped, and a line break can never start a new
//   block (a heading, an HTML block, text outside a blockquote).
// Pure, no `vscode`: used by the extension, the server (hovers) and the webview bundle alike.

/** Longest foreign text kept in a notification (the rest is in the log). */
export const MESSAGE_MAX_CHARS = 500;

/**
 * C0/C1 control characters (tab and line breaks are handled separately), and the invisible
 * direction overrides that can make displayed text read differently from what it is.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Every line break Markdown or an editor knows, including the Unicode line/paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

function oneLine(text: string): string {
  return text.replace(CONTROL, '').replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(/ {2,}/g, ' ');
}

function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * Text for showErrorMessage / showWarningMessage / showInformationMessage: one line, no control
 * characters, no link syntax (brackets become ［ ］, angle brackets ‹ ›), at most `max` characters.
 */
export function plainForMessage(text: string, max = MESSAGE_MAX_CHARS): string {
  const flat = oneLine(String(text)).trim();
  return bound(flat.replace(/\[/g, '［').replace(/\]/g, '］').replace(/</g, '‹').replace(/>/g, '›'), max);
}

/**
 * Characters that are markup anywhere in a line: emphasis, code, links, HTML, tables, icons, math.
 * An underscore inside a word (Q4_K_M) cannot open or close emphasis and is left readable.
 */
const INLINE_MARKUP = /[\\`*[\]<>|~$]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** `&name;` / `&#123;`: an entity that would be decoded into another character. */
const ENTITY = /&(?=#?[A-Za-z0-9]+;)/g;
/** What starts a block when it opens a line: heading, quote, list, setext/thematic rule, fence. */
const BLOCK_START = /^(\s*)(\d*)([#>+=-]|(?<=\d)[.)])/;

function escapeInline(text: string): string {
  return text.replace(INLINE_MARKUP, '\\$&').replace(ENTITY, '\\&');
}

function escapeLine(line: string): string {
  return escapeInline(line).replace(BLOCK_START, '$1$2\\$3');
}

/**
 * One line of Markdown showing `text` literally: line breaks become spaces, and links, HTML,
 * emphasis, code, headings and list markers are escaped. Optionally bounded to `max` characters
 * (before escaping).
 */
export function markdownInline(text: string, max = Number.POSITIVE_INFINITY): string {
  return escapeLine(bound(oneLine(String(text)).trim(), max));
}

/**
 * A Markdown table cell showing `text` literally: one line, pipes and inline markup escaped. (A
 * cell cannot open a block, so a leading `+3.2` or `#` stays as it is.)
 */
export function markdownTableCell(text: string): string {
  return escapeInline(oneLine(String(text)).trim());
}

/**
 * `text` as inline code: a code span whose fence is longer than any backtick run inside, on one
 * line, so the value cannot close it early.
 */
export function markdownCode(text: string): string {
  const value = oneLine(String(text)).trim();
  let longest = 0;
  for (const run of value.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/**
 * Model-generated (or other foreign) text as a Markdown blockquote: every line starts with `> `,
 * and each line's content is escaped as in markdownInline, so the text cannot end the quote,
 * open a heading or an HTML block, or carry a link. Blank lines stay as paragraph breaks (`>`).
 */
export function markdownQuote(text: string): string {
  const lines = String(text).replace(CONTROL, '').replace(/\t/g, '    ').split(LINE_BREAKS);
  while (lines.length > 1 && !lines[lines.length - 1]?.trim()) lines.pop();
  while (lines.length > 1 && !lines[0]?.trim()) lines.shift();
  return lines.map((line) => (line.trim() ? `> ${escapeLine(line.trim())}` : '>')).join('\n');
}

/**
 * A `command:` URI with its arguments encoded so that nothing in them can end the link: JSON, then
 * encodeURIComponent, then the characters encodeURIComponent leaves alone but Markdown reads
 * (`(`, `)`, `!`, `'`, `*`, `~`) percent-encoded too.
 */
export function commandUri(command: string, args: unknown): string {
  const encoded = encodeURIComponent(JSON.stringify(args)).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `command:${command}?${encoded}`;
}
