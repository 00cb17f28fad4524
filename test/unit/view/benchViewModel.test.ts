import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRuns, summariseAnswers } from '../../../src/eval/metrics';
import {
  ANSWERS_CSV_HEADER,
  answersToCsv,
  cardsText,
  categoriesOf,
  compareView,
  comparisonToCsv,
  comparisonToJson,
  comparisonToMarkdown,
  csvField,
  datasetLabel,
  durationText,
  filterQuestionRows,
  groupRows,
  historyRows,
  humanRows,
  markdownCell,
  pairedDifferenceInterval,
  progressView,
  questionDetailView,
  questionRows,
  runFacts,
  runSummary,
  runToJson,
  runToMarkdown,
  summaryCards,
} from '../../../src/view/benchViewModel';
import { NO_FILTERS } from '../../../src/protocol/webviewMessages';
import { STRINGS } from '../../../src/view/strings';
import { answer, ANSWERS_A, ANSWERS_B, LISTINGS, storedRun } from './fixtures';

const close = (actual: number, expected: number, tolerance = 1e-4) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

describe('summary cards', () => {
  test('letter run: accuracy with Wilson interval, points, 禁忌肢, multi-answer, examinees', () => {
    const cards = summaryCards(summariseAnswers(ANSWERS_A));
    assert.deepEqual(
      cards.map((card) => [card.id, card.value, card.detail, card.tone]),
      [
        ['accuracy', '62.5%', '5/8 · 95% CI 30.6–86.3%', 'neutral'],
        ['points', '11/16', '68.8% of the possible points', 'neutral'],
        ['kinki', '2', 'in 2 questions (of 2 with 禁忌肢)', 'bad'],
        ['multiAnswer', '50.0%', '1/2', 'neutral'],
        ['human', '68.8%', 'model 62.5% on the same 8 questions', 'neutral'],
        ['protocol', 'medlocal', "MedLocal's own scoring; not comparable with published figures", 'neutral'],
      ],
    );
    assert.equal(cardsText(cards).split('\n')[0], 'Accuracy: 62.5% (5/8 · 95% CI 30.6–86.3%)');
  });

  test('generate run: exact match and gestalt cards; errors are flagged', () => {
    const answers = [
      answer('q1', true, { mode: 'generate', exactMatch: true }),
      answer('q2', true, { mode: 'generate', exactMatch: false }),
      answer('q3', false, { mode: 'generate', error: 'engine crashed' }),
    ];
    const cards = summaryCards(summariseAnswers(answers));
    const byId = new Map(cards.map((card) => [card.id, card]));
    assert.equal(byId.get('exactMatch')?.value, '33.3%');
    assert.equal(byId.get('exactMatch')?.detail, '1/3');
    assert.equal(byId.get('gestalt')?.value, '66.7%');
    assert.equal(byId.get('errors')?.value, '1');
    assert.equal(byId.get('errors')?.tone, 'warning');
    assert.equal(byId.get('kinki')?.tone, 'neutral');
    assert.equal(byId.has('human'), false);
  });

  test('Japanese labels come from the same table', () => {
    const cards = summaryCards(summariseAnswers(ANSWERS_A), STRINGS.ja);
    assert.equal(cards[0]?.label, '正答率');
    assert.equal(cards[0]?.detail, '5/8・95%信頼区間 30.6–86.3%');
    assert.equal(cards.find((card) => card.id === 'kinki')?.detail, '2問で選択（禁忌肢のある2問中）');
  });

  test('a partial run (no summary.json) is summarised from its answers', () => {
    const run = storedRun('/runs/partial', ANSWERS_A.slice(0, 3), { status: 'cancelled', dataset: { files: [], questions: 8 } });
    const facts = runFacts(run);
    assert.equal(facts.partial, true);
    assert.equal(facts.total, 8);
    assert.equal(facts.answered, 3);
    assert.equal(runSummary(run).total, 3);
    assert.equal(facts.model, 'Tiny-Med');
    assert.equal(facts.dataset, 'igakuqa:/data/IgakuQA/2022');
  });
});

describe('per block and category, model vs examinees', () => {
  test('rows carry accuracy, interval, points and examinees', () => {
    const summary = summariseAnswers(ANSWERS_A);
    const blocks = groupRows(summary.byBlock);
    assert.deepEqual(
      blocks.map((row) => [row.key, row.n, row.correct, row.accuracyText, row.pointsText, row.humanText]),
      [
        ['116A', 4, 2, '50.0%', '2/4', '75.0%'],
        ['116B', 4, 3, '75.0%', '9/12', '62.5%'],
      ],
    );
    assert.deepEqual(groupRows(summary.byCategory).map((row) => row.key), ['呼吸器', '循環器', '消化器']);
  });

  test('model vs examinees uses the same questions for both', () => {
    const answers = [...ANSWERS_A, answer('X1', true, { block: '116A' })]; // no examinee data: left out
    const rows = humanRows(answers, 'block');
    assert.deepEqual(rows.map((row) => [row.key, row.n, row.modelText, row.humanText, row.differenceText]), [
      ['116A', 4, '50.0%', '75.0%', '−25.0 pt'],
      ['116B', 4, '75.0%', '62.5%', '+12.5 pt'],
    ]);
    assert.deepEqual(humanRows([answer('X', true)], 'category'), []);
  });
});

describe('question table and filters', () => {
  const rows = questionRows(ANSWERS_A);

  test('rows show letters, multi-answer, 禁忌肢 and confidence', () => {
    const a4 = rows.find((row) => row.id === '116A4');
    assert.equal(a4?.gold, 'a,d');
    assert.equal(a4?.predicted, 'a,b');
    assert.equal(a4?.multiAnswer, true);
    assert.equal(a4?.kinkiPicked, 'b');
    assert.equal(a4?.humanAccuracy, 0.6);
    assert.equal(rows.find((row) => row.id === '116A2')?.confidence, 0.5);
    assert.equal(rows.find((row) => row.id === '116A3')?.confidence, undefined);
  });

  test('wrong only, category, multi/single, search (NFKC, case-insensitive, all terms)', () => {
    const ids = (filters: Partial<typeof NO_FILTERS>) => filterQuestionRows(rows, { ...NO_FILTERS, ...filters }).map((row) => row.id);
    assert.equal(ids({}).length, 8);
    assert.deepEqual(ids({ wrongOnly: true }), ['116A2', '116A4', '116B2']);
    assert.deepEqual(ids({ category: '呼吸器' }), ['116A3', '116A4', '116B4']);
    assert.deepEqual(ids({ answers: 'multi' }), ['116A4', '116B1']);
    assert.equal(ids({ answers: 'single' }).length, 6);
    assert.deepEqual(ids({ wrongOnly: true, category: '呼吸器', answers: 'multi' }), ['116A4']);
    assert.deepEqual(ids({ search: '１１６ｂ' }), ['116B1', '116B2', '116B3', '116B4']);
    assert.deepEqual(ids({ search: '116B 消化器' }), ['116B1', '116B2']);
    assert.deepEqual(ids({ search: 'nothing-like-this' }), []);
    assert.deepEqual(categoriesOf(rows), ['呼吸器', '循環器', '消化器']);
  });
});

describe('drill-down and progress', () => {
  test('a question shows its choices with gold, model, 禁忌肢, probabilities and examinees', () => {
    const view = questionDetailView({
      id: '116A4',
      stem: '正しいのはどれか。2つ選べ。',
      choices: ['一', '二', '三', '四', '五'],
      prompt: '[system]\n...\n\n[user]\n...',
      record: { ...(ANSWERS_A[3] ?? answer('x', false)), choiceProbs: [0.4, 0.3, 0.1, 0.15, 0.05], response: 'a,b' },
      choiceBreakdown: [70, 5, 5, 60, 0],
    });
    assert.deepEqual(
      view.choices.map((c) => [c.letter, c.gold, c.predicted, c.kinki, c.probability, c.examinees]),
      [
        ['a', true, true, false, 0.4, 0.7],
        ['b', false, true, true, 0.3, 0.05],
        ['c', false, false, false, 0.1, 0.05],
        ['d', true, false, false, 0.15, 0.6],
        ['e', false, false, false, 0.05, 0],
      ],
    );
    assert.equal(view.gold, 'a,d');
    assert.equal(view.predicted, 'a,b');
    assert.equal(view.correct, false);
    assert.equal(view.output, 'a,b');
    assert.equal(view.humanAccuracy, 0.6);
  });

  test('a question without an answer record still shows', () => {
    const view = questionDetailView({ id: 'x', stem: 's', choices: ['p', 'q'], prompt: 'p' });
    assert.equal(view.predicted, '—');
    assert.equal(view.correct, undefined);
    assert.equal(view.choices.some((c) => c.gold || c.predicted), false);
  });

  test('progress: counts, running accuracy with interval, tokens/s, ETA, current', () => {
    const view = progressView({ runId: 'r', runDir: '/r', done: 12, total: 36, accuracy: 0.75, ci95: [0.4677, 0.9111], tokensPerSecond: 41.26, etaSeconds: 185, current: 'S-B12' });
    assert.equal(view.fraction, 1 / 3);
    assert.equal(view.countText, '12 / 36 questions');
    assert.equal(view.accuracyText, 'Accuracy so far 75.0% (95% CI 46.8–91.1%)');
    assert.equal(view.tokensText, '41.3 tokens/s');
    assert.equal(view.etaText, 'About 3m 05s left');
    assert.equal(view.currentText, 'Last answered: S-B12');
    const early = progressView({ runId: 'r', runDir: '/r', done: 0, total: 0, accuracy: 0, ci95: [0, 1], tokensPerSecond: null, etaSeconds: null, current: '' });
    assert.equal(early.fraction, 0);
    assert.equal(early.etaText, undefined);
    assert.equal(early.tokensText, undefined);
    assert.equal(durationText(3720), '1h 02m');
    assert.equal(durationText(42), '42s');
  });
});

describe('history', () => {
  test('every run folder is a row; damaged ones say why; cancelled and failed can resume', () => {
    const rows = historyRows(LISTINGS, true);
    assert.deepEqual(
      rows.map((row) => [row.name, row.status, row.model, row.datasetLabel, row.mode, row.date, row.score, row.answered, row.resumable, row.damaged, row.comparable]),
      [
        ['20260131-050400-igakuqa-letter-1', 'completed', 'Tiny-Med', 'igakuqa: 2022', 'letter', '2026-01-31 05:04', '62.5% (30.6–86.3%)', '8/8', false, false, true],
        ['20260130-010000-sample-generate-2', 'cancelled', 'other.gguf', 'sample', 'generate', '2026-01-30 01:00', '33.3%', '3/36', true, false, true],
        ['broken', 'damaged', '—', '—', '—', '—', '—', '—', false, true, false],
        ['20260129-failed', 'failed', '—', 'medqa: test.jsonl', 'likelihood', '—', '—', '0/100', true, false, false],
      ],
    );
    assert.match(rows[2]?.problem ?? '', /manifest\.json is not valid JSON/);
    assert.equal(datasetLabel('jsonl:C:\\data\\set.jsonl'), 'jsonl: set.jsonl');
  });
});

describe('comparing two runs', () => {
  test('known flips, deltas with intervals, McNemar p, per category', () => {
    const comparison = compareRuns(ANSWERS_A, ANSWERS_B);
    const view = compareView(comparison, ANSWERS_A, ANSWERS_B);
    assert.equal(view.common, 8);
    assert.deepEqual(view.onlyInB, ['116C1']);
    assert.deepEqual(view.rightToWrong, ['116A3']);
    assert.deepEqual(view.wrongToRight, ['116A2', '116B2']);
    assert.equal(view.bothCorrect, 4);
    assert.equal(view.bothWrong, 1);
    assert.equal(view.accuracyA, 5 / 8);
    assert.equal(view.accuracyB, 6 / 8);
    assert.equal(view.difference, 1 / 8);
    assert.equal(view.mcnemarP, 1); // 1 vs 2 flips: 2 · P(X ≤ 1 | n = 3) = 2 · 4/8
    assert.equal(view.significant, false);
    assert.ok(view.differenceCi[0] < 0 && view.differenceCi[1] > view.difference);
    const circulatory = view.categories.find((row) => row.key === '循環器');
    assert.deepEqual([circulatory?.n, circulatory?.accuracyAText, circulatory?.accuracyBText, circulatory?.differenceText], [3, '66.7%', '100.0%', '+33.3 pt']);
    assert.equal(view.categories.some((row) => row.key === '腎臓'), false, 'only questions both runs answered');
  });

  test('eight fixes and no breaks is significant', () => {
    const a = Array.from({ length: 20 }, (_, i) => answer(`q${i}`, i >= 8));
    const b = a.map((record) => ({ ...record, correct: true }));
    const view = compareView(compareRuns(a, b), a, b);
    close(view.mcnemarP, 2 / 256, 1e-12);
    assert.equal(view.significant, true);
    assert.ok(view.differenceCi[0] > 0);
  });

  test('the paired interval reproduces Newcombe (1998), method 10', () => {
    // Stat Med 17:2635, examples (a)-(c): pairs (both, first only, second only, neither).
    const [low1, high1] = pairedDifferenceInterval(36, 2, 12, 0);
    close(low1, 0.0569);
    close(high1, 0.3404);
    const [low2, high2] = pairedDifferenceInterval(18, 2, 12, 18);
    close(low2, 0.0562);
    close(high2, 0.329);
    const [low3, high3] = pairedDifferenceInterval(53, 0, 0, 1);
    close(low3, -0.0729);
    close(high3, 0.0729);
    assert.deepEqual(pairedDifferenceInterval(0, 0, 0, 0), [-1, 1]);
  });
});

describe('exports', () => {
  test('CSV: machine-readable header, one row per question', () => {
    const csv = answersToCsv(ANSWERS_A);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], ANSWERS_CSV_HEADER.join(','));
    assert.equal(lines[0], 'id,block,category,source,language,mode,points,gold,predicted,correct,multi_answer,kinki_picked,human_accuracy,confidence,exact_match,answer_line,tokens,elapsed_ms,error');
    assert.equal(lines.length, 9);
    assert.equal(lines[1], '116A1,116A,循環器,igakuqa,ja,letter,1,a,a,true,false,,0.9,0.7,,,,10,');
    assert.equal(lines[4], '116A4,116A,呼吸器,igakuqa,ja,letter,1,"a,d","a,b",false,true,b,0.6,,,,,10,');
  });

  test('CSV: quotes, line breaks and would-be formulas in model output are neutralised', () => {
    assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('line1\nline2'), '"line1\nline2"');
    assert.equal(csvField(-0.5), '-0.5', 'numbers stay numbers');
    assert.equal(csvField(1 / 3), '0.333333');
    const csv = answersToCsv([answer('g1', false, { mode: 'generate', answerLine: '-a, "b"', error: 'oops, again' })]);
    assert.match(csv, /,"'-a, ""b""",/);
    assert.match(csv, /,"oops, again"\r\n$/);
  });

  test('CSV of a comparison: one row per shared question with its change', () => {
    const lines = comparisonToCsv(ANSWERS_A, ANSWERS_B).trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,category,a_predicted,a_correct,b_predicted,b_correct,change');
    assert.equal(lines.length, 9);
    assert.ok(lines.includes('116A3,呼吸器,c,true,a,false,right_to_wrong'));
    assert.ok(lines.includes('116A2,循環器,c,false,b,true,wrong_to_right'));
    assert.ok(lines.includes('116A4,呼吸器,"a,b",false,"a,b",false,both_wrong'));
  });

  test('JSON: the whole run, summary computed when the run has none', () => {
    const run = storedRun('/runs/a', ANSWERS_A);
    const parsed = JSON.parse(runToJson(run)) as { kind: string; summary: { correct: number; total: number }; answers: unknown[]; manifest: { model: { name: string } } };
    assert.equal(parsed.kind, 'medlocal-benchmark-run');
    assert.deepEqual([parsed.summary.correct, parsed.summary.total, parsed.answers.length], [5, 8, 8]);
    assert.equal(parsed.manifest.model.name, 'Tiny-Med');
    const comparison = JSON.parse(comparisonToJson(run, storedRun('/runs/b', ANSWERS_B), compareRuns(ANSWERS_A, ANSWERS_B))) as { wrongToRight: string[]; differenceCi: number[]; categories: unknown[] };
    assert.deepEqual(comparison.wrongToRight, ['116A2', '116B2']);
    assert.equal(comparison.differenceCi.length, 2);
    assert.equal(comparison.categories.length, 3);
  });

  test('Markdown report: tables a paper or ticket can take', () => {
    const md = runToMarkdown(storedRun('/runs/20260131-a', ANSWERS_A));
    assert.match(md, /^# MedLocal benchmark report\n/);
    assert.match(md, /\| Model \| Tiny-Med \(Q4_K_M\) \|/);
    assert.match(md, /## Summary\n\n\| Metric \| Value \|\n\| --- \| ---: \|\n\| Accuracy \| 62\.5% \(5\/8 · 95% CI 30\.6–86\.3%\) \|/);
    assert.match(md, /\| Points score \| 11\/16 \(68\.8% of the possible points\) \|/);
    assert.match(md, /## By block\n\n\| Block \| n \| Correct \| Accuracy \| 95% CI \| Points \| Examinees \|\n\| --- \| ---: \| ---: \| ---: \| ---: \| ---: \| ---: \|\n\| 116A \| 4 \| 2 \| 50\.0% \| 15\.0–85\.0% \| 2\/4 \| 75\.0% \|/);
    assert.match(md, /## By category\n/);
    assert.match(md, /## Model vs examinees\n\n\| Block \| n \| Model \| Examinees \| Difference \|/);
    assert.match(md, /\| 116B \| 4 \| 75\.0% \| 62\.5% \| \+12\.5 pt \|/);
    assert.match(md, /> Intervals are 95% Wilson score intervals\./);
    // Every table row has the same number of cells as its header.
    for (const table of md.split('\n\n').filter((block) => block.startsWith('|'))) {
      const widths = table.split('\n').map((line) => line.split(/(?<!\\)\|/).length);
      assert.ok(widths.every((width) => width === widths[0]), table);
    }
  });

  test('Markdown: cells keep pipes and line breaks from breaking the table; Japanese report', () => {
    assert.equal(markdownCell('a|b\nc'), 'a\\|b c');
    const md = runToMarkdown(storedRun('/runs/x', ANSWERS_A, { model: { name: 'evil | model\nname' } }), STRINGS.ja);
    assert.match(md, /^# MedLocal ベンチマーク報告/);
    assert.match(md, /\| モデル \| evil \\\| model name \|/);
    assert.match(md, /\| 正答率 \| 62\.5% \(5\/8・95%信頼区間 30\.6–86\.3%\) \|/);
  });

  test('Markdown comparison: summary, per category and the flipped questions', () => {
    const md = comparisonToMarkdown(storedRun('/runs/a', ANSWERS_A), storedRun('/runs/b', ANSWERS_B), compareRuns(ANSWERS_A, ANSWERS_B));
    assert.match(md, /^# MedLocal benchmark comparison/);
    assert.match(md, /\| Difference B − A \| \+12\.5 pt \(95% CI −[\d.]+ to \+[\d.]+ pt\) \|/);
    assert.match(md, /\| McNemar's exact test: p = 1\.000 \| not a significant difference at the 5% level \|/);
    assert.match(md, /## Questions that changed\n\n\| Question \| Category \| A \| B \|\n\| --- \| --- \| --- \| --- \|\n\| 116A3 \| 呼吸器 \| c ✓ \| a ✗ \|/);
    assert.match(md, /1 only in A|0 only in A, 1 only in B/);
  });
});
