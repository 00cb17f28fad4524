// A model whose prompt batches take seconds on one thread: the synthetic 238M llama of the
// benchmarks (test/fixtures/gguf/tinyModel.ts writeSyntheticModel), written once per machine into
// the test models folder (~5–8 s), renamed into place when complete.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultModelDir, writeSyntheticModel } from '../fixtures/gguf/tinyModel';

export async function ensureSyntheticModel(): Promise<string> {
  const file = path.join(defaultModelDir(), 'medlocal-synthetic-238M-q8_0-v1.gguf');
  const ready = await stat(file).then((s) => s.size > 0, () => false);
  if (!ready) await writeSyntheticModel(file);
  return file;
}

/** The process ids whose parent is `pid` (Linux /proc); undefined where /proc cannot tell. */
export async function childPids(pid: number): Promise<number[] | undefined> {
  const { readFile, readdir } = await import('node:fs/promises');
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const children: number[] = [];
    for (const task of tasks) {
      const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
      children.push(...text.split(/\s+/).filter(Boolean).map(Number));
    }
    return children;
  } catch {
    return undefined;
  }
}
