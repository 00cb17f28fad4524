// Public API of the benchmark module (datasets, prompt formats, scoring, metrics, runner), for the
// LSP feature and the CLI. Nothing here imports vscode or the LSP.

export * from './question';
export { loadDataset, parseDatasetArgument, DATASET_KINDS, type DatasetKind, type DatasetSpec, type ColumnMapping } from './datasets';
export { loadIgakuQA, parseKinki, parseAnswerLetters } from './datasets/igakuqa';
export { type AnswerFormat } from './datasets/mcqa';
export { loadSampleSet, writeSampleSetAsIgakuQA, SAMPLE_QUESTIONS, SAMPLE_SOURCE, type SampleQuestion } from './sample';
export {
  getPromptFormat,
  listPromptFormats,
  loadTemplateFormat,
  builtinTemplateText,
  PROMPT_FORMAT_IDS,
  type PromptFormat,
} from './formats';
export { parseTemplate, renderTemplate, TemplateError } from './template';
export { SequenceMatcher, sequenceRatio, gestaltScore } from './difflib';
export {
  answerQuestion,
  isCorrect,
  extractAnswerLine,
  cleanAnswer,
  isExactMatch,
  parseLetterAnswer,
  gestaltPrediction,
  letterCandidates,
  SCORING_MODES,
  type AnswerRecord,
  type ScoringMode,
  type ScoringOptions,
  type LengthNormalization,
} from './scoring';
export { summariseAnswers, compareRuns, wilsonInterval, mcnemarExactP, pairedDifferenceInterval, type RunSummary, type GroupStats, type RunComparison } from './metrics';
export { summaryToCsv } from './report/csv';
export { runBenchmark, keptSentence, RunInterruptedError, type RunBenchmarkOptions, type BenchmarkProgress, type BenchmarkResult } from './runner';
export { readRun, readRunAsync, readAnswersFile, readAnswersFileAsync, RunFileError, type RunManifest, type StoredRun } from './runFiles';
export { MEDLOCAL_VERSION } from './version';
