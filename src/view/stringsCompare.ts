// The panel's strings for comparing several runs (the per-category chart of N runs), for shuffled
// runs in the summary and the comparison, and for the protocols an import can use, in English and Japanese. Spread into the one
// table in strings.ts (kept apart only to keep each file short).

export const COMPARE_EN = {
  pickRuns: 'Tick two runs to compare them question by question, or 2–{0} runs (a local run and imported baselines…) to chart their accuracy by category.',
  compareCategoriesSelected: 'Compare categories ({0} runs)',
  chartRunsFull: 'At most {0} runs fit in one chart: untick one first.',
  catTitle: 'Accuracy by category, {0} runs (95% CI)',
  catRunsTitle: 'Runs in the chart',
  catRun: 'Run',
  catAnswered: 'Answered',
  catLeftOut: 'Left out (not answered by every run)',
  catCoverage: 'Every bar counts the {0} questions all {1} runs answered ({2} of them without a category, in no bar); questions only some runs answered are left out of every run.',
  catFirstOrder: 'shuffled: first order only',
  catEmpty: 'These runs have no question with a category that all of them answered.',
  catBack: 'Back to the A/B comparison',
  // Shuffled runs
  cardShuffle: 'Shuffled orders',
  cardShuffleValue: 'K = {0}, seed {1}',
  cardShuffleDetail: 'accuracy mean {0}, min {1}, max {2}; consistency {3} ({4} of {5} questions kept the same answer text)',
  shufflePairing: 'Both runs are shuffled: answers are paired by (question, order); the flips and McNemar count {0} (question, order) pairs, which are not independent (the orders of one question share the question), so read the p-value as indicative only.',
  shuffleFirstOrder: 'A shuffled run is compared by its first order only (permutation 0): one answer per question.',
  // Import predictions: the protocols that can score them
  importWhyHarnessResults: "the harness's own scoring of its result lines (question, choices and gold come from the file); the only protocol these files can be scored under",
  importWhyOfficial: "IgakuQA's official script: every question of the chosen IgakuQA folder, strict prediction strings, points, required/general, pass/fail",
  importWhyHarness: "the research harness's question set and rules, the predictions read as its responses (exact and gestalt match)",
  importWhyMedlocal: "MedLocal's lenient parser and scoring; not comparable with published figures",
  importNeedsDataset: 'These predictions hold no gold answers: choose the dataset they answer under Configure (an IgakuQA folder for the official scoring), then import them again.',
  importOfficialNeedsIgakuqa: 'igakuqa-official is not offered: it needs an IgakuQA folder as the dataset (Configure), not {0}.',
};

export const COMPARE_JA: Record<keyof typeof COMPARE_EN, string> = {
  pickRuns: '問題ごとに比較するには実行を2つ、分野別の正答率をグラフで比べるには 2〜{0} 個（ローカルの実行と取り込んだベースラインなど）選んでください。',
  compareCategoriesSelected: '分野別に比較（{0} 実行）',
  chartRunsFull: '1つのグラフに入る実行は {0} 個までです。先にどれかの選択を外してください。',
  catTitle: '分野別の正答率、{0} 実行（95%信頼区間）',
  catRunsTitle: 'グラフの実行',
  catRun: '実行',
  catAnswered: '解答数',
  catLeftOut: '除外（全実行が答えてはいない問題）',
  catCoverage: 'どの棒も、{1} 個の実行すべてが答えた {0} 問で数えています（うち {2} 問は分野がなく、どの棒にも入りません）。一部の実行だけが答えた問題は、どの実行からも除いています。',
  catFirstOrder: 'シャッフル: 最初の順序のみ',
  catEmpty: 'これらの実行には、全実行が答えた分野付きの問題がありません。',
  catBack: 'A/B 比較に戻る',
  cardShuffle: 'シャッフル順序',
  cardShuffleValue: 'K = {0}、シード {1}',
  cardShuffleDetail: '正答率 平均 {0}・最小 {1}・最大 {2}、一貫性 {3}（{5} 問中 {4} 問が同じ選択肢テキストを答えた）',
  shufflePairing: '両方の実行がシャッフルされているため、解答を（問題, 順序）の組で対応づけています。正誤の変化と McNemar 検定は {0} 組で数えていますが、同じ問題の順序どうしは独立ではないので、p 値は目安としてのみ読んでください。',
  shuffleFirstOrder: 'シャッフルした実行は、最初の順序（permutation 0）だけで比較しています（1問につき1解答）。',
  importWhyHarnessResults: 'harness 自身による結果行の採点（問題文・選択肢・正解はファイルから）。このファイルを採点できる唯一のプロトコルです',
  importWhyOfficial: 'IgakuQA の公式スクリプト: 選んだ IgakuQA フォルダーの全問題、厳密な予測文字列、得点、必修/一般、合否',
  importWhyHarness: '研究用ハーネスの問題集合と規則。予測をその応答として読みます（完全一致・ゲシュタルト一致）',
  importWhyMedlocal: 'MedLocal 独自の寛容な解析と採点。公表値とは比較できません',
  importNeedsDataset: 'この予測には正解が含まれていません。「設定」で予測が答えたデータセット（公式採点には IgakuQA フォルダー）を選んでから、もう一度取り込んでください。',
  importOfficialNeedsIgakuqa: 'igakuqa-official は選べません。データセットに IgakuQA フォルダーが必要です（「設定」）。現在: {0}',
};
