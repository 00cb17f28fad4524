// What VS Code would turn into something live, found the way VS Code finds it, for tests about
// foreign text (dictionary values, model names, settings, remote errors).

/**
 * Links a notification renders: VS Code parses notification text with its linked-text parser
 * (vs/base/common/linkedText.ts), which knows `[label](https://…|command:…|file:…)` and no
 * backslash escapes.
 */
export function liveNoticeLinks(text: string): string[] {
  return text.match(/\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi) ?? [];
}

/** Drops backslash-escaped characters and code spans, which Markdown shows literally. */
function unescaped(markdown: string): string {
  return markdown.replace(/\\[\s\S]/g, '\u0000\u0000').replace(/(?<!`)(`+)(?!`)[^\n]*?(?<!`)\1(?!`)/g, '');
}

/** Inline links and images in Markdown: `[label](target)` whose brackets are not escaped. */
export function liveMarkdownLinks(markdown: string): string[] {
  return unescaped(markdown).match(/\[[^\]\n]*\]\([^)\n]*\)?/g) ?? [];
}

/** Raw HTML tags (or comments) in Markdown, which a renderer with HTML support would keep. */
export function liveMarkdownHtml(markdown: string): string[] {
  return unescaped(markdown).match(/<[A-Za-z/!?][^>\n]*>?/g) ?? [];
}

/** Lines that would start a heading, blockquote, list, HTML block or setext underline. */
export function markdownBlockStarts(lines: readonly string[]): string[] {
  return lines.filter((line) => /^\s{0,3}(#{1,6}(\s|$)|>|[-+*]\s|\d+[.)]\s|<[A-Za-z/!?]|=+\s*$|-{2,}\s*$)/.test(line));
}
