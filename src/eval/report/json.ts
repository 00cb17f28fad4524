// JSON renderers: a run (manifest, summary, answers) and any other report, as one indented document.
import { summariseAnswers, type RunSummary } from '../metrics';
import type { AnswerRecord, RunManifest } from '../records';

/** What a run folder holds, as read back (the protocol's StoredRunInfo has this shape). */
export interface RunContents {
  runDir: string;
  manifest?: RunManifest;
  answers: AnswerRecord[];
  summary?: RunSummary;
}

/** The manifest's status; without a manifest, completed when there is a summary. */
export function runStatus(run: RunContents): string {
  return run.manifest?.status ?? (run.summary ? 'completed' : 'unknown');
}

/** The stored summary of a completed run, else one computed from the answers so far. */
export function runSummary(run: RunContents): RunSummary {
  return run.summary ?? summariseAnswers(run.answers);
}

/** A report of the given kind as indented JSON with a final newline. */
export function jsonDocument(kind: string, body: Record<string, unknown>): string {
  return JSON.stringify({ kind, ...body }, null, 2) + '\n';
}

export function runToJson(run: RunContents): string {
  return jsonDocument('medlocal-benchmark-run', { runDir: run.runDir, status: runStatus(run), manifest: run.manifest ?? null, summary: runSummary(run), answers: run.answers });
}
