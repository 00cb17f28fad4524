// The benchmark's closed lists, as plain constants: the scoring modes and the dataset kinds. They
// live at the bottom so the evaluation core, the protocol and the panel's browser bundle share one
// copy (the protocol takes only types from the evaluation core).

export type ScoringMode = 'letter' | 'likelihood' | 'generate';
export const SCORING_MODES: readonly ScoringMode[] = ['letter', 'likelihood', 'generate'];

export type DatasetKind = 'igakuqa' | 'medqa' | 'medmcqa' | 'jmedbench' | 'jsonl' | 'csv' | 'sample';
export const DATASET_KINDS: readonly DatasetKind[] = ['igakuqa', 'medqa', 'medmcqa', 'jmedbench', 'jsonl', 'csv', 'sample'];

/**
 * Evaluation protocols: which question set, answer parsing and metrics produce a run's number.
 * medlocal is MedLocal's own (the default); the others reproduce a published reference (see
 * src/eval/protocols/).
 */
export type ProtocolId = 'medlocal' | 'igakuqa-official' | 'harness';
export const PROTOCOL_IDS: readonly ProtocolId[] = ['medlocal', 'igakuqa-official', 'harness'];
export const DEFAULT_PROTOCOL: ProtocolId = 'medlocal';
