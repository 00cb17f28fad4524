// The built-in sample set (MedLocal's own questions, NOT exam data), loaded through the same
// IgakuQA converter as the real files so it exercises the same code path.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { igakuqaToQuestion } from '../datasets/igakuqa';
import { emptyLoadResult, type Language, type LoadResult } from '../question';
import { SAMPLE_QUESTIONS, type SampleQuestion } from './questions';

export { SAMPLE_QUESTIONS, type SampleQuestion } from './questions';

export const SAMPLE_SOURCE = 'medlocal-sample';
/** Exam name in the IgakuQA-style file names: sample-A.jsonl, sample-B.jsonl. */
export const SAMPLE_EXAM = 'sample';
/** Stands for the sample set in a run manifest's dataset files. */
export const SAMPLE_DATASET_PATH = 'builtin:medlocal-sample';

interface IgakuQAFileLines {
  question: Record<string, unknown>;
  metadata: Record<string, unknown>;
  translation: Record<string, unknown>;
}

/** One sample question as the three IgakuQA file lines (question, _metadata, _translate). */
export function toIgakuQALines(sample: SampleQuestion): IgakuQAFileLines {
  return {
    question: {
      problem_id: sample.problem_id,
      problem_text: sample.problem_text,
      choices: sample.choices,
      text_only: true,
      answer: sample.answer,
      points: sample.block === 'B' ? '3' : '1',
    },
    metadata: {
      problem_id: sample.problem_id,
      category: sample.category,
      kinki: sample.kinki,
      reason: '',
      human_accuracy: '',
      breakdown: [],
    },
    translation: {
      problem_id: sample.problem_id,
      problem_text_en: sample.problem_text_en,
      choices_en: sample.choices_en,
      answer: sample.answer,
    },
  };
}

export function loadSampleSet(language: Language = 'ja'): LoadResult {
  const result = emptyLoadResult();
  result.files.push(SAMPLE_DATASET_PATH);
  for (const sample of SAMPLE_QUESTIONS) {
    const lines = toIgakuQALines(sample);
    result.questions.push(
      igakuqaToQuestion(lines.question, lines.metadata, lines.translation, {
        language,
        block: `${SAMPLE_EXAM}-${sample.block}`,
        source: SAMPLE_SOURCE,
      }),
    );
  }
  return result;
}

/** Writes the sample set as IgakuQA files (sample-A.jsonl + companions) into `folder`. */
export function writeSampleSetAsIgakuQA(folder: string): string[] {
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  for (const block of ['A', 'B'] as const) {
    const lines = SAMPLE_QUESTIONS.filter((sample) => sample.block === block).map(toIgakuQALines);
    const stem = join(folder, `${SAMPLE_EXAM}-${block}`);
    const files: [string, (line: IgakuQAFileLines) => unknown][] = [
      [`${stem}.jsonl`, (line) => line.question],
      [`${stem}_metadata.jsonl`, (line) => line.metadata],
      [`${stem}_translate.jsonl`, (line) => line.translation],
    ];
    for (const [file, pick] of files) {
      writeFileSync(file, lines.map((line) => JSON.stringify(pick(line))).join('\n') + '\n');
      written.push(file);
    }
  }
  return written;
}

/** Content hash standing in for a file sha256 in run manifests. */
export function sampleSetSha256(): string {
  return createHash('sha256').update(JSON.stringify(SAMPLE_QUESTIONS)).digest('hex');
}
