import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INITIAL_STATE, parsePanelState, parseWebviewMessage, type WebviewToExtension } from '../../../src/protocol/webviewMessages';

function parse(value: unknown): { message: WebviewToExtension | undefined; reasons: string[] } {
  const reasons: string[] = [];
  const message = parseWebviewMessage(value, (reason) => reasons.push(reason));
  return { message, reasons };
}

describe('messages from the webview: well-formed ones pass', () => {
  const good: WebviewToExtension[] = [
    { type: 'ready' },
    { type: 'refreshRuns' },
    { type: 'changeModel' },
    { type: 'loadRun', runDir: '/runs/2026-a' },
    { type: 'openFolder', runDir: 'C:\\Users\\me\\runs\\2026-a' },
    { type: 'resume', runDir: '/runs/2026-a' },
    { type: 'question', runDir: '/runs/2026-a', id: '116A1' },
    { type: 'compare', runA: '/runs/a', runB: '/runs/b' },
    { type: 'compareCategories', runDirs: ['/runs/local', '/runs/gpt4', '/runs/chatgpt', '/runs/student-majority'] },
    { type: 'compareCategories', runDirs: ['/runs/a', '/runs/b'] },
    { type: 'export', format: 'json', target: { kind: 'categories', runDirs: ['/runs/a', '/runs/b', '/runs/c'] } },
    { type: 'datasetFacts', dataset: 'igakuqa:/data/IgakuQA/2022', language: 'ja' },
    { type: 'start', choices: { dataset: 'sample', language: 'en', format: 'igakuqa', scoring: 'letter' } },
    { type: 'start', choices: { dataset: 'medqa:/d/test.jsonl', language: 'en', format: 'medpalm_five_choice_cot', scoring: 'generate', limit: 50, seed: 7, parallel: 4 } },
    { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', shuffle: { k: 5, seed: 42 } } },
    { type: 'cancel', runId: 'run-123-1' },
    { type: 'export', format: 'markdown', target: { kind: 'run', runDir: '/runs/a' } },
    { type: 'export', format: 'csv', target: { kind: 'compare', runA: '/runs/a', runB: '/runs/b' } },
    { type: 'browse', kind: 'folder' },
    { type: 'start', choices: { dataset: 'igakuqa:/d/2018', language: 'ja', format: 'igakuqa', scoring: 'generate', protocol: 'igakuqa-official' } },
    { type: 'start', choices: { dataset: 'sample', language: 'en', format: 'igakuqa', scoring: 'generate', protocol: 'harness' } },
    { type: 'importPredictions', kind: 'folder', dataset: 'igakuqa:/data/IgakuQA/2018' },
    { type: 'importPredictions', kind: 'file' },
    { type: 'rendered', runDir: '/runs/a', summaryText: 'Accuracy: 62.5% (5/8 · 95% CI 30.6–86.3%)\nPoints score: 11/16' },
    { type: 'webviewError', message: 'TypeError: x is undefined\n  at main.ts:1' },
  ];
  for (const message of good) {
    test(`${message.type} ${JSON.stringify(message).slice(0, 60)}`, () => {
      const { message: parsed, reasons } = parse(JSON.parse(JSON.stringify(message)));
      assert.deepEqual(parsed, message);
      assert.deepEqual(reasons, []);
    });
  }

  test('unknown fields are not carried along', () => {
    const { message } = parse({ type: 'loadRun', runDir: '/runs/a', extra: 'x', __proto__: { polluted: true } });
    assert.deepEqual(message, { type: 'loadRun', runDir: '/runs/a' });
    assert.equal(Object.keys(message ?? {}).length, 2);
    const start = parse({ type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', resultsDir: '/etc', resumeDir: '/x' } }).message;
    assert.deepEqual(start, { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter' } });
  });
});

describe('messages from the webview: malformed ones are dropped with a reason', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', 'ready', /message is not an object/],
    ['null', null, /not an object/],
    ['an array', [{ type: 'ready' }], /not an object/],
    ['no type', { runDir: '/x' }, /unknown message type/],
    ['unknown type', { type: 'runShell', command: 'rm -rf /' }, /unknown message type "runShell"/],
    ['runDir missing', { type: 'loadRun' }, /runDir is not a string/],
    ['runDir a number', { type: 'openFolder', runDir: 42 }, /runDir is not a string/],
    ['runDir empty', { type: 'openFolder', runDir: '' }, /runDir is empty/],
    ['runDir with a newline', { type: 'openFolder', runDir: '/runs/a\n/etc' }, /control characters/],
    ['runDir with NUL', { type: 'loadRun', runDir: '/runs/a\u0000' }, /control characters/],
    ['runDir too long', { type: 'loadRun', runDir: `/${'a'.repeat(5000)}` }, /longer than 4096/],
    ['question without id', { type: 'question', runDir: '/runs/a' }, /id is not a string/],
    ['compare with itself', { type: 'compare', runA: '/runs/a', runB: '/runs/a' }, /same run/],
    ['dataset without kind', { type: 'datasetFacts', dataset: '/data/IgakuQA', language: 'ja' }, /dataset is not "sample" or KIND:PATH/],
    ['dataset of an unknown kind', { type: 'datasetFacts', dataset: 'http:evil', language: 'ja' }, /dataset is not/],
    ['dataset kind without a path', { type: 'datasetFacts', dataset: 'medqa:', language: 'ja' }, /dataset is not/],
    ['language de', { type: 'datasetFacts', dataset: 'sample', language: 'de' }, /language is not one of ja, en/],
    ['choices missing', { type: 'start' }, /choices is not an object/],
    ['scoring unknown', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'vibes' } }, /scoring is not one of/],
    ['format missing', { type: 'start', choices: { dataset: 'sample', language: 'ja', scoring: 'letter' } }, /format is not a string/],
    ['shuffle K zero', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', shuffle: { k: 0, seed: 1 } } }, /shuffle is not a whole number from 1 to 50/],
    ['shuffle K too many', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', shuffle: { k: 51, seed: 1 } } }, /shuffle is not a whole number from 1 to 50/],
    ['shuffle without seed', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', shuffle: { k: 3 } } }, /shuffle needs k and seed/],
    ['shuffle a number', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', shuffle: 3 } }, /shuffle is not an object/],
    ['limit zero', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', limit: 0 } }, /limit is not a whole number from 1/],
    ['limit fractional', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', limit: 2.5 } }, /limit is not a whole number/],
    ['limit a string', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', limit: '10' } }, /limit is not a whole number/],
    ['parallel too high', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', parallel: 1000 } }, /parallel is not a whole number from 1 to 64/],
    ['seed negative', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', limit: 5, seed: -1 } }, /seed is not a whole number/],
    ['seed without limit', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', seed: 3 } }, /seed without limit/],
    ['cancel without runId', { type: 'cancel' }, /runId is not a string/],
    ['export format pdf', { type: 'export', format: 'pdf', target: { kind: 'run', runDir: '/r' } }, /format is not one of csv, json, markdown/],
    ['export target kind', { type: 'export', format: 'csv', target: { kind: 'all' } }, /target.kind is not run, compare or categories/],
    ['category chart of one run', { type: 'compareCategories', runDirs: ['/runs/a'] }, /runDirs does not hold 2 to 8 runs/],
    ['category chart of nine runs', { type: 'compareCategories', runDirs: Array.from({ length: 9 }, (_, i) => `/runs/${i}`) }, /runDirs does not hold 2 to 8 runs/],
    ['category chart naming a run twice', { type: 'compareCategories', runDirs: ['/runs/a', '/runs/b', '/runs/a'] }, /names a run twice/],
    ['category chart runs not a list', { type: 'compareCategories', runDirs: '/runs/a,/runs/b' }, /runDirs is not a list/],
    ['category chart run not a string', { type: 'compareCategories', runDirs: ['/runs/a', 7] }, /runDirs\[1\] is not a string/],
    ['category chart run with a newline', { type: 'compareCategories', runDirs: ['/runs/a', '/runs/b\n/etc'] }, /control characters/],
    ['category export naming a run twice', { type: 'export', format: 'csv', target: { kind: 'categories', runDirs: ['/r', '/r'] } }, /names a run twice/],
    ['export target missing', { type: 'export', format: 'csv' }, /target is not an object/],
    ['browse kind', { type: 'browse', kind: 'network' }, /kind is not one of folder, file/],
    ['protocol unknown', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', protocol: 'lenient' } }, /protocol is not one of medlocal, igakuqa-official, harness/],
    ['protocol a number', { type: 'start', choices: { dataset: 'sample', language: 'ja', format: 'igakuqa', scoring: 'letter', protocol: 1 } }, /protocol is not one of/],
    ['import kind unknown', { type: 'importPredictions', kind: 'url' }, /kind is not one of folder, file/],
    ['import without kind', { type: 'importPredictions', dataset: 'igakuqa:/d' }, /kind is not one of/],
    ['import dataset without kind', { type: 'importPredictions', kind: 'folder', dataset: '/data/IgakuQA/2018' }, /dataset is not "sample" or KIND:PATH/],
    ['import dataset with a newline', { type: 'importPredictions', kind: 'file', dataset: 'igakuqa:/d\n/etc' }, /control characters/],
    ['rendered text too long', { type: 'rendered', runDir: '/r', summaryText: 'x'.repeat(20_001) }, /summaryText is longer/],
  ];
  for (const [name, value, reason] of bad) {
    test(name, () => {
      const { message, reasons } = parse(value);
      assert.equal(message, undefined);
      assert.equal(reasons.length, 1);
      assert.match(reasons[0] ?? '', /^dropped a malformed webview message/);
      assert.match(reasons[0] ?? '', reason);
    });
  }

  test('an import carries only its kind and dataset: no path, results folder or protocol from the page', () => {
    const { message } = parse({ type: 'importPredictions', kind: 'folder', dataset: 'igakuqa:/d/2018', predictions: '/etc', resultsDir: '/tmp', protocol: 'harness' });
    assert.deepEqual(message, { type: 'importPredictions', kind: 'folder', dataset: 'igakuqa:/d/2018' });
  });

  test('without a logger it still drops, silently', () => {
    assert.equal(parseWebviewMessage({ type: 'nope' }), undefined);
  });
});

describe('restored panel state', () => {
  test('garbage and other versions give the initial state', () => {
    for (const value of [undefined, null, 'x', 42, [], { version: 2, tab: 'history' }]) assert.deepEqual(parsePanelState(value), INITIAL_STATE);
  });

  test('valid fields are kept and invalid ones fall back', () => {
    const state = parsePanelState({
      version: 1,
      tab: 'history',
      choices: { dataset: 'igakuqa:/d/2022', language: 'en', format: 'igakuqa', scoring: 'generate', limit: 20, seed: 3, parallel: 99 },
      countMode: 'random',
      runDir: '/runs/a',
      compare: ['/runs/a', '/runs/b'],
      filters: { wrongOnly: true, category: '循環器', answers: 'multi', search: '116A' },
      seenFinished: 'run-1-1',
    });
    assert.deepEqual(state, {
      version: 1,
      tab: 'history',
      choices: { dataset: 'igakuqa:/d/2022', language: 'en', format: 'igakuqa', scoring: 'generate', limit: 20, seed: 3 },
      countMode: 'random',
      runDir: '/runs/a',
      compare: ['/runs/a', '/runs/b'],
      filters: { wrongOnly: true, category: '循環器', answers: 'multi', search: '116A' },
      seenFinished: 'run-1-1',
    });
    assert.equal(parsePanelState({ version: 1, choices: { protocol: 'igakuqa-official' } }).choices.protocol, 'igakuqa-official');
    // The category chart's runs come back after a reload; a list that no longer checks out is dropped.
    assert.deepEqual(parsePanelState({ version: 1, chartRuns: ['/runs/a', '/runs/b', '/runs/c'] }).chartRuns, ['/runs/a', '/runs/b', '/runs/c']);
    assert.equal(parsePanelState({ version: 1, chartRuns: ['/runs/a', '/runs/a'] }).chartRuns, undefined);
    assert.equal(parsePanelState({ version: 1, chartRuns: ['/runs/a'] }).chartRuns, undefined);
    assert.equal(parsePanelState({ version: 1, choices: { protocol: 'lenient' } }).choices.protocol, undefined);
    const broken = parsePanelState({ version: 1, tab: 'admin', choices: { dataset: 'ftp:x', scoring: 1 }, countMode: 'some', runDir: 5, compare: ['/a', '/a'], filters: { wrongOnly: 'yes', answers: 'both' } });
    assert.deepEqual(broken, { ...INITIAL_STATE, choices: {} });
  });
});
