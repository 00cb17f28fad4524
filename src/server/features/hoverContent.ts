// The Markdown of a term hover: plain data in, Markdown out (unit tested without a server).
import type { TermEntryInfo, TermMatchInfo } from '../../protocol/protocol';
import type { HoverExplainSetting } from '../../shared/settings';
import type { Language } from '../../shared/language';

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
 * Escapes what Markdown would interpret in dictionary text (data, not markup): emphasis, code,
 * links, HTML and tables anywhere, and a heading or list marker at the start. Ordinary punctuation
 * (C-reactive, 2.5) stays readable in the raw text.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1').replace(/^(\s*)([#+-]|\d+\.)(?=\s)/, '$1\\$2');
}

export function renderTermHover(match: TermMatchInfo, options: HoverRenderOptions): string {
  const labels = LABELS[options.language];
  const parts: string[] = [];
  if (match.entries.length > 1) parts.push(`**${escapeMarkdown(match.surface)}** — ${match.entries.length} ${labels.candidates}`);
  for (const entry of match.entries) parts.push(renderEntry(entry, options.language));
  if (options.explanation) {
    parts.push(`*${labels.modelGenerated} (${escapeMarkdown(options.explanation.model)}):* ${escapeMarkdown(options.explanation.text.trim())}`);
  } else if (options.explain !== 'off') {
    const args = encodeURIComponent(JSON.stringify([{ term: match.surface, entryId: match.entries[0]?.id, uri: options.uri }]));
    parts.push(`[${labels.explain}](command:medlocal.explainTerm?${args})`);
  }
  return parts.join('\n\n---\n\n');
}

function renderEntry(entry: TermEntryInfo, language: Language): string {
  const labels = LABELS[language];
  const title = [entry.ja, entry.en].filter(Boolean).map((name) => `**${escapeMarkdown(name)}**`).join(' · ');
  const lines = [title];
  if (entry.reading) lines.push(`${labels.reading}: ${escapeMarkdown(entry.reading)}`);
  const codes = [entry.icd10 ? `ICD-10: \`${entry.icd10}\`` : '', entry.mesh ? `MeSH: \`${entry.mesh}\`` : ''].filter(Boolean).join(' · ');
  if (codes) lines.push(codes);
  if (entry.abbreviations.length > 0) lines.push(`${labels.abbreviations}: ${entry.abbreviations.map(escapeMarkdown).join(', ')}`);
  if (entry.synonyms.length > 0) lines.push(`${labels.synonyms}: ${entry.synonyms.slice(0, 8).map(escapeMarkdown).join(', ')}`);
  const definitions = language === 'ja' ? [entry.definitionJa, entry.definitionEn] : [entry.definitionEn, entry.definitionJa];
  for (const definition of definitions) if (definition) lines.push(escapeMarkdown(definition));
  const source = [entry.source.name, entry.source.version ? `v${entry.source.version}` : '', entry.source.licence ?? ''].filter(Boolean).join(', ');
  lines.push(`*${labels.source}: ${escapeMarkdown(source)}*`);
  return lines.join('  \n');
}
