// Hover matching speed: build time and heap of the matcher for the built-in dictionary plus 100,000
// generated terms, and lookup latency p50/p99 over 10,000 cursor positions in mixed Japanese/English
// notes. Goals (issue): build < 1 s per 100k terms, heap < 150 MB, p99 < 1 ms.
// Run: npm run bench (or node --expose-gc --import tsx perf/hover.mjs)
import { performance } from 'node:perf_hooks';

const loadTs = async (path) => {
  const mod = await import(path);
  return mod.default ?? mod;
};
const terms = await loadTs('../src/terms/index.ts');

const KANA = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン';
const KANJI = '急性慢心筋梗塞症候群炎腫瘍癌不全狭窄閉塞出血障害肺腎肝胃腸脳血管骨髄膵胆嚢甲状腺糖尿病高低圧';
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (s) => s[Math.floor(random() * s.length)];
const word = (alphabet, min, max) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(alphabet)).join('');

function generatedEntries(n) {
  const source = { name: 'generated' };
  return Array.from({ length: n }, (_, i) => ({
    id: `gen-${i}`,
    ja: i % 2 ? word(KANJI, 3, 8) : word(KANA, 4, 9),
    reading: '',
    en: `synthetic condition ${i} ${word('abcdefghijklmnopqrstuvwxyz', 4, 9)}`,
    synonyms: [],
    abbreviations: i % 10 === 0 ? [word('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2, 4)] : [],
    kind: 'disease',
    definitionJa: '',
    definitionEn: '',
    source,
  }));
}

const NOTE_LINES = [
  '既往歴: 急性心筋梗塞（2019年 PCI後）、2型糖尿病、高血圧症。',
  '来院時 CRP 3.4 mg/dL、WBC 12,300、HbA1c 8.1%、eGFR 45。ＡＭＩ疑いで緊急CAG。',
  'Chest pain radiating to the left arm; troponin elevated, suspected myocardial infarction.',
  'ｶﾞｽﾄﾛ予定、PPI内服中。D-ダイマー上昇あり、DVT/PE精査のため造影CT。',
  'Plan: continue DOAC for AF, recheck BNP and K in 1 week. COPD増悪なし。',
];

const gc = globalThis.gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const builtin = terms.loadBuiltinDictionary();
const extra = generatedEntries(100_000);
const started = performance.now();
const matcher = terms.buildMatcher([...builtin, ...extra]);
const buildMs = performance.now() - started;
gc?.();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

const note = Array.from({ length: 200 }, (_, i) => NOTE_LINES[i % NOTE_LINES.length]).join('\n');
const offsets = Array.from({ length: 10_000 }, () => Math.floor(random() * note.length));
for (const offset of offsets.slice(0, 500)) matcher.lookup(note, offset); // warm-up
const times = [];
let hits = 0;
for (const offset of offsets) {
  const t = performance.now();
  const found = matcher.lookup(note, offset);
  times.push(performance.now() - t);
  if (found.length > 0) hits++;
}
times.sort((a, b) => a - b);
const quantile = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];

console.log(`hover benchmark: ${builtin.length} built-in + ${extra.length} generated entries (${matcher.stats.surfaces} surfaces, ${matcher.stats.nodes} trie nodes)`);
console.log(`build ${buildMs.toFixed(0)} ms (goal < 1000 ms per 100k terms: ${buildMs < 1000 ? 'met' : 'NOT met'})`);
console.log(`heap ${heapMb.toFixed(1)} MB${gc ? '' : ' (run with --expose-gc for a steadier figure)'} (goal < 150 MB: ${heapMb < 150 ? 'met' : 'NOT met'})`);
console.log(`lookup over ${offsets.length} cursor positions (${hits} on a term): p50 ${(quantile(0.5) * 1000).toFixed(1)} µs, p99 ${(quantile(0.99) * 1000).toFixed(1)} µs, max ${(times[times.length - 1] * 1000).toFixed(1)} µs (goal p99 < 1 ms: ${quantile(0.99) < 1 ? 'met' : 'NOT met'})`);
