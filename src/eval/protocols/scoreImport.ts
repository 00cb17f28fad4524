// Predictions made elsewhere, scored under an evaluation protocol into a normal run folder: the
// one path both `medlocal bench score` (src/cli/score.ts) and the panel's "Import predictions…"
// (the server's medlocal/bench/importPredictions) take.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunSummary } from '../metrics';
import { planRun } from '../plan';
import type { ProtocolId } from '../records';
import { BASELINE_FILE, findPredictionFiles, importPredictions, type ImportIssue, type PredictionsKind } from './importPredictions';
import { writeScoredRun } from './scoredRun';

/** The protocol a kind of predictions is scored under when none is asked for. */
export const DEFAULT_IMPORT_PROTOCOL: Readonly<Record<PredictionsKind, ProtocolId>> = { 'igakuqa-baseline': 'igakuqa-official', harness: 'harness', generic: 'medlocal' };

export interface ScoreImportInput {
  /** A predictions file, or a folder of them. */
  predictions: string;
  /** The dataset argument (`igakuqa:DIR`...), when the predictions do not carry the gold answers. */
  dataset?: string;
  protocol?: ProtocolId;
  /** The model whose files to take from a folder holding several. */
  name?: string;
  /** The run folder to write; otherwise a new folder named after the protocol and model inside `resultsDir`. */
  runDir?: string;
  resultsDir?: string;
  now: Date;
}

export interface ScoreImportResult {
  runDir: string;
  protocol: ProtocolId;
  summary: RunSummary;
  issues: ImportIssue[];
}

export function scoreImportedPredictions(input: ScoreImportInput): ScoreImportResult {
  const found = findPredictionFiles(input.predictions, input.name);
  const protocol: ProtocolId = input.protocol ?? DEFAULT_IMPORT_PROTOCOL[found.kind];
  const plan = input.dataset !== undefined ? planRun({ dataset: input.dataset, scoring: 'generate', protocol }) : undefined;
  const imported = importPredictions(found, protocol, plan?.questions, input.dataset);
  const stamp = input.now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const label = (imported.model ?? basename(input.predictions).replace(/\.jsonl$/, '')).replace(/[^\p{L}\p{N}._-]+/gu, '_');
  const runDir = input.runDir ?? join(input.resultsDir ?? 'medlocal-runs', `${stamp}-score-${protocol}-${label}`);
  const { summary } = writeScoredRun({ runDir, imported, protocol, ...(input.dataset !== undefined ? { dataset: input.dataset } : {}), datasetFiles: plan?.files ?? [], now: input.now });
  return { runDir, protocol, summary, issues: imported.issues };
}

/**
 * What a predictions path holds, for the panel's questions before the import: its kind, the models a
 * folder of IgakuQA baseline files holds (several: the user picks one), and the protocol it is
 * scored under unless another is chosen. Throws UserError as the import would (no such path, no
 * predictions, an unknown layout).
 */
export function describePredictions(path: string): { kind: PredictionsKind; models: string[]; protocol: ProtocolId } {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const models = [...new Set(readdirSync(path).map((file) => BASELINE_FILE.exec(file)?.[2]).filter((model): model is string => model !== undefined))].sort();
    if (models.length > 1) return { kind: 'igakuqa-baseline', models, protocol: DEFAULT_IMPORT_PROTOCOL['igakuqa-baseline'] };
  }
  const found = findPredictionFiles(path);
  return { kind: found.kind, models: found.model !== undefined ? [found.model] : [], protocol: DEFAULT_IMPORT_PROTOCOL[found.kind] };
}
