// The Markdown of a term hover: plain data in, Markdown out (unit tested without a server).
// Dictionary text and model output are foreign text (src/shared/foreignText.ts): escaped on one
// line, or, for a model explanation, quoted line by line under its label, so nothing in them can
// start a heading, end the label's section or carry a link. The client shows hovers with only
// medlocal.explainTerm enabled as a command and HTML off (src/extension/client.ts).
import type { TermEntryInfo, TermMatchInfo } from '../../protocol/protocol';
import type { HoverExplainSetting } from '../../shared/settings';
import type { Language } from '../../shared/language';
import { commandUri, markdownCode, markdownInline, markdownQuote } from '../../shared/foreignText';

export interface CachedExplanation {
  text: string;
  model: string;
}

export interface HoverRenderOptions {
  language: Language;
  explain: HoverExplainSetting;
  /** The cached model explanation of this surface, if any. */
  explanation?: CachedExplanation;
  uri?: string;
}

const LABELS = {
  ja: { reading: '読み', synonyms: '同義語', abbreviations: '略語', source: '出典', explain: 'モデルで説明', modelGenerated: 'モデル生成', candidates: '候補' },
  en: { reading: 'Reading', synonyms: 'Synonyms', abbreviations: 'Abbreviations', source: 'Source', explain: 'Explain with the model', modelGenerated: 'Model-generated', candidates: 'candidates' },
} as const;

/**
 * Dictionary text as one line of literal Markdown (data, not markup): emphasis, code, links, HTML
 * and tables anywhere, line breaks folded, a heading or list marker at the start escaped. Ordinary
 * punctuation (C-reactive, 2.5) stays readable in the raw text.
 */
export function escapeMarkdown(text: string): string {
  return markdownInline(text);
}

export function renderTermHover(match: TermMatchInfo, options: HoverRenderOptions): string {
  const labels = LABELS[options.language];
  const parts: string[] = [];
  if (match.entries.length > 1) parts.push(`**${escapeMarkdown(match.surface)}** — ${match.entries.length} ${labels.candidates}`);
  for (const entry of match.entries) parts.push(renderEntry(entry, options.language));
  if (options.explanation) {
    // The label comes first, on its own line; the model's text follows as a blockquote it cannot leave.
    parts.push(`*${labels.modelGenerated} (${escapeMarkdown(options.explanation.model)}):*\n\n${markdownQuote(options.explanation.text)}`);
  } else if (options.explain !== 'off') {
    const uri = commandUri('medlocal.explainTerm', [{ term: match.surface, entryId: match.entries[0]?.id, uri: options.uri }]);
    parts.push(`[${labels.explain}](${uri})`);
  }
  return parts.join('\n\n---\n\n');
}

function renderEntry(entry: TermEntryInfo, language: Language): string {
  const labels = LABELS[language];
  const title = [entry.ja, entry.en].filter(Boolean).map((name) => `**${escapeMarkdown(name)}**`).join(' · ');
  const lines = [title];
  if (entry.reading) lines.push(`${labels.reading}: ${escapeMarkdown(entry.reading)}`);
  const codes = [entry.icd10 ? `ICD-10: ${markdownCode(entry.icd10)}` : '', entry.mesh ? `MeSH: ${markdownCode(entry.mesh)}` : ''].filter(Boolean).join(' · ');
  if (codes) lines.push(codes);
  if (entry.abbreviations.length > 0) lines.push(`${labels.abbreviations}: ${entry.abbreviations.map(escapeMarkdown).join(', ')}`);
  if (entry.synonyms.length > 0) lines.push(`${labels.synonyms}: ${entry.synonyms.slice(0, 8).map(escapeMarkdown).join(', ')}`);
  const definitions = language === 'ja' ? [entry.definitionJa, entry.definitionEn] : [entry.definitionEn, entry.definitionJa];
  for (const definition of definitions) if (definition) lines.push(escapeMarkdown(definition));
  const source = [entry.source.name, entry.source.version ? `v${entry.source.version}` : '', entry.source.licence ?? ''].filter(Boolean).join(', ');
  lines.push(`*${labels.source}: ${escapeMarkdown(source)}*`);
  return lines.join('  \n');
}
