// The built-in bilingual dictionary: JSON files written for this project (src/terms/data),
// bundled into the server so it works with no configuration.
import cardio from './data/diseases-cardio-resp-renal-endo.json';
import otherDiseases from './data/diseases-other.json';
import drugsProcedures from './data/drugs-procedures.json';
import labsSymptoms from './data/labs-symptoms.json';
import type { TermEntry, TermEntryData, TermSource } from './types.js';

export const BUILTIN_SOURCE: TermSource = { name: 'MedLocal built-in', version: '1' };

export const BUILTIN_FILES: Readonly<Record<string, readonly unknown[]>> = {
  'diseases-cardio-resp-renal-endo.json': cardio,
  'diseases-other.json': otherDiseases,
  'labs-symptoms.json': labsSymptoms,
  'drugs-procedures.json': drugsProcedures,
};

let cached: TermEntry[] | undefined;

/** Every built-in entry, with the built-in source attached (one shared object). */
export function loadBuiltinDictionary(): TermEntry[] {
  cached ??= Object.values(BUILTIN_FILES).flatMap((entries) =>
    (entries as TermEntryData[]).map((entry) => ({
      ...entry,
      synonyms: entry.synonyms ?? [],
      abbreviations: entry.abbreviations ?? [],
      source: BUILTIN_SOURCE,
    })),
  );
  return cached;
}
