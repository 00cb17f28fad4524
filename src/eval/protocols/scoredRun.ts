// A normal run folder for predictions scored without a model (medlocal bench score): manifest
// (recipe with the protocol, the prediction files' sha256), answers.jsonl, summary.json and
// summary.csv, so history, drill-down, compare and export work on it as on any run.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { summariseAnswers, type RunSummary } from '../metrics';
import { summaryToCsv } from '../report/csv';
import type { AnswerRecord, ProtocolId, RunManifest } from '../records';
import { ANSWERS_FILE, MANIFEST_FILE, SUMMARY_CSV_FILE, SUMMARY_FILE, writeJsonAtomic, writeTextAtomic } from '../runFiles';
import { RECIPE_KEY } from '../plan';
import { MEDLOCAL_VERSION } from '../version';
import type { ImportedPredictions } from './importPredictions';

function fingerprint(path: string): { path: string; sha256: string } {
  return { path: resolve(path), sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

export interface ScoredRunInput {
  runDir: string;
  imported: ImportedPredictions;
  protocol: ProtocolId;
  /** The --dataset argument, when one was given. */
  dataset?: string;
  datasetFiles: readonly string[];
  now?: Date;
}

export function writeScoredRun(input: ScoredRunInput): { manifest: RunManifest; summary: RunSummary; records: AnswerRecord[] } {
  const { imported } = input;
  mkdirSync(input.runDir, { recursive: true });
  const time = (input.now ?? new Date()).toISOString();
  const manifest: RunManifest = {
    medlocalVersion: MEDLOCAL_VERSION,
    status: 'completed',
    startedAt: time,
    endedAt: time,
    model: { name: imported.model ?? 'imported predictions', imported: true },
    dataset: { files: input.datasetFiles.map(fingerprint), questions: imported.records.length },
    format: { id: 'imported', hash: '', description: `predictions made elsewhere (${imported.kind}), scored by medlocal bench score` },
    scoring: { mode: 'generate' },
    parallel: 0,
    [RECIPE_KEY]: { dataset: input.dataset ?? `predictions:${imported.files[0] ?? ''}`, scoring: 'generate', protocol: input.protocol },
    predictions: { kind: imported.kind, files: imported.files.map(fingerprint) },
    issues: imported.issues.length,
  };
  const summary = summariseAnswers(imported.records);
  writeTextAtomic(join(input.runDir, ANSWERS_FILE), imported.records.map((record) => JSON.stringify(record) + '\n').join(''));
  writeJsonAtomic(join(input.runDir, SUMMARY_FILE), summary);
  writeTextAtomic(join(input.runDir, SUMMARY_CSV_FILE), summaryToCsv(summary));
  writeJsonAtomic(join(input.runDir, MANIFEST_FILE), manifest);
  return { manifest, summary, records: imported.records };
}
