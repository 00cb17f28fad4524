// The layer rules of MedLocal's source tree, checked by `npm run lint:layers` (part of `npm test`).
// Each folder under src/ is a layer; a layer imports only the layers listed for it, and nothing
// may form a cycle. Bottom to top:
//   shared    plain helpers and settings types, browser-safe (no Node built-ins)
//   terms     hover dictionaries: normaliser, matcher, loaders (no LSP)
//   engine    inference engines, scheduler, GGUF reading, model download, GPU doctor (no LSP, no evaluation)
//   eval      the evaluation core: datasets, formats, scoring, metrics, runner, run files, report renderers
//   protocol  the messages between extension, server and panel (types of the layers below only)
//   view      the benchmark panel's view model and strings, shared by the panel and the extension host
//   server    the language server (LSP glue)        cli        `medlocal bench`
//   extension the VS Code extension host           webview    the panel's browser bundle
/** @type {import('dependency-cruiser').IConfiguration} */
const layers = {
  shared: ['shared'],
  terms: ['shared', 'terms'],
  engine: ['shared', 'engine'],
  eval: ['shared', 'engine', 'eval'],
  protocol: ['shared', 'terms', 'engine', 'eval', 'protocol'],
  view: ['shared', 'protocol', 'view', 'eval'],
  server: ['shared', 'terms', 'engine', 'eval', 'protocol', 'server'],
  cli: ['shared', 'engine', 'eval', 'cli'],
  extension: ['shared', 'protocol', 'view', 'extension'],
  webview: ['shared', 'protocol', 'view', 'webview'],
};
const names = Object.keys(layers);
const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'No import cycle anywhere in src/.',
    from: { path: '^src/' },
    to: { circular: true },
  },
  ...names.map((layer) => ({
    name: `layer-${layer}`,
    severity: 'error',
    comment: `src/${layer} may import only: ${layers[layer].join(', ')}.`,
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(?!(${layers[layer].join('|')})/)` },
  })),
  {
    name: 'protocol-types-only',
    severity: 'error',
    comment: 'The protocol takes only types from the layers below it.',
    from: { path: '^src/protocol/' },
    to: { path: '^src/(terms|engine|eval)/', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'eval-engine-interface-only',
    severity: 'error',
    comment: 'The evaluation core knows the engine by its interface alone.',
    from: { path: '^src/eval/' },
    to: { path: '^src/engine/(?!types\\.ts$)' },
  },
  {
    name: 'browser-only',
    severity: 'error',
    comment: 'The panel bundle and what it shares run in a browser: no Node built-ins, no native modules.',
    from: { path: '^src/(webview|view|shared)/' },
    to: { dependencyTypes: ['core'] },
  },
  {
    name: 'view-eval-pure-only',
    severity: 'error',
    comment: 'The view model may use the pure metrics and report renderers of the core, nothing that touches files or an engine.',
    from: { path: '^src/view/' },
    to: { path: '^src/eval/(?!(metrics|report/))' },
  },
];
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
