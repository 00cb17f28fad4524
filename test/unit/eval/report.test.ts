// The same number prints the same way in the CLI's report, the run files and the panel: one
// formatting function each (src/eval/report/), one CSV quoting rule with the formula guard.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRuns, summariseAnswers, summaryToCsv } from '../../../src/eval';
import { comparisonTable, progressLine } from '../../../src/cli/report';
import { comparisonToMarkdown, progressView } from '../../../src/view/benchViewModel';
import { answer, storedRun } from '../view/fixtures';

/** Run A right on the first `rightA` of n questions, run B on the last `rightB`: the flips set McNemar's p. */
function runs(n: number, rightA: number, rightB: number) {
  const a = Array.from({ length: n }, (_, index) => answer(`q${index + 1}`, index < rightA));
  const b = Array.from({ length: n }, (_, index) => answer(`q${index + 1}`, index >= n - rightB));
  return { a, b, comparison: compareRuns(a, b) };
}

function cliP(text: string): string {
  const match = /McNemar exact p {4}(\S+)/.exec(text);
  assert.ok(match, text);
  return match[1] ?? '';
}

function panelP(markdown: string): string {
  const match = /McNemar's exact test: p = (\S+) \|/.exec(markdown);
  assert.ok(match, markdown);
  return match[1] ?? '';
}

describe('one format per number', () => {
  test("the CLI's comparison and the panel's report print McNemar's p the same, to the digit", () => {
    // p = 0.2153 (12 vs 20 flips), 1 (5 vs 5 flips), 7.629e-6 (18 flips one way).
    const cases = [runs(40, 20, 28), runs(10, 5, 5), runs(18, 18, 0)];
    const printed = cases.map(({ a, b, comparison }) => {
      const cli = cliP(comparisonTable(comparison, '/runs/a', '/runs/b'));
      const panel = panelP(comparisonToMarkdown(storedRun('/runs/a', a), storedRun('/runs/b', b), comparison));
      assert.equal(cli, panel, `p = ${comparison.mcnemarP}`);
      return cli;
    });
    assert.deepEqual(printed, ['0.215', '1.000', '7.629e-6']);
  });

  test("the CLI's progress line and the panel's progress print the time left the same", () => {
    const progress = { done: 3, total: 10, accuracy: 2 / 3, tokensPerSecond: null, etaSeconds: 185, current: 'q3' };
    const panel = progressView({ ...progress, runId: 'r', runDir: '/runs/a', ci95: [0.2, 0.9] });
    assert.equal(panel.etaText, 'About 3m 05s left');
    assert.match(progressLine(progress), /\| ETA 3m 05s \|/);
  });
});

describe('CSV', () => {
  test("summary.csv guards spreadsheet formulas as the panel's exports do", () => {
    const summary = summariseAnswers([
      answer('q1', true, { category: '=HYPERLINK("http://x")', block: '+1' }),
      answer('q2', false, { category: '@SUM(A1)', block: '-2' }),
    ]);
    const lines = summaryToCsv(summary).trim().split('\n');
    assert.ok(lines.some((line) => line.startsWith(`category,"'=HYPERLINK(""http://x"")",1,1,`)), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith("category,'@SUM(A1),1,0,")), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith("block,'+1,1,1,")), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith("block,'-2,1,0,")), lines.join('\n'));
  });
});
