// Where the read-only real datasets live (never copied into the repository). Tests that need them
// skip with a visible reason when they are absent; MEDLOCAL_SHARED_DATA points elsewhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const SHARED_DATA = process.env['MEDLOCAL_SHARED_DATA'] ?? '/work/shared/data';
export const IGAKUQA_2018 = join(SHARED_DATA, 'igakuqa', '2018');
export const MEDQA_SAMPLE = join(SHARED_DATA, 'medqa', 'medqa_5options_sampled_50.jsonl');
export const MEDMCQA_SAMPLE = join(SHARED_DATA, 'medqa', 'medmcqa_sampled_50.jsonl');

/** A skip reason when `path` is missing, false when it is there (for node:test's `skip`). */
export function skipUnlessPresent(path: string): string | false {
  return existsSync(path) ? false : `real data not present at ${path} (set MEDLOCAL_SHARED_DATA)`;
}
