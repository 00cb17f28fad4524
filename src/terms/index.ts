// The public surface of the term dictionaries: built-in data, file loaders, the matcher.
export { BUILTIN_SOURCE, loadBuiltinDictionary } from './builtin.js';
export { loadDictionaryFile, MANBYO_LICENCE } from './loaders.js';
export { buildMatcher, lookup, type Matcher, type MatcherStats } from './matcher.js';
export { normalizeForMatch, normalizeTerm } from './normalize.js';
export { formatSkipped, type LoadResult, type SkippedLine, type TermEntry, type TermKind, type TermMatch, type TermSource } from './types.js';
