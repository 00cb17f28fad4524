// `medlocal bench score`: predictions made elsewhere, scored under an evaluation protocol into a
// normal run folder (no model).
//
//   medlocal bench score [--dataset DATASET] --predictions FILE|DIR [--name MODEL]
//                        [--protocol igakuqa-official|harness|medlocal] [--out DIR] [--json]
//
// The protocol defaults to the predictions' own: IgakuQA baseline files → igakuqa-official,
// harness result files → harness, {id, prediction} → medlocal.

import type { RunSummary } from '../eval/metrics';
import { isProtocolId, PROTOCOL_IDS, type ProtocolId } from '../eval/protocols';
import type { ImportIssue } from '../eval/protocols/importPredictions';
import { scoreImportedPredictions } from '../eval/protocols/scoreImport';
import { summaryTable } from './report';
import { format, msg, type Locale } from '../shared/messages/index';
import { UserError } from '../shared/userError';



/** Issues printed one by one on stderr; all of them are in --json. */
const PRINTED_ISSUES = 30;

/** The issues printed on stderr, in the CLI's language (--json keeps them in English). */
function issueLines(issues: readonly ImportIssue[], locale: Locale): string[] {
  const line = (issue: ImportIssue) => `  ${issue.where}: ${issue.id !== undefined ? `${issue.id}: ` : ''}${format(locale, issue.problem)}`;
  return [
    format(locale, msg('cliPredictionIssues', issues.length)),
    ...issues.slice(0, PRINTED_ISSUES).map(line),
    ...(issues.length > PRINTED_ISSUES ? [format(locale, msg('cliMoreIssues', issues.length - PRINTED_ISSUES))] : []),
  ];
}

export interface ScoreOptions {
  dataset?: string;
  predictions?: string;
  name?: string;
  protocol?: string;
  out?: string;
  json: boolean;
  now: Date;
}

export interface ScoreIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The language of the messages on stderr (default English). */
  locale?: Locale;
}

/** Throws UserError for bad input (the caller exits 2 with the message). */
export function runScore(options: ScoreOptions, io: ScoreIo): number {
  if (options.predictions === undefined) throw new UserError(msg('cliNoPredictions'));
  if (options.protocol !== undefined && !isProtocolId(options.protocol)) throw new UserError(msg('cliBadProtocol', PROTOCOL_IDS.join(', '), options.protocol));
  const { runDir, summary, issues } = scoreImportedPredictions({
    predictions: options.predictions,
    ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
    ...(options.protocol !== undefined ? { protocol: options.protocol as ProtocolId } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.out !== undefined ? { runDir: options.out } : {}),
    now: options.now,
  });
  if (issues.length > 0) {
    io.err(issueLines(issues, io.locale ?? 'en').join('\n') + '\n');
  }
  io.out(options.json ? JSON.stringify({ runDir, ...scoreJson(summary), issues: issues.map((issue) => ({ ...issue, problem: format('en', issue.problem) })) }) + '\n' : summaryTable(summary, runDir, 'scored'));
  return 0;
}

interface Pair {
  score: number;
  total: number;
}

/** The --json object: the figures published references report, named as they name them. */
export function scoreJson(summary: RunSummary): Record<string, unknown> {
  const byBlock = Object.fromEntries(Object.entries(summary.byBlock).map(([block, stats]) => [block, {
    questions: stats.n, correct: stats.correct, accuracy: stats.accuracy, points: { score: stats.pointsEarned, total: stats.pointsPossible },
  }]));
  const json: Record<string, unknown> = {
    protocol: summary.protocol ?? 'medlocal',
    questions: summary.total,
    correct: summary.correct,
    accuracy: summary.accuracy,
    points: { score: summary.points.earned, total: summary.points.possible },
    kinkiPicked: summary.kinki.questionsWithPick,
    byBlock,
    quirks: summary.quirks ?? [],
  };
  if (summary.protocol === 'harness') {
    json['exactMatch'] = summary.exactMatch?.count ?? 0;
    json['gestaltMatch'] = summary.gestalt?.count ?? 0;
  }
  const exams = Object.values(summary.official?.byExam ?? {});
  if (summary.official) {
    const sum = (pick: (exam: (typeof exams)[number]) => Pair): Pair => exams.reduce((total, exam) => ({ score: total.score + pick(exam).score, total: total.total + pick(exam).total }), { score: 0, total: 0 });
    json['required'] = sum((exam) => exam.required);
    json['general'] = sum((exam) => exam.general);
    json['kinkiPicked'] = exams.reduce((total, exam) => total + exam.kinkiPicked, 0);
    json['pass'] = exams.length === 1 ? exams[0]?.pass ?? null : null;
    json['verdict'] = exams.length === 1 ? exams[0]?.verdict : 'one verdict per exam: see byExam';
    json['byExam'] = summary.official.byExam;
    json['emptyPredictions'] = summary.official.emptyPredictions;
  }
  return json;
}
