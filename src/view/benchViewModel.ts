// What the benchmark panel shows, computed from plain run data. Pure: used by the webview
// (rendering) and the extension (exports), tested without either. The metrics and the report
// renderers are the evaluation core's (src/eval/metrics.ts, src/eval/report/), so the panel, the CLI
// and the run files print the same number the same way. One module per part:
//   format.ts     numbers, dates, paths, statuses        runView.ts  a run: facts, cards, groups, progress, history
//   questions.ts  the question table and drill-down      compare.ts  two runs compared
//   exports.ts    CSV, JSON and Markdown exports
export * from './format';
export * from './runView';
export * from './questions';
export * from './compare';
export * from './exports';
