// Fabricated runs for the panel tests: small enough to count by hand (see the comments).
import type { AnswerRecord, BenchRunListing, RunManifest, StoredRunInfo } from '../../../src/protocol/benchProtocol';

export function answer(id: string, correct: boolean, overrides: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    id,
    mode: 'letter',
    source: 'igakuqa',
    language: 'ja',
    points: 1,
    choiceCount: 5,
    gold: [0],
    kinki: [],
    predicted: correct ? [0] : [1],
    correct,
    kinkiPicked: [],
    elapsedMs: 10,
    ...overrides,
  };
}

/**
 * Run A, 8 questions, 5 right (A1 A3 A5 A7 A8).
 * Block 116A: points 1 each, 2 of 4 earned; block 116B: points 3 each, 9 of 12 earned → 11/16.
 * 禁忌肢 picked in A4 (b) and A6 (e). Multi-answer: A4 (wrong), A5 (right).
 * Examinees: 90 80 70 60 | 50 40 85 75 → mean 68.75%.
 */
export const ANSWERS_A: AnswerRecord[] = [
  answer('116A1', true, { block: '116A', category: '循環器', humanAccuracy: 90, choiceProbs: [0.7, 0.1, 0.1, 0.05, 0.05] }),
  answer('116A2', false, { block: '116A', category: '循環器', gold: [1], predicted: [2], humanAccuracy: 80, choiceProbs: [0.1, 0.2, 0.5, 0.1, 0.1] }),
  answer('116A3', true, { block: '116A', category: '呼吸器', gold: [2], predicted: [2], humanAccuracy: 70 }),
  answer('116A4', false, { block: '116A', category: '呼吸器', gold: [0, 3], predicted: [0, 1], kinki: [1], kinkiPicked: [1], humanAccuracy: 60 }),
  answer('116B1', true, { block: '116B', category: '消化器', points: 3, gold: [0, 4], predicted: [0, 4], humanAccuracy: 50 }),
  answer('116B2', false, { block: '116B', category: '消化器', points: 3, gold: [3], predicted: [4], kinki: [4], kinkiPicked: [4], humanAccuracy: 40 }),
  answer('116B3', true, { block: '116B', category: '循環器', points: 3, gold: [1], predicted: [1], humanAccuracy: 85 }),
  answer('116B4', true, { block: '116B', category: '呼吸器', points: 3, gold: [4], predicted: [4], humanAccuracy: 75 }),
];

/** Run B: A2 and B2 flip to right, A3 flips to wrong; plus 116C1, which A never answered. */
export const ANSWERS_B: AnswerRecord[] = ANSWERS_A.map((record) => {
  if (record.id === '116A2' || record.id === '116B2') return { ...record, correct: true, predicted: record.gold, kinkiPicked: [] };
  if (record.id === '116A3') return { ...record, correct: false, predicted: [0] };
  return record;
}).concat([answer('116C1', true, { block: '116C', category: '腎臓' })]);

export function manifest(overrides: Partial<RunManifest> = {}): RunManifest {
  return {
    medlocalVersion: '0.1.0',
    status: 'completed',
    startedAt: '2026-01-31T05:04:00.000Z',
    model: { name: 'Tiny-Med', path: '/models/tiny-med.Q4_K_M.gguf', quantization: 'Q4_K_M' },
    dataset: { files: [{ path: '/data/IgakuQA/2022', sha256: 'ab' }], questions: 8 },
    format: { id: 'igakuqa', hash: '0123456789abcdef0123', description: 'IgakuQA' },
    scoring: { mode: 'letter' },
    parallel: 1,
    bench: { dataset: 'igakuqa:/data/IgakuQA/2022', language: 'ja', format: 'igakuqa', scoring: 'letter' },
    ...overrides,
  };
}

export function storedRun(runDir: string, answers: AnswerRecord[], overrides: Partial<RunManifest> = {}): StoredRunInfo {
  return { runDir, manifest: manifest({ dataset: { files: [], questions: answers.length }, ...overrides }), answers };
}

export const LISTINGS: BenchRunListing[] = [
  { runDir: '/runs/20260131-050400-igakuqa-letter-1', status: 'completed', model: 'Tiny-Med', dataset: 'igakuqa:/data/IgakuQA/2022', mode: 'letter', format: 'igakuqa', startedAt: '2026-01-31T05:04:00.000Z', answered: 8, total: 8, accuracy: 0.625, ci95: [0.3057, 0.8632] },
  { runDir: '/runs/20260130-010000-sample-generate-2', status: 'cancelled', model: '/models/other.gguf', dataset: 'sample', mode: 'generate', format: 'igakuqa', startedAt: '2026-01-30T01:00:00.000Z', answered: 3, total: 36, accuracy: 1 / 3 },
  { runDir: '/runs/broken', status: 'damaged', problem: '/runs/broken/manifest.json is not valid JSON (Unexpected token); the folder is not a MedLocal run or was damaged.' },
  { runDir: '/runs/20260129-failed', status: 'failed', dataset: 'medqa:/data/medqa/test.jsonl', mode: 'likelihood', answered: 0, total: 100 },
];
