// The benchmark's closed lists, as plain constants: the scoring modes and the dataset kinds. They
// live at the bottom so the evaluation core, the protocol and the panel's browser bundle share one
// copy (the protocol takes only types from the evaluation core).

export type ScoringMode = 'letter' | 'likelihood' | 'generate';
export const SCORING_MODES: readonly ScoringMode[] = ['letter', 'likelihood', 'generate'];

export type DatasetKind = 'igakuqa' | 'medqa' | 'medmcqa' | 'jmedbench' | 'jsonl' | 'csv' | 'sample';
export const DATASET_KINDS: readonly DatasetKind[] = ['igakuqa', 'medqa', 'medmcqa', 'jmedbench', 'jsonl', 'csv', 'sample'];
